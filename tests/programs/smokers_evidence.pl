% Smokers with a ring of friends plus a chord, conditioned on positive and negative evidence.
person(alice). person(bob). person(carl). person(dana). person(eve).

friend(alice,bob). friend(bob,carl). friend(carl,dana). friend(dana,eve). friend(eve,alice).
friend(bob,eve).

0.2::stress(X) :- person(X).
0.3::influences(X,Y) :- person(X), person(Y).

smokes(X) :- stress(X).
smokes(X) :- friend(X,Y), influences(Y,X), smokes(Y).

0.4::asthma(X) :- smokes(X).
cancer_risk(X) :- smokes(X), asthma(X).

evidence(smokes(carl), true).
evidence(asthma(eve), false).
evidence(stress(alice)).

query(smokes(bob)).
query(smokes(dana)).
query(smokes(eve)).
query(cancer_risk(bob)).
query(influences(carl,bob)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: smokes(bob) = 0.5017328747
% expect: smokes(dana) = 0.457237801
% expect: smokes(eve) = 0.3674575876
% expect: cancer_risk(bob) = 0.2006931499
% expect: influences(carl,bob) = 0.3
