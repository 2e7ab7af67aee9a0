% library(lists): select_weighted/4,5 and select_uniform/4 draw one value of a list (the rest
% of the list is Rest); the draw's ID names it, so two calls with the same ID make the same
% draw. Also nth0/4, nth1/4 (the element and the list without it) and selectchk/4 (replace the
% first match; as in ProbLog, the other elements of the new list are left unbound).
:- use_module(library(lists)).
pick(X) :- select_weighted(d1, [1, 2, 3], [a, b, c], X, _).
pair(X, R) :- select_weighted(d2, [(0.5, x), (0.25, y), (0.25, z)], X, R).
uniform(X) :- select_uniform(u, [p, q, r, s], X, _).
two(X, Y) :- select_weighted(d1, [1, 2, 3], [a, b, c], X, R), select_uniform(d3, R, Y, _).
same :- pick(X), pick(Y), X \= Y.
0.5::coin.
mixed(X) :- coin, select_uniform(m, [h, t], X, _).
mixed(X) :- \+ coin, select_weighted(m2, [0.9, 0.1], [h, t], X, _).
at0(I, X, R) :- nth0(I, [a, b, c], X, R).
at1(X, R) :- nth1(2, [a, b, c], X, R).
replaced(R) :- selectchk(b, [a, b, c], x, R), R = [a, _|T], T = [c].

query(pick(_)).
query(pair(_, _)).
query(uniform(_)).
query(two(_, _)).
query(same).
query(mixed(_)).
query(at0(_, _, _)).
query(at1(_, _)).
query(replaced(_)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: pick(a) = 0.1666666667
% expect: pick(b) = 0.3333333333
% expect: pick(c) = 0.5
% expect: pair(x,[y, z]) = 0.5
% expect: pair(y,[x, z]) = 0.25
% expect: pair(z,[x, y]) = 0.25
% expect: uniform(p) = 0.25
% expect: uniform(q) = 0.25
% expect: uniform(r) = 0.25
% expect: uniform(s) = 0.25
% expect: two(a,b) = 0.08333333333
% expect: two(a,c) = 0.08333333333
% expect: two(b,a) = 0.1666666667
% expect: two(b,c) = 0.1666666667
% expect: two(c,a) = 0.25
% expect: two(c,b) = 0.25
% expect: same = 0
% expect: mixed(h) = 0.7
% expect: mixed(t) = 0.3
% expect: at0(0,a,[b, c]) = 1
% expect: at0(1,b,[a, c]) = 1
% expect: at0(2,c,[a, b]) = 1
% expect: at1(b,[a, c]) = 1
% expect: replaced([a, x, c]) = 1
