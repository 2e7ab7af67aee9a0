"""The circuit IR (`circuit`) and every numeric evaluator of it (`evaluate`, batched torch).

May import: the kernel and `semiring`; never `ground`, `compile`, `neural` or later stages.
"""
