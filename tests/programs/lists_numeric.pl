% Numeric list predicates: sum_list, max_list, min_list, sort, over probabilistic choices.
:- use_module(library(lists)).

0.5::pick(1); 0.5::pick(2).
0.4::pick_b(3); 0.6::pick_b(1).

hand(L) :- pick(A), pick_b(B), L = [A, B, 2].
total(S) :- hand(L), sum_list(L, S).
largest(M) :- hand(L), max_list(L, M).
smallest(M) :- hand(L), min_list(L, M).
sorted(S) :- hand(L), sort(L, S).
nums(L) :- L = [5, 3, 9, 3, 1].
stats(S, Mx, Mn, So) :- nums(L), sum_list(L, S), max_list(L, Mx), min_list(L, Mn), sort(L, So).

query(total(S)).
query(largest(M)).
query(smallest(M)).
query(sorted(S)).
query(stats(A, B, C, D)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: total(6) = 0.2
% expect: total(4) = 0.3
% expect: total(7) = 0.2
% expect: total(5) = 0.3
% expect: largest(3) = 0.4
% expect: largest(2) = 0.6
% expect: smallest(1) = 0.8
% expect: smallest(2) = 0.2
% expect: sorted([1, 2, 3]) = 0.2
% expect: sorted([1, 2]) = 0.6
% expect: sorted([2, 3]) = 0.2
% expect: stats(21,9,1,[1, 3, 5, 9]) = 1
