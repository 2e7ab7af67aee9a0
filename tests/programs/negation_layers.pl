% Three strata of negation over a small probabilistic domain.
node(1). node(2). node(3).

0.5::red(X) :- node(X).
0.4::big(2).
0.7::big(3).

blue(X) :- node(X), \+ red(X).
small(X) :- node(X), \+ big(X).
odd_one(X) :- blue(X), small(X).
no_odd :- \+ odd_one(1), \+ odd_one(2), \+ odd_one(3).
some_odd :- \+ no_odd.

query(odd_one(1)).
query(odd_one(2)).
query(no_odd).
query(some_odd).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: odd_one(1) = 0.5
% expect: odd_one(2) = 0.3
% expect: no_odd = 0.2975
% expect: some_odd = 0.7025
