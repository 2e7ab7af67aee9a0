% An annotated disjunction whose heads differ only by 1 and 1.0, under negation. problog 2.3.0
% answers 0.12416 for both queries; by hand, P(b1(-1,1.0)) * P(exists Y: b0(Y,Y), \+d1(Y))
% = 0.2 * (0.4*0.9216 + 0.4*0.9216 - 0.16*0.8464) = 0.1203712, as the possible-worlds
% oracle and nesy give.
% expectations by the possible-worlds oracle (problog 2.3.0 is wrong here; do not regenerate)
dom(-1). dom(1.0).
0.4::b0(X,Y) :- dom(X), dom(Y).
0.2::b1(X,Y) :- dom(X), dom(Y).
d2(X,X) :- b0(Y,Y), b1(-1,X), \+ d1(Y), \+ d0(X).
d0(1) :- b1(X,Y), b0(Y,1), b0(X,Y), Y =\= X.
0.5::d1(1); 0.2::d1(1.0); 0.2::d1(-1) :- b1(X,X), b1(X,1.0).
query(d2(X,_)).
% expect: d2(-1,-1) = 0.1203712
% expect: d2(1.0,1.0) = 0.1203712
