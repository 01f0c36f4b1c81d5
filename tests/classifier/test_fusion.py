"""Fusion v8 (v4: clue strength from both models, categories from the linear model,
lexicon lifts; v5, v6: with the lexicon's negative context and notice words; v7: the
categories from the linear model's category judge; v8: the transformer counts only where
the lexicon or the linear model corroborates), the secondary threshold, v2 to v7 still
read."""

from __future__ import annotations

import math

import numpy as np

from classifier.corpus import Example
from classifier.evaluate import category_flags, metrics
from classifier.fusion import (
    CONTEXT_DAMPING,
    CORROBORATION,
    FORMAT,
    FORMAT_V2,
    FORMAT_V3,
    FORMAT_V4,
    FORMAT_V5,
    FORMAT_V6,
    FORMAT_V7,
    Fusion,
    MatchCounts,
    evidence,
    negative_context,
)
from classifier.train import choose_thresholds
from cluewatch.taxonomy import CATEGORIES
from lexicon import Matcher, load_data

N = len(CATEGORIES)


def _probs(first: float, rest: float = 0.01) -> list[float]:
    return [first, *([rest] * (N - 1))]


V3 = Fusion(format=FORMAT_V3)
V7 = Fusion(format=FORMAT_V7)


def test_without_lexicon_evidence_the_v3_score_is_the_mean_of_the_two_models() -> None:
    fused = V3.fuse(_probs(0.9), _probs(0.3), {}, lure=False)
    assert math.isclose(fused[0], 0.6, rel_tol=1e-9)
    assert math.isclose(fused[1], 0.01, rel_tol=1e-9)


def test_lexicon_matches_lift_only_their_category_and_a_lure_only_with_a_match() -> None:
    counts = {CATEGORIES[0]: MatchCounts(strong=1)}
    plain = V3.fuse(_probs(0.4), _probs(0.4), {}, lure=True)
    lifted = V3.fuse(_probs(0.4), _probs(0.4), counts, lure=False)
    lured = V3.fuse(_probs(0.4), _probs(0.4), counts, lure=True)
    assert math.isclose(plain[0], 0.4, rel_tol=1e-9)  # a lure alone lifts nothing
    assert plain[0] < lifted[0] < lured[0]
    assert lifted[1:] == plain[1:]
    v4 = [Fusion().fuse(_probs(0.4), _probs(0.4), c, lure=True) for c in ({}, counts)]
    assert v4[0][0] < v4[1][0]


def test_v4_takes_the_category_from_the_linear_model_at_both_models_strength() -> None:
    assert Fusion().format == FORMAT
    model = _probs(0.9)  # the transformer: category 0
    linear = [0.35, 0.6, *([0.01] * (N - 2))]  # the linear model: category 1, more than 0
    fused = Fusion().fuse(model, linear, {}, lure=False)
    strength = max(V3.fuse(model, linear, {}, lure=False))  # 0.625: mean of 0.9 and 0.35
    assert math.isclose(fused[1], strength, rel_tol=1e-9)
    assert math.isclose(fused[0], strength * 0.35 / 0.6, rel_tol=1e-9)
    # A lexicon match can move the category, as it lifts the linear share.
    counts = {CATEGORIES[0]: MatchCounts(strong=2)}
    lifted = Fusion().fuse(model, linear, counts, lure=True)
    assert int(np.argmax(lifted)) == 0


def test_v7_takes_the_category_from_the_category_judge_at_the_same_strength() -> None:
    model = _probs(0.9)
    linear = [0.6, 0.35, *([0.01] * (N - 2))]  # the clue regressions: category 0
    judge = [0.2, 0.7, *([0.01] * (N - 2))]  # the category judge: category 1
    v7 = Fusion().fuse(model, linear, {}, lure=False, category_probs=judge)
    strength = max(V3.fuse(model, linear, {}, lure=False))  # 0.75: mean of 0.9 and 0.6
    assert int(np.argmax(v7)) == 1 and math.isclose(v7[1], strength, rel_tol=1e-9)
    assert math.isclose(v7[0], strength * 0.2 / 0.7, rel_tol=1e-9)
    # A v6 model directory, and a linear model without a judge, share out by the
    # clue regressions.
    v6 = Fusion(format=FORMAT_V6).fuse(model, linear, {}, lure=False, category_probs=judge)
    assert int(np.argmax(v6)) == 0
    assert v6 == Fusion().fuse(model, linear, {}, lure=False)
    assert Fusion.from_dict(Fusion(format=FORMAT_V6).to_dict()).format == FORMAT_V6


def test_v5_lowers_every_category_of_a_post_in_a_term_s_negative_context() -> None:
    model, linear = _probs(0.9), [0.3, 0.6, *([0.01] * (N - 2))]
    counts = {CATEGORIES[1]: MatchCounts(weak=1)}
    plain = Fusion().fuse(model, linear, counts, lure=False)
    damped = Fusion().fuse(model, linear, counts, lure=False, negative=True)
    for before, after in zip(plain, damped, strict=True):
        z = math.log(before / (1 - before)) - CONTEXT_DAMPING
        assert math.isclose(after, 1 / (1 + math.exp(-z)), rel_tol=1e-6)
    assert int(np.argmax(damped)) == int(np.argmax(plain))  # the category stays
    assert plain[1] >= 0.5 > damped[1]
    # A v4 model directory scores as it was written.
    v4 = Fusion(format=FORMAT_V4)
    assert v4.fuse(model, linear, counts, lure=False, negative=True) == plain


def test_the_negative_context_is_a_match_the_lexicon_suppressed_for_an_unless_word() -> None:
    matcher = Matcher(load_data())
    notice = matcher.analyze("警方提醒：网上有人以办理出生证明为名诈骗，切勿轻信")
    offer = matcher.analyze("出生证明可办理，全国可做，加微信 fake_wx_001")
    assert negative_context(notice) and any(w.reason == "unless" for w in notice.suppressed_why)
    assert not negative_context(offer) and offer.matches


def test_v6_also_lowers_a_post_with_a_notice_word_anywhere_and_v5_does_not() -> None:
    matcher = Matcher(load_data())
    # The advert is quoted far from the warning: no term's negative context is near.
    text = (
        "转发家长群：“男宝出生三天，找有缘人，营养费私聊 fake_wx_002”"
        + "，" * 60
        + "这是拐卖儿童，请举报"
    )
    analysis = matcher.analyze(text)
    assert "拐卖" in analysis.notice
    assert not negative_context(analysis, notice=False)
    assert Fusion().negative(analysis) and Fusion(format=FORMAT_V6).negative(analysis)
    assert not Fusion(format=FORMAT_V5).negative(analysis)
    assert not Fusion(format=FORMAT_V4).negative(analysis)
    ordinary = matcher.analyze("周末带娃去公园，天气真好")
    assert ordinary.notice == () and not Fusion().negative(ordinary)
    model, linear = _probs(0.9), _probs(0.8)
    counts, lure = evidence(analysis)
    v6 = Fusion().fuse(model, linear, counts, lure, Fusion().negative(analysis))
    v5 = Fusion(format=FORMAT_V5)
    assert max(v6) < max(v5.fuse(model, linear, counts, lure, v5.negative(analysis)))


def test_v4_flags_a_post_exactly_when_v3_does() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        model, linear = rng.random(N) ** 3, rng.random(N) ** 3
        counts = {CATEGORIES[int(rng.integers(N))]: MatchCounts(medium=int(rng.integers(3)))}
        lure = bool(rng.integers(2))
        # v4 to v7 (and v8 where the gate lets the transformer count) flag as v3.
        v4, v3 = (f.fuse(model, linear, counts, lure=lure) for f in (Fusion(corroboration=0), V3))
        assert math.isclose(max(v4), max(v3), rel_tol=1e-12)
        assert all(score <= max(v4) for score in v4)
    assert Fusion.from_dict(V3.to_dict()).format == FORMAT_V3  # a v3 directory fuses as v3


def test_a_v2_fusion_still_fuses_as_it_was_fitted() -> None:
    params = {"model": 1.0, "linear": 0.5, "strong": 0, "medium": 0, "weak": 0, "lure": 0}
    v2 = Fusion.from_dict(
        {"format": FORMAT_V2, "params": {c: {**params, "bias": -0.3} for c in CATEGORIES}}
    )
    assert v2.secondary is None  # v2 flagged every category past its threshold
    logit = math.log(0.9 / 0.1) + 0.5 * math.log(0.3 / 0.7) - 0.3
    fused = v2.fuse(_probs(0.9), _probs(0.3), {}, lure=False)
    assert math.isclose(fused[0], 1 / (1 + math.exp(-logit)), rel_tol=1e-9)
    assert Fusion.from_dict(v2.to_dict()).format == FORMAT_V2


def test_a_second_category_is_flagged_only_from_the_secondary_threshold() -> None:
    scores = np.array([[0.9, 0.6, 0.75, 0.1, 0.1, 0.1, 0.1], [0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]])
    flags = category_flags(scores, 0.5, 0.7)
    assert flags[0].tolist() == [True, False, True, False, False, False, False]
    assert not flags[1].any()
    assert category_flags(scores, 0.5)[0, 1]  # without it, every category past its threshold


def test_metrics_count_categories_as_flagged() -> None:
    examples = [Example(id="a", text="", labels=(CATEGORIES[0],), family="f")]
    scores = np.array([[0.9, 0.6, 0.1, 0.1, 0.1, 0.1, 0.1]])
    assert metrics(examples, scores, 0.5)["per_category"][CATEGORIES[1]]["precision"] == 0.0
    with_secondary = metrics(examples, scores, 0.5, 0.7)
    assert with_secondary["macro_f1"] == 1.0


def test_thresholds_rise_from_half_only_where_validation_precision_needs_it() -> None:
    # Category 0: at 0.5 two of four flagged posts are right; from 0.62 both flagged are.
    first = [0.9, 0.7, 0.6, 0.55, *([0.01] * 8)]
    second = [0.01, 0.01, 0.01, 0.01, *([0.8] * 6), 0.01, 0.01]
    fused = np.full((12, N), 0.01)
    fused[:, 0] = first
    fused[:, 1] = second
    labels = [(CATEGORIES[0],)] * 2 + [()] * 2 + [(CATEGORIES[1],)] * 6 + [()] * 2
    examples = [Example(id=str(i), text="", labels=lab, family="f") for i, lab in enumerate(labels)]
    fusion = Fusion()
    # Too few validation positives everywhere: 0.5 stays.
    assert set(choose_thresholds(fused, examples, fusion, 0.75).values()) == {0.5}
    many = examples * 5
    thresholds = choose_thresholds(np.tile(fused, (5, 1)), many, fusion, 0.75)
    assert thresholds[CATEGORIES[0]] == 0.62 and thresholds[CATEGORIES[1]] == 0.5


def test_the_model_version_names_the_scoring_as_well_as_the_weights() -> None:
    from classifier.model import ModelMeta

    def stamped(thresholds: dict[str, float], floor: float) -> str:
        meta = ModelMeta(version="m@abc", labels=[], max_length=8, thresholds=thresholds)
        meta.stamp_scoring(floor)
        meta.stamp_scoring(floor)  # a refit of the same scoring keeps the version
        return meta.version

    first = stamped({"surrogacy": 0.5}, 0.1)
    assert first.startswith("m@abc+") and first == stamped({"surrogacy": 0.5}, 0.1)
    assert len({first, stamped({"surrogacy": 0.6}, 0.1), stamped({"surrogacy": 0.5}, 0.2)}) == 3


def test_v8_counts_the_transformer_only_where_the_lexicon_or_the_linear_model_corroborates() -> (
    None
):
    assert Fusion().corroboration == CORROBORATION == 0.15
    model = _probs(0.99)  # the transformer alone is sure
    quiet = [0.1, *([0.01] * (N - 1))]  # the linear model sees little
    alone = Fusion().fuse(model, quiet, {}, lure=False)
    # Uncorroborated, the linear probabilities stand in: the post is not flagged.
    assert alone == Fusion().fuse(quiet, quiet, {}, lure=False)
    assert max(alone) < 0.5
    # The same transformer counts once the lexicon matched a term (any category) ...
    counts = {CATEGORIES[3]: MatchCounts(weak=1)}
    matched = Fusion().fuse(model, quiet, counts, lure=False)
    assert matched == Fusion(corroboration=0).fuse(model, quiet, counts, lure=False)
    assert max(matched) >= 0.5
    # ... or once the linear model gives some category the gate.
    seen = [0.1, 0.15, *([0.01] * (N - 2))]
    assert Fusion().fuse(model, seen, {}, lure=False) == V7.fuse(model, seen, {}, lure=False)
    assert max(Fusion().fuse(model, seen, {}, lure=False)) >= 0.5
    # v7 model directories have no gate; the gate is written and read with the fusion.
    assert V7.corroboration == 0.0 and V7.fuse(model, quiet, {}, lure=False) != alone
    assert Fusion.from_dict(V7.to_dict()).corroboration == 0.0
    assert Fusion.from_dict({"format": FORMAT_V7}).corroboration == 0.0
    stored = Fusion(corroboration=0.2).to_dict()
    assert stored["corroboration"] == 0.2 and Fusion.from_dict(stored).corroboration == 0.2
    assert Fusion.from_dict({"format": FORMAT}).corroboration == CORROBORATION
