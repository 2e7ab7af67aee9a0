% Two fair dice as annotated disjunctions, using between/3 and arithmetic on the outcome.
1/6::die(A,1); 1/6::die(A,2); 1/6::die(A,3); 1/6::die(A,4); 1/6::die(A,5); 1/6::die(A,6) :-
    between(1,2,A).

sum(S) :- die(1,X), die(2,Y), S is X + Y.
odd(A) :- die(A,X), X mod 2 =:= 1.
double :- die(1,X), die(2,X).
at_least(N) :- between(2,12,S), S >= N, sum(S).

query(sum(7)).
query(sum(2)).
query(sum(12)).
query(odd(1)).
query(double).
query(at_least(10)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: sum(7) = 0.1666666667
% expect: sum(2) = 0.02777777778
% expect: sum(12) = 0.02777777778
% expect: odd(1) = 0.5
% expect: double = 0.1666666667
% expect: at_least(10) = 0.1666666667
