% Reachability in a cyclic graph with probabilistic edges; the cycles 1-2-3-1 and 3-4-3
% must be handled by tabling, not by unfolding.
0.7::edge(1,2).
0.5::edge(2,3).
0.4::edge(3,1).
0.6::edge(3,4).
0.3::edge(4,3).
0.9::edge(4,5).
0.2::edge(2,5).
0.5::edge(5,1).

path(X,Y) :- edge(X,Y).
path(X,Y) :- edge(X,Z), path(Z,Y).

query(path(1,5)).
query(path(1,1)).
query(path(4,2)).
query(path(5,4)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: path(1,5) = 0.2912
% expect: path(1,1) = 0.24136
% expect: path(4,2) = 0.3612
% expect: path(5,4) = 0.105
