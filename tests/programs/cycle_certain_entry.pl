% A cyclic component entered at an atom that is also a certain fact written after the rules:
% u(c,e) is grounded first; in a later round of its fixpoint, u(c,e) gets a probabilistic
% derivation (through b(d,e)) before its fact clause runs again, and b(g,e) reads u(c,e) in
% between. nesy used to drop that read (the certain answer was read only through this round's
% certain derivations) and answered b(g,e) = 0.
0.5::u(X,Y) :- f(X,Z), b(Z,Y).
0.5::b(X,Y) :- f(X,Z), u(Z,Y).
f(c,d). f(d,c). f(c,g). f(g,c).
u(c,e).
query(u(c,e)).
query(b(g,e)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: u(c,e) = 1.0
% expect: b(g,e) = 0.5
