"""Search text: a length-keeping normal form, character bigrams, queries and highlights.

Most Chinese words have two characters, which a trigram index cannot find and
a word segmenter finds only when it segments the same way in the post and in
the query. The store therefore indexes overlapping character bigrams of every
run of Han characters (plus the run's last character, so that a one-character
query is a prefix query and a run's edge stays adjacent to the Latin word
after it), and whole words for Latin letters and digits. Queries become
phrases of the same tokens, so `代孕妈妈` matches exactly that sequence.

The normal form keeps the length of the text (one character in, one out):
NFKC for characters whose normal form is one character, case folding, and
traditional to simplified Chinese one character at a time. Highlights are
found in the normal form and cut from the original text at the same offsets.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from index.models import Fragment

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef"
_TOKEN_RE = re.compile(rf"([{_HAN}]+)|([^\W_{_HAN}]+)")
SNIPPET_CHARS = 120


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x30000):
        if 0xD800 <= code <= 0xDFFF:
            table[code] = "\ufffd"
            continue
        char = chr(code)
        normal = unicodedata.normalize("NFKC", char).casefold()
        if normal != char and len(normal) == 1:
            table[code] = normal
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a dependency
        return table
    han = [c for c in range(0x3400, 0xA000) if c not in table]
    converted = opencc.OpenCC("t2s").convert("\n".join(chr(c) for c in han)).split("\n")
    if len(converted) == len(han):
        for code, simple in zip(han, converted, strict=True):
            if len(simple) == 1 and simple != chr(code):
                table[code] = simple
    return table


def normalize(text: str) -> str:
    """The search normal form; `len(normalize(t)) == len(t)` always."""
    return text.translate(_table())


def index_tokens(text: str, *, normalized: bool = False) -> str:
    """Space-separated index tokens of a text (for a `unicode61` FTS5 column).

    `normalized`: the text is already in `normalize` form.
    """
    out: list[str] = []
    append = out.append
    for han, word in _TOKEN_RE.findall(text if normalized else normalize(text)):
        if word:
            append(word)
        elif len(han) == 1:
            append(han)
        else:
            out.extend(map(str.__add__, han[:-1], han[1:]))
            append(han[-1])
    return " ".join(out)


def query_terms(q: str) -> list[str]:
    """The whitespace-separated terms of a search, normalised, without empties."""
    return [t for t in normalize(q).split() if _TOKEN_RE.search(t)]


def term_tokens(term: str) -> tuple[list[str], bool]:
    """Index tokens one search term must match in sequence, and whether the last is a prefix."""
    segments = _TOKEN_RE.findall(term)
    tokens: list[str] = []
    prefix = False
    for position, (han, word) in enumerate(segments):
        last = position == len(segments) - 1
        if word:
            tokens.append(word)
        elif len(han) == 1:
            tokens.append(han)
            prefix = last
        else:
            tokens.extend(han[i : i + 2] for i in range(len(han) - 1))
            if not last:
                tokens.append(han[-1])
    return tokens, prefix


def fts5_query(q: str) -> str | None:
    """An FTS5 MATCH expression for a search (all terms, each as a phrase), or None if empty."""
    phrases = []
    for term in query_terms(q):
        tokens, prefix = term_tokens(term)
        if not tokens:
            continue
        phrase = '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'
        phrases.append(phrase + ("*" if prefix else ""))
    return " AND ".join(phrases) if phrases else None


def _hit_spans(normal: str, terms: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = normal.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = normal.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, q: str, *, width: int = SNIPPET_CHARS) -> list[Fragment] | None:
    """A snippet of `text` around the first hit of the search, hits marked; None without a hit."""
    terms = query_terms(q)
    if not terms or not text:
        return None
    spans = _hit_spans(normalize(text), terms)
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    fragments: list[Fragment] = []
    if start > 0:
        fragments.append(Fragment(text="…"))
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start > cursor:
            fragments.append(Fragment(text=text[cursor:span_start]))
        fragments.append(Fragment(text=text[span_start:span_end], hit=True))
        cursor = span_end
    if cursor < end:
        fragments.append(Fragment(text=text[cursor:end]))
    if end < len(text):
        fragments.append(Fragment(text="…"))
    return fragments
