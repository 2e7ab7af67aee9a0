% library(collect): `Goal => Group/collector(Args...)` calls collect_collector(Goal, Group,
% Args...), and `Goal => collector(Args...)` the same with the group `none`. A program defines
% its own collectors; collect_list/4 is given.

'=>'(Goal, Group/Collector) :-
    Collector =.. [Name|Args],
    atom_concat(collect_, Name, Predicate),
    Call =.. [Predicate, Goal, Group|Args],
    call(Call).
'=>'(Goal, Collector) :-
    Collector \= _/_,
    Collector =.. [Name|Args],
    atom_concat(collect_, Name, Predicate),
    Call =.. [Predicate, Goal, none|Args],
    call(Call).

collectgroup(Goal, Value, Group, Values) :-
    all_or_none((Group, Value), Goal, Pairs),
    enum_groups(Pairs, Group, Values).

collect_list(Goal, Value, Values) :- collect_list(Goal, none, Value, Values).
collect_list(Goal, Group, Value, Values) :- collectgroup(Goal, Value, Group, Values).
