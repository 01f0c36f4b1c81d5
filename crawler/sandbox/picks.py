"""Deterministic picks from the held-out part of the labelled corpus.

The corpus-fed sites (tieba, Q&A, microblog, blog and the forum's 杂谈 board)
show only examples from `split(...).test_held_out`: whole phrasing families
the classifier never trained on, so detection measured on the sandbox is
honest. Picks are a pure function of the corpus: examples are ranked by a
hash of their id, sites prefer examples written for their kind of site, and
each pick prefers families used least so far (a family is shown at most
twice before a site falls back to examples written for other kinds of
site), so the sites show varied phrasings rather than one template.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from classifier.corpus import DEFAULT_CORPUS, Example, load_corpus, split
from cluewatch.taxonomy import CATEGORIES

Slot = Literal["clue", "hard", "ordinary"]
SLOT_CODES: dict[str, Slot] = {"C": "clue", "H": "hard", "O": "ordinary"}


@functools.cache
def held_out_examples() -> tuple[Example, ...]:
    """The held-out test split of the shipped corpus, loaded once per process."""
    return tuple(split(load_corpus([DEFAULT_CORPUS])).test_held_out)


def _rank(example_id: str) -> int:
    return int(hashlib.sha256(example_id.encode()).hexdigest()[:12], 16)


class Picker:
    """Hands out examples without repeats, in a fixed order for a given corpus.

    `take("clue", ...)` cycles through the categories so that every site gets
    clues of each one; `take("hard", ...)` prefers negative kinds used least,
    so hard negatives mix pet adoption, news, IVF, police bulletins and so on.
    """

    def __init__(self, examples: Sequence[Example]) -> None:
        self._examples = [e for e in examples if e.text.strip()]
        self._rank = {e.id: _rank(e.id) for e in self._examples}
        self._used: set[str] = set()
        self._families: Counter[str] = Counter()
        self._negative_kinds: Counter[str] = Counter()
        self._next_category = 0

    def take(
        self, slot: Slot, *, site_kinds: tuple[str, ...], salt: int, titled: bool | None = None
    ) -> Example:
        """The best unused example for `slot`; raises LookupError when none is left.

        `site_kinds`: the corpus `site_kind`s preferred; `titled`: prefer
        examples with a title (True, for thread openers, questions and
        articles) or without one (False, for replies, whose title is not
        shown); `salt` varies the hash order between sites.
        """
        category = None
        if slot == "clue":
            category = CATEGORIES[self._next_category % len(CATEGORIES)]
            self._next_category += 1
        best: Example | None = None
        best_key: tuple[int, ...] = ()
        for ex in self._examples:
            if ex.id in self._used or not _fits(ex, slot, category):
                continue
            uses = self._families[ex.family]
            key = (
                1 if uses >= 2 else 0,
                0 if ex.site_kind in site_kinds else 1,
                self._negative_kinds[ex.negative_kind or ""] if slot == "hard" else 0,
                uses,
                0 if titled is None or bool(ex.title) == titled else 1,
                0 if 12 <= len(ex.text) <= 300 else 1,
                self._rank[ex.id] ^ salt,
            )
            if best is None or key < best_key:
                best, best_key = ex, key
        if best is None:
            raise LookupError(f"no unused held-out example left for {slot} {category or ''}")
        self._used.add(best.id)
        self._families[best.family] += 1
        if best.negative_kind:
            self._negative_kinds[best.negative_kind] += 1
        return best

    def take_many(
        self, codes: str, *, site_kinds: tuple[str, ...], salt: int, titled: bool | None = None
    ) -> list[Example]:
        """One example per letter of `codes`: C clue, H hard negative, O ordinary benign."""
        return [
            self.take(SLOT_CODES[c], site_kinds=site_kinds, salt=salt, titled=titled) for c in codes
        ]


def _fits(ex: Example, slot: Slot, category: str | None) -> bool:
    if slot == "clue":
        return category in ex.labels
    if ex.labels:
        return False
    if slot == "ordinary":
        return ex.negative_kind == "ordinary"
    return ex.negative_kind not in (None, "ordinary")
