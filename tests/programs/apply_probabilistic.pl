% library(apply) and library(lists) predicates over probabilistic goals and data.
:- use_module(library(apply)).
:- use_module(library(lists)).
0.5::good(2). 0.3::good(3).
kept(L) :- include(good, [1, 2, 3], L).
dropped(L) :- exclude(good, [1, 2, 3], L).
split(I, E) :- partition(good, [2, 3], I, E).
query(kept(_)).
query(dropped(_)).
query(split(_, _)).
0.4::big(5).
top(M) :- findall(X, (member(X, [1, 5, 3]), big(X)), L), append(L, [0], L2), max_list(L2, M).
query(top(_)).
both(L) :- numlist(1, 4, N), subtract(N, [2], S), reverse(S, L).
query(both(_)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: kept([2, 3]) = 0.15
% expect: kept([2]) = 0.35
% expect: kept([3]) = 0.15
% expect: kept([]) = 0.35
% expect: dropped([1, 2, 3]) = 0.35
% expect: dropped([1, 2]) = 0.15
% expect: dropped([1, 3]) = 0.35
% expect: dropped([1]) = 0.15
% expect: split([2, 3],[]) = 0.15
% expect: split([2],[3]) = 0.35
% expect: split([3],[2]) = 0.15
% expect: split([],[2, 3]) = 0.35
% expect: top(5) = 0.4
% expect: top(0) = 0.6
% expect: both([4, 3, 1]) = 1
