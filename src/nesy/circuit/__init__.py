"""The circuit IR (`circuit`) and every numeric evaluator of it (`evaluate`, batched torch), and
top-k's numeric half (`topk`: per example the k best proofs, by a k-best search over a
derivation DAG or by ranking a table of every proof, and their disjunction's probability, on
tensors).

May import: the kernel and `semiring`; never `ground`, `compile`, `neural` or later stages.
"""
