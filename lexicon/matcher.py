"""The obfuscation-robust multi-pattern matcher.

Two Aho-Corasick automata (ahocorasick_rs) run over the views that
`lexicon.normalize` builds: one over the compact view for terms, their
variants, lure words and negative-context words; one over the spelled
(pinyin) view for homophones, pinyin and mixed spellings of terms. Each
candidate is then checked against the original text (gap between characters,
repeated characters, Latin word boundaries) and against its context rules
(required lure kinds within a window, negative words that suppress it).

Weights after context:

* `strong` and `medium` plain matches count alone.
* `weak` terms count only with one of their `requires` kinds within `window`.
* Homophone matches (带孕 for 代孕) are one weight lower and need context,
  because Han homophones also occur by accident (带孕妇 contains 带孕).
* Initials (DY for 代孕) exist only for terms marked `initials` and need context.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick_rs

from lexicon.data import LexiconData, Term
from lexicon.entities import CONTEXT_KIND, EntityHit, extract_entities
from lexicon.normalize import EMOJI_MEANINGS, Normalized, is_han, normalize, spell_term, tables

_HANDLE_KINDS = frozenset({"phone", "wechat", "qq", "telegram"})
# Reported per text: more would not help an analyst and would let hostile input cost time.
MAX_MATCHES = 500
MAX_GAP = 3  # original characters allowed between two characters of a term
DEFAULT_REQUIRES = ("money", "contact", "baby", "term")
_DEMOTE = {"strong": "medium", "medium": "weak", "weak": "weak"}
WEIGHT_RANK = {"strong": 3, "medium": 2, "weak": 1}


@dataclass(frozen=True, slots=True)
class TermMatch:
    term: str
    category: str
    weight: str
    surface: str
    start: int
    end: int
    technique: str


@dataclass(frozen=True, slots=True)
class LureHit:
    kind: str
    term: str
    start: int
    end: int


@dataclass
class Analysis:
    matches: list[TermMatch]
    entities: list[EntityHit]
    lures: list[LureHit]
    suppressed: list[TermMatch] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Pattern:
    role: str  # term | lure | unless | initials
    index: int  # into terms / lures
    text: str  # as written in the data
    runs: tuple[int, ...]
    latin: bool


class Matcher:
    """Compiled lexicon. Build once (about a second), then call `analyze` per text."""

    def __init__(self, data: LexiconData) -> None:
        self.data = data
        self.version = data.version
        self.terms: list[Term] = data.active_terms()
        self.lures = list(data.lures)
        self._forms: list[set[str]] = []  # compact forms of each term (canonical + variants)
        compact: dict[str, list[_Pattern]] = defaultdict(list)
        spelled: dict[str, list[tuple[int, int]]] = defaultdict(list)  # -> (term index, syllables)
        self.unless_words: list[str] = []
        for index, term in enumerate(self.terms):
            forms: set[str] = set()
            for text in (term.term, *term.variants):
                nz = normalize(text)
                if not nz.compact:
                    continue
                forms.add(nz.compact)
                compact[nz.compact].append(
                    _Pattern(
                        "term", index, text, tuple(int(r) for r in nz.runs), _is_latin(nz.compact)
                    )
                )
                # One syllable spells too many ordinary characters to mean anything.
                if len(nz.compact) >= 2 and any(is_han(c) for c in nz.compact):
                    syllables = len(nz.compact)
                    for spelling in spell_term(text):
                        spelled[spelling].append((index, syllables))
            if term.initials:
                initials = _initials(term.term)
                if len(initials) >= 2:
                    compact[initials].append(_Pattern("initials", index, initials, (), True))
            for word in term.unless:
                self.unless_words.append(word)
            self._forms.append(forms)
        for word in sorted(set(self.unless_words)):
            form = normalize(word).compact
            if form:
                compact[form].append(_Pattern("unless", 0, word, (), _is_latin(form)))
        for index, lure in enumerate(self.lures):
            nz = normalize(lure.term)
            if nz.compact:
                compact[nz.compact].append(
                    _Pattern(
                        "lure",
                        index,
                        lure.term,
                        tuple(int(r) for r in nz.runs),
                        _is_latin(nz.compact),
                    )
                )
        self._compact_keys = list(compact)
        self._compact_meta = [compact[k] for k in self._compact_keys]
        self._compact_ac = ahocorasick_rs.AhoCorasick(
            self._compact_keys, matchkind=ahocorasick_rs.MatchKind.Standard
        )
        self._spelled_keys = list(spelled)
        self._spelled_meta = [spelled[k] for k in self._spelled_keys]
        self._spelled_ac = ahocorasick_rs.AhoCorasick(
            self._spelled_keys, matchkind=ahocorasick_rs.MatchKind.Standard
        )
        self._mapped = tables().map

    # ------------------------------------------------------------------

    def analyze(self, text: str) -> Analysis:
        """Term matches (after context rules), entities and lure hits of `text`."""
        nz = normalize(text)
        entities = extract_entities(nz)
        candidates: list[tuple[TermMatch, Term, bool]] = []  # (match, term, needs context)
        lures: list[LureHit] = []
        unless_spans: list[tuple[str, int, int]] = []
        for key_index, s, e in self._compact_ac.find_matches_as_indexes(
            nz.compact, overlapping=True
        ):
            if nz.max_gap(s, e) > MAX_GAP:
                continue
            a, b = nz.span(s, e)
            for pattern in self._compact_meta[key_index]:
                if pattern.runs and any(
                    int(nz.runs[s + i]) < need for i, need in enumerate(pattern.runs)
                ):
                    continue
                if pattern.latin and not _latin_bounded(text, a, b):
                    continue
                if pattern.role == "lure":
                    lure = self.lures[pattern.index]
                    lures.append(LureHit(lure.kind, lure.term, a, b))
                elif pattern.role == "unless":
                    unless_spans.append((pattern.text, a, b))
                else:
                    term = self.terms[pattern.index]
                    if pattern.role == "initials":
                        technique, weight, needs = "initials", term.weight, True
                    else:
                        technique = self._technique(nz, s, e, a, b, pattern.text)
                        weight, needs = term.weight, term.weight == "weak"
                    candidates.append(
                        (
                            TermMatch(term.term, term.category, weight, text[a:b], a, b, technique),
                            term,
                            needs,
                        )
                    )
        if self._spelled_keys and nz.spelled:
            boundary = nz.spelled_boundary
            for key_index, s, e in self._spelled_ac.find_matches_as_indexes(
                nz.spelled, overlapping=True
            ):
                if not (boundary[s] and boundary[e]):
                    continue
                cs = int(nz.spelled_char[s])
                ce = int(nz.spelled_char[e - 1]) + 1
                surface_compact = nz.compact[cs:ce]
                if nz.max_gap(cs, ce) > MAX_GAP:
                    continue
                a, b = nz.span(cs, ce)
                if not _latin_bounded(text, a, b):
                    continue
                has_latin = any(c.isascii() and c.isalpha() for c in surface_compact)
                for term_index, syllables in self._spelled_meta[key_index]:
                    if surface_compact in self._forms[term_index]:
                        continue  # the compact automaton reports it
                    if not has_latin and len(surface_compact) != syllables:
                        continue
                    term = self.terms[term_index]
                    if has_latin:
                        technique, weight = "pinyin", term.weight
                        needs = term.weight == "weak"
                    else:
                        technique, weight, needs = "homophone", _DEMOTE[term.weight], True
                    candidates.append(
                        (
                            TermMatch(term.term, term.category, weight, text[a:b], a, b, technique),
                            term,
                            needs,
                        )
                    )
        # A term inside a contact handle (the "dy" of test_dy88) is part of the handle.
        handles = [(h.start, h.end) for h in entities if h.kind in _HANDLE_KINDS]
        if handles:
            candidates = [
                c
                for c in candidates
                if not any(a <= c[0].start and c[0].end <= b for a, b in handles)
            ]
        matches, suppressed = self._apply_context(candidates, lures, entities, unless_spans)
        return Analysis(matches=matches, entities=entities, lures=lures, suppressed=suppressed)

    def _technique(self, nz: Normalized, s: int, e: int, a: int, b: int, written: str) -> str:
        surface = nz.original[a:b]
        if surface == written:
            return "plain"
        if any(ch in surface for ch in _emoji_chars()):
            return "emoji"
        if nz.max_gap(s, e) > 0:
            dropped = "".join(
                nz.original[int(nz.end[i]) : int(nz.start[i + 1])] for i in range(s, e - 1)
            )
            if dropped and all(_is_format(ch) for ch in dropped):
                return "zero_width"
            return "symbol_insert"
        if int(nz.runs[s:e].sum()) > e - s:
            return "repeat"
        for ch in surface:
            code = ord(ch)
            if code < len(self._mapped) and int(self._mapped[code]) != code:
                if is_han(ch):
                    return "traditional"
                if not ch.isascii():
                    return "fullwidth"
        if surface.lower() == written.lower():
            return "case"
        return "plain"

    def _apply_context(
        self,
        candidates: list[tuple[TermMatch, Term, bool]],
        lures: list[LureHit],
        entities: list[EntityHit],
        unless_spans: list[tuple[str, int, int]],
    ) -> tuple[list[TermMatch], list[TermMatch]]:
        context = _SpanIndex([(h.kind, h.start, h.end) for h in lures])
        context.extend(
            (CONTEXT_KIND[h.kind], h.start, h.end) for h in entities if h.kind in CONTEXT_KIND
        )
        negatives = _SpanIndex(unless_spans)
        anchors = _SpanIndex(
            [(other.term, other.start, other.end) for other, _, needs in candidates if not needs]
        )
        kept: list[TermMatch] = []
        suppressed: list[TermMatch] = []
        for match, term, needs in candidates:
            lo, hi = match.start - term.window, match.end + term.window
            if term.unless and negatives.any_in(lo, hi, set(term.unless).__contains__):
                suppressed.append(match)
                continue
            if needs:
                required = set(term.requires or DEFAULT_REQUIRES)
                ok = context.any_in(lo, hi, required.__contains__)
                if not ok and "term" in required:
                    ok = anchors.any_in(lo, hi, match.term.__ne__)
                if not ok:
                    suppressed.append(match)
                    continue
            kept.append(match)
        return _resolve_overlaps(kept)[:MAX_MATCHES], suppressed[:MAX_MATCHES]


class _SpanIndex:
    """Labelled spans sorted by start, for "is there one of these within the window" queries."""

    # Lures, entities and terms are short; a span longer than this is still found, just later.
    LONGEST = 64

    def __init__(self, spans: list[tuple[str, int, int]]) -> None:
        self.spans = sorted(spans, key=lambda s: s[1])
        self.starts = [s[1] for s in self.spans]

    def extend(self, spans: Iterable[tuple[str, int, int]]) -> None:
        self.spans = sorted([*self.spans, *spans], key=lambda s: s[1])
        self.starts = [s[1] for s in self.spans]

    def any_in(self, lo: int, hi: int, accept: Callable[[str], bool]) -> bool:
        first = bisect_left(self.starts, lo - self.LONGEST)
        last = bisect_left(self.starts, hi)
        return any(end > lo and accept(label) for label, _, end in self.spans[first:last])


def _resolve_overlaps(matches: list[TermMatch]) -> list[TermMatch]:
    """Within one category, keep the longest (then strongest) of overlapping matches."""
    by_category: dict[str, list[TermMatch]] = defaultdict(list)
    for match in matches:
        by_category[match.category].append(match)
    out: list[TermMatch] = []
    for group in by_category.values():
        group.sort(key=lambda m: (m.start, -(m.end - m.start), -WEIGHT_RANK[m.weight]))
        chosen: list[TermMatch] = []
        for match in group:
            if chosen and match.start < chosen[-1].end:
                last = chosen[-1]
                if (match.end - match.start, WEIGHT_RANK[match.weight]) > (
                    last.end - last.start,
                    WEIGHT_RANK[last.weight],
                ):
                    chosen[-1] = match
                continue
            chosen.append(match)
        out.extend(chosen)
    out.sort(key=lambda m: (m.start, m.end, m.category))
    return out


def _is_latin(text: str) -> bool:
    return bool(text) and all(c.isascii() and c.isalpha() for c in text)


def _latin_bounded(text: str, start: int, end: int) -> bool:
    """A match that begins or ends with a Latin letter must not be inside a Latin word."""
    if start > 0 and _ascii_letter(text[start]) and _ascii_letter(text[start - 1]):
        return False
    return not (end < len(text) and _ascii_letter(text[end - 1]) and _ascii_letter(text[end]))


def _ascii_letter(ch: str) -> bool:
    folded = ch
    if not ch.isascii():
        code = ord(ch)
        mapped = tables().map
        if code < len(mapped):
            folded = chr(int(mapped[code])) if int(mapped[code]) < 0x110000 else ch
    return folded.isascii() and folded.isalpha()


def _is_format(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc")


def _initials(term: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[0] for p in lazy_pinyin(term, style=Style.NORMAL) if p).lower()


@lru_cache(maxsize=1)
def _emoji_chars() -> frozenset[str]:
    return frozenset(ch for key in EMOJI_MEANINGS for ch in key)


def category_evidence(matches: list[TermMatch]) -> dict[str, float]:
    """Lexicon-only evidence per category in [0, 1]: noisy-OR of match weights."""
    strength = {"strong": 0.85, "medium": 0.5, "weak": 0.25}
    remaining: dict[str, float] = {}
    for match in matches:
        remaining[match.category] = remaining.get(match.category, 1.0) * (
            1 - strength[match.weight]
        )
    return {category: round(1 - value, 6) for category, value in remaining.items()}


__all__ = ["Analysis", "LureHit", "Matcher", "TermMatch", "category_evidence"]
