% library(db): csv_load/2 reads data/people.csv (relative to this file) as person/3, one fact per
% row; a column's type is that of its first value (score: 1.5, so 2 and 3 are floats), text is
% an atom (stripped). The queries print the same in both systems: ProbLog 2.3 quotes every text
% value ('Alice Smith'), nesy only those that need it (see src/nesy/ground/library_db.py).
:- use_module(library(db)).
:- use_module(library(lists)).
:- csv_load('data/people.csv', person).

0.4::likes('Bob Jones').
0.7::fit(N) :- person(N, A, _), A < 35.
adult(N) :- person(N, A, _), A >= 30.
happy(N) :- person(N, _, _), likes(N).
total(T) :- findall(S, person(_, _, S), Scores), sum_list(Scores, T).

query(person(_, _, _)).
query(person(_, 25, _)).
query(adult('Carol King')).
query(adult('Bob Jones')).
query(fit(_)).
query(happy(_)).
query(total(_)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: person('Alice Smith',30,1.5) = 1
% expect: person('Bob Jones',25,2.0) = 1
% expect: person('Carol King',41,3.0) = 1
% expect: adult('Carol King') = 1
% expect: adult('Bob Jones') = 0
% expect: fit('Alice Smith') = 0.7
% expect: fit('Bob Jones') = 0.7
% expect: happy('Bob Jones') = 0.4
% expect: total(6.5) = 1
