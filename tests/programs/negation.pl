% Stratified negation through probabilistic facts, with both \+ and not/1.
0.6::rains.
0.3::sprinkler_on.
0.8::has_roof(house).
0.1::has_roof(shed).

place(house). place(shed). place(garden).

wet(P) :- place(P), rains, \+ has_roof(P).
wet(garden) :- sprinkler_on.
dry(P) :- place(P), not(wet(P)).
all_dry :- \+ wet(house), \+ wet(shed), \+ wet(garden).

query(wet(shed)).
query(wet(garden)).
query(dry(house)).
query(dry(garden)).
query(all_dry).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: wet(shed) = 0.54
% expect: wet(garden) = 0.72
% expect: dry(house) = 0.88
% expect: dry(garden) = 0.28
% expect: all_dry = 0.28
