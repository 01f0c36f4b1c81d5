"""Detection metrics: per-category precision/recall/F1, clue-vs-benign F1, hard-negative FPR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.corpus import Example
from cluewatch.taxonomy import CATEGORIES

FloatArray = npt.NDArray[np.float64]


def label_matrix(examples: Sequence[Example]) -> npt.NDArray[np.int8]:
    y = np.zeros((len(examples), len(CATEGORIES)), dtype=np.int8)
    for row, ex in enumerate(examples):
        for label in ex.labels:
            y[row, CATEGORIES.index(label)] = 1
    return y


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def category_flags(
    scores: FloatArray, threshold: float | FloatArray, secondary: float | None = None
) -> npt.NDArray[np.bool_]:
    """Per post and category: whether the category is flagged.

    A category is flagged when its score reaches its threshold (`threshold`:
    one value or one per category); with `secondary`, a category other than
    the post's strongest must reach `secondary` as well (a post mostly sells
    one thing; the categories that sell a person are otherwise flagged
    together).
    """
    flags = scores >= threshold
    if secondary is not None and len(scores):
        strongest = scores == scores.max(axis=1, keepdims=True)
        flags &= strongest | (scores >= secondary)
    return np.asarray(flags, dtype=bool)


def metrics(
    examples: Sequence[Example],
    probs: FloatArray,
    threshold: float | FloatArray,
    secondary: float | None = None,
) -> dict[str, Any]:
    """Metrics of `probs` (n x 7) against the examples' labels.

    `threshold` is one value for every category or one per category;
    `secondary` as in `category_flags`.
    """
    y = label_matrix(examples)
    pred = category_flags(probs, threshold, secondary).astype(np.int8)
    per_category: dict[str, dict[str, float]] = {}
    f1s: list[float] = []
    for index, category in enumerate(CATEGORIES):
        tp = int(((pred[:, index] == 1) & (y[:, index] == 1)).sum())
        fp = int(((pred[:, index] == 1) & (y[:, index] == 0)).sum())
        fn = int(((pred[:, index] == 0) & (y[:, index] == 1)).sum())
        p, r, f = _prf(tp, fp, fn)
        support = int(y[:, index].sum())
        per_category[category] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "support": support,
        }
        if support:
            f1s.append(f)
    clue_true = y.any(axis=1)
    clue_pred = pred.any(axis=1)
    tp = int((clue_true & clue_pred).sum())
    fp = int((~clue_true & clue_pred).sum())
    fn = int((clue_true & ~clue_pred).sum())
    p, r, f = _prf(tp, fp, fn)
    hard_neg = np.array([ex.is_hard_negative for ex in examples], dtype=bool)
    benign = ~clue_true
    return {
        "threshold": (
            threshold
            if isinstance(threshold, float | int)
            else {c: round(float(t), 4) for c, t in zip(CATEGORIES, threshold, strict=True)}
        ),
        "examples": len(examples),
        "clue_vs_benign": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)},
        "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "hard_negative_fpr": round(float(clue_pred[hard_neg].mean()) if hard_neg.any() else 0.0, 4),
        "benign_fpr": round(float(clue_pred[benign].mean()) if benign.any() else 0.0, 4),
        "per_category": per_category,
    }
