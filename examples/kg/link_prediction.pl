% Link prediction on Nations, UMLS, Kinship (`nesy train --task nations|umls|kinship`).
%
% (a) A pure link predictor: the neural predicate rel(X, R, Y) is ComplEx
%     (nesy.neural.embedding.ComplEx) over the constants' learned embeddings. Head queries
%     rel(X, r, y) are asked as rel(y, inv_r, X), with reciprocal relations inv_r.
nn(complex, [X, R, Y]) :: rel(X, R, Y).

% (b) The same neural fact plus learned two-hop and one-hop rules whose bodies are the training
%     facts kb(X, R, Y) (appended by the task: `kb(egypt, intergovorgs3, usa).` and its
%     reciprocal `kb(usa, inv_intergovorgs3, egypt).`). Rule I has one learned weight w_I; each
%     of its instances has its own independent choice fire(I, X, Y) with probability w_I, so
%     P(rel(x, r, y)) is the noisy-or of the neural fact and every rule whose body holds. The candidate (R, P, Q) are mined from the training graph (the 16 of highest
%     confidence per head relation); their weights t(_) are learned. For instance:
%
%       w_I :: fire(I, X, Y).
%       rel(X, R, Y) :- rule(I, R, P, Q), kb(X, P, Z), kb(Z, Q, Y), fire(I, X, Y).
%       rel(X, R, Y) :- rule(I, R, P), kb(X, P, Y), fire(I, X, Y).
%
% Training evaluates this program's probabilities in closed form on tensors
% (nesy.neural.embedding.RuleLinkPredictor) rather than through the grounder.
