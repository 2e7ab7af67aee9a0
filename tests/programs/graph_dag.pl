% Probabilistic reachability in a small directed acyclic graph (right recursion).
0.6::edge(1,2).
0.1::edge(1,3).
0.4::edge(2,5).
0.3::edge(2,6).
0.3::edge(3,4).
0.8::edge(4,5).
0.2::edge(5,6).

path(X,Y) :- edge(X,Y).
path(X,Y) :- edge(X,Z), path(Z,Y).

query(path(1,5)).
query(path(1,6)).
query(path(3,6)).
query(path(6,1)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: path(1,5) = 0.25824
% expect: path(1,6) = 0.2167296
% expect: path(3,6) = 0.048
% expect: path(6,1) = 0
