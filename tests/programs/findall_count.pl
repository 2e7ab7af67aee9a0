% findall/3 over deterministic goals to compute a threshold that probabilistic rules use.
:- use_module(library(lists)).

item(apple, 3). item(bread, 2). item(cheese, 7). item(dates, 5).

prices(L) :- findall(P, item(_, P), L).
n_items(N) :- findall(I, item(I, _), L), length(L, N).
expensive(I) :- item(I, P), prices(L), sum_list(L, S), n_items(N), P * N > S.

0.6::buy(I) :- item(I, _).
splurge :- expensive(I), buy(I).
budget(N) :- findall(I, expensive(I), L), length(L, N).

query(expensive(X)).
query(splurge).
query(budget(N)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: expensive(cheese) = 1
% expect: expensive(dates) = 1
% expect: splurge = 0.84
% expect: budget(2) = 1
