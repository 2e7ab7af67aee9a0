% Probabilities written as arithmetic expressions, evaluated as ProbLog does.
:- use_module(library(lists)).
0.5*0.2::a.
1/3::b.
1-0.3::c.
2**(-1)::d.
max(0.1, 0.2)::e.
exp(-1)::f.
pi/4::g.
0.2::h; 1/4::i.
X::k :- X is 0.25.
P::r(P) :- member(P, [0.1, 1/5]).

query(a).
query(b).
query(c).
query(d).
query(e).
query(f).
query(g).
query(h).
query(i).
query(k).
query(r(_)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: a = 0.1
% expect: b = 0.3333333333
% expect: c = 0.7
% expect: d = 0.5
% expect: e = 0.2
% expect: f = 0.3678794412
% expect: g = 0.7853981634
% expect: h = 0.2
% expect: i = 0.25
% expect: k = 0.25
% expect: r(0.1) = 0.1
% expect: r(1/5) = 0.2
