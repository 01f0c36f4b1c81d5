"""Family-bootstrap intervals of `cluewatch evaluate`."""

from __future__ import annotations

import numpy as np

from classifier.corpus import Example
from classifier.report import family_intervals


def _posts(prefix: str, families: int, size: int, **fields: object) -> list[Example]:
    return [
        Example(id=f"{prefix}{f}-{i}", text="帖子", family=f"{prefix}{f}", **fields)  # type: ignore[arg-type]
        for f in range(families)
        for i in range(size)
    ]


def test_a_family_that_goes_wrong_together_widens_the_interval() -> None:
    hard = _posts("fam-", 10, 5, labels=(), negative_kind="ivf")
    clues = _posts("clue-", 4, 3, labels=("surrogacy",))
    examples = hard + clues
    # One whole family of hard negatives flagged, every clue caught ...
    together = np.array([ex.family == "fam-0" for ex in hard] + [True] * len(clues))
    # ... against the same number of hard negatives flagged, one in each family.
    spread = np.array([ex.id.endswith("-0") for ex in hard] + [True] * len(clues))
    assert together[: len(hard)].sum() == 5 and spread[: len(hard)].sum() == 10
    wide = family_intervals(examples, together)["hard_negative_fpr"]
    assert wide["value"] == 0.1 and wide["families"] == 10
    assert wide["low"] == 0.0 and wide["high"] >= 0.3
    even = family_intervals(examples, spread)["hard_negative_fpr"]
    assert even["value"] == even["low"] == even["high"] == 0.2
    recall = family_intervals(examples, together)["clue_recall"]
    assert recall == {"value": 1.0, "low": 1.0, "high": 1.0, "families": 4}
    # The same seed gives the same interval; ordinary posts have none of their own.
    assert family_intervals(examples, together)["hard_negative_fpr"] == wide
    ordinary = _posts("chat-", 3, 2, labels=(), negative_kind="ordinary")
    assert family_intervals(ordinary, np.zeros(6, dtype=bool)) == {}
