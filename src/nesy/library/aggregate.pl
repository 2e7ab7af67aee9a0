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
max(Values, Max) :- max_list(Values, Max).
min(Values, Min) :- min_list(Values, Min).
count(Values, Count) :- length(Values, Count).
