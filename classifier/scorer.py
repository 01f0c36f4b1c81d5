"""One clue score per post: lexicon + classifier + fusion, as `cluewatch score` and the crawler use it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.fusion import Fusion, evidence
from classifier.model import TextClassifier
from cluewatch.taxonomy import BENIGN, CATEGORIES
from lexicon import Analysis, Matcher
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


class Scorer:
    """Scores posts in batches. Build once; reuse for every post."""

    def __init__(self, matcher: Matcher, classifier: TextClassifier, *, threshold: float) -> None:
        self.matcher = matcher
        self.classifier = classifier
        self.threshold = threshold
        self.fusion = Fusion.from_dict(classifier.meta.fusion)

    @classmethod
    def from_paths(
        cls, *, model_dir: Path, lexicon_dirs: Sequence[Path] | None = None, threshold: float
    ) -> Scorer:
        data = load_data(lexicon_dirs) if lexicon_dirs else load_data()
        return cls(Matcher(data), TextClassifier(model_dir), threshold=threshold)

    def score_texts(self, texts: Sequence[str]) -> list[ScoreResult]:
        analyses = self.matcher.analyze_many(texts)
        probs = self.classifier.predict(texts)
        return [self._fuse(analysis, row) for analysis, row in zip(analyses, probs, strict=True)]

    def _fuse(self, analysis: Analysis, model_row: Sequence[float]) -> ScoreResult:
        counts, lure = evidence(analysis)
        fused = self.fusion.fuse(model_row, counts, lure)
        categories = {c: round(p, 4) for c, p in zip(CATEGORIES, fused, strict=True)}
        best = max(CATEGORIES, key=lambda c: categories[c])
        score = categories[best]
        flagged = score >= self.threshold
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
