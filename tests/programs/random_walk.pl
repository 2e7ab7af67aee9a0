% A bounded random walk on the integers: the step at every time is an annotated disjunction.
0.3::step(T, left); 0.5::step(T, right); 0.2::step(T, stay) :- between(1, 4, T).

pos(0, 0).
pos(T, X) :- T > 0, Tp is T - 1, pos(Tp, Xp), step(T, left), X is Xp - 1.
pos(T, X) :- T > 0, Tp is T - 1, pos(Tp, Xp), step(T, right), X is Xp + 1.
pos(T, X) :- T > 0, Tp is T - 1, pos(Tp, X), step(T, stay).

ends_right :- pos(4, X), X > 0.

query(pos(4, X)).
query(ends_right).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: pos(4,-4) = 0.0081
% expect: pos(4,-2) = 0.0756
% expect: pos(4,-3) = 0.0216
% expect: pos(4,0) = 0.2086
% expect: pos(4,-1) = 0.1176
% expect: pos(4,2) = 0.21
% expect: pos(4,1) = 0.196
% expect: pos(4,4) = 0.0625
% expect: pos(4,3) = 0.1
% expect: ends_right = 0.5685
