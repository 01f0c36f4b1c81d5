"""The lexicon as the operator's overlay holds it now, for the lexicon page.

Loading the lexicon takes about half a second and building its matcher about
a second, so both are kept and rebuilt only when a file in the overlay
directory changes (added, removed, rewritten by this app or by
`cluewatch lexicon add|disable`). Crawls load the lexicon when they start:
a change reaches scoring at the next crawl.

Changes made here and with the command line go through the same functions
and are audit events.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from index.base import Store
from index.models import AuditEvent
from lexicon import LexiconData, Matcher, Term, load_data
from lexicon.manage import add_term, directories, disable_term

_Key = tuple[tuple[str, int, int], ...]


class LiveLexicon:
    def __init__(self, overlay: Path) -> None:
        self.overlay = overlay
        self._lock = threading.Lock()
        self._key: _Key | None = None
        self._data: LexiconData | None = None
        self._matcher: Matcher | None = None

    def _files(self) -> _Key:
        if not self.overlay.is_dir():
            return ()
        found = []
        for path in sorted(self.overlay.glob("*.yaml")):
            stat = path.stat()
            found.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    def _current(self) -> LexiconData:
        """Reload when the overlay changed; call with the lock held."""
        key = self._files()
        if self._data is None or key != self._key:
            self._data = load_data(directories(self.overlay))
            self._matcher = None  # built again for the new data when asked
            self._key = key
        return self._data

    def data(self) -> LexiconData:
        """The lexicon now (shipped files, then the overlay); raises `LexiconDataError`."""
        with self._lock:
            return self._current()

    def matcher(self) -> tuple[LexiconData, Matcher]:
        """The lexicon now and its matcher."""
        with self._lock:
            data = self._current()
            if self._matcher is None:
                self._matcher = Matcher(data)
            return data, self._matcher


def add_term_audited(
    store: Store, overlay: Path, category: str, *, by: str, **fields: Any
) -> tuple[Term, LexiconData]:
    """`lexicon.manage.add_term`, recorded as a `lexicon.add` audit event by `by`."""
    term, data = add_term(overlay, category, **fields)
    store.append_audit(
        AuditEvent(
            actor=by,
            action="lexicon.add",
            after={
                "term": term.term,
                "category": term.category,
                "weight": term.weight,
                "lexicon_version": data.version,
            },
            note=term.note,
        )
    )
    return term, data


def disable_term_audited(
    store: Store, overlay: Path, text: str, category: str | None, *, by: str
) -> list[Term]:
    """`lexicon.manage.disable_term`, one `lexicon.disable` audit event per term disabled."""
    disabled = disable_term(overlay, text, category)
    version = load_data(directories(overlay)).version
    for term in disabled:
        store.append_audit(
            AuditEvent(
                actor=by,
                action="lexicon.disable",
                after={"term": term.term, "category": term.category, "lexicon_version": version},
            )
        )
    return disabled
