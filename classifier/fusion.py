"""Fusion of model probabilities and lexicon matches into one clue score per category.

Per category c, the clue strength (format `cluewatch.fusion.v3`):

    s_c = sigmoid(logit((w_model * m_c + w_linear * l_c) / (w_model + w_linear))
                  + w_strong * S_c + w_medium * M_c + w_weak * W_c
                  + w_lure * L * any_c + bias)

where m_c is the transformer's probability (the ensemble's mean), l_c the
linear n-gram model's, S/M/W count the category's strong, medium and weak
matches (capped at 2, 3 and 3), L is 1 when the post carries a contact lure
or contact entity, and any_c is 1 when the category has a match.

Format `cluewatch.fusion.v4` keeps v3's strongest score as the
post's clue score and takes the categories from the linear model with the
same lexicon lifts, k_c = sigmoid(logit(l_c) + lexicon terms + bias):

    p_c = max_j s_j * k_c / max_j k_j

so the strongest category is the linear model's (with the lexicon), at the
strength both models give the post, and another category keeps its share
of it. Whether a post is flagged is unchanged from v3. Measured on the
validation families (never trained on by the models that were compared):
the transformer decides clue or not best (clue F1 0.933 alone, 0.878 for the
linear model) and the linear model which category (macro F1 0.807 against
0.754); v3 averaged both everywhere (macro F1 0.808), v4 reached 0.853 at the
same clue F1 (0.935) and hard-negative FPR (decision 6 in docs/decisions).

Format `cluewatch.fusion.v5` is v4 with the lexicon's negative
context: when the lexicon suppressed a match because one of the term's
`unless` words stood near it (police and court words, warnings, reissue
and registration procedure, pets ...), every category's score is lowered
by `CONTEXT_DAMPING` in logit space: p'_c = sigmoid(logit(p_c) - d). The
models read such a post's words as a clue's; the lexicon knows the context
that makes them a notice. Chosen on the validation families with two
selection models (seeds 1 and 2, trained on the training families only):
d = 1.5 took the hard-negative FPR from 0.044 / 0.055 to 0.030 / 0.039 at
clue F1 0.945 / 0.944 (0.943 / 0.941 without), recall 0.2 / 0.3 points
lower; d = 2 gave the same, d = 3 lost recall (decision 8).

Format `cluewatch.fusion.v6` reads the whole post's notice
as well: a post holding one of the lexicon's notice words anywhere (警方,
犯罪, 拐卖, 谨防 ...: a report or a warning about the crime, `notice` in
`lexicon/data/guards.yaml`) is lowered by the same damping as a suppressed
match, whether or not a term stood near the word or matched at all
(decision 9).

Format `cluewatch.fusion.v7` is v6 with the shares taken from
the linear model's category judge (`classifier.linear`: the same features,
regressions fitted on the clue posts only) instead of its clue regressions:
k_c = sigmoid(logit(j_c) + lexicon terms + bias). Whether a post is flagged
is unchanged; which categories are flagged is not. On the out-of-fold
scores of three cross-validation runs it raised macro F1 by 0.007-0.008 at
the same clue F1 and hard-negative FPR (decision 13).

Format `cluewatch.fusion.v8` (the default) is v7 with a corroboration gate:
the transformer's probabilities count for a post only when the lexicon
matched a term in it or the linear model gives some category at least
`CORROBORATION` (0.15); elsewhere the linear probabilities stand in for
them, as the cascade already did below its floor (0.1 for the shipped
model). Alone, the character-level transformer is sure of posts that
neither other judge sees anything in (孩子写作业我得全程陪着 at 0.99 for
sexual exploitation): out of fold, of the posts flagged while the linear
model gave every category under 0.1, 49 were benign and 7 clues. On the out-of-fold
scores of four cross-validation runs, the gate with the highest clue F1
(0.15 in three of them; chosen on their mean) lowers the hard-negative FPR
by 0.28 to 0.42 points against a gate of 0.1 (the shipped cascade) for
0.23 to 0.32 points of recall; the flag threshold raised to the same
recall lowers it by 0.05 to 0.16 (decision 14).

The weights are set, not fitted: the two models' probabilities averaged,
and a small lift per lexicon match (the models read the jargon already; the lexicon
mostly adds what obfuscation hid from them; model directories keep the lifts
they were fitted with). Compared by 5-fold
cross-validation over the validation families, weights fitted per category
there (v2: `w_model * logit(m_c) + w_linear * logit(l_c)` + the same
lexicon terms) lost recall from fold to fold, and every fitted variant did
worse than this average on clue F1, macro F1 and hard-negative FPR together
(see the README); averaging probabilities rather than logits kept a point
more macro F1. v2 and v3 model directories still load and fuse as they were
written. A post usually offers one thing: a category other than its
strongest is flagged only from `secondary` (`category_flags`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cluewatch.taxonomy import CATEGORIES

FORMAT = "cluewatch.fusion.v8"
# v8 without the corroboration gate (read for model directories written before v8).
FORMAT_V7 = "cluewatch.fusion.v7"
# v7 with the shares from the linear model's clue regressions (read for model
# directories written before v7).
FORMAT_V6 = "cluewatch.fusion.v6"
# v6 without the post's notice words (read for model directories written before v6).
FORMAT_V5 = "cluewatch.fusion.v5"
# v5 without the negative context (read for model directories written before v5).
FORMAT_V4 = "cluewatch.fusion.v4"
# Every category from both models' mean (read for model directories written before v4).
FORMAT_V3 = "cluewatch.fusion.v3"
# Fitted weights over the two models' logits (read for model directories written before v3).
FORMAT_V2 = "cluewatch.fusion.v2"
# The formats whose categories share the post's strongest score, and those that
# read the lexicon's negative context.
_SHARED_FORMATS = frozenset({FORMAT, FORMAT_V7, FORMAT_V6, FORMAT_V5, FORMAT_V4})
_NEGATIVE_FORMATS = frozenset({FORMAT, FORMAT_V7, FORMAT_V6, FORMAT_V5})
# The formats whose shares come from the linear model's category judge.
_JUDGE_FORMATS = frozenset({FORMAT, FORMAT_V7})
LEXICON_FEATURES = ("strong", "medium", "weak", "lure")
# Lexicon lifts at three quarters of v3's (0.5 / 0.25 / 0.125): on the
# out-of-fold scores of `cluewatch crossval` (three trainings) they unflag 7-9 of
# 3,358 hard negatives for 1-2 of 5,114 clues (decision 10).
DEFAULT_PARAMS: dict[str, float] = {
    "model": 0.5,
    "linear": 0.5,
    "strong": 0.375,
    "medium": 0.1875,
    "weak": 0.09375,
    "lure": 0.3,
    "bias": 0.0,
}
# Logit taken off every category of a post whose lexicon match was suppressed by the
# term's negative context (format v5), or that holds a notice word (v6).
CONTEXT_DAMPING = 1.5
# A category other than a post's strongest is flagged only from this score.
SECONDARY_THRESHOLD = 0.7
# Format v8: the transformer's probabilities count for a post only when the
# lexicon found a term in it or the linear model gives some category at least
# this much; elsewhere the linear probabilities stand in for them (decision 14).
CORROBORATION = 0.15
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


def contact_spans(analysis: Any) -> list[tuple[int, int]]:
    """Where `analysis` found contact details: its contact lures (加V, 私聊 ...) and contact
    entities (phone, WeChat, QQ, Telegram), as (start, end) offsets into its text."""
    spans = [(h.start, h.end) for h in analysis.lures if h.kind == "contact"]
    spans += [(e.start, e.end) for e in analysis.entities if e.kind in _CONTACT_ENTITIES]
    return sorted(spans)


def negative_context(analysis: Any, *, notice: bool = True) -> bool:
    """Whether the lexicon suppressed a match of `analysis` for a word of the term's
    negative context (`unless`), or (with `notice`) found a notice word in the post."""
    if notice and analysis.notice:
        return True
    return any(why.reason == "unless" for why in analysis.suppressed_why)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def lexicon_features(counts: MatchCounts, lure: bool) -> tuple[float, ...]:
    """The lexicon's terms in `LEXICON_FEATURES` order: capped match counts, lure with a match."""
    any_match = counts.strong + counts.medium + counts.weak > 0
    return (
        min(counts.strong, CAPS["strong"]),
        min(counts.medium, CAPS["medium"]),
        min(counts.weak, CAPS["weak"]),
        1.0 if (lure and any_match) else 0.0,
    )


class Fusion:
    """Per-category fusion weights; `params[c]` maps each weight's name to its value."""

    def __init__(
        self,
        params: dict[str, dict[str, float]] | None = None,
        *,
        secondary: float | None = SECONDARY_THRESHOLD,
        format: str = FORMAT,
        corroboration: float | None = None,
    ) -> None:
        params = params or {}
        self.params = {c: {**DEFAULT_PARAMS, **params.get(c, {})} for c in CATEGORIES}
        self.secondary = secondary
        self.format = format
        # The gate of v8 (`CORROBORATION` unless given); older formats have none.
        if format != FORMAT:
            corroboration = 0.0
        self.corroboration = CORROBORATION if corroboration is None else corroboration

    def corroborated(self, linear_probs: Sequence[float], counts: dict[str, MatchCounts]) -> bool:
        """Whether the transformer's probabilities count for a post (format v8): the
        lexicon matched a term or the linear model gives some category the gate."""
        if not self.corroboration or max(linear_probs, default=0.0) >= self.corroboration:
            return True
        return any(c.strong + c.medium + c.weak for c in counts.values())

    def _models_logit(self, w: dict[str, float], model_prob: float, linear_prob: float) -> float:
        if self.format == FORMAT_V2:
            return w["model"] * _logit(model_prob) + w["linear"] * _logit(linear_prob)
        mean = (w["model"] * model_prob + w["linear"] * linear_prob) / (w["model"] + w["linear"])
        return _logit(mean)

    def fuse(
        self,
        model_probs: Sequence[float],
        linear_probs: Sequence[float],
        counts: dict[str, MatchCounts],
        lure: bool,
        negative: bool = False,
        category_probs: Sequence[float] | None = None,
    ) -> list[float]:
        """Category scores; `negative`: the lexicon found the negative context of the
        post (`Fusion.negative`), read by formats v5 to v8; `category_probs`: the
        linear model's category judge, read by v7 and v8 (the linear probabilities stand
        in when it is None)."""
        judge = linear_probs
        if self.format in _JUDGE_FORMATS and category_probs is not None:
            judge = category_probs
        if not self.corroborated(linear_probs, counts):
            model_probs = linear_probs
        out: list[float] = []
        shares: list[float] = []
        for index, category in enumerate(CATEGORIES):
            w = self.params[category]
            lexicon = lexicon_features(counts.get(category, MatchCounts()), lure)
            lift = (
                sum(w[name] * value for name, value in zip(LEXICON_FEATURES, lexicon, strict=True))
                + w["bias"]
            )
            linear = float(linear_probs[index])
            out.append(_sigmoid(self._models_logit(w, float(model_probs[index]), linear) + lift))
            if self.format in _SHARED_FORMATS:
                shares.append(_sigmoid(_logit(float(judge[index])) + lift))
        if not shares:
            return out
        strength, top = max(out), max(shares)
        fused = [strength * share / top for share in shares]
        if negative and self.format in _NEGATIVE_FORMATS:
            return [_sigmoid(_logit(p) - CONTEXT_DAMPING) for p in fused]
        return fused

    def negative(self, analysis: Any) -> bool:
        """The negative context this fusion's format reads (`fuse`'s `negative`)."""
        if self.format in (FORMAT, FORMAT_V7, FORMAT_V6):
            return negative_context(analysis)
        return self.format == FORMAT_V5 and negative_context(analysis, notice=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "format": self.format,
            "params": self.params,
            "secondary_threshold": self.secondary,
            "corroboration": self.corroboration,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> Fusion:
        """Read a model directory's fusion; v2 (fitted weights, no secondary threshold) as well."""
        if not data:
            return cls()
        params = data.get("params")
        secondary = data.get("secondary_threshold")
        gate = data.get("corroboration")
        return cls(
            params if isinstance(params, dict) else None,
            secondary=float(secondary) if isinstance(secondary, int | float) else None,
            format=str(data.get("format") or FORMAT),
            corroboration=float(gate) if isinstance(gate, int | float) else None,
        )
