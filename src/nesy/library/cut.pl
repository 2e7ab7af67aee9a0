% library(cut): ordered clauses. cut(p(A...)) calls p(I, A...) with the clauses of p tried in
% the order of their first argument I, and only the first that succeeds counts: a later clause
% applies in the worlds where no earlier one does.

cut(Call) :- cut(Call, _).
cut(Call, Index) :-
    Call =.. [Name|Args],
    Indexed =.. [Name, Index|Args],
    all(Index, clause(Indexed, _), Indices),
    sort(Indices, Ordered),
    cut_first(Indexed, Index, Ordered).

cut_first(Indexed, Index, [Index|_]) :- call(Indexed).
cut_first(Indexed, Index, [Earlier|Rest]) :-
    \+ (Earlier = Index, call(Indexed)),
    cut_first(Indexed, Index, Rest).
