% The cloudy/sprinkler/rain/wet-grass Bayesian network, observing wet grass.
0.5::cloudy.

0.1::sprinkler :- cloudy.
0.5::sprinkler :- \+cloudy.

0.8::rain :- cloudy.
0.2::rain :- \+cloudy.

0.99::wet :- sprinkler, rain.
0.9::wet :- sprinkler, \+rain.
0.9::wet :- \+sprinkler, rain.

evidence(wet).

query(cloudy).
query(sprinkler).
query(rain).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: cloudy = 0.5757997218
% expect: sprinkler = 0.4297635605
% expect: rain = 0.7079276773
