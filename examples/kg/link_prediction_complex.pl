% Link prediction on Nations, UMLS, Kinship, model (a): a pure link predictor
% (`nesy train --task nations|umls|kinship --link-model complex`).
%
% The neural predicate rel(X, R, Y) is ComplEx over the constants' learned embeddings
% (network nesy.neural.embedding.TripleScorer, bound as `complex` with logits=["complex"]:
% P(rel(x, r, y)) = sigmoid(score)). Head queries rel(X, r, y) are asked as rel(y, inv_r, X),
% with reciprocal relations inv_r.
nn(complex, [X, R, Y]) :: rel(X, R, Y).
