"""Loss weights of benign training posts: hard negatives and ordinary chatter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifier.corpus import DEFAULT_CORPUS, Example, load_corpus
from classifier.evaluate import label_matrix
from classifier.linear import LinearModel
from classifier.train import TrainConfig, mined_weights, sample_weights, weighted_loss
from cluewatch.errors import ConfigError
from cluewatch.taxonomy import CATEGORIES


def _example(index: int, labels: tuple[str, ...], kind: str | None) -> Example:
    return Example(id=f"w{index}", text="x", labels=labels, family="f", negative_kind=kind)


MIXED = [
    _example(0, ("surrogacy",), None),
    _example(1, (), "pet_adoption"),
    _example(2, (), "ordinary"),
    _example(3, (), None),  # a benign post without a kind counts as ordinary
]


def test_by_default_every_benign_post_weighs_twice_a_clue() -> None:
    weights = sample_weights(MIXED, TrainConfig())
    np.testing.assert_allclose(weights / weights[0], [1.0, 2.0, 2.0, 2.0])


def test_weights_of_one_weigh_every_post_the_same() -> None:
    config = TrainConfig(hard_negative_weight=1.0, ordinary_weight=1.0)
    np.testing.assert_allclose(sample_weights(MIXED, config), [1.0, 1.0, 1.0, 1.0])


def test_hard_negatives_and_ordinary_posts_weigh_as_configured_with_mean_one() -> None:
    config = TrainConfig(hard_negative_weight=3.0, ordinary_weight=2.0)
    weights = sample_weights(MIXED, config)
    assert weights.mean() == pytest.approx(1.0)
    np.testing.assert_allclose(weights / weights[0], [1.0, 3.0, 2.0, 2.0])


def test_a_weight_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ConfigError, match="hard_negative_weight"):
        sample_weights(MIXED, TrainConfig(hard_negative_weight=0.0))


def test_the_weighted_loss_weighs_each_post_and_is_the_plain_loss_with_weights_one() -> None:
    import torch

    logits = torch.tensor([[2.0, -1.0], [0.5, 1.5]])
    targets = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    pos_weight = torch.tensor([2.0, 3.0])
    plain = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)(logits, targets)
    ones = weighted_loss(logits, targets, torch.ones(2), pos_weight)
    assert float(ones) == pytest.approx(float(plain), rel=1e-6)
    per_post = [
        float(
            torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)(logits[i : i + 1], targets[i : i + 1])
        )
        for i in range(2)
    ]
    weighted = weighted_loss(logits, targets, torch.tensor([0.5, 1.5]), pos_weight)
    assert float(weighted) == pytest.approx((0.5 * per_post[0] + 1.5 * per_post[1]) / 2, rel=1e-6)


def test_weighting_hard_negatives_lowers_the_linear_models_scores_on_them() -> None:
    """Surrogacy adverts against licensed-IVF posts that share their words and chatter.

    The classes stay balanced (`class_weight="balanced"` counts the weights),
    so the weight moves the benign side's share from chatter to hard negatives.
    """
    hand = DEFAULT_CORPUS / "hand"
    examples = [
        ex
        for ex in load_corpus(
            [hand / "surrogacy.jsonl", hand / "hard_negatives.jsonl", hand / "ordinary.jsonl"]
        )
        if ex.is_clue or ex.negative_kind in ("ivf", "ordinary")
    ]
    assert sum(ex.is_hard_negative for ex in examples) >= 20
    texts = [ex.scored_text for ex in examples]
    y = label_matrix(examples)
    hard = np.array([ex.is_hard_negative for ex in examples])
    clue = np.array([ex.is_clue for ex in examples])
    column = CATEGORIES.index("surrogacy")

    def scores(weight: float) -> np.ndarray:
        config = TrainConfig(hard_negative_weight=weight, ordinary_weight=1.0)
        model = LinearModel.fit(texts, y, sample_weight=sample_weights(examples, config))
        return model.predict(texts)[:, column]

    plain, weighted = scores(1.0), scores(3.0)
    assert weighted[hard].mean() < plain[hard].mean()
    assert (weighted[clue] >= 0.5).mean() > 0.9  # the adverts are still found


def test_mining_multiplies_the_weight_of_the_benign_posts_the_model_flags() -> None:
    weights = sample_weights(MIXED, TrainConfig(hard_negative_weight=2.0, ordinary_weight=1.0))
    benign_rows = [1, 2, 3]
    probs = np.array([[0.9, 0.1], [0.2, 0.3], [0.1, 0.5]])  # rows 1 and 3 flagged
    mined = mined_weights(weights, benign_rows, probs, 3.0)
    assert mined.mean() == pytest.approx(1.0)
    np.testing.assert_allclose(mined / mined[0], [1.0, 6.0, 1.0, 3.0])


def test_training_with_weights_and_mining_reports_the_mined_posts(tmp_path: Path) -> None:
    from classifier.train import train
    from tests.classifier.test_train import _small_corpus, tiny_config

    config = tiny_config(
        epochs=2,
        pretrain_epochs=0,
        refit=False,
        hard_negative_weight=2.0,
        ordinary_weight=1.5,
        mining_weight=3.0,
    )
    lines: list[str] = []
    corpus = _small_corpus(tmp_path / "corpus.jsonl", families_per_file=6, per_family=4)
    train(data=[corpus], out_dir=tmp_path / "m", config=config, progress=lines.append)
    [first] = [line for line in lines if line.startswith("epoch 1:")]
    assert "benign posts mined" in first
    assert not any("mined" in line for line in lines if line.startswith("epoch 2:"))
