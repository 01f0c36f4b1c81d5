"""The cascade floor is chosen on clues it would lose, not on recall that gains can offset."""

from __future__ import annotations

import numpy as np

from classifier.corpus import Example
from classifier.fusion import Fusion
from classifier.scorer import Scored, fuse_all
from classifier.train import choose_cascade_floor
from cluewatch.taxonomy import CATEGORIES
from lexicon import Matcher, load_data


def _scored(fusion: Fusion, model_first: list[float], linear_first: list[float]) -> Scored:
    # No lexicon term: only the floor decides whether the transformer runs.
    texts = ["今天天气不错，出去走走", "周末去公园散步了"]
    analyses = Matcher(load_data()).analyze_many(texts)
    model = np.full((len(texts), len(CATEGORIES)), 1e-3, dtype=np.float32)
    linear = np.full_like(model, 1e-3)
    model[:, 0] = model_first
    linear[:, 0] = linear_first
    fused = fuse_all(fusion, model, linear, analyses)
    return Scored(analyses, fused, model, linear, np.ones(len(texts), dtype=bool), linear)


def test_a_clue_gained_elsewhere_does_not_excuse_a_clue_lost() -> None:
    # Category 0 flags when the transformer (or its linear stand-in) says at least 0.12.
    fusion = Fusion({CATEGORIES[0]: {"model": 1.0, "linear": 0.0, "bias": 2.0}})
    # Post 0: the transformer flags it, the linear model barely sees it (lost if skipped).
    # Post 1: the transformer does not flag it, the linear stand-in would (gained if skipped).
    scored = _scored(fusion, model_first=[0.9, 0.05], linear_first=[0.01, 0.3])
    examples = [
        Example(id=f"c{i}", text="", labels=(CATEGORIES[0],), family=f"f{i}") for i in range(2)
    ]
    thresholds = np.full(len(CATEGORIES), 0.5)
    floor, report = choose_cascade_floor(fusion, scored, examples, thresholds)
    # At 0.5 the cascade's recall equals the full scorer's (one lost, one gained): not enough.
    assert floor == 0.01
    assert report["validation_clues_lost"] == 0.0 and report["transformer_share"] == 1.0
