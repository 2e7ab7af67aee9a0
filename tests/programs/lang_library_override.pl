% A program's own definition of a library predicate (member/2, sum_list/2) replaces the
% library's, in direct calls, findall, maplist and call/N closures, and queries.
:- use_module(library(lists)).
:- use_module(library(apply)).
member(X, [X|_]) :- X \= c.
member(X, [_|T]) :- member(X, T).
0.5::p(a). 0.6::p(b). 0.7::p(c).
q(X) :- member(X, [a,b,c]), p(X).
r(L) :- findall(X, member(X, [a,c,b]), L).
s :- maplist(member(a), [[a], [b, a]]).
t :- call(member, c, [c]).
u(N) :- sum_list([1,2], N).
sum_list(_, 42).
query(q(X)).
query(r(L)).
query(s).
query(t).
query(member(a, [b, a])).
query(\+member(c, [c])).
query(u(N)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: q(a) = 0.5
% expect: q(b) = 0.6
% expect: r([a, b]) = 1
% expect: s = 1
% expect: t = 0
% expect: member(a,[b, a]) = 1
% expect: \+member(c,[c]) = 1
% expect: u(42) = 1
