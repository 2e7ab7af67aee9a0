% Query answers that keep variables: reported when certainly true, with variables named as
% ProbLog names them (X2, X3, ...); here every answer's numbering coincides with ProbLog's.
0.6::p(1).
p(X) :- true.
pair(X, Y, X).
box(f(X)).
cell([X|T]) :- true.
empty(X) :- fail.

query(p(X)).
query(pair(A, B, C)).
query(box(B)).
query(cell(C)).
query(\+empty(E)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: p(1) = 0.6
% expect: p(X2) = 1
% expect: pair(X3,X4,X3) = 1
% expect: box(f(X2)) = 1
% expect: cell([X3 | X4]) = 1
% expect: \+empty(X2) = 1
