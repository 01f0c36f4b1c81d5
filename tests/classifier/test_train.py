"""Training from scratch and fine-tuning a local checkpoint; evaluation; model loading errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from classifier.corpus import DEFAULT_CORPUS
from classifier.fusion import FORMAT, FORMAT_V6
from tests.conftest import run_cli

if TYPE_CHECKING:
    from classifier.train import TrainConfig

FILES = ("surrogacy.jsonl", "illegal_adoption.jsonl", "hard_negatives.jsonl", "ordinary.jsonl")


def _small_corpus(path: Path, families_per_file: int = 8, per_family: int = 5) -> Path:
    """A few whole families from the project's corpus, enough for every split."""
    lines: list[str] = []
    for name in FILES:
        taken: dict[str, int] = {}
        for line in (DEFAULT_CORPUS / "hand" / name).read_text(encoding="utf-8").splitlines():
            family = json.loads(line)["family"]
            if family not in taken and len(taken) >= families_per_file:
                continue
            if taken.get(family, 0) < per_family:
                taken[family] = taken.get(family, 0) + 1
                lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tiny_config(**fields: Any) -> TrainConfig:
    """A transformer small enough to train in seconds, with `fields` set."""
    from classifier.train import TrainConfig

    fields.setdefault("average_from", 0)  # the default (6) needs more epochs than tests train
    return TrainConfig(hidden_size=32, layers=1, heads=2, intermediate_size=64, **fields)


def _tiny_checkpoint(directory: Path, corpus: Path) -> Path:
    """A tiny BERT checkpoint with a character vocabulary, as a user's local download would be."""
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    chars = sorted(set(corpus.read_text(encoding="utf-8")) - set(' \n\t"{}[]:,'))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]
    directory.mkdir(parents=True)
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(directory / "vocab.txt"))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertForMaskedLM(config).save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="module")
def fine_tuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fine_tune")
    corpus = _small_corpus(root / "corpus.jsonl")
    base = _tiny_checkpoint(root / "tiny-bert", corpus)
    out = root / "model"
    result = run_cli(
        ["train", "--base-model", str(base), "--data", str(corpus), "--out", str(out), "--epochs", "1",
         "--members", "2"],
        cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "epoch 1:" in result.stdout and "validation macro F1" in result.stdout
    return out


def test_fine_tuned_checkpoint_is_a_complete_model_directory(fine_tuned: Path) -> None:
    meta = json.loads((fine_tuned / "cluewatch_model.json").read_text(encoding="utf-8"))
    assert meta["base_model"].endswith("tiny-bert")
    assert len(meta["training_data_hash"]) == 64 and meta["lexicon_version"].startswith(
        "cluewatch.lexicon"
    )
    assert set(meta["thresholds"]) == set(meta["labels"])
    assert meta["fusion"]["format"] == "cluewatch.fusion.v8"
    for name in ("config.json", "model.safetensors", "linear.safetensors", "tokenizer.json"):
        assert (fine_tuned / name).is_file(), name
    # The ensemble's second member: a checkpoint of its own beside the first.
    assert meta["members"] == ["member-2"]
    assert (fine_tuned / "member-2" / "model.safetensors").is_file()
    assert len(meta["metrics"]["best_epoch"]) == 2
    held = meta["metrics"]["held_out_families"]
    assert {"lexicon_only", "linear_only", "model_only", "fused"} <= set(held)


def test_score_uses_the_fine_tuned_model(fine_tuned: Path, tmp_path: Path) -> None:
    line = json.dumps({"id": "x", "text": "专业代孕 包成功 加微信 fake_ab_01"}, ensure_ascii=False)
    result = run_cli(
        ["score", "-", "--model-dir", str(fine_tuned)], cwd=tmp_path, stdin=line + "\n"
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    meta = json.loads((fine_tuned / "cluewatch_model.json").read_text(encoding="utf-8"))
    assert out["model_version"] == meta["version"]


def test_evaluate_reports_sources_side_by_side_with_plots(fine_tuned: Path, tmp_path: Path) -> None:
    data = _small_corpus(tmp_path / "eval.jsonl", families_per_file=3)
    result = run_cli(
        ["evaluate", "--model", str(fine_tuned), "--data", str(data), "--out", "report"],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    for heading in (
        "lexicon_only",
        "linear_only",
        "model_only",
        "fused",
        "hard-negative FPR",
        "confusion",
    ):
        assert heading in result.stdout
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["examples"] == len(data.read_text(encoding="utf-8").splitlines())
    assert (tmp_path / "report" / "pr_surrogacy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    surrogacy = metrics["fused"]["per_category"]["surrogacy"]
    assert surrogacy["support"] > 0 and 0.0 <= surrogacy["precision"] <= 1.0


def test_evaluate_on_one_split_by_family_breaks_errors_down(
    fine_tuned: Path, tmp_path: Path
) -> None:
    from classifier.corpus import load_corpus, split

    data = _small_corpus(tmp_path / "eval.jsonl")
    held_out = split(load_corpus([data])).test_held_out
    result = run_cli(
        ["evaluate", "--model", str(fine_tuned), "--data", str(data), "--split", "held-out",
         "--out", "report"],
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "split: held-out" in result.stdout and "per site kind" in result.stdout
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["examples"] == len(held_out) > 0
    sites = metrics["breakdown"]["site_kinds"]
    assert sum(row["clues"] + row["benign"] for row in sites.values()) == len(held_out)
    kinds = metrics["breakdown"]["negative_kinds"]
    assert sum(row["posts"] for row in kinds.values()) == sum(1 for ex in held_out if not ex.labels)
    recall = metrics["intervals"]["clue_recall"]
    assert recall["low"] <= recall["value"] <= recall["high"]
    assert recall["families"] == len({ex.family for ex in held_out if ex.labels})
    assert "95% interval" in result.stdout


def test_evaluate_refuses_an_unknown_split(fine_tuned: Path, tmp_path: Path) -> None:
    data = _small_corpus(tmp_path / "eval.jsonl", families_per_file=2)
    result = run_cli(
        ["evaluate", "--model", str(fine_tuned), "--data", str(data), "--split", "heldout"],
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "'heldout'" in result.stderr and "held-out" in result.stderr


def test_broken_model_directory_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "cluewatch_model.json").write_text("{not json", encoding="utf-8")
    result = run_cli(["score", "-", "--model-dir", str(broken)], cwd=tmp_path, stdin="")
    assert result.returncode == 2
    assert str(broken) in result.stderr and "model metadata" in result.stderr


def test_base_model_without_config_is_refused(tmp_path: Path) -> None:
    (tmp_path / "not-a-model").mkdir()
    result = run_cli(
        ["train", "--base-model", "not-a-model", "--out", "m", "--epochs", "1",
         "--data", str(_small_corpus(tmp_path / "c.jsonl"))],
        cwd=tmp_path,
    )  # fmt: skip
    assert (
        result.returncode == 2 and "not-a-model" in result.stderr and "config.json" in result.stderr
    )


@pytest.fixture(scope="module")
def tiny_ensemble(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, list[str]]:
    """A two-member model trained from scratch (with pre-training) on a small corpus:
    its directory, metadata and progress lines."""
    from classifier.train import train

    root = tmp_path_factory.mktemp("ensemble")
    corpus = _small_corpus(root / "corpus.jsonl")
    config = tiny_config(epochs=1, pretrain_epochs=1, members=2)
    lines: list[str] = []
    meta = train(data=[corpus], out_dir=root / "m", config=config, progress=lines.append)
    return root / "m", meta, lines


def test_training_from_scratch_with_pretraining_writes_a_loadable_model(
    tiny_ensemble: tuple[Path, Any, list[str]],
) -> None:
    from classifier.scorer import Scorer

    model_dir, meta, lines = tiny_ensemble
    assert sum(line.startswith("pre-training epoch") for line in lines) == 1  # shared
    assert meta.metrics["best_epoch"] == [1, 1]
    # The directory records how it was trained.
    assert meta.metrics["training_config"]["members"] == 2
    assert meta.metrics["training_config"]["pretrain_epochs"] == 1
    modes = {p.name: p.stat().st_mode & 0o777 for p in model_dir.rglob("*.safetensors")}
    assert modes and set(modes.values()) == {0o644}, modes
    scorer = Scorer.from_paths(model_dir=model_dir)
    assert scorer.classifier.version == meta.version and scorer.linear is not None
    [result] = scorer.score_texts(["专业代孕 包成功 加微信 fake_ab_01"])
    assert set(result.categories) == set(meta.labels)


def test_the_ensemble_averages_its_members(
    tmp_path: Path, tiny_ensemble: tuple[Path, Any, list[str]]
) -> None:
    import numpy as np

    from classifier.model import ModelMeta, TextClassifier

    model_dir = tiny_ensemble[0]
    texts = ["专业代孕 包成功 加微信 fake_ab_01", "今天天气不错，出去走走"]
    ensemble = TextClassifier(model_dir).predict(texts)
    # Each member alone: the same directory with only that member's weights.
    singles = []
    for member in ("", "member-2"):
        single = tmp_path / f"single{member}"
        single.mkdir()
        for name in ("tokenizer.json", "tokenizer_config.json", "cluewatch_model.json"):
            (single / name).write_bytes((model_dir / name).read_bytes())
        for name in ("config.json", "model.safetensors"):
            (single / name).write_bytes((model_dir / member / name).read_bytes())
        meta = ModelMeta.read(single)
        meta.members = []
        meta.write(single)
        singles.append(TextClassifier(single).predict(texts))
    assert not np.allclose(singles[0], singles[1])  # different seeds, different members
    np.testing.assert_allclose(ensemble, (singles[0] + singles[1]) / 2, rtol=1e-5, atol=1e-6)


def test_the_model_reads_posts_in_the_form_it_was_trained_on(
    tmp_path: Path, tiny_ensemble: tuple[Path, Any, list[str]]
) -> None:
    import shutil

    import numpy as np

    from classifier.model import ModelMeta, TextClassifier

    model_dir, meta, _ = tiny_ensemble
    assert meta.input_form == ModelMeta.read(model_dir).input_form == "unpunctuated"
    commas = "越南新娘，包成功。跑了包赔、加V fake_ab_01"
    spaces = "越南新娘 包成功 跑了包赔 加V fake_ab_01"
    probs = TextClassifier(model_dir).predict([commas, spaces])
    np.testing.assert_array_equal(probs[0], probs[1])
    # The same weights told to read the full view see the commas.
    full = tmp_path / "full"
    shutil.copytree(model_dir, full)
    full_meta = ModelMeta.read(full)
    full_meta.input_form = "full"
    full_meta.write(full)
    probs = TextClassifier(full).predict([commas, spaces])
    assert not np.array_equal(probs[0], probs[1])


def test_contact_dropout_changes_what_the_model_trains_on(tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    from classifier.train import train

    corpus = _small_corpus(tmp_path / "corpus.jsonl")
    weights = []
    for dropout in (0.0, 1.0):
        out = tmp_path / f"m{dropout}"
        config = tiny_config(
            epochs=1, pretrain_epochs=0, refit=False, augment=0.0, contact_dropout=dropout
        )
        train(data=[corpus], out_dir=out, config=config, progress=lambda _: None)
        weights.append(load_file(str(out / "model.safetensors")))
    assert any((weights[0][k] != weights[1][k]).any() for k in weights[0])


def test_the_epoch_is_chosen_on_validation_or_every_epoch_is_kept(tmp_path: Path) -> None:
    import re

    from classifier.train import train

    corpus = _small_corpus(tmp_path / "corpus.jsonl")
    runs = {}
    for choose in (True, False):
        lines: list[str] = []
        config = tiny_config(epochs=3, pretrain_epochs=0, augment=0.0, choose_epoch=choose)
        meta = train(
            data=[corpus], out_dir=tmp_path / str(choose), config=config, progress=lines.append
        )
        scores = [
            float(m.group(1))
            for line in lines
            if (m := re.search(r"validation macro F1 ([0-9.]+), clue", line))
        ]
        runs[choose] = (meta, lines, scores)
    meta, lines, scores = runs[True]
    # Three validated epochs; the first with the best macro F1 is kept and refit.
    best = scores.index(max(scores)) + 1
    assert len(scores) == 3 and meta.metrics["best_epoch"] == [best]
    assert meta.metrics["refit"]["epochs"] == [best]
    meta, lines, scores = runs[False]
    # Validated after every epoch all the same, and all three epochs kept and refit.
    assert len(scores) == 3 and meta.metrics["best_epoch"] == [3]
    assert meta.metrics["refit"]["epochs"] == [3]
    best = scores.index(max(scores)) + 1
    assert f"all 3 epochs kept (validation's best: epoch {best}, " in "\n".join(lines)


def test_averaged_weights_are_the_mean_of_the_epochs_from_average_from(tmp_path: Path) -> None:
    from classifier.corpus import load_corpus, split
    from classifier.train import _build_model, _fine_tune, training_input

    splits = split(load_corpus([_small_corpus(tmp_path / "corpus.jsonl")]))
    config = tiny_config(
        epochs=3, pretrain_epochs=0, augment=0.0, choose_epoch=False, average_from=2
    )
    tokenizer, model = _build_model(
        config, None, [training_input(ex, config) for ex in splits.train]
    )
    states: list[dict[str, Any]] = []
    lines: list[str] = []
    kept = _fine_tune(
        model, tokenizer, splits.train, splits.validation, config, epochs=3,
        lr=config.learning_rate, max_length=64, label="", progress=lines.append,
        show_bar=False,
        after_epoch=lambda epoch, val: states.append(
            {k: v.detach().clone() for k, v in model.state_dict().items()}
        ),
    )  # fmt: skip
    assert kept == 3 and len(states) == 3
    averaged = model.state_dict()
    weights = [k for k, v in averaged.items() if v.is_floating_point()]
    for key in weights:
        mean = (states[1][key] + states[2][key]) / 2
        assert (averaged[key] - mean).abs().max() < 1e-6, key
    # Training moved the weights, so the mean is neither epoch's own.
    assert any((averaged[k] - states[2][k]).abs().max() > 1e-4 for k in weights)
    assert any(
        line.startswith("weights averaged over epochs 2-3: validation macro F1") for line in lines
    )


def test_training_refuses_averaging_with_a_chosen_epoch_before_training(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path / "corpus.jsonl")
    out = ["--out", str(tmp_path / "m"), "--data", str(corpus)]
    both = run_cli(["train", *out, "--choose-epoch", "--average-from", "5"], cwd=tmp_path)
    assert both.returncode != 0 and "average_from needs choose_epoch off" in both.stderr
    late = run_cli(
        ["crossval", "--data", str(corpus), "--epochs", "3", "--average-from", "4"], cwd=tmp_path
    )
    assert late.returncode != 0
    assert "(--average-from) must be 0 (off) or an epoch from 1 to epochs (3), got 4" in late.stderr
    assert not (tmp_path / "m").exists() and not (tmp_path / "crossval").exists()


def test_the_command_line_turns_the_default_averaging_off_where_it_cannot_apply() -> None:
    from cluewatch.cli import _train_config

    default = _train_config(None, None, None)
    assert (default.choose_epoch, default.average_from) == (False, 6)
    chosen = _train_config(None, True, None)
    assert (chosen.choose_epoch, chosen.average_from) == (True, 0)
    # The default's first epoch (6) is past a shorter training: no averaging.
    assert _train_config(3, None, None).average_from == 0
    assert _train_config(6, None, None).average_from == 6
    assert _train_config(4, False, 2).average_from == 2
    assert _train_config(None, None, None).seed == 20261123
    assert _train_config(None, None, None, 7).seed == 7


def test_the_refit_trains_on_validation_families_too_and_keeps_its_choices(
    tmp_path: Path, tiny_ensemble: tuple[Path, Any, list[str]]
) -> None:
    import shutil

    from classifier.corpus import load_corpus, split
    from classifier.model import ModelMeta
    from classifier.train import fit_fusion_stage

    model_dir, meta, lines = tiny_ensemble
    splits = split(load_corpus([model_dir.parent / "corpus.jsonl"]))
    expected = len(splits.train) + len(splits.validation)
    assert meta.metrics["refit"] == {"examples": expected, "epochs": [1, 1]}
    assert f"refit on training + validation families: {expected} examples" in lines
    assert sum(line.startswith("refit member") for line in lines) == 2
    # The version hashes the refit weights that are shipped.
    assert meta.version.split("@")[1].startswith(_weights_digest(model_dir, ("", "member-2")))
    # On its own, the fusion stage of a refit model keeps the stored choices:
    # its models have seen the validation families and cannot choose on them.
    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy)
    stored = ModelMeta.read(copy)
    stored.thresholds = {c: 0.62 for c in stored.thresholds}
    stored.metrics["cascade_floor"] = 0.3
    stored.write(copy)
    progress: list[str] = []
    again = fit_fusion_stage(
        copy, data=[model_dir.parent / "corpus.jsonl"], progress=progress.append
    )
    assert set(again.thresholds.values()) == {0.62} and again.metrics["cascade_floor"] == 0.3
    assert any("kept from its selection models" in line for line in progress)
    assert again.fusion["format"] == FORMAT == meta.fusion["format"]
    # A linear model written before the category judge keeps the fusion it was made for.
    from safetensors.numpy import load_file, save_file

    from classifier.linear import LINEAR_FILE

    path = copy / LINEAR_FILE
    tensors = load_file(str(path))
    assert {"category_coef", "category_intercept"} <= set(tensors)
    del tensors["category_coef"], tensors["category_intercept"]
    save_file(tensors, str(path), metadata={"input_form": meta.input_form})
    older = fit_fusion_stage(copy, data=[model_dir.parent / "corpus.jsonl"], progress=print)
    assert older.fusion["format"] == FORMAT_V6


def _weights_digest(model_dir: Path, members: tuple[str, ...]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for member in members:
        digest.update((model_dir / member / "model.safetensors").read_bytes())
    return digest.hexdigest()[:12]


def test_crossval_scores_every_post_once_by_a_model_that_never_saw_its_family(
    tmp_path: Path,
) -> None:
    from classifier.corpus import family_fold, load_corpus, split
    from classifier.crossval import cross_validate, format_crossval

    data = _small_corpus(tmp_path / "cv.jsonl")
    splits = split(load_corpus([data]))
    pool = [*splits.train, *splits.validation]
    validation_ids = {ex.id for ex in splits.validation}
    lines: list[str] = []
    result = cross_validate(
        [data], folds=2, config=tiny_config(epochs=2, pretrain_epochs=1, choose_epoch=True), progress=lines.append,
        out_dir=tmp_path / "cv",
    )  # fmt: skip
    assert result["examples"] == len(pool) and result["families"] == len({e.family for e in pool})
    per_fold = result["per_fold"]
    assert sum(row["scored"] for row in per_fold) == len(pool)
    # Each fold's model trained on the other fold's training families and chose
    # its epoch on the other fold's validation families, as `train` does.
    import numpy as np

    saved = np.load(tmp_path / "cv" / "scores.npz")
    in_fold = [
        [i for i, f in zip(saved["ids"], saved["fold"], strict=True) if f == k] for k in (0, 1)
    ]
    for k, row in enumerate(per_fold):
        other = in_fold[1 - k]
        assert row["validated_on"] == sum(i in validation_ids for i in other) > 0
        assert row["trained_on"] == len(other) - row["validated_on"]
        assert row["epoch"] == row["validation_epoch"] and row["epoch"] in (1, 2)
    assert sorted(saved["ids"].tolist()) == sorted(ex.id for ex in pool)
    by_id = {ex.id: ex for ex in pool}
    assert all(
        family_fold(by_id[i].family, 2) == f
        for i, f in zip(saved["ids"], saved["fold"], strict=True)
    )
    assert saved["fused"].shape == (len(pool), 7) and (saved["fused"] > 0).all()
    # The models' own probabilities are kept: fusing them again gives the fused scores.
    from classifier.fusion import Fusion
    from classifier.scorer import fuse_all
    from lexicon import Matcher, load_data

    texts = [by_id[i].scored_text for i in saved["ids"]]
    analyses = Matcher(load_data()).analyze_many(texts)
    refused = fuse_all(Fusion(), saved["model"], saved["linear"], analyses, saved["category"])
    assert np.allclose(refused, saved["fused"], atol=1e-6)
    assert not np.allclose(saved["model"], saved["linear"])
    # The transformer after each epoch: the scored model is its fold's kept epoch,
    # and the epochs differ (training moved it).
    epochs = saved["model_epochs"]
    assert epochs.shape == (2, len(pool), 7)
    kept = np.array([per_fold[f]["epoch"] - 1 for f in saved["fold"]])
    assert np.allclose(epochs[kept, np.arange(len(pool))], saved["model"], atol=1e-6)
    assert not np.allclose(epochs[0], epochs[1])
    # Both epoch rules come from the same runs: validation's choice is the
    # kept one here, and the last epoch's is its row after each epoch.
    rules = result["epoch_rules"]
    assert rules["validation_choice"]["epochs"] == [row["epoch"] for row in per_fold]
    assert rules["validation_choice"]["f1"] == result["fused"]["clue_vs_benign"]["f1"]
    assert [row["epoch"] for row in result["by_epoch"]] == [1, 2]
    assert rules["last_epoch"] == {k: v for k, v in result["by_epoch"][1].items() if k != "epoch"}
    summary = format_crossval(result).splitlines()
    assert "each fold's transformer as kept (validation's best epoch):" in summary
    assert sum(line.startswith("  epoch ") for line in summary) == 2
    fold_lines = [line for line in summary if line.startswith("fold ")]
    assert len(fold_lines) == 2 and all(", at epoch " in line for line in fold_lines)
    # Averaged weights are not one epoch's: the line says over which epochs.
    averaged = format_crossval({**result, "config": {**result["config"], "average_from": 1}})
    assert "averaged over epochs 1-" in averaged and ", at epoch " not in averaged
    written = json.loads((tmp_path / "cv" / "crossval.json").read_text(encoding="utf-8"))
    assert written["fused"]["examples"] == len(pool) and "hard_negative_fpr" in written["intervals"]
    assert any(line.startswith("fold 2/2: train") for line in lines)
    # Two folds at once, each in its own process, every fold trained all epochs:
    # the same posts and folds, and the same last-epoch models.
    both = cross_validate(
        [data], folds=2, jobs=2, config=tiny_config(epochs=2, pretrain_epochs=1,
        choose_epoch=False), progress=lines.append, out_dir=tmp_path / "cv2",
    )  # fmt: skip
    assert [(r["trained_on"], r["scored"]) for r in both["per_fold"]] == [
        (r["trained_on"], r["scored"]) for r in per_fold
    ]
    assert [r["epoch"] for r in both["per_fold"]] == [2, 2]
    parallel = np.load(tmp_path / "cv2" / "scores.npz")
    assert parallel["ids"].tolist() == saved["ids"].tolist()
    assert np.allclose(parallel["model_epochs"], epochs, atol=1e-4)
    assert np.allclose(parallel["model"], epochs[1], atol=1e-4)


def test_crossval_refuses_too_few_folds_or_families(tmp_path: Path) -> None:
    data = _small_corpus(tmp_path / "cv.jsonl", families_per_file=1, per_family=2)
    one = run_cli(["crossval", "--data", str(data), "--folds", "1"], cwd=tmp_path)
    assert one.returncode != 0 and "--folds must be at least 2" in one.stderr
    many = run_cli(["crossval", "--data", str(data), "--folds", "40"], cwd=tmp_path)
    assert many.returncode != 0 and "empty" in many.stderr and "fewer folds" in many.stderr
    jobs = run_cli(["crossval", "--data", str(data), "--jobs", "0"], cwd=tmp_path)
    assert jobs.returncode != 0 and "--jobs must be at least 1" in jobs.stderr
    assert not (tmp_path / "crossval").exists()
