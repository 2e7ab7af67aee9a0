% A probabilistic rule makes one independent choice per ground instance of the whole clause,
% body variables included.
b(1). b(2).
0.5::h :- b(Y).

c(1, x). c(2, x). c(3, y).
0.2::k(Z) :- c(_, Z).

0.5::e(1). 0.5::e(2).
0.4::g :- e(X).

query(h).
query(k(x)).
query(k(y)).
query(g).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: h = 0.75
% expect: k(x) = 0.36
% expect: k(y) = 0.2
% expect: g = 0.36
