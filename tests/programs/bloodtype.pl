% Mendelian inheritance of blood type alleles through a small family tree.
person(gp1). person(gp2). person(mum). person(dad). person(kid).
father(dad, kid). mother(mum, kid). father(gp1, mum). mother(gp2, mum).

founder(X) :- person(X), \+ father(_, X).

0.3::pchrom(X, a); 0.2::pchrom(X, b); 0.5::pchrom(X, o) :- founder(X).
0.3::mchrom(X, a); 0.2::mchrom(X, b); 0.5::mchrom(X, o) :- founder(X).

0.5::inherit_p(C, first); 0.5::inherit_p(C, second) :- father(_, C).
0.5::inherit_m(C, first); 0.5::inherit_m(C, second) :- mother(_, C).

pchrom(C, A) :- father(F, C), inherit_p(C, first), pchrom(F, A).
pchrom(C, A) :- father(F, C), inherit_p(C, second), mchrom(F, A).
mchrom(C, A) :- mother(M, C), inherit_m(C, first), pchrom(M, A).
mchrom(C, A) :- mother(M, C), inherit_m(C, second), mchrom(M, A).

bloodtype(X, ab) :- pchrom(X, a), mchrom(X, b).
bloodtype(X, ab) :- pchrom(X, b), mchrom(X, a).
bloodtype(X, o) :- pchrom(X, o), mchrom(X, o).

evidence(bloodtype(mum, o)).

query(bloodtype(kid, ab)).
query(bloodtype(kid, o)).
query(pchrom(kid, a)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: bloodtype(kid,ab) = 0
% expect: bloodtype(kid,o) = 0.5
% expect: pchrom(kid,a) = 0.3
