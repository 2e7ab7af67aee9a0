% Queries with free variables: every ground answer found during grounding is reported.
0.5::parent(ann, bob).
0.6::parent(bob, cid).
0.7::parent(bob, dee).
0.8::parent(ann, eve).
parent(eve, fay).

grandparent(X, Z) :- parent(X, Y), parent(Y, Z).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).

query(grandparent(ann, Z)).
query(ancestor(X, fay)).
query(parent(_, _)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: grandparent(ann,cid) = 0.3
% expect: grandparent(ann,dee) = 0.35
% expect: grandparent(ann,fay) = 0.8
% expect: ancestor(eve,fay) = 1
% expect: ancestor(ann,fay) = 0.8
% expect: parent(ann,bob) = 0.5
% expect: parent(bob,cid) = 0.6
% expect: parent(bob,dee) = 0.7
% expect: parent(ann,eve) = 0.8
% expect: parent(eve,fay) = 1
