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

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from cluewatch.errors import LexiconDataError
from cluewatch.taxonomy import CATEGORIES
from lexicon.data import SHIPPED_DIR, LexiconData, Term, _load_category_file, load_data

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
    fd, tmp = tempfile.mkstemp(dir=overlay, prefix=f".{category}.", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path


def _overlay_entries(overlay: Path, category: str) -> list[dict[str, Any]]:
    path = overlay / f"{category}.yaml"
    if not path.exists():
        return []
    return [_entry(term) for term in _load_category_file(path)]


def add_term(overlay: Path, category: str, **fields: Any) -> tuple[Term, LexiconData]:
    """Add (or replace) a term in the overlay; returns the term and the reloaded lexicon."""
    if category not in CATEGORIES:
        raise LexiconDataError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
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
