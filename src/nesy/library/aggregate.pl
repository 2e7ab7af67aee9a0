% library(aggregate): the head aggregates `h(G, avg<X>) :- body.` become calls of aggregate/5
% (front/desugar_head_aggregates.py): the distinct solutions of the body, grouped by the other
% head arguments, each group's values aggregated by the named function.

aggregate(Function, Value, Group, Body, (Group, Result)) :-
    all([Group, Body, Value], Body, Solutions),
    aggregate_groups(Solutions, Groups),
    member(Group, Groups),
    findall(V, member([Group, _, V], Solutions), Values),
    call(Function, Values, Result).

aggregate_groups(Solutions, Groups) :-
    findall(G, member([G, _, _], Solutions), All),
    list_to_set(All, Groups).

avg(Values, Average) :- sum_list(Values, Sum), length(Values, N), N > 0, Average is Sum / N.
sum(Values, Sum) :- sum_list(Values, Sum).
max([V|Vs], Max) :- number(V), max_list([V|Vs], Max).  % (tensor.pl: max/2 of tensors)
min(Values, Min) :- min_list(Values, Min).
count(Values, Count) :- length(Values, Count).

% ProbLog's library(aggregate) also exports its accumulators sum/3, min/3 and max/3.
sum([], Sum, Sum).
sum([X|Xs], Acc, Sum) :- Next is Acc + X, sum(Xs, Next, Sum).
min([], Min, Min).
min([X|Xs], Acc, Min) :- X < Acc, min(Xs, X, Min).
min([X|Xs], Acc, Min) :- X >= Acc, min(Xs, Acc, Min).
max([], Max, Max).
max([X|Xs], Acc, Max) :- X >= Acc, max(Xs, X, Max).
max([X|Xs], Acc, Max) :- X < Acc, max(Xs, Acc, Max).
