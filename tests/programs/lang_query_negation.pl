% Negated queries: query(\+G) reports \+A for each answer A of G (its probability negated),
% and \+G itself, certainly true, when G has no answer.
:- use_module(library(lists)).
0.3::p(1).
0.5::p(2).
0.4::q.
a :- q.
a :- p(1).
r(X) :- fail, member(X, [1]).

query(\+q).
query(not(a)).
query(\+p(X)).
query(\+p(3)).
query(\+r(1)).
query(call(p, 2)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: \+q = 0.6
% expect: \+a = 0.42
% expect: \+p(1) = 0.7
% expect: \+p(2) = 0.5
% expect: \+p(3) = 1
% expect: \+r(1) = 1
% expect: call(p,2) = 0.5
