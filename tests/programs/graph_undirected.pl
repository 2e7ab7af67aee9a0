% Connectivity in an undirected network of unreliable links, given that two nodes are
% observed to be connected and one link is observed to be down.
0.9::link(s,a).
0.5::link(s,b).
0.4::link(a,b).
0.6::link(a,t).
0.7::link(b,t).
0.3::link(b,c).
0.8::link(c,t).

adjacent(X,Y) :- link(X,Y).
adjacent(X,Y) :- link(Y,X).

connected(X,Y) :- adjacent(X,Y).
connected(X,Y) :- adjacent(X,Z), connected(Z,Y).

evidence(connected(s,t), true).
evidence(link(a,t), false).

query(connected(s,c)).
query(link(s,b)).
query(link(b,t)).
query(connected(a,c)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: connected(s,c) = 0.8730569948
% expect: link(s,b) = 0.7352941176
% expect: link(b,t) = 0.9067357513
% expect: connected(a,c) = 0.8345397745
