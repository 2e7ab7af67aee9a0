"""nesy.train.metrics against rankings and precision-recall curves computed by hand."""

import numpy as np
import pytest

from nesy.train.metrics import auc_pr, average_precision, rank_of, ranking_metrics


def test_rank_without_ties():
    assert rank_of([0.1, 0.9, 0.5], target=2) == 2.0
    assert rank_of([0.1, 0.9, 0.5], target=1) == 1.0
    assert rank_of([0.1, 0.9, 0.5], target=0) == 3.0


def test_rank_ties_mean_and_worst():
    # target 0 ties with candidates 2 and 3, one candidate (1) is higher:
    # mean: 1 + 1 + 2/2 = 3 ; worst: 1 + 1 + 2 = 4
    scores = [0.5, 0.7, 0.5, 0.5, 0.1]
    assert rank_of(scores, 0) == 3.0
    assert rank_of(scores, 0, tie="worst") == 4.0
    # all equal: a constant model ranks in the middle, never first
    assert rank_of([0.3] * 5, 2) == 3.0
    with pytest.raises(ValueError):
        rank_of(scores, 0, tie="best")


def test_filtered_rank_removes_other_true_answers():
    scores = [0.9, 0.8, 0.7, 0.6]
    # target 3; candidates 0 and 2 are other known true answers: only 1 remains above
    assert rank_of(scores, 3) == 4.0
    assert rank_of(scores, 3, exclude=[0, 2]) == 2.0
    # the target in its own filter set is not removed
    assert rank_of(scores, 3, exclude=[3, 0]) == 3.0
    # a filtered candidate that ties does not count either
    assert rank_of([0.5, 0.5, 0.5], 0, exclude=[1]) == 1.5


def test_mrr_and_hits():
    ranks = [1.0, 2.0, 4.0, 10.5, 3.0]
    metrics = ranking_metrics(ranks)
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4 + 1 / 10.5 + 1 / 3) / 5)
    assert metrics["hits@1"] == pytest.approx(1 / 5)
    assert metrics["hits@3"] == pytest.approx(3 / 5)
    assert metrics["hits@10"] == pytest.approx(4 / 5)  # 10.5 is not within 10
    assert metrics["mean_rank"] == pytest.approx(20.5 / 5)


def test_average_precision_by_hand():
    # sorted: + (p=1, r=1/2), - , + (p=2/3, r=1): AP = 1/2*1 + 1/2*2/3 = 5/6
    assert average_precision([1, 0, 1], [0.9, 0.8, 0.7]) == pytest.approx(5 / 6)
    assert auc_pr([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]) == pytest.approx(1.0)


def test_average_precision_ties_are_one_threshold():
    # all tied: one threshold, precision 2/4 at recall 1 -> 0.5 (not 1.0 by ordering luck)
    assert average_precision([1, 1, 0, 0], [0.5] * 4) == pytest.approx(0.5)
    # the positives listed first or last makes no difference
    assert average_precision([0, 0, 1, 1], [0.5] * 4) == pytest.approx(0.5)
    # + at 0.9, then {+, -} tied at 0.4: 1/2*1 + 1/2*(2/3) = 5/6
    assert average_precision([1, 0, 1], [0.9, 0.4, 0.4]) == pytest.approx(5 / 6)


def test_average_precision_agrees_with_sklearn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = rng.integers(0, 2, size=30)
        labels[0] = 1
        scores = np.round(rng.random(30), 1)  # many ties
        assert average_precision(labels, scores) == pytest.approx(
            sklearn_metrics.average_precision_score(labels, scores))
