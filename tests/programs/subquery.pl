% subquery/2,3: the probability of a goal (with evidence) as a value inside the program.
0.5::a. 0.4::b.
c :- a, b.
p(P) :- subquery(a, P). query(p(_)).
q(P) :- subquery(c, P, [a]). query(q(_)).
r(P) :- subquery(c, P, [\+b]). query(r(_)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: p(0.5) = 1
% expect: q(0.4) = 1
% expect: r(0.0) = 1
