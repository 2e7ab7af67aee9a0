% Annotated disjunctions in rule heads with leftover ("none") mass and body variables.
student(ann). student(bob).
course(logic). course(ml).

0.5::takes(S,C) :- student(S), course(C).

0.3::grade(S,C,a); 0.5::grade(S,C,b); 0.1::grade(S,C,c) :- takes(S,C).

good(S) :- grade(S,_,a).
passed_all(S) :- student(S), \+ failed(S).
failed(S) :- takes(S,C), \+grade(S,C,a), \+grade(S,C,b), \+grade(S,C,c).

query(grade(ann,logic,a)).
query(good(ann)).
query(passed_all(bob)).
query(failed(bob)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: grade(ann,logic,a) = 0.15
% expect: good(ann) = 0.2775
% expect: passed_all(bob) = 0.9025
% expect: failed(bob) = 0.0975
