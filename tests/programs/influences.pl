% A non-ground probabilistic rule over all pairs of people: only the ground instances that
% the query needs take part.
person(p1). person(p2). person(p3).
knows(p1, p2). knows(p2, p3). knows(p3, p1). knows(p1, p3).

0.2::influences(X, Y) :- person(X), person(Y).
0.1::trend(X) :- person(X).

adopts(X) :- trend(X).
adopts(X) :- knows(Y, X), influences(Y, X), adopts(Y).

query(adopts(p1)).
query(adopts(p3)).
query(influences(p1, p2)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: adopts(p1) = 0.12124
% expect: adopts(p3) = 0.138232
% expect: influences(p1,p2) = 0.2
