"""Fusion of model probabilities and lexicon matches into one clue score per category.

Per category c a logistic model (format `cluewatch.fusion.v2`):

    p_c = sigmoid(w_model * logit(m_c) + w_linear * logit(l_c)
                  + w_strong * S_c + w_medium * M_c + w_weak * W_c
                  + w_lure * L * any_c + bias)

where m_c is the transformer's probability, l_c the linear n-gram model's, S/M/W count the category's strong,
medium and weak matches (capped at 2, 3 and 3), L is 1 when the post carries
a contact lure or contact entity, and any_c is 1 when the category has a match.
The model term lets the classifier veto jargon quoted in news and bulletins;
the lexicon terms lift posts the model is unsure of. `cluewatch train` fits
the weights on the validation split; `DEFAULT_PARAMS` are used until then.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cluewatch.taxonomy import CATEGORIES

FORMAT = "cluewatch.fusion.v2"
FEATURES = ("model", "linear", "strong", "medium", "weak", "lure", "bias")
DEFAULT_PARAMS: dict[str, float] = {
    "model": 1.0,
    "linear": 0.0,
    "strong": 2.6,
    "medium": 1.2,
    "weak": 0.6,
    "lure": 0.6,
    "bias": -0.3,
}
CAPS = {"strong": 2, "medium": 3, "weak": 3}


@dataclass(frozen=True)
class MatchCounts:
    strong: int = 0
    medium: int = 0
    weak: int = 0


_CONTACT_ENTITIES = frozenset({"phone", "wechat", "qq", "telegram"})


def evidence(analysis: Any) -> tuple[dict[str, MatchCounts], bool]:
    """Fusion inputs from a lexicon `Analysis`: match counts per category, contact-lure presence."""
    counts: dict[str, MatchCounts] = {}
    for category in CATEGORIES:
        weights = [m.weight for m in analysis.matches if m.category == category]
        counts[category] = MatchCounts(
            weights.count("strong"), weights.count("medium"), weights.count("weak")
        )
    lure = any(h.kind == "contact" for h in analysis.lures) or any(
        e.kind in _CONTACT_ENTITIES for e in analysis.entities
    )
    return counts, lure


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def features(model_prob: float, linear_prob: float, counts: MatchCounts, lure: bool) -> list[float]:
    any_match = counts.strong + counts.medium + counts.weak > 0
    return [
        _logit(model_prob),
        _logit(linear_prob),
        min(counts.strong, CAPS["strong"]),
        min(counts.medium, CAPS["medium"]),
        min(counts.weak, CAPS["weak"]),
        1.0 if (lure and any_match) else 0.0,
        1.0,
    ]


class Fusion:
    """Per-category fusion weights; `params[c]` maps each feature name to its weight."""

    def __init__(self, params: dict[str, dict[str, float]] | None = None) -> None:
        params = params or {}
        self.params = {c: {**DEFAULT_PARAMS, **params.get(c, {})} for c in CATEGORIES}

    def fuse(
        self,
        model_probs: Sequence[float],
        linear_probs: Sequence[float],
        counts: dict[str, MatchCounts],
        lure: bool,
    ) -> list[float]:
        out: list[float] = []
        for index, category in enumerate(CATEGORIES):
            x = features(
                float(model_probs[index]),
                float(linear_probs[index]),
                counts.get(category, MatchCounts()),
                lure,
            )
            w = self.params[category]
            z = sum(w[name] * value for name, value in zip(FEATURES, x, strict=True))
            out.append(1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0))))
        return out

    def to_dict(self) -> dict[str, object]:
        return {"format": FORMAT, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> Fusion:
        if not data:
            return cls()
        params = data.get("params")
        return cls(params if isinstance(params, dict) else None)


def fit_logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], *, l2: float = 1.0, steps: int = 50
) -> npt.NDArray[np.float64]:
    """Logistic regression by damped Newton steps, shrunk toward the hand-set defaults.

    The bias is shrunk too (lightly): on separable data an unpenalised bias diverges.
    """
    w = np.array([DEFAULT_PARAMS[name] for name in FEATURES], dtype=np.float64)
    penalty = np.full(len(w), l2)
    penalty[-1] = 0.1
    for _ in range(steps):
        z = np.clip(x @ w, -40, 40)
        p = 1 / (1 + np.exp(-z))
        gradient = x.T @ (p - y) + penalty * (w - _prior())
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.clip(np.linalg.solve(hessian, gradient), -2.0, 2.0)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def _prior() -> npt.NDArray[np.float64]:
    # Shrink toward the hand-set defaults rather than zero: few examples per category.
    return np.array([DEFAULT_PARAMS[name] for name in FEATURES], dtype=np.float64)
