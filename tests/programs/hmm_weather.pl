% A hidden Markov model over four time steps: weather transitions and umbrella sightings are
% annotated disjunctions in rule heads.
time(0). time(1). time(2). time(3).

0.6::weather(sunny,0); 0.4::weather(rainy,0).

0.7::weather(sunny,T); 0.3::weather(rainy,T) :- time(T), T > 0, Tp is T - 1, weather(sunny,Tp).
0.4::weather(sunny,T); 0.6::weather(rainy,T) :- time(T), T > 0, Tp is T - 1, weather(rainy,Tp).

0.1::see(umbrella,T); 0.9::see(nothing,T) :- weather(sunny,T).
0.8::see(umbrella,T); 0.2::see(nothing,T) :- weather(rainy,T).

evidence(see(umbrella,1)).
evidence(see(umbrella,2)).
evidence(see(nothing,3)).

query(weather(rainy,T)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: weather(rainy,0) = 0.5422840565
% expect: weather(rainy,1) = 0.9013943912
% expect: weather(rainy,2) = 0.8744423995
% expect: weather(rainy,3) = 0.2295286521
