"""Captured evidence on disk, addressed by the SHA-256 of the raw response bytes.

Layout under the evidence directory: `ab/abcdef….body` (the bytes as received),
`….json` (URL, headers, capture time) and `….warc.gz` (the WARC records), all
named by the hash, so the same capture saved twice is one set of files and a
file's name is its own integrity check.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

SUFFIXES = (".body", ".json", ".warc.gz")


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str, suffix: str = ".body") -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def put(self, body: bytes, meta: dict[str, Any] | None = None) -> str:
        """Store raw bytes (and their capture record); returns their SHA-256."""
        sha = hashlib.sha256(body).hexdigest()
        _write_atomic(self.path(sha), body)
        if meta is not None:
            record = json.dumps(meta, ensure_ascii=False, sort_keys=True, indent=1).encode()
            _write_atomic(self.path(sha, ".json"), record)
        return sha

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def delete(self, sha256: str) -> int:
        """Remove every file of a capture; returns how many were removed."""
        removed = 0
        for suffix in SUFFIXES:
            path = self.path(sha256, suffix)
            if path.exists():
                path.unlink()
                removed += 1
        return removed


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
