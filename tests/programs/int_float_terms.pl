% 1 and 1.0 are different terms: they do not unify, tables keyed by them stay apart.
:- use_module(library(lists)).
f(1).
0.5::g(2.0).
query(f(1)).
query(f(1.0)).
query(g(2)).
query(g(2.0)).
0.4::a.
double(X, R) :- a, R is X * 2.
whole :- double(2, 4).
real :- double(2.0, 4.0).
mixed :- double(2.0, 4).
query(whole).
query(real).
query(mixed).
0.7::d.
half(X, R) :- d, R is X / 2.
h1 :- half(4, R), R == 2.0.
h2 :- half(4, 2).
query(h1).
query(h2).
k(X) :- member(X, [1, 1.0]), a.
query(k(1)).
query(k(1.0)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: f(1) = 1
% expect: f(1.0) = 0
% expect: g(2) = 0
% expect: g(2.0) = 0.5
% expect: whole = 0.4
% expect: real = 0.4
% expect: mixed = 0
% expect: h1 = 0.7
% expect: h2 = 0
% expect: k(1) = 0.4
% expect: k(1.0) = 0.4
