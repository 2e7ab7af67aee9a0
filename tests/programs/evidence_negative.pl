% Diagnosis by exclusion: a machine is observed not to fail, and one sensor does not fire.
0.05::worn(belt).
0.1::worn(bearing).
0.02::overheats.

0.9::fails :- worn(belt).
0.6::fails :- worn(bearing).
0.3::fails :- overheats.

0.7::sensor(vibration) :- worn(bearing).
0.8::sensor(heat) :- overheats.
0.05::sensor(heat) :- \+ overheats.

evidence(fails, false).
evidence(sensor(heat), false).
evidence(sensor(vibration), true).

query(worn(belt)).
query(worn(bearing)).
query(overheats).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: worn(belt) = 0.005235602094
% expect: worn(bearing) = 1
% expect: overheats = 0.00299850075
