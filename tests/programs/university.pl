% Course difficulty and student intelligence jointly explain grades; observed grades update both.
student(s1). student(s2).
course(c1). course(c2).
registered(s1, c1). registered(s1, c2). registered(s2, c1).

0.4::difficult(C) :- course(C).
0.6::smart(S) :- student(S).

0.9::good_grade(S, C) :- registered(S, C), smart(S), \+ difficult(C).
0.5::good_grade(S, C) :- registered(S, C), smart(S), difficult(C).
0.3::good_grade(S, C) :- registered(S, C), \+ smart(S), \+ difficult(C).
0.1::good_grade(S, C) :- registered(S, C), \+ smart(S), difficult(C).

evidence(good_grade(s1, c1), true).
evidence(good_grade(s2, c1), false).

query(difficult(c1)).
query(smart(s1)).
query(smart(s2)).
query(good_grade(s1, c2)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: difficult(c1) = 0.4
% expect: smart(s1) = 0.8438502674
% expect: smart(s2) = 0.2877005348
% expect: good_grade(s1,c2) = 0.658802139
