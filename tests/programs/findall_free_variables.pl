% A variable that only the body of a probabilistic clause sees, left free inside findall/3,
% does not make the clause non-ground; findall's result must be a list or unbound.
p(1, x). p(2, y). p(2, z).
0.4::all_p(L) :- findall(X, p(X, _), L).
query(all_p(_)).
0.5::q(3).
count(N) :- findall(Y, (p(Y, _), q(3)), L), length(L, N).
query(count(_)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: all_p([1, 2, 2]) = 0.4
% expect: count(3) = 0.5
% expect: count(0) = 0.5
