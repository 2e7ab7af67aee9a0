% Answers print their arguments as ProbLog 2.3 writes terms: a conjunction always in
% parentheses, a disjunction never (except as an item of a conjunction), \+ and :- inside a
% term in call form, operators with only the parentheses their priorities need.
0.5::pick(1).
0.4::pick(2).
goal(1, (walk, talk)).
goal(2, (walk; talk)).
goal(3, (walk, talk; sit)).
goal(4, ((walk; talk), sit)).
goal(5, (walk; talk; sit)).
goal(6, (walk, (talk; sit), rest)).
goal(7, \+ walk).
goal(8, f(\+ (walk, talk))).
goal(9, (walk -> talk; sit)).
goal(10, [(walk, talk), (sit; rest)]).
goal(11, (walk :- talk, sit)).
goal(12, x - (walk, talk)).
goal(13, 1 + 2 * 3).
goal(14, (1 + 2) * 3).
goal(15, 2 - (3 - 4)).
goal(16, \+ \+ walk).
plan(N, G) :- pick(1), goal(N, G), N =< 8.
plan(N, G) :- pick(2), goal(N, G), N > 8.
query(plan(_, _)).
query(\+ pick(1)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: plan(1,(walk, talk)) = 0.5
% expect: plan(2,walk; talk) = 0.5
% expect: plan(3,(walk, talk); sit) = 0.5
% expect: plan(4,((walk; talk), sit)) = 0.5
% expect: plan(5,walk; talk; sit) = 0.5
% expect: plan(6,(walk, (talk; sit), rest)) = 0.5
% expect: plan(7,\+(walk)) = 0.5
% expect: plan(8,f(\+((walk, talk)))) = 0.5
% expect: plan(9,walk->talk; sit) = 0.4
% expect: plan(10,[(walk, talk), sit; rest]) = 0.4
% expect: plan(11,:-(walk,(talk, sit))) = 0.4
% expect: plan(12,x-(walk, talk)) = 0.4
% expect: plan(13,1+2*3) = 0.4
% expect: plan(14,(1+2)*3) = 0.4
% expect: plan(15,2-(3-4)) = 0.4
% expect: plan(16,\+(\+(walk))) = 0.4
% expect: \+pick(1) = 0.5
