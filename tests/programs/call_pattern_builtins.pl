% Non-logical builtins observe the bindings of the call: a table must not lend its answers to a
% call of another pattern (ProbLog evaluates such calls in SLD order).
0.2::left_known.
0.6::right_known.
slot(L, _) :- var(L), left_known, L = known.
slot(_, R) :- var(R), right_known, R = known.
complete(L, R) :- L == known, R == known.
complete(L, R) :- slot(L, R), complete(L, R).
done :- complete(_, _).
query(done).

0.3::c(1). 0.4::c(2).
fresh(X) :- var(X), c(X).
fresh(X) :- nonvar(X), X \== 2, c(X).
via_free :- fresh(X), X == 2.
via_bound :- fresh(2).
query(via_bound).
query(via_free).

0.5::b(x).
nb(X) :- \+ b(_), X = y.
nb(X) :- X \= y, b(X).
query(nb(x)).
query(nb(y)).
both :- nb(Y), Y == x.
query(both).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: done = 0.12
% expect: via_bound = 0
% expect: via_free = 0.4
% expect: nb(x) = 0.5
% expect: nb(y) = 0.5
% expect: both = 0
