% Negative head literals: a clause '\+h' lowers the probability of h. ProbLog rewrites
% positive heads of h to h_p, negative ones to h_n, and adds h :- h_p, \+h_n.
0.4::c.
0.8::a.
0.5::\+a :- c.
b :- a.

0.9::alarm.
\+alarm :- broken.
0.1::broken.
not alarm :- c, \+b.

0.7::p(1).
p(2).
0.5::\+p(X) :- c, X > 1.

0.7::q.
0.3::\+q; 0.2::r :- c.

query(a).
query(b).
query(alarm).
query(p(X)).
query(q).
query(r).
query(a_p).
query(a_n).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: a = 0.64
% expect: b = 0.64
% expect: alarm = 0.6156
% expect: p(1) = 0.7
% expect: p(2) = 0.8
% expect: q = 0.616
% expect: r = 0.08
% expect: a_p = 0.8
% expect: a_n = 0.2
