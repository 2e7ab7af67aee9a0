% Arithmetic with is/2 and comparisons; the printed forms of integer and float results matter.
0.5::n(3); 0.5::n(8).

calc(plus, X) :- n(A), X is A + 2.
calc(minus, X) :- n(A), X is 1 - A.
calc(times, X) :- n(A), X is A * A.
calc(divide, X) :- n(A), X is A / 2.
calc(intdiv, X) :- n(A), X is A // 3.
calc(modulo, X) :- n(A), X is A mod 3.
calc(power, X) :- n(A), X is 2 ** A.
calc(minmax, X) :- n(A), X is max(A, 5) - min(A, 5).
calc(absolute, X) :- n(A), X is abs(4 - A).

large :- n(A), A > 5.
small :- n(A), A =< 5.
eq :- n(A), A * 2 =:= 16.
neq :- n(A), A =\= 3.
ge :- n(A), A >= 8.
lt :- n(A), A < 3.

query(calc(_, _)).
query(large).
query(small).
query(eq).
query(neq).
query(ge).
query(lt).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: calc(plus,5) = 0.5
% expect: calc(plus,10) = 0.5
% expect: calc(minus,-2) = 0.5
% expect: calc(minus,-7) = 0.5
% expect: calc(times,9) = 0.5
% expect: calc(times,64) = 0.5
% expect: calc(divide,1.5) = 0.5
% expect: calc(divide,4.0) = 0.5
% expect: calc(intdiv,1) = 0.5
% expect: calc(intdiv,2) = 0.5
% expect: calc(modulo,0) = 0.5
% expect: calc(modulo,2) = 0.5
% expect: calc(power,8) = 0.5
% expect: calc(power,256) = 0.5
% expect: calc(minmax,2) = 0.5
% expect: calc(minmax,3) = 0.5
% expect: calc(absolute,1) = 0.5
% expect: calc(absolute,4) = 0.5
% expect: large = 0.5
% expect: small = 0.5
% expect: eq = 0.5
% expect: neq = 0.5
% expect: ge = 0.5
% expect: lt = 0
