"""Lexicon throughput against raw Aho-Corasick, scaling with the term count, memory.

The full matcher (normalisation with offset maps, compact and pinyin
automata, context rules, entity extraction) runs over a crawl-like stream of
posts from the project's corpus, in batches as the crawler and `score` call
it. The baselines, measured in the same run on the same joined text with the
same term and lure strings, are raw Aho-Corasick without any normalisation:
pyahocorasick and the Rust-backed ahocorasick_rs.

    python -m benchmarks.lexicon [--mb 10] [--scaling 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import gc
import random
import time

import ahocorasick
import ahocorasick_rs

from benchmarks.common import best_of, rss_bytes, stream, table
from cluewatch.runtime import settle_heap
from cluewatch.taxonomy import CATEGORIES
from lexicon import LexiconData, Matcher, Term, load_data

REQUIRED_CHARS_PER_S = 3_000_000
AIM_CHARS_PER_S = 6_000_000
BATCH = 1000


def _patterns(data: LexiconData) -> list[str]:
    forms = {form for term in data.active_terms() for form in (term.term, *term.variants)}
    forms |= {lure.term for lure in data.lures}
    return sorted(forms)


def _full_matcher(matcher: Matcher, posts: list[str]) -> None:
    for i in range(0, len(posts), BATCH):
        matcher.analyze_many(posts[i : i + BATCH])


def _synthetic(data: LexiconData, count: int, seed: int = 7) -> LexiconData:
    """The shipped lexicon plus `count` synthetic 3-4 character terms of GB2312 characters."""
    rng = random.Random(seed)
    han = [
        bytes([hi, lo]).decode("gb2312")
        for hi in range(0xB0, 0xF8)
        for lo in range(0xA1, 0xFF)
        if not (hi == 0xD7 and lo > 0xF9)
    ]
    existing = {t.term for t in data.terms}
    extra: list[Term] = []
    while len(extra) < count:
        text = "".join(rng.choice(han) for _ in range(rng.choice((3, 4))))
        if text in existing:
            continue
        existing.add(text)
        extra.append(
            Term(
                term=text,
                weight="medium",
                note="synthetic benchmark term",
                category=CATEGORIES[len(extra) % len(CATEGORIES)],
            )
        )
    return LexiconData(
        terms=(*data.terms, *extra), lures=data.lures, version="synthetic", files=data.files
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="UTF-8 megabytes of text")
    parser.add_argument("--scaling", default="1000,10000,100000", help="term counts")
    args = parser.parse_args()

    data = load_data()
    matcher = Matcher(data)
    # As the long-running commands do after start-up (cluewatch.runtime.settle_heap).
    settle_heap()
    posts = stream(int(args.mb * 1_000_000 / 2.9))
    while sum(len(p.encode()) for p in posts) < args.mb * 1_000_000:
        posts += posts[: len(posts) // 10 + 1]
    chars = sum(len(p) for p in posts)
    megabytes = sum(len(p.encode()) for p in posts) / 1e6
    joined = "\n".join(posts)
    patterns = _patterns(data)
    print(
        f"lexicon benchmark: {len(posts):,} posts, {chars:,} characters, {megabytes:.1f} MB UTF-8; "
        f"{len(data.active_terms())} terms, {len(data.lures)} lures ({len(patterns)} patterns)"
    )

    rs = ahocorasick_rs.AhoCorasick(
        patterns,
        matchkind=ahocorasick_rs.MatchKind.Standard,
        implementation=ahocorasick_rs.Implementation.DFA,
    )
    py = ahocorasick.Automaton()
    for index, pattern in enumerate(patterns):
        py.add_word(pattern, index)
    py.make_automaton()

    gc.collect()
    results = {
        "raw pyahocorasick": best_of(3, lambda: sum(1 for _ in py.iter(joined))),
        "raw ahocorasick_rs": best_of(
            3, lambda: len(rs.find_matches_as_indexes(joined, overlapping=True))
        ),
        "full matcher (batches of 1000)": best_of(2, lambda: _full_matcher(matcher, posts)),
    }
    rate = {name: chars / seconds for name, seconds in results.items()}
    full = rate["full matcher (batches of 1000)"]
    rows = [
        (
            name,
            f"{rate[name] / 1e6:.2f}",
            f"{full / rate[name]:.2f}",
        )
        for name in results
    ]
    print(table(rows, ("", "Mchar/s", "full matcher ÷ this")))
    print(
        f"full matcher: {full / 1e6:.2f} Mchar/s "
        f"(required {REQUIRED_CHARS_PER_S / 1e6:.0f}: {'met' if full >= REQUIRED_CHARS_PER_S else 'NOT met'}; "
        f"aim {AIM_CHARS_PER_S / 1e6:.0f}: {'met' if full >= AIM_CHARS_PER_S else 'not met'}; "
        f"quarter of raw ahocorasick_rs: "
        f"{'met' if full >= rate['raw ahocorasick_rs'] / 4 else 'NOT met'})"
    )

    counts = [int(c) for c in args.scaling.split(",") if c]
    if not counts:
        return
    sample = posts[: max(1, len(posts) // 4)]
    sample_chars = sum(len(p) for p in sample)
    scale_rows = []
    rates: list[float] = []
    for count in counts:
        synthetic = _synthetic(data, count - len(data.active_terms()))
        gc.collect()
        before = rss_bytes()
        start = time.perf_counter()
        big = Matcher(synthetic)
        build = time.perf_counter() - start
        settle_heap()
        gc.collect()
        memory = rss_bytes() - before
        seconds = best_of(2, lambda big=big: _full_matcher(big, sample))
        rates.append(sample_chars / seconds)
        scale_rows.append(
            (
                f"{len(synthetic.active_terms()):,}",
                f"{build:.1f}",
                f"{memory / 1e6:.0f}",
                f"{sample_chars / seconds / 1e6:.2f}",
            )
        )
        del big
    print(
        table(scale_rows, ("terms", "build s", "matcher RSS MB", "Mchar/s"))
        + f"\n(on {sample_chars:,} characters of the same stream)"
    )
    if len(rates) > 1:
        print(f"slowdown from {counts[0]:,} to {counts[-1]:,} terms: {rates[0] / rates[-1]:.2f}x")


if __name__ == "__main__":
    main()
