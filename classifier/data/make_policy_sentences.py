"""Split the action-plan documents into benign sentences for the corpus.

The documents mention every keyword of the taxonomy in a policy register, so
their sentences are hard negatives. Run once when the documents change:

    python classifier/data/make_policy_sentences.py SEEDS_DIR > classifier/data/corpus/seeds/policy.jsonl
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from classifier.corpus import Example

CHUNK = 15  # sentences per family, so the held-out split takes whole passages


def main(seeds: Path) -> None:
    for doc_index, path in enumerate(sorted(seeds.glob("*.txt"))):
        text = re.sub(r"\s+", "", path.read_text(encoding="utf-8"))
        sentences = [s for s in re.split(r"(?<=[。；！？])", text) if 12 <= len(s) <= 300]
        for n, sentence in enumerate(sentences):
            post = Example(
                id=f"po-{doc_index}-{n:04d}",
                text=sentence,
                labels=(),
                family=f"po-doc{doc_index}-{n // CHUNK:03d}",
                site_kind="gov",
                source="seed",
                negative_kind="policy",
            )
            print(post.to_json())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
