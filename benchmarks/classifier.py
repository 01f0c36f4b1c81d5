"""Scoring throughput (cascade against transformer-on-every-post) and transformer speed.

1. End-to-end `score` path (lexicon + linear model + transformer + fusion) on a
   crawl-like stream: 85% ordinary posts, 10% hard negatives, 5% clues, drawn
   from the corpus (10 to 500 characters, as the corpus is), in batches as
   `cluewatch score` sends them. Cascade on and off, same run.
2. The cascade's recall against running the transformer on every post, on the
   held-out families of the corpus.
3. Transformer-only posts/s for 64, 256 and 512-character posts, fp32 against
   int8 dynamic quantisation, with the held-out F1 of each and the peak
   memory of a process doing only that.

    python -m benchmarks.classifier [--posts 4000] [--model DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks.common import stream, table
from classifier.corpus import DEFAULT_CORPUS, load_corpus, split
from classifier.evaluate import label_matrix, metrics
from classifier.scorer import Scorer
from cluewatch.runtime import settle_heap
from cluewatch.settings import Settings

SCORE_BATCH = 256
TARGET_POSTS_PER_S = 300


def _throughput(scorer: Scorer, posts: list[str]) -> float:
    start = time.perf_counter()
    for i in range(0, len(posts), SCORE_BATCH):
        scorer.score_texts(posts[i : i + SCORE_BATCH])
    return len(posts) / (time.perf_counter() - start)


def _quantize(model: object) -> object:
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def _transformer_case(args: tuple[str, bool, int, int]) -> dict[str, float]:
    """In a fresh process: posts/s for posts of `length` characters, and peak RSS."""
    model_dir, int8, length, count = args
    import torch

    from benchmarks.common import rss_bytes
    from classifier.model import TextClassifier

    torch.set_num_threads(2)
    base = "".join(t for t in stream(length * count, seed=7))
    posts = [base[i * length : (i + 1) * length] for i in range(count)]
    before = rss_bytes()
    classifier = TextClassifier(Path(model_dir))
    if int8:
        classifier.models = [_quantize(m) for m in classifier.models]
    classifier.predict(posts[:32])  # warm-up
    start = time.perf_counter()
    classifier.predict(posts)
    rate = count / (time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"rate": rate, "peak_mb": (peak - before) / 1e6}


def _held_out_f1(scorer: Scorer, int8: bool) -> float:
    examples = split(load_corpus([DEFAULT_CORPUS])).test_held_out
    if int8:
        scorer.classifier.models = [_quantize(m) for m in scorer.classifier.models]
    probs = scorer.classifier.predict([ex.scored_text for ex in examples]).astype(np.float64)
    return float(metrics(examples, probs, 0.5)["clue_vs_benign"]["f1"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4000, help="posts in the scoring stream")
    parser.add_argument("--model", type=Path, default=None, help="model directory")
    args = parser.parse_args()
    model_dir = args.model or Settings().model_dir

    scorer = Scorer.from_paths(model_dir=model_dir)
    settle_heap()
    posts: list[str] = []
    for text in stream(400 * args.posts):
        posts.append(text)
        if len(posts) >= args.posts:
            break
    lengths = np.array([len(p) for p in posts])
    print(
        f"classifier benchmark: model {scorer.classifier.version}; stream of {len(posts)} posts "
        f"(85% ordinary, 10% hard negatives, 5% clues), length median {int(np.median(lengths))}, "
        f"p90 {int(np.percentile(lengths, 90))}, max {lengths.max()} characters"
    )
    scorer.score_texts(posts[:64])  # warm-up
    scorer.cascade = scorer.linear is not None
    cascade_rate = _throughput(scorer, posts) if scorer.cascade else float("nan")
    ran = scorer.compute(posts[:1000]).transformer_ran.mean() if scorer.cascade else 1.0
    scorer.cascade = False
    full_rate = _throughput(scorer, posts)
    print(
        table(
            [
                ("cascade", f"{cascade_rate:.0f}", f"{ran:.0%}"),
                ("transformer on every post", f"{full_rate:.0f}", "100%"),
            ],
            ("end-to-end score", "posts/s", "transformer runs on"),
        )
    )
    print(
        f"target {TARGET_POSTS_PER_S} posts/s: "
        f"{'met' if (cascade_rate if scorer.linear else full_rate) >= TARGET_POSTS_PER_S else 'NOT met'} "
        f"(cascade {cascade_rate / full_rate:.1f}x the transformer-on-every-post rate)"
    )

    held_out = split(load_corpus([DEFAULT_CORPUS])).test_held_out
    texts = [ex.scored_text for ex in held_out]
    truth = label_matrix(held_out).any(axis=1)
    recalls = {}
    for name, cascade in (("cascade", True), ("full", False)):
        scorer.cascade = cascade and scorer.linear is not None
        scored = scorer.compute(texts)
        flagged = scorer.flags(scored.fused).any(axis=1)
        recalls[name] = float((flagged & truth).sum() / max(1, truth.sum()))
    print(
        f"held-out families ({len(held_out)} posts): clue recall cascade {recalls['cascade']:.4f}, "
        f"transformer on every post {recalls['full']:.4f} "
        f"(loss {100 * (recalls['full'] - recalls['cascade']):.2f} points; allowed 0.5)"
    )

    ctx = multiprocessing.get_context("spawn")
    rows = []
    with ctx.Pool(1, maxtasksperchild=1) as pool:
        for length in (64, 256, 512):
            count = {64: 1024, 256: 384, 512: 192}[length]
            fp32 = pool.apply(_transformer_case, ((str(model_dir), False, length, count),))
            int8 = pool.apply(_transformer_case, ((str(model_dir), True, length, count),))
            rows.append(
                (
                    f"{length}",
                    f"{fp32['rate']:.0f}",
                    f"{int8['rate']:.0f}",
                    f"{int8['rate'] / fp32['rate']:.2f}x",
                    f"{fp32['peak_mb']:.0f}",
                    f"{int8['peak_mb']:.0f}",
                )
            )
    print(
        table(
            rows,
            (
                "chars/post",
                "fp32 posts/s",
                "int8 posts/s",
                "int8 speed-up",
                "fp32 peak +MB",
                "int8 peak +MB",
            ),
        )
    )
    f1_fp32 = _held_out_f1(Scorer.from_paths(model_dir=model_dir), False)
    f1_int8 = _held_out_f1(Scorer.from_paths(model_dir=model_dir), True)
    print(
        f"transformer-only held-out clue F1: fp32 {f1_fp32:.4f}, int8 {f1_int8:.4f} "
        f"(lost {100 * (f1_fp32 - f1_int8):.2f} points; allowed 1)"
    )
    print("peak +MB: resident memory added by loading the model and scoring, in its own process")
    print(
        "posts longer than the model's window are cut into windows (at most 8 per post; "
        "the lexicon still reads all of the text)"
    )


if __name__ == "__main__":
    main()
