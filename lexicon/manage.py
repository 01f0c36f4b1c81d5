"""Changing the lexicon without code: the operator's overlay directory.

The shipped data files stay untouched. `add_term` and `disable_term` write to
`<overlay>/<category>.yaml` (the same format as the shipped files); when the
lexicon is loaded with the overlay after the shipped directory, an overlay
entry replaces the shipped term of the same category and text. The lexicon
version (a hash of every file) changes with each edit, and every score
records it. Each write is validated by loading the new file before it
replaces the old one, so a bad edit never leaves a broken file behind.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cluewatch.errors import LexiconDataError
from cluewatch.files import replace_atomically
from cluewatch.taxonomy import CATEGORIES
from lexicon.data import SHIPPED_DIR, LexiconData, Term, _load_category_file, load_data
from lexicon.matcher import Matcher, category_evidence
from lexicon.normalize import is_han, normalize

# What a term or variant must hold, counted in its matching form (the normalized text
# without spaces or punctuation): a single character, or one or two Latin letters,
# would match inside everyday text ("a" in "I ate a banana"). The shipped lexicon's
# shortest entries are two Chinese characters and the three-letter CSZ; pinyin
# initials of a Chinese term come from its `initials` flag, not from a short term.
MIN_TERM_CHARS = 2
MIN_LATIN_LETTERS = 3

_FIELDS = ("term", "weight", "note", "variants", "initials", "requires", "window", "unless")


def directories(overlay: Path | None) -> list[Path]:
    """The lexicon directories to load: shipped data, then the overlay."""
    return [SHIPPED_DIR] if overlay is None else [SHIPPED_DIR, overlay]


def _entry(term: Term, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for name in _FIELDS:
        value = changes.get(name, getattr(term, name))
        if isinstance(value, tuple):
            value = list(value)
        if value in ((), [], False, None) and name not in ("term", "weight", "note"):
            continue
        if name == "window" and value == 40:
            continue
        entry[name] = value
    if changes.get("disabled", term.disabled):
        entry["disabled"] = True
    return entry


def _write_category(overlay: Path, category: str, entries: list[dict[str, Any]]) -> Path:
    """Validate, then atomically replace `<overlay>/<category>.yaml`."""
    overlay.mkdir(parents=True, exist_ok=True)
    path = overlay / f"{category}.yaml"
    text = (
        "# Operator's lexicon entries (cluewatch lexicon add|disable); they override\n"
        "# shipped terms of the same category and text.\n"
        + yaml.safe_dump(
            {"category": category, "terms": entries}, allow_unicode=True, sort_keys=False
        )
    )
    with tempfile.TemporaryDirectory(dir=overlay) as scratch:
        candidate = Path(scratch) / path.name
        candidate.write_text(text, encoding="utf-8")
        try:
            _load_category_file(candidate)
        except LexiconDataError as exc:
            raise LexiconDataError(
                str(exc).replace(str(candidate), f"{path} (not written)")
            ) from exc
    # Owner-only and not fsynced, as these files have always been written.
    with replace_atomically(path, mode=0o600, fsync=False) as handle:
        handle.write(text)
    return path


def _overlay_entries(overlay: Path, category: str) -> list[dict[str, Any]]:
    path = overlay / f"{category}.yaml"
    if not path.exists():
        return []
    return [_entry(term) for term in _load_category_file(path)]


def term_problem(text: str) -> str | None:
    """Why `text` cannot be a term or a variant (Chinese, then English), or None.

    Counted in the matching form: at least `MIN_TERM_CHARS` characters, and a
    word without Chinese characters needs at least `MIN_LATIN_LETTERS` Latin
    letters (digits and symbols alone match too much).
    """
    compact = normalize(text).compact
    if not compact:
        return "不能为空，也不能只有空白或标点 (blank)"
    if len(compact) < MIN_TERM_CHARS:
        return (
            f"太短，至少 {MIN_TERM_CHARS} 个字，单字会在大量正常文本中命中 "
            f"(shorter than {MIN_TERM_CHARS} characters)"
        )
    if not any(is_han(c) for c in compact):
        letters = sum(c.isascii() and c.isalpha() for c in compact)
        if letters < MIN_LATIN_LETTERS:
            return (
                f"不含汉字的词条至少要 {MIN_LATIN_LETTERS} 个拉丁字母（如 CSZ，数字和符号不计）；"
                "拼音首字母缩写请用中文词条并开启 initials "
                f"(without Chinese characters a term needs {MIN_LATIN_LETTERS} Latin letters)"
            )
    return None


def _check_words(fields: Mapping[str, Any]) -> None:
    """Refuse a term or variant that `term_problem` rejects, before anything is written."""
    words = [("词条", "term", fields.get("term") or "")]
    words += [("变体", "variant", v) for v in fields.get("variants") or ()]
    for zh, en, word in words:
        problem = term_problem(str(word))
        if problem:
            raise LexiconDataError(f"{zh}「{word}」不能使用：{problem}; {en} {word!r} not added")


def add_term(overlay: Path, category: str, **fields: Any) -> tuple[Term, LexiconData]:
    """Add (or replace) a term in the overlay; returns the term and the reloaded lexicon.
    The term and its variants must pass `term_problem`."""
    if category not in CATEGORIES:
        raise LexiconDataError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
    _check_words(fields)
    entry = {k: (list(v) if isinstance(v, tuple) else v) for k, v in fields.items() if v}
    entries = [e for e in _overlay_entries(overlay, category) if e["term"] != entry.get("term")]
    entries.append(entry)
    _write_category(overlay, category, entries)
    data = load_data(directories(overlay))
    term = next(t for t in data.terms if t.category == category and t.term == entry["term"])
    return term, data


def disable_term(overlay: Path, text: str, category: str | None = None) -> list[Term]:
    """Disable every term spelled `text` (in `category` if given); returns the disabled terms."""
    data = load_data(directories(overlay))
    targets = [
        t for t in data.terms if t.term == text and (category is None or t.category == category)
    ]
    if not targets:
        where = f" in {category}" if category else ""
        raise LexiconDataError(f"no term {text!r}{where}; see `cluewatch lexicon list`")
    for term in targets:
        entries = [e for e in _overlay_entries(overlay, term.category) if e["term"] != text]
        entries.append(_entry(term, disabled=True))
        _write_category(overlay, term.category, entries)
    return targets


def analyze_text(data: LexiconData, text: str, matcher: Matcher | None = None) -> dict[str, Any]:
    """What the lexicon finds in `text` (`cluewatch lexicon test` and the lexicon page).

    Offsets are character offsets into `text`. `suppressed` lists the matches the
    context rules ignored, each with `reason` and `detail` (see `lexicon.matcher.Ignored`).
    Pass a built `matcher` of `data` to skip building one (about a second).
    """
    analysis = (matcher or Matcher(data)).analyze(text)
    return {
        "lexicon_version": data.version,
        "categories": category_evidence(analysis.matches),
        "matches": [
            {
                "term": m.term,
                "category": m.category,
                "weight": m.weight,
                "technique": m.technique,
                "surface": m.surface,
                "start": m.start,
                "end": m.end,
            }
            for m in analysis.matches
        ],
        "entities": [
            {"kind": e.kind, "value": e.value, "start": e.start, "end": e.end}
            for e in analysis.entities
        ],
        "lures": [{"kind": h.kind, "term": h.term, "start": h.start} for h in analysis.lures],
        "suppressed": [
            {
                "term": m.term,
                "category": m.category,
                "surface": m.surface,
                "start": m.start,
                "end": m.end,
                "reason": why.reason,
                "detail": why.detail,
            }
            for m, why in zip(analysis.suppressed, analysis.suppressed_why, strict=True)
        ],
        # Notice words (a report or warning about the crime); scoring lowers such a post.
        "notice": list(analysis.notice),
    }


def precision(confirmed: int, dismissed: int) -> float | None:
    """Share of a term's judged posts that analysts confirmed; None before any verdict."""
    judged = confirmed + dismissed
    return confirmed / judged if judged else None


@dataclass(frozen=True)
class TermStats:
    """A lexicon term with the stored posts it matched and how analysts judged them."""

    term: str
    category: str
    weight: str
    note: str
    variants: tuple[str, ...]
    disabled: bool
    operator: bool  # the entry comes from the operator's overlay
    posts: int
    confirmed: int
    dismissed: int

    @property
    def precision(self) -> float | None:
        return precision(self.confirmed, self.dismissed)


def term_stats(
    data: LexiconData, hits: Iterable[Mapping[str, Any]], overlay: Path | None = None
) -> list[TermStats]:
    """Every term of `data` (disabled ones too) with its hits from `Store.term_hits()`,
    most posts first; terms no stored post matched have zeros."""
    by_key = {(h["category"], h["term"]): h for h in hits}
    rows = []
    for t in data.terms:
        hit = by_key.get((t.category, t.term), {})
        rows.append(
            TermStats(
                term=t.term,
                category=t.category,
                weight=t.weight,
                note=t.note,
                variants=t.variants,
                disabled=t.disabled,
                operator=overlay is not None and Path(t.source).parent == overlay,
                posts=int(hit.get("posts", 0)),
                confirmed=int(hit.get("confirmed", 0)),
                dismissed=int(hit.get("dismissed", 0)),
            )
        )
    return sorted(rows, key=lambda r: (-r.posts, r.category, r.term))
