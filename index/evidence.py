"""Captured evidence on disk, addressed by the SHA-256 of the raw response bytes.

Layout under the evidence directory: `ab/abcdef….body` (the bytes as received),
`….json` (URL, headers, capture time) and `….warc.gz` (the WARC records), all
named by the hash, so the same capture saved twice is one set of files and a
file's name is its own integrity check.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cluewatch.files import replace_atomically

SUFFIXES = (".body", ".json", ".warc.gz")


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._made: set[Path] = set()  # directories known to exist

    def path(self, sha256: str, suffix: str = ".body") -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def put(self, body: bytes, meta: dict[str, Any] | None = None) -> str:
        """Store raw bytes (and their capture record); returns their SHA-256."""
        sha = hashlib.sha256(body).hexdigest()
        self._write(self.path(sha), body)
        if meta is not None:
            record = json.dumps(meta, ensure_ascii=False, sort_keys=True, indent=1).encode()
            self._write(self.path(sha, ".json"), record)
        return sha

    def put_capture(
        self,
        *,
        url: str,
        status: int,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        captured_at: datetime,
        meta: dict[str, Any] | None = None,
    ) -> str:
        """Store one HTTP capture: the bytes, a JSON record and a WARC file (a `response`
        record with the HTTP headers and payload, and a `metadata` record with the capture
        record). The first capture of given bytes is kept; later identical bytes add nothing.
        Returns the SHA-256 of the body."""
        sha = hashlib.sha256(body).hexdigest()
        if self.path(sha, ".warc.gz").exists() and self.path(sha).exists():
            return sha
        record = {
            "url": url,
            "status": status,
            "sha256": sha,
            "captured_at": captured_at.astimezone(UTC).isoformat(),
            "headers": [list(h) for h in headers],
            **(meta or {}),
        }
        self._write(self.path(sha), body)
        self._write(
            self.path(sha, ".json"),
            json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode(),
        )
        self._write(self.path(sha, ".warc.gz"), _warc(url, status, headers, body, record))
        return sha

    def _write(self, path: Path, data: bytes) -> None:
        """Write `path` whole or not at all: a temporary file beside it, renamed over it
        (not fsynced, as before: three files per capture on the crawl's path)."""
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        with replace_atomically(path, binary=True, fsync=False) as handle:
            handle.write(data)

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


def _warc(
    url: str,
    status: int,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    record: dict[str, Any],
) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    date = record["captured_at"].replace("+00:00", "Z")
    digest = "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode()
    http_headers = StatusAndHeaders(
        f"{status} {_REASONS.get(status, 'Status')}",
        [
            (k, v)
            for k, v in headers
            # The stored payload is decoded; its transfer and content encodings are not.
            if k.lower() not in ("transfer-encoding", "content-encoding", "content-length")
        ]
        + [("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )
    response = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http_headers,
        warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": digest},
    )
    writer.write_record(response)
    capture = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
    metadata = writer.create_warc_record(
        url,
        "metadata",
        payload=io.BytesIO(capture),
        length=len(capture),
        warc_content_type="application/json",
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    writer.write_record(metadata)
    return out.getvalue()


_REASONS = {200: "OK", 203: "Non-Authoritative Information", 206: "Partial Content"}
