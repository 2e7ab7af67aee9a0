% Countries S1-S3 (Bouchard et al. 2015; the NTP rule templates, Rocktaschel & Riedel 2017).
%
% The knowledge base is the split's facts locatedIn/2 and neighborOf/2, appended to this file by
% `nesy train --task countries` (or add them yourself: `locatedIn(greece, southern_europe).`).
% The rules predict located(Country, Region); each template below expands to one clause per
% choice of relations for P, Q (and R), each with its own learnable probability t(_):
%   chain of 2: located(X,Y) :- locatedIn(X,Z), locatedIn(Z,Y).          (S1's rule)
%               located(X,Y) :- neighborOf(X,Z), locatedIn(Z,Y).          (S2's rule)
%   chain of 3: located(X,Y) :- neighborOf(X,Z), locatedIn(Z,W), locatedIn(W,Y).  (S3's rule)
% and every other combination, which training must learn to weigh down.

:- template((t(_) :: located(X, Y) :- call(P, X, Z), call(Q, Z, Y)),
            [P, Q], [locatedIn, neighborOf]).
:- template((t(_) :: located(X, Y) :- call(P, X, Z), call(Q, Z, W), call(R, W, Y)),
            [P, Q, R], [locatedIn, neighborOf]).
