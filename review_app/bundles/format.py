"""The bundle format `cluewatch.bundle.v1`: file names, versions, times and schemas.

This module imports only the standard library: `verify` uses it without the
store, the model or the web app. A change of layout adds a version (`.v2`
schemas next to the `.v1` ones); it never changes a version in place.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

FORMAT = "cluewatch.bundle.v1"
CLUES_FORMAT = "cluewatch.clues.v1"
EXTRACTION_FORMAT = "cluewatch.extraction.v1"

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
TIMESTAMP = "manifest.tsr"
CLUES_JSON = "clues.json"
CLUES_CSV = "clues.csv"
REPORT = "report.html"
EXTRACTION = "extraction.json"
AUDIT = "audit.jsonl"
CHECKSUMS = "SHA256SUMS"
EVIDENCE_DIR = "evidence/"
# Files that sign or stamp the manifest, so the manifest cannot list them.
OUTSIDE_MANIFEST = frozenset({MANIFEST, SIGNATURE, TIMESTAMP})

SIGNATURE_ALGORITHM = "Ed25519"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS = {
    "manifest": "manifest.v1.schema.json",
    "clues": "clues.v1.schema.json",
    "extraction": "extraction.v1.schema.json",
}


def both_times(moment: datetime) -> dict[str, str]:
    """A moment in UTC and in China Standard Time (UTC+8), ISO 8601, seconds."""
    return {
        "utc": moment.astimezone(UTC).isoformat(timespec="seconds"),
        "cst": moment.astimezone(CHINA_STANDARD_TIME).isoformat(timespec="seconds"),
    }


def maybe_times(moment: datetime | None) -> dict[str, str] | None:
    return None if moment is None else both_times(moment)


def dumps(value: Any) -> bytes:
    """The bundle's JSON: UTF-8, Chinese unescaped, keys in a stable order."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode()


@cache
def schema(name: str) -> dict[str, Any]:
    """A shipped JSON Schema by name (`SCHEMAS`)."""
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / SCHEMAS[name]).read_text("utf-8"))
    return loaded


def evidence_path(raw_hash: str, name: str) -> str:
    """Where a capture's file sits in the bundle: one folder per captured response."""
    return f"{EVIDENCE_DIR}{raw_hash}/{name}"
