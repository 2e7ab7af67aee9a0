% findall/3, all/3, all_or_none/3 and forall/2 over probabilistic goals: a distribution over
% the lists, one item per derivation that holds in a world (ProbLog's semantics).
:- use_module(library(lists)).
0.5::a. 0.4::b. 0.3::c(2). 0.2::e(5).
p(1) :- a.
p(1) :- b.
p(2) :- c(2).
p(3).
every(L) :- findall(X, p(X), L).
query(every(_)).
count(N) :- findall(X, p(X), L), length(L, N).
query(count(_)).
distinct(L) :- all(X, p(X), L).
query(distinct(_)).
big(L) :- all_or_none(X, (p(X), X > 1, e(5)), L).
query(big(_)).
small :- forall(p(X), X < 3).
query(small).
pairs(K) :- findall(X-Y, (p(X), X > 1, findall(Z, (p(Z), Z < X, Z > 1), Y)), K).
query(pairs(_)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: every([1, 1, 2, 3]) = 0.06
% expect: every([1, 2, 3]) = 0.15
% expect: every([2, 3]) = 0.09
% expect: every([1, 1, 3]) = 0.14
% expect: every([1, 3]) = 0.35
% expect: every([3]) = 0.21
% expect: count(4) = 0.06
% expect: count(3) = 0.29
% expect: count(2) = 0.44
% expect: count(1) = 0.21
% expect: distinct([1, 2, 3]) = 0.21
% expect: distinct([2, 3]) = 0.09
% expect: distinct([1, 3]) = 0.49
% expect: distinct([3]) = 0.21
% expect: big([2, 3]) = 0.06
% expect: big([3]) = 0.14
% expect: big([2]) = 0
% expect: big([]) = 0.8
% expect: small = 0
% expect: pairs([3-[]]) = 0.7
% expect: pairs([2-[], 3-[2]]) = 0.3
