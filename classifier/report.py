"""`cluewatch evaluate`: a model directory against a labelled file, side by side.

Lexicon-only, linear-only, model-only and fused scores on the same examples;
per-category precision, recall, F1 and support; clue-vs-benign figures and the
hard-negative false-positive rate; a confusion table of the primary label; one
precision-recall plot (PNG) per category; everything also as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.corpus import Example, load_corpus, split
from classifier.evaluate import label_matrix, metrics
from classifier.scorer import Scorer
from cluewatch.errors import TrainingDataError
from cluewatch.taxonomy import BENIGN, CATEGORIES
from lexicon import category_evidence

SOURCES = ("lexicon_only", "linear_only", "model_only", "fused")
# `--split` names: the parts of `classifier.corpus.split`, so that a corpus
# directory is evaluated on exactly the families the model never trained on.
SPLITS = {
    "held-out": "test_held_out",
    "in-distribution": "test_in_distribution",
    "validation": "validation",
    "train": "train",
}


def score_sources(
    scorer: Scorer, examples: Sequence[Example]
) -> dict[str, npt.NDArray[np.float64]]:
    """Per-category scores of every source, plus the cascade's fused scores."""
    texts = [ex.scored_text for ex in examples]
    cascade = scorer.cascade
    scorer.cascade = False
    full = scorer.compute(texts)
    scorer.cascade = cascade
    lexicon = np.zeros_like(full.fused)
    for row, analysis in enumerate(full.analyses):
        evidence = category_evidence(analysis.matches)
        for index, category in enumerate(CATEGORIES):
            lexicon[row, index] = evidence.get(category, 0.0)
    scores = {
        "lexicon_only": lexicon,
        "linear_only": full.linear.astype(np.float64),
        "model_only": full.model.astype(np.float64),
        "fused": full.fused,
    }
    if cascade:
        scores["fused_cascade"] = scorer.compute(texts).fused
    return scores


def source_metrics(
    scorer: Scorer, examples: Sequence[Example], scores: dict[str, npt.NDArray[np.float64]]
) -> dict[str, dict[str, Any]]:
    """Metrics per source: the single sources at 0.5, fused ones as the scorer flags them."""
    return {
        source: (
            metrics(examples, values, scorer.thresholds, scorer.fusion.secondary)
            if source.startswith("fused")
            else metrics(examples, values, 0.5)
        )
        for source, values in scores.items()
    }


def confusion(
    examples: Sequence[Example], fused: npt.NDArray[np.float64], flags: npt.NDArray[np.bool_]
) -> dict[str, dict[str, int]]:
    """Rows: the true primary label (first label, or benign); columns: the predicted label."""
    names = [*CATEGORIES, BENIGN]
    table = {t: dict.fromkeys(names, 0) for t in names}
    for row, ex in enumerate(examples):
        truth = ex.labels[0] if ex.labels else BENIGN
        if flags[row].any():
            candidates = np.where(flags[row], fused[row], -1.0)
            predicted = CATEGORIES[int(np.argmax(candidates))]
        else:
            predicted = BENIGN
        table[truth][predicted] += 1
    return table


def pr_plots(
    examples: Sequence[Example], scores: dict[str, npt.NDArray[np.float64]], out_dir: Path
) -> list[Path]:
    """One precision-recall plot per category with a curve per source."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import average_precision_score, precision_recall_curve

    y = label_matrix(examples)
    written: list[Path] = []
    for index, category in enumerate(CATEGORIES):
        if not y[:, index].any():
            continue
        fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
        for source in SOURCES:
            precision, recall, _ = precision_recall_curve(y[:, index], scores[source][:, index])
            ap = average_precision_score(y[:, index], scores[source][:, index])
            ax.plot(recall, precision, label=f"{source} (AP {ap:.2f})")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{category} (n={int(y[:, index].sum())})")
        ax.legend(loc="lower left", fontsize=8)
        ax.grid(alpha=0.3)
        path = out_dir / f"pr_{category}.png"
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def select_split(examples: list[Example], name: str | None) -> list[Example]:
    """The examples of one split by family (`SPLITS`), or all of them when `name` is None."""
    if name is None:
        return examples
    if name not in SPLITS:
        raise TrainingDataError(f"unknown split {name!r}; choose one of {', '.join(SPLITS)}")
    return list(getattr(split(examples), SPLITS[name]))


def breakdown(
    examples: Sequence[Example], flagged: npt.NDArray[np.bool_]
) -> dict[str, dict[str, dict[str, float]]]:
    """Where the fused flags go wrong: clue recall per site kind, false-positive rate per benign kind."""
    sites: dict[str, dict[str, float]] = {}
    for site in sorted({ex.site_kind or "-" for ex in examples}):
        rows = [i for i, ex in enumerate(examples) if (ex.site_kind or "-") == site]
        clues = [i for i in rows if examples[i].is_clue]
        benign = [i for i in rows if not examples[i].is_clue]
        sites[site] = {
            "clues": len(clues),
            "clue_recall": round(float(flagged[clues].mean()), 4) if clues else 0.0,
            "benign": len(benign),
            "benign_fpr": round(float(flagged[benign].mean()), 4) if benign else 0.0,
        }
    kinds: dict[str, dict[str, float]] = {}
    for kind in sorted({ex.negative_kind or "-" for ex in examples if not ex.is_clue}):
        rows = [
            i
            for i, ex in enumerate(examples)
            if not ex.is_clue and (ex.negative_kind or "-") == kind
        ]
        kinds[kind] = {"posts": len(rows), "fpr": round(float(flagged[rows].mean()), 4)}
    return {"site_kinds": sites, "negative_kinds": kinds}


# Resamples of the family bootstrap; fixed seed, so a report reads the same every run.
BOOTSTRAP_RESAMPLES = 2000


def family_intervals(
    examples: Sequence[Example],
    flagged: npt.NDArray[np.bool_],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """95% intervals of clue recall and the hard-negative FPR, resampling whole families.

    Posts of one family are written alike and tend to be all right or all
    wrong, so a split of a few hundred families is a noisier gauge than its
    post count suggests; drawing families with replacement shows how noisy.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, float]] = {}
    for name, chosen in (
        ("clue_recall", [ex.is_clue for ex in examples]),
        ("hard_negative_fpr", [ex.is_hard_negative for ex in examples]),
    ):
        rows: dict[str, list[int]] = {}
        for index, (ex, take) in enumerate(zip(examples, chosen, strict=True)):
            if take:
                rows.setdefault(ex.family, []).append(index)
        if not rows:
            continue
        hits = np.array([int(flagged[r].sum()) for r in rows.values()], dtype=np.float64)
        posts = np.array([len(r) for r in rows.values()], dtype=np.float64)
        draws = rng.integers(0, len(rows), size=(resamples, len(rows)))
        rates = hits[draws].sum(axis=1) / posts[draws].sum(axis=1)
        low, high = np.percentile(rates, [2.5, 97.5])
        out[name] = {
            "value": round(float(hits.sum() / posts.sum()), 4),
            "low": round(float(low), 4),
            "high": round(float(high), 4),
            "families": len(rows),
        }
    return out


def evaluate_model(
    scorer: Scorer,
    data: Sequence[Path],
    out_dir: Path | None = None,
    *,
    split_name: str | None = None,
) -> dict[str, Any]:
    """Evaluate on the labelled files `data`, or on one split by family of them (`SPLITS`)."""
    examples = select_split(load_corpus(data), split_name)
    if not examples:
        raise TrainingDataError(f"no examples in split {split_name!r} of {list(map(str, data))}")
    scores = score_sources(scorer, examples)
    result: dict[str, Any] = {
        "model_version": scorer.classifier.version,
        "lexicon_version": scorer.matcher.version,
        "split": split_name or "all",
        "examples": len(examples),
        "thresholds": {c: float(t) for c, t in zip(CATEGORIES, scorer.thresholds, strict=True)},
    }
    result.update(source_metrics(scorer, examples, scores))
    result["confusion"] = confusion(examples, scores["fused"], scorer.flags(scores["fused"]))
    flagged = scorer.flags(scores.get("fused_cascade", scores["fused"])).any(axis=1)
    result["breakdown"] = breakdown(examples, flagged)
    result["intervals"] = family_intervals(examples, flagged)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        result["plots"] = [str(p) for p in pr_plots(examples, scores, out_dir)]
        (out_dir / "metrics.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return result


def interval_lines(intervals: dict[str, dict[str, float]]) -> list[str]:
    """`family_intervals` as report lines."""
    lines: list[str] = []
    for name, label in (("clue_recall", "clue recall"), ("hard_negative_fpr", "hard-negative FPR")):
        if name in intervals:
            i = intervals[name]
            lines.append(
                f"{label} as scored {i['value']:.3f}, 95% interval {i['low']:.3f}-{i['high']:.3f} "
                f"(resampling its {i['families']} families)"
            )
    return lines


def negative_kind_lines(kinds: dict[str, dict[str, float]]) -> list[str]:
    """The false-positive rate per benign kind of `breakdown` as report lines."""
    return ["false-positive rate per benign kind:"] + [
        f"{kind:<28}{row['posts']:>6}{row['fpr']:>8.3f}" for kind, row in kinds.items()
    ]


def format_report(result: dict[str, Any]) -> str:
    lines = [
        f"model {result['model_version']}, lexicon {result['lexicon_version']}, "
        f"{result['examples']} examples (split: {result['split']})",
        "",
        f"{'':<22}" + "".join(f"{s:>16}" for s in SOURCES),
        f"{'clue-vs-benign F1':<22}"
        + "".join(f"{result[s]['clue_vs_benign']['f1']:>16.3f}" for s in SOURCES),
        f"{'  precision':<22}"
        + "".join(f"{result[s]['clue_vs_benign']['precision']:>16.3f}" for s in SOURCES),
        f"{'  recall':<22}"
        + "".join(f"{result[s]['clue_vs_benign']['recall']:>16.3f}" for s in SOURCES),
        f"{'macro F1':<22}" + "".join(f"{result[s]['macro_f1']:>16.3f}" for s in SOURCES),
        f"{'hard-negative FPR':<22}"
        + "".join(f"{result[s]['hard_negative_fpr']:>16.3f}" for s in SOURCES),
        "",
        "fused, per category (at the model's thresholds):",
        f"{'category':<22}{'threshold':>10}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>9}",
    ]
    for category in CATEGORIES:
        m = result["fused"]["per_category"][category]
        lines.append(
            f"{category:<22}{result['thresholds'][category]:>10.2f}{m['precision']:>10.3f}"
            f"{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>9}"
        )
    if "fused_cascade" in result:
        c = result["fused_cascade"]["clue_vs_benign"]
        lines.append(
            f"\ncascade (transformer only where it can change the outcome): clue recall "
            f"{c['recall']:.3f} vs {result['fused']['clue_vs_benign']['recall']:.3f} "
            "with the transformer on every post"
        )
    lines += interval_lines(result.get("intervals", {}))
    names = [*CATEGORIES, BENIGN]
    short = {n: n.split("_")[0][:6] for n in names}
    lines += ["", "confusion (rows: true primary label, columns: predicted):"]
    lines.append(f"{'':<22}" + "".join(f"{short[n]:>8}" for n in names))
    for truth in names:
        lines.append(f"{truth:<22}" + "".join(f"{result['confusion'][truth][p]:>8}" for p in names))
    lines += ["", "as scored (cascade when on), per site kind:"]
    lines.append(f"{'site kind':<22}{'clues':>8}{'recall':>8}{'benign':>8}{'FPR':>8}")
    for site, row in result["breakdown"]["site_kinds"].items():
        lines.append(
            f"{site:<22}{row['clues']:>8}{row['clue_recall']:>8.3f}"
            f"{row['benign']:>8}{row['benign_fpr']:>8.3f}"
        )
    lines += ["", *negative_kind_lines(result["breakdown"]["negative_kinds"])]
    if result.get("plots"):
        lines.append(f"\nprecision-recall plots: {', '.join(result['plots'])}")
    return "\n".join(lines)
