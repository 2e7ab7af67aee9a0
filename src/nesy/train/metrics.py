"""Evaluation metrics for knowledge-graph tasks: filtered ranks, MRR, Hits@k and AUC-PR.

Tie policy (stated once, used everywhere): the rank of a true answer is its *expected rank under
a uniformly random order of the candidates that tie with it* — `1 + #higher + #tied / 2`, where
`#tied` counts the other candidates with exactly the same score. `tie="worst"` gives
`1 + #higher + #tied` instead. There is no best-case option: a model that scores everything the
same must not rank first. A NaN score is an error, never a tie.

Filtered ranking (Bordes et al. 2013): when ranking the true answer `t` of a query, every other
candidate known to be true (in train, valid or test) is removed first; only `t` and the
candidates not known to be true compete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

TIES = ("mean", "worst")


def rank_of(scores: Sequence[float], target: int, exclude: Iterable[int] = (),
            tie: str = "mean") -> float:
    """The rank (1 = best) of candidate `target` among `scores`, higher score = better, after
    removing the candidates in `exclude` (the filter; `target` itself is never removed)."""
    if tie not in TIES:
        raise ValueError(f"tie must be one of {TIES}, not {tie!r}")
    values = np.asarray(scores, dtype=np.float64)
    if np.isnan(values).any():
        raise ValueError("a score is NaN")
    keep = np.ones(len(values), dtype=bool)
    for index in exclude:
        if index != target:
            keep[index] = False
    keep[target] = False
    others = values[keep]
    mine = values[target]
    higher = int((others > mine).sum())
    tied = int((others == mine).sum())
    return 1.0 + higher + (tied / 2.0 if tie == "mean" else tied)


def ranking_metrics(ranks: Sequence[float], hits: Sequence[int] = (1, 3, 10)) -> dict:
    """MRR and Hits@k of a list of ranks. A fractional (mean-among-ties) rank counts as a hit at
    k when the rank is at most k, so a tie straddling k counts only where its mean does."""
    array = np.asarray(ranks, dtype=np.float64)
    if array.size == 0:
        raise ValueError("no ranks")
    result = {"mrr": float((1.0 / array).mean()), "mean_rank": float(array.mean()),
              "n": int(array.size)}
    for k in hits:
        result[f"hits@{k}"] = float((array <= k).mean())
    return result


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the precision-recall curve as average precision (scikit-learn's definition):
    sum over score thresholds of (recall gain) × precision. Candidates with the same score form
    one threshold, so a tie is neither broken in the model's favour nor against it."""
    y = np.asarray(labels, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError("labels and scores must be 1-d and of one length")
    if np.isnan(s).any():
        raise ValueError("a score is NaN")
    positives = y.sum()
    if positives == 0:
        raise ValueError("average precision needs at least one positive")
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    # the last index of each run of equal scores is a threshold
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    true_pos = np.cumsum(y)[last]
    predicted = last + 1.0
    precision = true_pos / predicted
    recall = true_pos / positives
    gains = np.diff(np.r_[0.0, recall])
    return float((gains * precision).sum())


def auc_pr(labels: Sequence[int], scores: Sequence[float]) -> float:
    """AUC-PR as the NTP/CTP Countries evaluation reports it: average precision (× 100 there)."""
    return average_precision(labels, scores)
