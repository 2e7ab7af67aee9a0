% Integer division floors and mod/rem/// take floats, as ProbLog (Python) evaluates them.
0.5::n(-7); 0.5::n(7.5).
r(intdiv, X) :- n(A), X is A // 2.
r(modulo, X) :- n(A), X is A mod 2.
r(remainder, X) :- n(A), X is A rem 2.
r(negmod, X) :- n(A), X is A mod -2.
query(r(_, _)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: r(intdiv,-4) = 0.5
% expect: r(intdiv,3.0) = 0.5
% expect: r(modulo,1) = 0.5
% expect: r(modulo,1.5) = 0.5
% expect: r(remainder,1) = 0.5
% expect: r(remainder,1.5) = 0.5
% expect: r(negmod,-1) = 0.5
% expect: r(negmod,-0.5) = 0.5
