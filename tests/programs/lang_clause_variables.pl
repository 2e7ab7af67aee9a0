% clause/2 answers a clause with its own variables, which an answer prints V_0, V_1, ... in the
% order they appear in the clause (as ProbLog's clause/2 names them). (ProbLog leaves them
% unbound even where the head it matched binds them, clause(c(d(1)), B) giving
% B = (b(X2), e(X2,X3)); nesy binds them, B = (b(1), e(1,X2)), as Prolog does.)
b(1).
e(1, 2).
a :- b(X).
c(d(X)) :- b(X), e(X, Y).
swap(X, Y, pair(Y, X)) :- true.
query(clause(a, _)).
query(clause(c(_), _)).
query(clause(swap(_, _, _), _)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: clause(a,b(V_0)) = 1
% expect: clause(c(d(V_0)),(b(V_0), e(V_0,V_1))) = 1
% expect: clause(swap(V_0,V_1,pair(V_1,V_0)),true) = 1
