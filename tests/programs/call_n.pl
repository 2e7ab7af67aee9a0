% call/N with partial goals, and probabilistic predicates reached through call/N.
0.4::rel(a, b).
0.7::rel(b, c).
0.2::rel(a, c).

apply_rel(R, X, Y) :- call(R, X, Y).
twice(G, X, Z) :- call(G, X, Y), call(G, Y, Z).
check(G) :- call(G).

query(apply_rel(rel, a, Y)).
query(twice(rel, a, c)).
query(check(rel(b, c))).
query(check(twice(rel, a, c))).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: apply_rel(rel,a,b) = 0.4
% expect: apply_rel(rel,a,c) = 0.2
% expect: twice(rel,a,c) = 0.28
% expect: check(rel(b,c)) = 0.7
% expect: check(twice(rel,a,c)) = 0.28
