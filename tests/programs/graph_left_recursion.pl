% Left-recursive transitive closure over a cyclic graph, queried with a free variable.
0.8::edge(a,b).
0.6::edge(b,c).
0.5::edge(c,a).
0.7::edge(c,d).
0.4::edge(b,d).
0.3::edge(d,b).

path(X,Y) :- path(X,Z), edge(Z,Y).
path(X,Y) :- edge(X,Y).

query(path(a,X)).
query(path(d,a)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: path(a,b) = 0.8
% expect: path(a,c) = 0.48
% expect: path(a,a) = 0.24
% expect: path(a,d) = 0.5216
% expect: path(d,a) = 0.09
