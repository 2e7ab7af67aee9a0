% '<-' clauses: ProbLog reads 'head <- body' as 'head :- body', also for probabilistic
% clauses and annotated disjunctions.
0.5::c.
b.
a <- b, c.
0.3::d <- c.
0.2::e; 0.3::f <- c.
g(X) <- between(1, 2, X), c.
0.4::h(X) <- g(X).

query(a).
query(d).
query(e).
query(f).
query(g(X)).
query(h(2)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: a = 0.5
% expect: d = 0.15
% expect: e = 0.1
% expect: f = 0.15
% expect: g(1) = 0.5
% expect: g(2) = 0.5
% expect: h(2) = 0.2
