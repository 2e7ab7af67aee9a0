% List predicates from library(lists) used in deterministic and probabilistic clauses.
:- use_module(library(lists)).

0.3::likes(X) :- member(X, [tea, coffee, juice]).

basket([tea, coffee, juice]).
nth_choice(N, X) :- basket(B), nth0(N, B, X), likes(X).
first_liked :- basket(B), nth1(1, B, X), likes(X).
both([X, Y]) :- basket(B), append(_, [X, Y | _], B), likes(X), likes(Y).
rev_last(X) :- basket(B), reverse(B, [X | _]).
count(N) :- basket(B), length(B, N).
rest(R) :- select(coffee, [tea, coffee, juice], R).

query(nth_choice(2, X)).
query(first_liked).
query(both(P)).
query(rev_last(X)).
query(count(N)).
query(rest(R)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: nth_choice(2,juice) = 0.3
% expect: first_liked = 0.3
% expect: both([tea, coffee]) = 0.09
% expect: both([coffee, juice]) = 0.09
% expect: rev_last(juice) = 1
% expect: count(3) = 1
% expect: rest([tea, juice]) = 1
