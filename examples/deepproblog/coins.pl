% Copied unmodified (below this header) from DeepProbLog 2.1.0, deepproblog/examples/Coins/model.pl.
% Copyright the DeepProbLog team (KU Leuven), Apache License 2.0: see examples/deepproblog/README.md.
nn(net1, [X], Y, [heads, tails]) :: coin(1,X,Y).
nn(net2, [X], Y, [heads, tails]) :: coin(2,X,Y).

outcome(X,X,win).
outcome(X,Y,loss) :- \+outcome(X,Y,win).

game(X,Outcome) :-
    coin(1,X,C1),
    coin(2,X,C2),
    outcome(C1,C2,Outcome).

and([]).
and([H|T]) :- H, and(T).
