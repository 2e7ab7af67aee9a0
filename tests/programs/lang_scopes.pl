% Scopes: 's1:a' is an atom of its own; library(scope) scopes conjunctions, lists of scopes
% and goals defined outside any scope, as ProbLog's library/scope.pl.
:- use_module(library(scope)).
0.3::s1:a.
0.5::s2:b.
0.4::s1:b.
0.2::c.
d(X) :- X > 1.
query([s1,s2]:(a,b)).
query(s1:(a,b)).
query(s2:c).
query([s1,s2]:b).
query(s1:d(2)).
query(s1:(X is 1+1)).
0.6::s3:e.
query(s3:e).
query(\+s1:a).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: [s1, s2]:(a, b) = 0.21
% expect: s1:(a, b) = 0.12
% expect: s2:c = 0.2
% expect: [s1, s2]:b = 0.7
% expect: s1:d(2) = 1
% expect: s1:(2 is 1+1) = 1
% expect: s3:e = 0.6
% expect: \+s1:a = 0.7
