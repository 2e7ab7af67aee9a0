% nesy's list library, written in the program language itself. A program that defines a
% predicate of the same name and arity uses its own definition instead (as in ProbLog).
% The core list predicates (member/2, append/3, length/2, nth0/3, sort/2, ...) are builtins.

append([], []).
append([L|Ls], As) :- append(L, Ws, As), append(Ls, Ws).

delete([], _, []).
delete([X|Xs], Y, Zs) :- ( X \= Y -> Zs = [X|Rest] ; Zs = Rest ), delete(Xs, Y, Rest).

flatten(List, Flat) :- flatten(List, [], Flat0), Flat = Flat0.
flatten(X, Tail, Flat) :-
    ( var(X) -> Flat = [X|Tail]
    ; X == [] -> Flat = Tail
    ; X = [H|T] -> flatten(H, Rest, Flat), flatten(T, Tail, Rest)
    ; Flat = [X|Tail] ).

intersection([], _, []).
intersection([X|Xs], Ys, Zs) :-
    ( memberchk(X, Ys) -> Zs = [X|Rest] ; Zs = Rest ), intersection(Xs, Ys, Rest).

union([], Ys, Ys).
union([X|Xs], Ys, Zs) :- ( memberchk(X, Ys) -> Zs = Rest ; Zs = [X|Rest] ), union(Xs, Ys, Rest).

subtract([], _, []).
subtract([X|Xs], Ys, Zs) :- ( memberchk(X, Ys) -> Zs = Rest ; Zs = [X|Rest] ), subtract(Xs, Ys, Rest).

subset([], _).
subset([X|Xs], Ys) :- memberchk(X, Ys), subset(Xs, Ys).

permutation([], []).
permutation(Xs, [Y|Ys]) :- select(Y, Xs, Rest), permutation(Rest, Ys).

prefix(Prefix, List) :- append(Prefix, _, List).

nextto(X, Y, [X, Y|_]).
nextto(X, Y, [_|Zs]) :- nextto(X, Y, Zs).

numlist(Low, High, List) :- Low =< High, numlist_from(Low, High, List).
numlist_from(High, High, [High]).
numlist_from(Low, High, [Low|Rest]) :- Low < High, Next is Low + 1, numlist_from(Next, High, Rest).

max_member(Max, [H|T]) :- max_member(T, H, Max).
max_member([], Max, Max).
max_member([H|T], Acc, Max) :- ( H @> Acc -> Next = H ; Next = Acc ), max_member(T, Next, Max).

min_member(Min, [H|T]) :- min_member(T, H, Min).
min_member([], Min, Min).
min_member([H|T], Acc, Min) :- ( H @< Acc -> Next = H ; Next = Acc ), min_member(T, Next, Min).

proper_length(List, Length) :- is_list(List), length(List, Length).

same_length([], []).
same_length([_|Xs], [_|Ys]) :- same_length(Xs, Ys).

is_set(Set) :- is_list(Set), length(Set, N), sort(Set, Sorted), length(Sorted, N).

selectchk(X, List, Rest) :- once(select(X, List, Rest)).

select(X, [X|Xs], Y, [Y|Xs]).
select(X, [H|Xs], Y, [H|Ys]) :- select(X, Xs, Y, Ys).

head([H|_], H).

unzip([], [], []).
unzip([(X, Y)|T], [X|Xs], [Y|Ys]) :- unzip(T, Xs, Ys).
zip(Xs, Ys, Pairs) :- unzip(Pairs, Xs, Ys).

make_list(0, _, []).
make_list(N, X, [X|Xs]) :- N > 0, M is N - 1, make_list(M, X, Xs).

sub_list(List, Before, Length, After, SubList) :-
    append(Prefix, Rest, List), length(Prefix, Before),
    append(SubList, Suffix, Rest), length(SubList, Length), length(Suffix, After).

partition(_, [], [], []).
partition(Pred, [H|T], [H|I], E) :- call(Pred, H), partition(Pred, T, I, E).
partition(Pred, [H|T], I, [H|E]) :- \+ call(Pred, H), partition(Pred, T, I, E).

foldl(Goal, List, V0, V) :- foldl_list(List, Goal, V0, V).
foldl_list([], _, V, V).
foldl_list([X|Xs], Goal, V0, V) :- call(Goal, X, V0, V1), foldl_list(Xs, Goal, V1, V).

foldl(Goal, List1, List2, V0, V) :- foldl_lists(List1, List2, Goal, V0, V).
foldl_lists([], [], _, V, V).
foldl_lists([X|Xs], [Y|Ys], Goal, V0, V) :- call(Goal, X, Y, V0, V1), foldl_lists(Xs, Ys, Goal, V1, V).

foldl(Goal, List1, List2, List3, V0, V) :- foldl_lists(List1, List2, List3, Goal, V0, V).
foldl_lists([], [], [], _, V, V).
foldl_lists([X|Xs], [Y|Ys], [Z|Zs], Goal, V0, V) :-
    call(Goal, X, Y, Z, V0, V1), foldl_lists(Xs, Ys, Zs, Goal, V1, V).

foldl(Goal, List1, List2, List3, List4, V0, V) :-
    foldl_lists(List1, List2, List3, List4, Goal, V0, V).
foldl_lists([], [], [], [], _, V, V).
foldl_lists([X|Xs], [Y|Ys], [Z|Zs], [W|Ws], Goal, V0, V) :-
    call(Goal, X, Y, Z, W, V0, V1), foldl_lists(Xs, Ys, Zs, Ws, Goal, V1, V).

% foldl_noinit(Goal, List, V): foldl/4 from the first element ([] for the empty list).
foldl_noinit(_, [], []).
foldl_noinit(Goal, [X|Xs], V) :- foldl(Goal, Xs, X, V).

% scanl/4-7 as ProbLog defines them: the list of the values after each step (without V0).
scanl(_, [], _, []).
scanl(Goal, [X|Xs], V0, [V|Vs]) :- call(Goal, X, V0, V), scanl(Goal, Xs, V, Vs).
scanl(_, [], [], _, []).
scanl(Goal, [X|Xs], [Y|Ys], V0, [V|Vs]) :- call(Goal, X, Y, V0, V), scanl(Goal, Xs, Ys, V, Vs).
scanl(_, [], [], [], _, []).
scanl(Goal, [X|Xs], [Y|Ys], [Z|Zs], V0, [V|Vs]) :-
    call(Goal, X, Y, Z, V0, V), scanl(Goal, Xs, Ys, Zs, V, Vs).
scanl(_, [], [], [], [], _, []).
scanl(Goal, [X|Xs], [Y|Ys], [Z|Zs], [W|Ws], V0, [V|Vs]) :-
    call(Goal, X, Y, Z, W, V0, V), scanl(Goal, Xs, Ys, Zs, Ws, V, Vs).

% partition(Goal, List, Less, Equal, Greater): call(Goal, X, Order) with Order one of <, =, >.
partition(_, [], [], [], []).
partition(Goal, [X|Xs], [X|L], E, G) :- call(Goal, X, <), partition(Goal, Xs, L, E, G).
partition(Goal, [X|Xs], L, [X|E], G) :- call(Goal, X, =), partition(Goal, Xs, L, E, G).
partition(Goal, [X|Xs], L, E, [X|G]) :- call(Goal, X, >), partition(Goal, Xs, L, E, G).

convlist(_, [], []).
convlist(Goal, [X|Xs], [Y|Ys]) :- call(Goal, X, Y), convlist(Goal, Xs, Ys).
convlist(Goal, [X|Xs], Ys) :- \+ call(Goal, X, _), convlist(Goal, Xs, Ys).

include(_, [], []).
include(Goal, [X|Xs], [X|Ys]) :- call(Goal, X), include(Goal, Xs, Ys).
include(Goal, [X|Xs], Ys) :- \+ call(Goal, X), include(Goal, Xs, Ys).

exclude(_, [], []).
exclude(Goal, [X|Xs], Ys) :- call(Goal, X), exclude(Goal, Xs, Ys).
exclude(Goal, [X|Xs], [X|Ys]) :- \+ call(Goal, X), exclude(Goal, Xs, Ys).

nth0(0, [X|L], X, L).
nth0(I, [Y|L], X, [Y|R]) :- length(L, Len), between(1, Len, I), J is I - 1, nth0(J, L, X, R).
nth1(I, L, X, R) :- J is I - 1, nth0(J, L, X, R).

selectchk(X, [X|_], Y, [Y|_]).
selectchk(X, [X1|XList], Y, [Y1|YList]) :- \+ (X1 = X, Y1 = Y), selectchk(X, XList, Y, YList).

% select_weighted(ID, Weights, Values, Value, Rest): one value drawn with probability
% proportional to its weight, Rest the others; ID names the draw (the same ID, the same draw).
% As in ProbLog, value i is taken with probability W_i / (the weight of i and the values after
% it) when no earlier value was, and the last value is taken when none before it was.
select_weighted(ID, Weights, Values, Value, Rest) :-
    sum_list(Weights, Total), Total > 0,
    select_weighted_from(ID, Total, Weights, Values, Value, Rest).
select_weighted(ID, WeightsValues, Value, Rest) :-
    unzip(WeightsValues, Weights, Values),
    select_weighted(ID, Weights, Values, Value, Rest).
select_uniform(ID, Values, Value, Rest) :-
    length(Values, Len), Len > 0, Weight is 1 / Len,
    make_list(Len, Weight, Weights),
    select_weighted(ID, Weights, Values, Value, Rest).

P::select_weighted_take(_ID, P, _Weights, _Value, _Rest).
select_weighted_from(_, _, [_|_], [X], X, []).
select_weighted_from(ID, Total, [W|Ws], [X|Xs], X, Xs) :-
    Xs \= [], P is W / Total, select_weighted_take(ID, P, Ws, X, Xs).
select_weighted_from(ID, Total, [W|Ws], [X|Xs], Y, [X|Rest]) :-
    Xs \= [], P is W / Total, \+ select_weighted_take(ID, P, Ws, X, Xs),
    Left is Total - W, select_weighted_from(ID, Left, Ws, Xs, Y, Rest).
