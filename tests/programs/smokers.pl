% The classic social-network smokers example with cyclic friendships.
person(1). person(2). person(3). person(4).

friend(1,2). friend(2,1). friend(2,4). friend(3,2). friend(4,2).

0.3::stress(X) :- person(X).
0.2::influences(X,Y) :- person(X), person(Y).

smokes(X) :- stress(X).
smokes(X) :- friend(X,Y), influences(Y,X), smokes(Y).

0.4::asthma(X) :- smokes(X).

query(smokes(1)).
query(smokes(2)).
query(smokes(3)).
query(smokes(4)).
query(asthma(1)).
query(asthma(4)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: smokes(1) = 0.34788
% expect: smokes(2) = 0.38148
% expect: smokes(3) = 0.3534072
% expect: smokes(4) = 0.34788
% expect: asthma(1) = 0.139152
% expect: asthma(4) = 0.139152
