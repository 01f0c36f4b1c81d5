"""`cluewatch crossval`: K-fold cross-validation by family over the training and validation families.

The validation families are few (about 2,000 posts), so a change that moves
the hard-negative FPR by a point cannot be told from noise there, and the
held-out families must stay unread while choosing. Cross-validation scores
every post of the training and validation families once, by a model that
never saw its family: each fold's families are held out in turn, a model is
trained on the other folds as `train` trains a selection model (its own
masked-character pre-training, `config.epochs` of fine-tuning without
validation, the linear model with the same weights), and the fold's posts
are scored with the current fusion and the transformer on every post. The
held-out test families take no part.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifier.corpus import Example, family_fold, load_corpus, split
from classifier.evaluate import category_flags, metrics
from classifier.fusion import SECONDARY_THRESHOLD
from classifier.model import ModelMeta
from classifier.report import breakdown, family_intervals, interval_lines, negative_kind_lines
from classifier.train import (
    TrainConfig,
    _build_model,
    _fine_tune,
    _pretrain,
    _scorer,
    _set_seed,
    fit_linear,
    training_input,
)
from cluewatch.errors import ConfigError, TrainingDataError
from cluewatch.taxonomy import CATEGORIES
from lexicon import Matcher, load_data

# One threshold for every category: the shipped model's thresholds are 0.5 each.
THRESHOLD = 0.5


def _fit_fold(
    train_set: Sequence[Example],
    out_dir: Path,
    config: TrainConfig,
    progress: Callable[[str], None],
    label: str,
) -> None:
    """A selection model of `train_set` in `out_dir`: transformer and linear model."""
    _set_seed(config.seed)
    texts = [training_input(ex, config) for ex in train_set]
    tokenizer, model = _build_model(config, None, texts)
    max_length = min(config.max_length, int(model.config.max_position_embeddings))
    if config.pretrain_epochs:
        _pretrain(model, tokenizer, texts, config, max_length, progress)
    _fine_tune(
        model,
        tokenizer,
        train_set,
        None,
        config,
        epochs=config.epochs,
        lr=config.learning_rate,
        max_length=max_length,
        label=label,
        progress=progress,
        show_bar=False,
    )
    model.save_pretrained(str(out_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(out_dir))
    fit_linear(train_set, out_dir, config)
    ModelMeta(
        version=f"crossval{label}",
        labels=list(CATEGORIES),
        max_length=max_length,
        input_form=config.input_form,
    ).write(out_dir)


def _run_fold(
    train_set: Sequence[Example],
    texts: Sequence[str],
    config: TrainConfig,
    label: str,
    progress: Callable[[str], None] = print,
    threads: int | None = None,
    lexicon: Matcher | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Train on `train_set`, score `texts` (transformer on every post): fused, transformer
    and linear probabilities, and the seconds taken.

    `threads` sets torch's threads (a worker process of `jobs` > 1 takes one core);
    a worker builds its own `lexicon`."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cluewatch-crossval-") as tmp:
        _fit_fold(train_set, Path(tmp), config, progress, label)
        scored = _scorer(Path(tmp), lexicon or Matcher(load_data())).compute(list(texts))
    return scored.fused, scored.model, scored.linear, round(time.monotonic() - started)


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
    splits = split(load_corpus(data))
    pool = [*splits.train, *splits.validation]
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
    fused = np.zeros((len(pool), len(CATEGORIES)), dtype=np.float64)
    model = np.zeros((len(pool), len(CATEGORIES)), dtype=np.float32)
    linear = np.zeros((len(pool), len(CATEGORIES)), dtype=np.float32)
    rows = [np.flatnonzero(fold == k) for k in range(folds)]
    tasks = [
        (
            [ex for ex, f in zip(pool, fold, strict=True) if f != k],
            [pool[i].scored_text for i in rows[k]],
            config,
            f" fold {k + 1}/{folds}: ",
        )
        for k in range(folds)
    ]
    for k, (train_set, texts, _, _) in enumerate(tasks):
        progress(f"fold {k + 1}/{folds}: train {len(train_set)}, score {len(texts)}")
    lexicon_data = load_data()
    if jobs == 1:
        lexicon = Matcher(lexicon_data)
        results = [_run_fold(*task, progress=progress, lexicon=lexicon) for task in tasks]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, folds), mp_context=context) as executor:
            futures = [executor.submit(_run_fold, *task, threads=1) for task in tasks]
            results = [future.result() for future in futures]
    per_fold: list[dict[str, Any]] = []
    for k, (scores, model_probs, linear_probs, seconds) in enumerate(results):
        fused[rows[k]] = scores
        model[rows[k]] = model_probs
        linear[rows[k]] = linear_probs
        fold_examples = [pool[i] for i in rows[k]]
        fold_metrics = metrics(fold_examples, scores, THRESHOLD, SECONDARY_THRESHOLD)
        per_fold.append(
            {
                "fold": k + 1,
                "trained_on": len(tasks[k][0]),
                "scored": len(rows[k]),
                "families": len(families[k]),
                "seconds": seconds,
                "clue_vs_benign": fold_metrics["clue_vs_benign"],
                "hard_negative_fpr": fold_metrics["hard_negative_fpr"],
            }
        )
    flagged = category_flags(fused, THRESHOLD, SECONDARY_THRESHOLD).any(axis=1)
    result: dict[str, Any] = {
        "folds": folds,
        "examples": len(pool),
        "families": sum(len(f) for f in families),
        "threshold": THRESHOLD,
        "config": {
            "epochs": config.epochs,
            "pretrain_epochs": config.pretrain_epochs,
            "seed": config.seed,
        },
        "lexicon_version": lexicon_data.version,
        "fused": metrics(pool, fused, THRESHOLD, SECONDARY_THRESHOLD),
        "intervals": family_intervals(pool, flagged),
        "breakdown": breakdown(pool, flagged),
        "per_fold": per_fold,
    }
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "crossval.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        # The models' own out-of-fold probabilities too: fusion and lexicon changes can
        # be measured on them without training again.
        np.savez_compressed(
            out_dir / "scores.npz",
            ids=np.array([ex.id for ex in pool]),
            fused=fused,
            model=model,
            linear=linear,
            fold=fold,
        )
    return result


def format_crossval(result: dict[str, Any]) -> str:
    """The summary `cluewatch crossval` prints."""
    f = result["fused"]
    c = f["clue_vs_benign"]
    lines = [
        f"{result['folds']}-fold cross-validation by family: {result['examples']} posts in "
        f"{result['families']} families (training + validation), threshold {result['threshold']}",
        f"clue precision {c['precision']:.3f}, recall {c['recall']:.3f}, F1 {c['f1']:.3f}; "
        f"macro F1 {f['macro_f1']:.3f}; hard-negative FPR {f['hard_negative_fpr']:.4f}",
    ]
    lines += interval_lines(result["intervals"])
    for row in result["per_fold"]:
        lines.append(
            f"fold {row['fold']}: trained on {row['trained_on']}, scored {row['scored']} "
            f"({row['families']} families) in {row['seconds']} s: clue F1 "
            f"{row['clue_vs_benign']['f1']:.3f}, hard-negative FPR {row['hard_negative_fpr']:.4f}"
        )
    lines += negative_kind_lines(result["breakdown"]["negative_kinds"])
    return "\n".join(lines)
