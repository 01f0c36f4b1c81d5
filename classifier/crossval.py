"""`cluewatch crossval`: K-fold cross-validation by family over the training and validation families.

The validation families are few (about 2,000 posts), so a change that moves
the hard-negative FPR by a point cannot be told from noise there, and the
held-out families must stay unread while choosing. Cross-validation scores
every post of the training and validation families once, by a model that
never saw its family: each fold's families are held out in turn, and a
model is trained on the other folds as `train` trains a selection model
(its own masked-character pre-training; fine-tuning on their training
families, validated after each epoch on their validation families; the
linear model with the same weights). The fold's posts are scored with the
current fusion and the transformer on every post, as `TrainConfig` keeps
the model (weights averaged from `average_from`, or the epoch
`choose_epoch` picks), and also after every epoch: so one run measures
the epoch rules (validation's best epoch, the last epoch) beside it on the
same folds. The held-out test families take no part.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifier.corpus import Example, family_fold, load_corpus, split
from classifier.evaluate import category_flags, metrics
from classifier.fusion import SECONDARY_THRESHOLD
from classifier.model import ModelMeta, predict_windows
from classifier.report import breakdown, family_intervals, interval_lines, negative_kind_lines
from classifier.train import (
    TrainConfig,
    _build_model,
    _fine_tune,
    _pretrain,
    _scorer,
    _set_seed,
    check_config,
    fit_linear,
    training_input,
)
from cluewatch.errors import ConfigError, TrainingDataError
from cluewatch.taxonomy import CATEGORIES
from lexicon import Matcher, load_data

# One threshold for every category: the shipped model's thresholds are 0.5 each.
THRESHOLD = 0.5


# The `FoldRun` scores pooled over the folds and saved in `scores.npz`: the fused
# scores, the transformer's, the linear model's and its category judge's.
POOLED_SCORES: dict[str, type[np.floating[Any]]] = {
    "fused": np.float64,
    "model": np.float32,
    "linear": np.float32,
    "category": np.float32,
}


@dataclass
class FoldRun:
    """One fold's model, read on the fold's posts after every fine-tuning epoch."""

    # (n, 7): as the model was kept (`TrainConfig.choose_epoch`, `average_from`).
    fused: np.ndarray
    model: np.ndarray
    linear: np.ndarray
    category: np.ndarray
    # (epochs, n, 7): fused scores and the transformer's probabilities after each epoch.
    epoch_fused: np.ndarray
    epoch_model: np.ndarray
    # Validation macro F1 after each epoch (empty without validation families).
    validation_f1: list[float]
    # The epoch the model was left at (its last when its weights are averaged).
    epoch: int
    seconds: int


def _run_fold(
    train_set: Sequence[Example],
    validation: Sequence[Example],
    texts: Sequence[str],
    config: TrainConfig,
    label: str,
    progress: Callable[[str], None] = print,
    threads: int | None = None,
    lexicon: Matcher | None = None,
) -> FoldRun:
    """Train on `train_set` as `train` trains a selection model (validating on
    `validation`); score `texts` with the transformer on every post, after every epoch.

    `threads` sets torch's threads (a worker process of `jobs` > 1 takes one core);
    a worker builds its own `lexicon`."""
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    started = time.monotonic()
    _set_seed(config.seed)
    inputs = [training_input(ex, config) for ex in train_set]
    tokenizer, model = _build_model(config, None, inputs)
    max_length = min(config.max_length, int(model.config.max_position_embeddings))
    if config.pretrain_epochs:
        _pretrain(model, tokenizer, inputs, config, max_length, progress)
    epoch_probs: list[np.ndarray] = []
    validation_f1: list[float] = []

    def after_epoch(epoch: int, val: dict[str, Any] | None) -> None:
        model.eval()
        epoch_probs.append(
            predict_windows(
                [model], tokenizer, texts, max_length=max_length, input_form=config.input_form
            )
        )
        if val is not None:
            validation_f1.append(float(val["macro_f1"]))

    epoch = _fine_tune(
        model,
        tokenizer,
        train_set,
        validation or None,
        config,
        epochs=config.epochs,
        lr=config.learning_rate,
        max_length=max_length,
        label=label,
        progress=progress,
        show_bar=False,
        after_epoch=after_epoch,
    )
    with tempfile.TemporaryDirectory(prefix="cluewatch-crossval-") as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        fit_linear(train_set, Path(tmp), config)
        ModelMeta(
            version=f"crossval{label}",
            labels=list(CATEGORIES),
            max_length=max_length,
            input_form=config.input_form,
        ).write(Path(tmp))
        scorer = _scorer(Path(tmp), lexicon or Matcher(load_data()))
        scored = scorer.compute(list(texts))
    return FoldRun(
        fused=scored.fused,
        model=scored.model,
        linear=scored.linear,
        category=scored.category,
        epoch_fused=np.stack([scorer.fuse_again(texts, scored, p) for p in epoch_probs]),
        epoch_model=np.stack(epoch_probs),
        validation_f1=validation_f1,
        epoch=epoch,
        seconds=round(time.monotonic() - started),
    )


def validation_epoch(validation_f1: Sequence[float]) -> int:
    """The epoch (from 1) `train` keeps: the first with the best validation macro F1."""
    return int(np.argmax(validation_f1)) + 1


def _pooled(examples: Sequence[Example], fused: np.ndarray) -> dict[str, Any]:
    """Clue precision, recall and F1, macro F1 and hard-negative FPR of pooled out-of-fold scores."""
    m = metrics(examples, fused, THRESHOLD, SECONDARY_THRESHOLD)
    c = m["clue_vs_benign"]
    return {
        "precision": c["precision"],
        "recall": c["recall"],
        "f1": c["f1"],
        "macro_f1": m["macro_f1"],
        "hard_negative_fpr": m["hard_negative_fpr"],
    }


def cross_validate(
    data: Sequence[Path],
    *,
    folds: int = 4,
    jobs: int = 1,
    config: TrainConfig | None = None,
    progress: Callable[[str], None] = print,
    out_dir: Path | None = None,
) -> dict[str, Any]:
    """Out-of-fold metrics of the training and validation families of `data` (module doc).

    `jobs` > 1 trains that many folds at once, each in its own process with
    one torch thread (on a 2-core machine, 2 jobs take about half the time
    of one process; the folds' figures are the same up to float rounding).
    """
    if folds < 2:
        raise ConfigError(f"--folds must be at least 2, got {folds}")
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    config = config or TrainConfig()
    check_config(config)
    splits = split(load_corpus(data))
    pool = [*splits.train, *splits.validation]
    is_validation = np.array([False] * len(splits.train) + [True] * len(splits.validation))
    fold = np.array([family_fold(ex.family, folds) for ex in pool], dtype=np.int64)
    families = [
        {ex.family for ex, f in zip(pool, fold, strict=True) if f == k} for k in range(folds)
    ]
    empty = [k for k in range(folds) if not families[k]]
    if empty:
        raise TrainingDataError(
            f"{len(set().union(*families))} families in the training and validation families "
            f"of {', '.join(map(str, data))} leave fold(s) {empty} of {folds} empty; "
            "use fewer folds or more families"
        )
    rows = [np.flatnonzero(fold == k) for k in range(folds)]
    tasks = [
        (
            [ex for ex, f, v in zip(pool, fold, is_validation, strict=True) if f != k and not v],
            [ex for ex, f, v in zip(pool, fold, is_validation, strict=True) if f != k and v],
            [pool[i].scored_text for i in rows[k]],
            config,
            f" fold {k + 1}/{folds}: ",
        )
        for k in range(folds)
    ]
    without = [k + 1 for k, task in enumerate(tasks) if not task[1]]
    if config.choose_epoch and without:
        raise TrainingDataError(
            f"fold(s) {without} of {folds} leave no validation families to choose the epoch "
            f"on in {', '.join(map(str, data))}; use fewer folds, more families or all epochs"
        )
    for k, (train_set, validation, texts, _, _) in enumerate(tasks):
        progress(
            f"fold {k + 1}/{folds}: train {len(train_set)}, validate {len(validation)}, "
            f"score {len(texts)}"
        )
    lexicon_data = load_data()
    if jobs == 1:
        lexicon = Matcher(lexicon_data)
        runs = [_run_fold(*task, progress=progress, lexicon=lexicon) for task in tasks]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, folds), mp_context=context) as executor:
            futures = [executor.submit(_run_fold, *task, threads=1) for task in tasks]
            runs = [future.result() for future in futures]
    shape = (config.epochs, len(pool), len(CATEGORIES))
    fused_epochs = np.zeros(shape, dtype=np.float64)
    model_epochs = np.zeros(shape, dtype=np.float32)
    # Each fold's scores of its own posts, pooled: the out-of-fold scores.
    pooled = {
        name: np.zeros((len(pool), len(CATEGORIES)), dtype=dtype)
        for name, dtype in POOLED_SCORES.items()
    }
    per_fold: list[dict[str, Any]] = []
    for k, run in enumerate(runs):
        fused_epochs[:, rows[k]] = run.epoch_fused
        model_epochs[:, rows[k]] = run.epoch_model
        for name, scores in pooled.items():
            scores[rows[k]] = getattr(run, name)
        fold_examples = [pool[i] for i in rows[k]]
        fold_metrics = metrics(fold_examples, run.fused, THRESHOLD, SECONDARY_THRESHOLD)
        per_fold.append(
            {
                "fold": k + 1,
                "trained_on": len(tasks[k][0]),
                "validated_on": len(tasks[k][1]),
                "scored": len(rows[k]),
                "families": len(families[k]),
                "seconds": run.seconds,
                "epoch": run.epoch,
                "validation_epoch": (
                    validation_epoch(run.validation_f1) if run.validation_f1 else None
                ),
                "clue_vs_benign": fold_metrics["clue_vs_benign"],
                "hard_negative_fpr": fold_metrics["hard_negative_fpr"],
            }
        )
    fused = pooled["fused"]
    posts = np.arange(len(pool))
    flagged = category_flags(fused, THRESHOLD, SECONDARY_THRESHOLD).any(axis=1)
    # Both epoch rules from the same folds' runs: each fold at the epoch its
    # validation families choose, and every fold after all epochs.
    rules: dict[str, Any] = {"last_epoch": _pooled(pool, fused_epochs[-1])}
    if not without:
        chosen = np.array([row["validation_epoch"] for row in per_fold], dtype=np.int64)
        rules["validation_choice"] = {
            **_pooled(pool, fused_epochs[chosen[fold] - 1, posts]),
            "epochs": chosen.tolist(),
        }
    result: dict[str, Any] = {
        "folds": folds,
        "examples": len(pool),
        "families": sum(len(f) for f in families),
        "threshold": THRESHOLD,
        "config": {
            "epochs": config.epochs,
            "pretrain_epochs": config.pretrain_epochs,
            "choose_epoch": config.choose_epoch,
            "average_from": config.average_from,
            "seed": config.seed,
        },
        "lexicon_version": lexicon_data.version,
        "fused": metrics(pool, fused, THRESHOLD, SECONDARY_THRESHOLD),
        "intervals": family_intervals(pool, flagged),
        "breakdown": breakdown(pool, flagged),
        "per_fold": per_fold,
        "epoch_rules": rules,
        "by_epoch": [
            {"epoch": e + 1, **_pooled(pool, fused_epochs[e])} for e in range(config.epochs)
        ],
    }
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "crossval.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        # The models' own out-of-fold probabilities too: fusion and lexicon changes can
        # be measured on them without training again (`model_epochs`: after each epoch).
        arrays: dict[str, Any] = {
            "ids": np.array([ex.id for ex in pool]),
            **pooled,
            "fold": fold,
            "model_epochs": model_epochs,
        }
        np.savez_compressed(out_dir / "scores.npz", **arrays)
    return result


def format_crossval(result: dict[str, Any]) -> str:
    """The summary `cluewatch crossval` prints."""
    f = result["fused"]
    c = f["clue_vs_benign"]
    rule = kept_as(result["config"])
    lines = [
        f"{result['folds']}-fold cross-validation by family: {result['examples']} posts in "
        f"{result['families']} families (training + validation), threshold {result['threshold']}",
        f"each fold's transformer as kept ({rule}):",
        f"clue precision {c['precision']:.3f}, recall {c['recall']:.3f}, F1 {c['f1']:.3f}; "
        f"macro F1 {f['macro_f1']:.3f}; hard-negative FPR {f['hard_negative_fpr']:.4f}",
    ]
    lines += interval_lines(result["intervals"])
    averaged = result["config"]["average_from"]
    for row in result["per_fold"]:
        kept = (
            f"averaged over epochs {averaged}-{row['epoch']}"
            if averaged
            else f"at epoch {row['epoch']}"
        )
        lines.append(
            f"fold {row['fold']}: trained on {row['trained_on']} (validated on "
            f"{row['validated_on']}), scored {row['scored']} ({row['families']} families) "
            f"in {row['seconds']} s, {kept}: clue F1 "
            f"{row['clue_vs_benign']['f1']:.3f}, hard-negative FPR {row['hard_negative_fpr']:.4f}"
        )
    lines.append("epoch rules (every fold's posts):")
    names = {"validation_choice": "validation's best epoch", "last_epoch": "the last epoch"}
    for key, figures in result["epoch_rules"].items():
        epochs = f" (epochs {figures['epochs']})" if "epochs" in figures else ""
        lines.append(f"  {names[key]}{epochs}: {_figures(figures)}")
    lines.append("after each epoch:")
    lines += [f"  epoch {row['epoch']}: {_figures(row)}" for row in result["by_epoch"]]
    lines += negative_kind_lines(result["breakdown"]["negative_kinds"])
    return "\n".join(lines)


def kept_as(config: dict[str, Any]) -> str:
    """How each fold's transformer was kept, in words."""
    if config["average_from"]:
        return f"its weights averaged over epochs {config['average_from']}-{config['epochs']}"
    return "validation's best epoch" if config["choose_epoch"] else "the last epoch"


def _figures(row: dict[str, Any]) -> str:
    return (
        f"clue P {row['precision']:.3f} R {row['recall']:.3f} F1 {row['f1']:.3f}, "
        f"macro F1 {row['macro_f1']:.3f}, hard-negative FPR {row['hard_negative_fpr']:.4f}"
    )
