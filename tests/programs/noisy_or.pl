% Noisy-or combination of several causes, including a leak term.
0.1::flu.
0.05::covid.
0.3::cold.

0.8::fever :- flu.
0.7::fever :- covid.
0.1::fever :- cold.
0.01::fever.

0.6::cough :- covid.
0.5::cough :- cold.
0.3::cough :- flu.

evidence(fever).
evidence(cough).

query(flu).
query(covid).
query(cold).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: flu = 0.4973996675
% expect: covid = 0.3541894518
% expect: cold = 0.5477209487
