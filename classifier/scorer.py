"""One clue score per post: lexicon + classifier + fusion, as `cluewatch score` and the crawler use it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.evaluate import category_flags
from classifier.fusion import Fusion, evidence
from classifier.linear import LinearModel
from classifier.model import TextClassifier
from cluewatch.taxonomy import BENIGN, CATEGORIES
from lexicon import Analysis, Matcher, category_evidence
from lexicon.data import load_data


@dataclass
class ScoreResult:
    """A post's score in the FORMATS.md shape, plus the model-only probabilities."""

    score: float
    label: str
    flagged: bool
    categories: dict[str, float]
    model_categories: dict[str, float]
    matches: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    model_version: str
    lexicon_version: str

    def to_output(self, post_id: str) -> dict[str, Any]:
        """The `cluewatch score` output object (FORMATS.md), key order as documented."""
        return {
            "id": post_id,
            "score": self.score,
            "label": self.label,
            "flagged": self.flagged,
            "categories": self.categories,
            "matches": self.matches,
            "entities": self.entities,
            "model_version": self.model_version,
            "lexicon_version": self.lexicon_version,
        }


def scored_text(title: str | None, text: str) -> str:
    """The text offsets refer to: title + newline + text when a title is given (FORMATS.md)."""
    return f"{title}\n{text}" if title else text


@dataclass
class Scored:
    """Everything scoring computed for a batch, before it is shaped for output."""

    analyses: list[Analysis]
    fused: npt.NDArray[np.float64]  # (n, 7) calibrated category scores
    model: npt.NDArray[np.float32]  # transformer probabilities (linear stand-in where skipped)
    linear: npt.NDArray[np.float32]
    transformer_ran: npt.NDArray[np.bool_]
    # The linear model's category judge (its clue probabilities when it has none).
    category: npt.NDArray[np.float32]


# What the models are taken to say about a text without Chinese to read.
BLANK_PROBABILITY = 1e-3
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef]")


def _blank(texts: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Texts without a Han character: left to the lexicon (`Scorer.compute`)."""
    return np.array([_HAN.search(t) is None for t in texts], dtype=bool)


def fuse_all(
    fusion: Fusion,
    model: npt.NDArray[np.float32],
    linear: npt.NDArray[np.float32],
    analyses: Sequence[Analysis],
    category: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.float64]:
    """Fused category scores, one row per post; `category`: the linear model's
    category judge (`Fusion.fuse`)."""
    fused = np.zeros((len(analyses), len(CATEGORIES)), dtype=np.float64)
    for row, analysis in enumerate(analyses):
        counts, lure = evidence(analysis)
        fused[row] = fusion.fuse(
            model[row],
            linear[row],
            counts,
            lure,
            fusion.negative(analysis),
            None if category is None else category[row],
        )
    return fused


def cascade_runs(
    analyses: Sequence[Analysis],
    linear: npt.NDArray[np.float32],
    floor: float,
    fusion: Fusion,
) -> npt.NDArray[np.bool_]:
    """The posts the cascade runs the transformer on: where the lexicon found a term
    or the linear model gives some category at least `floor`. Never below the
    fusion's corroboration gate, where the transformer's word would not count
    (`Fusion.corroborated`)."""
    has_term = np.array([bool(a.matches) for a in analyses], dtype=bool)
    return has_term | (linear.max(axis=1) >= max(floor, fusion.corroboration))


class Scorer:
    """Scores posts in batches. Build once; reuse for every post.

    Scoring is a cascade: the lexicon and the linear n-gram model look at
    every post; the transformer runs only where it can change the outcome,
    that is where the lexicon found a term or the linear model gives some
    category at least `cascade_floor` (chosen at training time so that the
    cascade loses almost no recall). Elsewhere the linear probabilities stand
    in for the transformer's. `cascade=False` runs the transformer on all.
    Every fusion format reads the linear model, so it is required.

    A post is flagged when a category's fused score reaches that category's
    threshold (chosen on validation families for the model's target
    precision), or, when the operator sets one, the single `threshold`; a
    category other than the post's strongest needs the fusion's secondary
    threshold as well.
    """

    def __init__(
        self,
        matcher: Matcher,
        classifier: TextClassifier,
        *,
        threshold: float | None = None,
        linear: LinearModel,
        cascade: bool = True,
    ) -> None:
        self.matcher = matcher
        self.classifier = classifier
        self.linear = linear
        self.threshold = threshold
        meta = classifier.meta
        self.fusion = Fusion.from_dict(meta.fusion)
        self.thresholds = np.array(
            [
                threshold if threshold is not None else float(meta.thresholds.get(c, 0.5))
                for c in CATEGORIES
            ]
        )
        self.cascade = cascade
        self.cascade_floor = float(meta.metrics.get("cascade_floor", 0.05))

    @classmethod
    def from_paths(
        cls,
        *,
        model_dir: Path,
        lexicon_dirs: Sequence[Path] | None = None,
        threshold: float | None = None,
        cascade: bool = True,
    ) -> Scorer:
        """The lexicon (with the operator's `lexicon_dirs`) and `model_dir`'s models:
        the transformer and the linear model; `ModelLoadError` (E040) naming the file
        when one of the directory's files is missing or corrupt."""
        data = load_data(lexicon_dirs) if lexicon_dirs else load_data()
        classifier = TextClassifier(model_dir)
        return cls(
            Matcher(data),
            classifier,
            threshold=threshold,
            linear=LinearModel.load(model_dir),
            cascade=cascade,
        )

    def compute(self, texts: Sequence[str]) -> Scored:
        analyses = self.matcher.analyze_many(texts)
        n = len(texts)
        linear, category = self.linear.predict_with_categories(texts)
        if self.cascade:
            run = cascade_runs(analyses, linear, self.cascade_floor, self.fusion)
        else:
            run = np.ones(n, dtype=bool)
        # The models read Chinese: a text without a single Han character (blank,
        # symbols, English, pinyin only) is left to the lexicon, which spells
        # pinyin and initials and finds contacts; the models are taken to say no.
        blank = _blank(texts)
        linear[blank] = BLANK_PROBABILITY
        run &= ~blank
        model = linear.copy()
        model[blank] = BLANK_PROBABILITY
        chosen = np.flatnonzero(run)
        if len(chosen):
            model[chosen] = self.classifier.predict([texts[i] for i in chosen])
        fused = self._fuse(model, linear, category, analyses, blank)
        return Scored(analyses, fused, model, linear, run, category)

    def fuse_again(
        self, texts: Sequence[str], scored: Scored, model: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        """The fused scores of `scored` (`compute(texts)`) had the transformer said `model`
        for the posts it read: another epoch's transformer, without scoring again."""
        probs = np.where(scored.transformer_ran[:, None], model, scored.model)
        return self._fuse(probs, scored.linear, scored.category, scored.analyses, _blank(texts))

    def _fuse(
        self,
        model: npt.NDArray[np.float32],
        linear: npt.NDArray[np.float32],
        category: npt.NDArray[np.float32],
        analyses: list[Analysis],
        blank: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.float64]:
        fused = fuse_all(self.fusion, model, linear, analyses, category)
        for row in np.flatnonzero(blank):
            fused[row] = self._lexicon_scores(analyses[row])
        return fused

    def _lexicon_scores(self, analysis: Analysis) -> npt.NDArray[np.float64]:
        """The lexicon's own evidence, mapped so that its 0.5 falls on each category's threshold.

        For texts the models cannot read; a strong or medium match then flags
        the post, as the lexicon alone would.
        """
        evidence = category_evidence(analysis.matches)
        e = np.array([evidence.get(c, 0.0) for c in CATEGORIES])
        t = self.thresholds
        return np.where(e < 0.5, t * e / 0.5, t + (1 - t) * (e - 0.5) / 0.5)

    def flags(self, fused: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Per post and category: whether the category is flagged (`category_flags`)."""
        return category_flags(fused, self.thresholds, self.fusion.secondary)

    def score_texts(self, texts: Sequence[str]) -> list[ScoreResult]:
        scored = self.compute(texts)
        flags = self.flags(scored.fused)
        return [
            self._result(scored.analyses[i], scored.fused[i], flags[i], scored.model[i])
            for i in range(len(texts))
        ]

    def _result(
        self,
        analysis: Analysis,
        fused: npt.NDArray[np.float64],
        flags: npt.NDArray[np.bool_],
        model_row: Sequence[float],
    ) -> ScoreResult:
        categories = {c: round(float(p), 4) for c, p in zip(CATEGORIES, fused, strict=True)}
        best = max(CATEGORIES, key=lambda c: categories[c])
        score = categories[best]
        flagged = bool(flags.any())
        if flagged:
            # The label is the strongest category among those past their threshold.
            best = max(
                (c for c, f in zip(CATEGORIES, flags, strict=True) if f),
                key=lambda c: categories[c],
            )
        return ScoreResult(
            score=score,
            label=best if flagged else BENIGN,
            flagged=flagged,
            categories=categories,
            model_categories={
                c: round(float(p), 4) for c, p in zip(CATEGORIES, model_row, strict=True)
            },
            matches=[
                {
                    "term": m.term,
                    "category": m.category,
                    "weight": m.weight,
                    "surface": m.surface,
                    "start": m.start,
                    "end": m.end,
                    "technique": m.technique,
                }
                for m in analysis.matches
            ],
            entities=[
                {"kind": e.kind, "value": e.value, "start": e.start, "end": e.end}
                for e in analysis.entities
            ],
            model_version=self.classifier.version,
            lexicon_version=self.matcher.version,
        )
