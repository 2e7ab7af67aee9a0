% Alarm network where the earthquake strength is an annotated disjunction with "none" mass,
% and one neighbour is observed not to call.
person(john).
person(mary).

0.1::burglary.
0.01::earthquake(heavy); 0.19::earthquake(mild).

0.9::alarm :- burglary, earthquake(heavy).
0.85::alarm :- burglary, earthquake(mild).
0.8::alarm :- burglary, \+earthquake(heavy), \+earthquake(mild).
0.3::alarm :- \+burglary, earthquake(heavy).
0.1::alarm :- \+burglary, earthquake(mild).

0.8::calls(X) :- alarm, person(X).
0.05::calls(X) :- \+alarm, person(X).

evidence(calls(john), true).
evidence(calls(mary), false).

query(burglary).
query(earthquake(heavy)).
query(earthquake(mild)).
query(alarm).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: burglary = 0.2356696016
% expect: earthquake(heavy) = 0.01495438276
% expect: earthquake(mild) = 0.2169341391
% expect: alarm = 0.2742090002
