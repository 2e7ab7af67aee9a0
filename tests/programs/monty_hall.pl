% The Monty Hall problem: the host opens a door that hides no prize and was not selected.
door(1). door(2). door(3).
1/3::prize(1); 1/3::prize(2); 1/3::prize(3).

select_door(1).

0.5::open_door(2); 0.5::open_door(3) :- prize(1).
open_door(2) :- prize(3).
open_door(3) :- prize(2).

win_keep :- select_door(X), prize(X).
win_switch :- door(X), \+ select_door(X), \+ open_door(X), prize(X).

query(win_keep).
query(win_switch).
query(open_door(2)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: win_keep = 0.3333333333
% expect: win_switch = 0.6666666667
% expect: open_door(2) = 0.5
