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
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import ahocorasick_rs
import numpy as np
import numpy.typing as npt

from lexicon.data import LexiconData, Term
from lexicon.entities import CONTEXT_KIND, EntityHit, extract_entities
from lexicon.normalize import (
    EMOJI_MEANINGS,
    IntArray,
    Normalized,
    is_han,
    normalize,
    normalize_term,
    spell_term,
    tables,
)
from lexicon.splits import abbreviation_forms, split_forms

_HANDLE_KINDS = frozenset({"phone", "wechat", "qq", "telegram"})
# Reported per text: more would not help an analyst and would let hostile input cost time.
MAX_MATCHES = 500
MAX_GAP = 3  # original characters allowed between two characters of a term
DEFAULT_REQUIRES = ("money", "contact", "baby", "term")
_PROMOTING = frozenset({"money", "contact", "baby"})
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


@dataclass(frozen=True, slots=True)
class Ignored:
    """Why a term match was suppressed.

    `reason` is `unless` (a negative word of the term nearby; `detail` is the word),
    `initials_unless` (pinyin initials near a word that reads them otherwise; the
    word) or `no_context` (the term needs context within its window and none was
    there; `detail` lists the kinds it needs, comma-separated).
    """

    reason: str
    detail: str


@dataclass
class Analysis:
    matches: list[TermMatch]
    entities: list[EntityHit]
    lures: list[LureHit]
    suppressed: list[TermMatch] = field(default_factory=list)
    # Why each suppressed match was ignored, in the same order as `suppressed`.
    suppressed_why: list[Ignored] = field(default_factory=list)
    # The lexicon's notice words in the post (a report or warning about the
    # crime), each once, in the order they first stand.
    notice: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Pattern:
    role: str  # term | lure | unless | notice | initials
    index: int  # into terms / lures
    text: str  # as written in the data
    runs: tuple[int, ...]
    latin: bool
    technique: str = ""  # fixed technique for generated forms (split characters)
    after: tuple[str, ...] = ()  # guard words that may not follow the match
    before: tuple[str, ...] = ()  # guard words that may not precede it


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
        self._guards = [
            (
                tuple(normalize_term(w) for w in g.ends_with),
                tuple(normalize_term(w) for w in g.followed_by),
                tuple(normalize_term(w) for w in g.starts_with),
                tuple(normalize_term(w) for w in g.preceded_by),
            )
            for g in data.guards
        ]
        self._term_guards: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        self._form_runs: list[list[tuple[int, ...]]] = []
        for index, term in enumerate(self.terms):
            forms: set[str] = set()
            for text in (term.term, *term.variants):
                nz = normalize(text)
                if not nz.compact:
                    continue
                forms.add(nz.compact)
                after, before = self._guard_words(nz.compact)
                compact[nz.compact].append(
                    _Pattern(
                        "term",
                        index,
                        text,
                        tuple(int(r) for r in nz.runs),
                        _is_latin(nz.compact),
                        after=after,
                        before=before,
                    )
                )
                generated = [(f, "term", "split_char") for f in split_forms(nz.compact)]
                generated += [(f, "initials", "initials") for f in abbreviation_forms(nz.compact)]
                for form, role, technique in generated:
                    other = normalize(form)
                    compact[other.compact].append(
                        _Pattern(
                            role,
                            index,
                            form,
                            tuple(int(r) for r in other.runs),
                            role == "initials",
                            technique,
                            after,
                            before,
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
            self._form_runs.append(
                [tuple(int(r) for r in normalize(f).runs) for f in (term.term, *term.variants)]
            )
            words = [self._guard_words(form) for form in forms]
            self._term_guards.append(
                (
                    tuple({w for a, _ in words for w in a}),
                    tuple({w for _, b in words for w in b}),
                )
            )
        self._initials_unless = frozenset(data.initials_unless)
        self.unless_words.extend(data.initials_unless)
        for word in sorted(set(self.unless_words)):
            form = normalize(word).compact
            if form:
                compact[form].append(_Pattern("unless", 0, word, (), _is_latin(form)))
        for word in data.notice:
            form = normalize(word).compact
            if form:
                compact[form].append(_Pattern("notice", 0, word, (), _is_latin(form)))
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
            self._compact_keys,
            matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=_implementation(len(self._compact_keys)),
        )
        self._spelled_keys = list(spelled)
        self._spelled_meta = [spelled[k] for k in self._spelled_keys]
        self._spelled_ac = ahocorasick_rs.AhoCorasick(
            self._spelled_keys,
            matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=_implementation(len(self._spelled_keys)),
        )
        self._mapped = tables().map
        self._info = [_TermInfo.of(term) for term in self.terms]
        # Keys that are only context words, negative or notice (most hits in ordinary text).
        self._context_only = np.array(
            [all(p.role in ("unless", "notice") for p in meta) for meta in self._compact_meta],
            dtype=bool,
        )
        self._notice_key = np.array(
            [any(p.role == "notice" for p in meta) for meta in self._compact_meta], dtype=bool
        )

    def _guard_words(self, form: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Guard words that may not follow / precede a match of this compact form."""
        after: set[str] = set()
        before: set[str] = set()
        for ends, followed, starts, preceded in self._guards:
            if any(form.endswith(e) for e in ends):
                after.update(followed)
            if any(form.startswith(e) for e in starts):
                before.update(preceded)
        return tuple(sorted(after)), tuple(sorted(before))

    # ------------------------------------------------------------------

    def analyze(self, text: str) -> Analysis:
        """Term matches (after context rules), entities and lure hits of `text`."""
        return self.analyze_many([text])[0]

    def analyze_many(self, texts: Sequence[str]) -> list[Analysis]:
        """`analyze` for many texts at once: one normalisation and one automaton pass.

        The texts are joined with NUL (which no entity pattern crosses) and
        processed as one; matches spanning two texts are dropped, context
        windows stop at a text's edges, and every offset is relative to its
        own text. This is how a crawl batch or a scoring stream should call it:
        the per-call cost of the vectorised steps is paid once per batch.
        """
        if not texts:
            return []
        joined = "\x00".join(texts)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        bases = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        segments = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[: len(joined)]
        nz = normalize(joined, segments)
        batch = _Batch(nz, segments, bases, len(texts))

        for hit in extract_entities(nz):
            batch.add_entity(hit)
        self._compact_pass(batch)
        self._spelled_pass(batch)
        return [self._finish(batch, post) for post in range(len(texts))]

    def _compact_pass(self, batch: _Batch) -> None:
        nz = batch.nz
        found = self._compact_ac.find_matches_as_indexes(nz.compact, overlapping=True)
        if not found:
            return
        hits = np.asarray(found, dtype=np.int64).reshape(-1, 3)
        keys, s, e = hits[:, 0], hits[:, 1], hits[:, 2]
        ok = batch.valid(s, e)
        keys, s, e = keys[ok], s[ok], e[ok]
        owner = batch.compact_owner[s]
        a = nz.start[s]
        b = nz.end[e - 1]
        # Negative-context words only matter in texts that have a term candidate;
        # keep them as arrays and look at them per text later.
        only_context = self._context_only[keys]
        order = np.argsort(owner[only_context], kind="stable")
        batch.unless = tuple(x[only_context][order] for x in (owner, keys, a, b))  # type: ignore[assignment]
        notice = self._notice_key[keys]
        for key, post, ja, jb in zip(
            keys[notice].tolist(),
            owner[notice].tolist(),
            a[notice].tolist(),
            b[notice].tolist(),
            strict=True,
        ):
            for pattern in self._compact_meta[key]:
                if pattern.role == "notice" and (
                    not pattern.latin or _latin_bounded(nz.original, ja, jb)
                ):
                    batch.notice[post].append((ja, pattern.text))
        rest = ~only_context
        joined = nz.original
        runs = nz.runs
        compact = nz.compact
        for key, cs, ce, post, ja, jb in zip(
            keys[rest].tolist(),
            s[rest].tolist(),
            e[rest].tolist(),
            owner[rest].tolist(),
            a[rest].tolist(),
            b[rest].tolist(),
            strict=True,
        ):
            for pattern in self._compact_meta[key]:
                if pattern.runs and any(
                    int(runs[cs + i]) < need for i, need in enumerate(pattern.runs)
                ):
                    continue
                if pattern.latin and not _latin_bounded(joined, ja, jb):
                    continue
                role = pattern.role
                if role == "lure":
                    lure = self.lures[pattern.index]
                    base = batch.base_list[post]
                    batch.lures[post].append(LureHit(lure.kind, lure.term, ja - base, jb - base))
                elif role == "unless":
                    batch.unless_extra[post].append((pattern.text, ja, jb))
                elif role == "notice":
                    continue  # collected for every key above
                else:
                    if _guarded(compact, batch.gap, cs, ce, pattern.after, pattern.before):
                        continue
                    if _kinship_edge(compact, runs, cs, ce, pattern.runs):
                        continue
                    term = self._info[pattern.index]
                    if role == "initials":
                        technique, weight, needs = "initials", term.weight, True
                    else:
                        technique = pattern.technique or self._technique(
                            nz, cs, ce, ja, jb, pattern.text
                        )
                        weight, needs = term.weight, term.weight == "weak"
                    batch.candidates[post].append((term, weight, technique, ja, jb, needs))

    def _spelled_pass(self, batch: _Batch) -> None:
        nz = batch.nz
        if not self._spelled_keys or not nz.spelled:
            return
        found = self._spelled_ac.find_matches_as_indexes(nz.spelled, overlapping=True)
        if not found:
            return
        hits = np.asarray(found, dtype=np.int64).reshape(-1, 3)
        keys, s, e = hits[:, 0], hits[:, 1], hits[:, 2]
        boundary = nz.spelled_boundary
        ok = boundary[s] & boundary[e]
        keys, s, e = keys[ok], s[ok], e[ok]
        cs = nz.spelled_char[s]
        ce = nz.spelled_char[e - 1] + 1
        ok = batch.valid(cs, ce)
        keys, cs, ce = keys[ok], cs[ok], ce[ok]
        joined = nz.original
        compact = nz.compact
        for key, first, last in zip(keys.tolist(), cs.tolist(), ce.tolist(), strict=True):
            surface_compact = compact[first:last]
            entries = self._spelled_meta[key]
            if all(surface_compact in self._forms[index] for index, _ in entries):
                continue  # the compact automaton reports it
            ja, jb = int(nz.start[first]), int(nz.end[last - 1])
            if not _latin_bounded(joined, ja, jb):
                continue
            post = int(batch.compact_owner[first])
            has_latin = any(c.isascii() and c.isalpha() for c in surface_compact)
            for term_index, syllables in entries:
                if surface_compact in self._forms[term_index]:
                    continue
                if not has_latin and len(surface_compact) != syllables:
                    continue
                after, before = self._term_guards[term_index]
                if _guarded(compact, batch.gap, first, last, after, before):
                    continue
                term = self._info[term_index]
                if has_latin:
                    technique, weight, needs = "pinyin", term.weight, term.weight == "weak"
                    if _name_like(joined[ja:jb]):
                        # Daiyun, Shenyuan: a romanised name or place more often than jargon.
                        weight, needs = _DEMOTE[term.weight], True
                else:
                    # Every character swapped for a homophone (戴云 for 代孕) is a name or
                    # a place far more often than evasion, and so is a homophone that
                    # takes in a doubled character (宝宝出生证 is not 包出生证).
                    if not self._shares_character(term_index, surface_compact):
                        continue
                    doubled = nz.runs[first:last] > 1
                    if doubled.any() and not self._doubled_alike(term_index, doubled):
                        continue
                    technique, weight, needs = "homophone", _DEMOTE[term.weight], True
                batch.candidates[post].append((term, weight, technique, ja, jb, needs))

    def _doubled_alike(self, term_index: int, doubled: npt.NDArray[np.bool_]) -> bool:
        """Whether a form of the term has a doubled character wherever the surface has one."""
        return any(
            len(runs) == len(doubled)
            and all(r > 1 for r, d in zip(runs, doubled, strict=True) if d)
            for runs in self._form_runs[term_index]
        )

    def _shares_character(self, term_index: int, surface: str) -> bool:
        """Whether `surface` keeps at least one character of a same-length form of the term."""
        return any(
            any(a == b for a, b in zip(form, surface, strict=True))
            for form in self._forms[term_index]
            if len(form) == len(surface)
        )

    def _finish(self, batch: _Batch, post: int) -> Analysis:
        entities = batch.entities.pop(post, [])
        lures = batch.lures.pop(post, [])
        found = batch.notice.pop(post, None)
        notice = tuple(dict.fromkeys(word for _, word in sorted(found))) if found else ()
        raw = batch.candidates.get(post)
        if not raw:
            return Analysis(matches=[], entities=entities, lures=lures, notice=notice)
        base = batch.base_list[post]
        joined = batch.nz.original
        # A term inside a contact handle (the "dy" of test_dy88) is part of the handle.
        handles = [(h.start, h.end) for h in entities if h.kind in _HANDLE_KINDS]
        candidates: list[tuple[TermMatch, _TermInfo, bool]] = []
        for term, weight, technique, a, b, needs in raw:
            start, end = a - base, b - base
            if handles and any(x <= start and end <= y for x, y in handles):
                continue
            candidates.append(
                (
                    TermMatch(term.term, term.category, weight, joined[a:b], start, end, technique),
                    term,
                    needs,
                )
            )
        unless_spans = [(text, a - base, b - base) for text, a, b in batch.unless_extra[post]]
        owners, keys, starts, ends = batch.unless
        if len(owners):
            lo = int(np.searchsorted(owners, post, side="left"))
            hi = int(np.searchsorted(owners, post, side="right"))
            for key, a, b in zip(
                keys[lo:hi].tolist(), starts[lo:hi].tolist(), ends[lo:hi].tolist(), strict=True
            ):
                for pattern in self._compact_meta[key]:
                    if pattern.role == "unless":
                        unless_spans.append((pattern.text, a - base, b - base))
        matches, suppressed, why = self._apply_context(candidates, lures, entities, unless_spans)
        return Analysis(
            matches=matches,
            entities=entities,
            lures=lures,
            suppressed=suppressed,
            suppressed_why=why,
            notice=notice,
        )

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
        candidates: list[tuple[TermMatch, _TermInfo, bool]],
        lures: list[LureHit],
        entities: list[EntityHit],
        unless_spans: list[tuple[str, int, int]],
    ) -> tuple[list[TermMatch], list[TermMatch], list[Ignored]]:
        # The indexes are built only when a candidate needs them.
        context: _SpanIndex | None = None
        negatives = _SpanIndex(unless_spans) if unless_spans else None
        anchors: _SpanIndex | None = None
        kept: list[TermMatch] = []
        suppressed: list[TermMatch] = []
        why: list[Ignored] = []
        for match, term, needs in candidates:
            lo, hi = match.start - term.window, match.end + term.window
            word = (
                negatives.first_in(lo, hi, term.unless.__contains__)
                if negatives is not None and term.unless
                else None
            )
            if word is not None:
                suppressed.append(match)
                why.append(Ignored("unless", word))
                continue
            word = (
                negatives.first_in(lo, hi, self._initials_unless.__contains__)
                if negatives is not None and match.technique == "initials"
                else None
            )
            if word is not None:
                suppressed.append(match)
                why.append(Ignored("initials_unless", word))
                continue
            if needs:
                if context is None:
                    context = _SpanIndex(
                        [(h.kind, h.start, h.end) for h in lures]
                        + [
                            (CONTEXT_KIND[h.kind], h.start, h.end)
                            for h in entities
                            if h.kind in CONTEXT_KIND
                        ]
                    )
                required = term.required
                ok = context.any_in(lo, hi, required.__contains__)
                if not ok and "term" in required:
                    if anchors is None:
                        anchors = _SpanIndex(
                            [(o.term, o.start, o.end) for o, _, n in candidates if not n]
                        )
                    # Another term in the window, not another reading of the
                    # match's own characters (十买肾: 卖肾 split, or 买肾 inside it).
                    ok = anchors.any_outside(lo, hi, (match.start, match.end), match.term.__ne__)
                if not ok:
                    suppressed.append(match)
                    why.append(Ignored("no_context", ",".join(sorted(required))))
                    continue
                if (
                    term.weight == "weak"
                    and match.technique != "homophone"
                    and len(context.kinds_in(lo, hi, (match.start, match.end)) & _PROMOTING) >= 2
                ):
                    # Two kinds of context at once (a baby and a contact, money and a
                    # contact ...) make a weak term as telling as a medium one.
                    match = replace(match, weight="medium")
            kept.append(match)
        if len(kept) > 1:
            kept = _resolve_overlaps(kept)
        return kept[:MAX_MATCHES], suppressed[:MAX_MATCHES], why[:MAX_MATCHES]


@dataclass(frozen=True, slots=True)
class _TermInfo:
    """What matching needs of a term, with its rule sets precomputed."""

    term: str
    category: str
    weight: str
    window: int
    unless: frozenset[str]
    required: frozenset[str]

    @classmethod
    def of(cls, term: Term) -> _TermInfo:
        return cls(
            term.term,
            term.category,
            term.weight,
            term.window,
            frozenset(term.unless),
            frozenset(term.requires or DEFAULT_REQUIRES),
        )


# A DFA is the fastest automaton but its memory grows steeply with the pattern
# count; beyond this many patterns the contiguous NFA is used instead.
DFA_MAX_PATTERNS = 20_000


def _implementation(patterns: int) -> ahocorasick_rs.Implementation:
    if patterns <= DFA_MAX_PATTERNS:
        return ahocorasick_rs.Implementation.DFA
    return ahocorasick_rs.Implementation.ContiguousNFA


class _Batch:
    """Working state of one `analyze_many` call, in joined-text coordinates."""

    def __init__(self, nz: Normalized, segments: IntArray, bases: IntArray, count: int) -> None:
        self.nz = nz
        self.bases = bases
        self.compact_owner = segments[nz.start] if len(nz.start) else nz.start
        # Largest original gap after each compact character; a character whose
        # successor belongs to another text gets an infinite gap.
        gap = np.empty(len(nz.start), dtype=np.int64)
        if len(gap):
            gap[:-1] = nz.start[1:] - nz.end[:-1]
            gap[:-1][self.compact_owner[1:] != self.compact_owner[:-1]] = 1 << 40
            gap[-1] = 1 << 40
        self.gap = gap
        self.base_list: list[int] = bases.tolist()
        # Per text, in the text's own offsets; texts with nothing have no entry.
        self.entities: dict[int, list[EntityHit]] = defaultdict(list)
        self.lures: dict[int, list[LureHit]] = defaultdict(list)
        self.candidates: dict[int, list[tuple[_TermInfo, str, str, int, int, bool]]] = defaultdict(
            list
        )
        self.unless_extra: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        self.notice: dict[int, list[tuple[int, str]]] = defaultdict(list)
        empty = np.zeros(0, dtype=np.int64)
        self.unless: tuple[IntArray, IntArray, IntArray, IntArray] = (empty, empty, empty, empty)

    def add_entity(self, hit: EntityHit) -> None:
        post = bisect_right(self.base_list, hit.start) - 1
        base = self.base_list[post]
        self.entities[post].append(EntityHit(hit.kind, hit.value, hit.start - base, hit.end - base))

    def valid(self, s: IntArray, e: IntArray) -> npt.NDArray[np.bool_]:
        """Compact spans [s, e) with no gap wider than MAX_GAP and within one text."""
        width = e - s
        widest = 0 if not len(width) else int(width.max())
        worst = np.zeros(len(s), dtype=np.int64)
        last = len(self.gap) - 1
        for k in range(widest - 1):
            inside = k < width - 1
            worst = np.maximum(worst, np.where(inside, self.gap[np.minimum(s + k, last)], 0))
        return worst <= MAX_GAP


class _SpanIndex:
    """Labelled spans sorted by start, for "is there one of these within the window" queries."""

    # Lures, entities and terms are short; a span longer than this is still found, just later.
    LONGEST = 64

    def __init__(self, spans: list[tuple[str, int, int]]) -> None:
        self.spans = sorted(spans, key=lambda s: s[1])
        self.starts = [s[1] for s in self.spans]

    def kinds_in(self, lo: int, hi: int, outside: tuple[int, int]) -> set[str]:
        """Labels of spans within [lo, hi) that are not inside `outside` (the match itself)."""
        first = bisect_left(self.starts, lo - self.LONGEST)
        last = bisect_left(self.starts, hi)
        a, b = outside
        return {
            label
            for label, start, end in self.spans[first:last]
            if end > lo and not (a <= start and end <= b)
        }

    def any_outside(
        self, lo: int, hi: int, span: tuple[int, int], accept: Callable[[str], bool]
    ) -> bool:
        """Whether a span within [lo, hi) that does not overlap `span` has a label `accept` takes."""
        first = bisect_left(self.starts, lo - self.LONGEST)
        last = bisect_left(self.starts, hi)
        a, b = span
        return any(
            end > lo and (end <= a or start >= b) and accept(label)
            for label, start, end in self.spans[first:last]
        )

    def any_in(self, lo: int, hi: int, accept: Callable[[str], bool]) -> bool:
        return self.first_in(lo, hi, accept) is not None

    def first_in(self, lo: int, hi: int, accept: Callable[[str], bool]) -> str | None:
        """The label of the first span within [lo, hi) that `accept` takes, if any."""
        first = bisect_left(self.starts, lo - self.LONGEST)
        last = bisect_left(self.starts, hi)
        for label, _, end in self.spans[first:last]:
            if end > lo and accept(label):
                return label
        return None


def _resolve_overlaps(matches: list[TermMatch]) -> list[TermMatch]:
    """Within one category, keep the strongest (then longest) of overlapping matches.

    Strength first: analysts need the most decisive reason, and obfuscation
    (spaces, symbols) can make a weaker match longer in the original text.
    """
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
                if (WEIGHT_RANK[match.weight], match.end - match.start) > (
                    WEIGHT_RANK[last.weight],
                    last.end - last.start,
                ):
                    chosen[-1] = match
                continue
            chosen.append(match)
        out.extend(chosen)
    out.sort(key=lambda m: (m.start, m.end, m.category))
    return out


# Kinship nouns said twice (妈妈, 宝宝): at the edge of a match they belong to the
# ordinary word, not to the term (我代妈妈去开会 is not 代妈).
_KINSHIP = frozenset("妈爸宝姐妹哥弟娃奶爷婆公叔姨舅")


def _guarded(
    compact: str,
    gap: IntArray,
    first: int,
    last: int,
    after: tuple[str, ...],
    before: tuple[str, ...],
) -> bool:
    """Whether the compact match [first, last) runs straight into a guard word.

    Straight means nothing between them in the original text: in 专业代孕 妇科 the
    space separates two words, in 代孕妇 there is one word.
    """
    if after and gap[last - 1] == 0 and any(compact.startswith(w, last) for w in after):
        return True
    return (
        bool(before)
        and first > 0
        and gap[first - 1] == 0
        and any(compact.endswith(w, 0, first) for w in before)
    )


def _kinship_edge(
    compact: str, runs: IntArray, first: int, last: int, need: tuple[int, ...]
) -> bool:
    """A doubled kinship noun at an edge of the match, and no other doubling in it.

    When every character is doubled (招招代代妈妈) the doubling is evasion, not a word.
    """
    if not need or last - first < 2:
        return False
    if need[0] == 1 and runs[first] > 1 and compact[first] in _KINSHIP:
        return int(runs[first + 1 : last].max()) == 1
    if need[-1] == 1 and runs[last - 1] > 1 and compact[last - 1] in _KINSHIP:
        return int(runs[first : last - 1].max()) == 1
    return False


def _name_like(surface: str) -> bool:
    """Capitalised romanisation (Daiyun, Shenyuan), as names and places are written."""
    letters = [c for c in surface if c.isalpha()]
    return len(letters) > 1 and letters[0].isupper() and all(c.islower() for c in letters[1:])


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
