% CLUTRR (Sinha et al. 2019), the symbolic setting: a story is a kinship graph, `father(a, b)`
% meaning "b is a's father"; the question is the relation R between two people, R(x, y).
%
% One template: every relation R may follow from composing two relations P then Q,
%   t(_) :: R(X, Y) :- P(X, Z), Q(Z, Y).
% for all 20 x 20 x 20 choices of R, P, Q, each clause with its own learnable weight. The
% program is recursive (a composed relation composes again), so a 10-hop story is answered by
% nested compositions. `nesy train --task clutrr` appends a story's edges as facts when it asks
% the engine; it learns the weights on tensors under the best-proof semantics (topk with k = 1),
% only for the clauses whose body P, Q some training story shows as two edges between its query's
% people (62 bodies x 20 heads on both splits); the others keep weight 0 (no support in the data).
% It learns exactly the 62 compositions of CLUTRR's generator; `nesy rules RUN` prints them.

:- template((t(_) :: call(R, X, Y) :- call(P, X, Z), call(Q, Z, Y)), [R, P, Q],
            [aunt, brother, daughter, 'daughter-in-law', father, 'father-in-law',
             granddaughter, grandfather, grandmother, grandson, husband, mother,
             'mother-in-law', nephew, niece, sister, son, 'son-in-law', uncle, wife]).
