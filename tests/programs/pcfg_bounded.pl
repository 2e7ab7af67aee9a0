% A tiny probabilistic grammar over lists, with bounded derivations via append/3.
:- use_module(library(lists)).

0.6::rule(s, np_vp); 0.4::rule(s, vp).
0.7::word(np, [the, dog]); 0.3::word(np, [a, cat]).
0.5::word(vp, [runs]); 0.5::word(vp, [sleeps]).

sentence(W) :- rule(s, np_vp), word(np, A), word(vp, B), append(A, B, W).
sentence(W) :- rule(s, vp), word(vp, W).

grammatical(W) :- sentence(W).
short :- sentence(W), length(W, N), N < 3.

query(sentence(W)).
query(short).
query(grammatical([the, dog, sleeps])).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: sentence([the, dog, runs]) = 0.21
% expect: sentence([the, dog, sleeps]) = 0.21
% expect: sentence([a, cat, runs]) = 0.09
% expect: sentence([a, cat, sleeps]) = 0.09
% expect: sentence([runs]) = 0.2
% expect: sentence([sleeps]) = 0.2
% expect: short = 0.4
% expect: grammatical([the, dog, sleeps]) = 0.21
