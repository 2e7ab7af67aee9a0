% evidence/1 and evidence/2 (true and false) on facts and derived atoms.
0.3::a.
0.6::b.
0.5::c.
0.2::d.

x :- a, b.
x :- c.
y :- b, \+ d.
z :- x, y.

evidence(x).
evidence(d, false).
evidence(y, true).

query(a).
query(b).
query(c).
query(z).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: a = 0.4615384615
% expect: b = 1
% expect: c = 0.7692307692
% expect: z = 1
