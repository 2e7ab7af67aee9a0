% Two biased coins: probabilities of combinations of outcomes.
0.4::heads(c1).
0.7::heads(c2).

coin(c1).
coin(c2).

tails(C) :- coin(C), \+heads(C).

two_heads :- heads(c1), heads(c2).
some_heads :- heads(_).
same_side :- two_heads.
same_side :- tails(c1), tails(c2).

query(two_heads).
query(some_heads).
query(same_side).
query(tails(c2)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: two_heads = 0.28
% expect: some_heads = 0.82
% expect: same_side = 0.46
% expect: tails(c2) = 0.3
