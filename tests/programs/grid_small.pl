% Reachability on a 3x3 grid with probabilistic right (0.6) and down (0.4) edges.
0.6::edge(0, 1). 0.6::edge(1, 2).
0.6::edge(3, 4). 0.6::edge(4, 5).
0.6::edge(6, 7). 0.6::edge(7, 8).
0.4::edge(0, 3). 0.4::edge(1, 4). 0.4::edge(2, 5).
0.4::edge(3, 6). 0.4::edge(4, 7). 0.4::edge(5, 8).

path(X, Y) :- edge(X, Y).
path(X, Y) :- edge(X, Z), path(Z, Y).

query(path(0, 8)).
query(path(0, 4)).
query(path(4, 8)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: path(0,8) = 0.2486028534
% expect: path(0,4) = 0.4224
% expect: path(4,8) = 0.4224
