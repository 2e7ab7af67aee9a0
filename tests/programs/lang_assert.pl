% library(assert): assertz/1, retract/1 and retractall/1 change the clauses while grounding, in
% ProbLog's order: the directives first (each for all its solutions), then the queries one by
% one; a goal grounded after a change sees the new clauses. Grounding does not depend on the
% worlds: `add` asserts f(3) although it needs `a`. retract/1 binds nothing and removes the first
% clause whose head arguments equal the goal's ground ones.
:- use_module(library(assert)).
:- assertz(edge(a, b)).
:- assertz((path(X, Y) :- edge(X, Y))).
:- assertz((path(X, Y) :- edge(X, Z), path(Z, Y))).
next(c). next(d).
:- next(X), assertz(edge(b, X)).
0.5::link(a, e).
:- assertz((edge(X, Y) :- link(X, Y))).

f(0). f(1). f(2).
0.3::a.
0.6::p(1). 0.4::p(2).
h(1). h(2).
g(X) :- f(X).
later(X) :- f(X).
r(X) :- p(X).
hh(X) :- h(X).
add :- a, assertz(f(3)).
drop :- retract(f(1)).
drop_choice :- retract(p(1)).
clear :- retractall(h(_)).

query(path(a, _)).
query(g(_)).
query(add).
query(drop).
query(later(_)).
query(drop_choice).
query(r(_)).
query(clear).
query(hh(1)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: path(a,b) = 1
% expect: path(a,e) = 0.5
% expect: path(a,c) = 1
% expect: path(a,d) = 1
% expect: g(0) = 1
% expect: g(1) = 1
% expect: g(2) = 1
% expect: add = 0.3
% expect: drop = 1
% expect: later(0) = 1
% expect: later(2) = 1
% expect: later(3) = 1
% expect: drop_choice = 1
% expect: r(2) = 0.4
% expect: clear = 1
% expect: hh(1) = 0
