% ':- unknown(fail).': a predicate without clauses fails instead of raising an error,
% wherever the directive stands.
0.5::a.
0.4::e.
b :- a, c.
b :- a.
d :- e, \+ missing.
f :- findall(X, nothing(X), L), L = [].
:- unknown(fail).

query(b).
query(d).
query(f).
query(zz).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: b = 0.5
% expect: d = 0.4
% expect: f = 1
% expect: zz = 0
