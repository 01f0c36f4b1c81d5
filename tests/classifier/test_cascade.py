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
    # (No corroboration gate: the floor alone decides here.)
    fusion = Fusion({CATEGORIES[0]: {"model": 1.0, "linear": 0.0, "bias": 2.0}}, corroboration=0)
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


def test_the_cascade_skips_the_transformer_where_the_gate_would_not_count_it() -> None:
    from classifier.fusion import FORMAT
    from classifier.scorer import Scorer
    from cluewatch.settings import DEFAULT_MODEL_DIR

    scorer = Scorer.from_paths(model_dir=DEFAULT_MODEL_DIR)  # the shipped model
    scorer.fusion = Fusion.from_dict(
        {**scorer.fusion.to_dict(), "format": FORMAT, "corroboration": 0.3}
    )
    scorer.cascade_floor = 0.0
    texts = [
        "今天天气不错，出去走走",
        "孩子写作业我得全程陪着，比上班还累",
        "周末去公园散步了，人很多",
        "出生证明 可办 加微信 fake_doc_01",
        "高薪招聘 包吃住 护照统一保管 到了再办签证",
        "专业代孕 包成功 加微信 fake_ab_01",
    ]
    cascade = scorer.compute(texts)
    has_term = np.array([bool(a.matches) for a in cascade.analyses])
    expected = has_term | (cascade.linear.max(axis=1) >= 0.3)
    assert (cascade.transformer_ran == expected).all()
    assert expected.any() and not expected.all()
    # Where it did not run, its word would not have counted: the full scorer agrees.
    scorer.cascade = False
    full = scorer.compute(texts)
    assert full.transformer_ran.all()
    assert np.allclose(full.fused, cascade.fused, atol=1e-9)
