% clause/2, clause/3 and library(cut)'s ordered clauses, over plain and probabilistic clauses.
:- use_module(library(cut)).
0.4::wet.
grass(green) :- wet.
0.7::grass(brown).
first_body(B) :- clause(grass(green), B).
weight(H, P) :- clause(grass(H), _, P).
query(first_body(_)).
query(weight(_, _)).
0.6::dry.
pick(1, X, Y, Y) :- X =< Y.
pick(2, _, _, none) :- dry.
pick(3, X, _, X).
best(X, Y, Z) :- cut(pick(X, Y, Z)).
query(best(2, 3, _)).
query(best(5, 1, _)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: first_body(wet) = 1
% expect: weight(green,1.0) = 1
% expect: weight(brown,0.7) = 1
% expect: best(2,3,3) = 1
% expect: best(5,1,none) = 0.6
% expect: best(5,1,5) = 0.4
