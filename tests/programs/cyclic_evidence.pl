% A cyclic annotated-disjunction rule under evidence. problog 2.3.0 answers d1 = 0.25 here; the
% possible-worlds oracle (three worlds consistent with the evidence, d1 true with probability
% 1/2 in two of them) gives 1/3, and so does nesy.
% expectations by the possible-worlds oracle (problog 2.3.0 is wrong here; do not regenerate)
dom(c). dom(a).
0.9::b0.
0.5::d1 :- b0, d0(X,X), b0.
0.5::d0(c,Y); 0.5::d0(a,Y) :- b0, dom(Y).
d0(Y,X) :- d0(X,X), d0(X,Y), d0(X,X).
evidence(d0(c,a),true).
query(d1).
% expect: d1 = 0.3333333333
