% Link prediction on Nations, UMLS, Kinship, model (b): link predictor + learned rules
% (`nesy train --task nations|umls|kinship --link-model rules`).
%
% The neural fact of (a) (ComplEx, see link_prediction_complex.pl; here with a learned bias):
nn(complex, [X, R, Y]) :: rel(X, R, Y).
%
% plus learned two- and one-step rules whose bodies are the training facts, one predicate per
% relation and reciprocal (kb_intergovorgs3(egypt, usa). kb_inv_intergovorgs3(usa, egypt).).
% The candidate rules are mined from the training graph (per head relation the 16 one- and
% two-step bodies of highest confidence); rule I has a learned probability w_I and one
% independent choice fire(I, X, Y) per (x, y):
%
%     w_I :: fire(I, X, Y).   rel(X, r, Y) :- kb_p(X, Z), kb_q(Z, Y), fire(I, X, Y).
%     w_J :: fire(J, X, Y).   rel(X, s, Y) :- kb_p(X, Y), fire(J, X, Y).
%
% so P(rel(x, r, y)) is the noisy-or of the neural fact and of every rule whose body holds:
%     1 - (1 - sigmoid(score + bias)) * prod over those rules I of (1 - w_I),
% the closed form training computes on tensors (nesy.neural.embedding.RuleLinkPredictor).
% Training appends the learned rules and the facts to this file as the run's learned.pl, and
% checks the engine's probabilities on it against the tensors' (--check-engine N).
