"""Build a bundle ZIP, streaming: clues are read from the store a chunk at a
time, evidence files are copied from disk into the ZIP in blocks, and the
JSON, CSV and HTML parts are written to temporary files as the clues pass
(one pass), so memory does not grow with the number of clues or the size of
the evidence. Then the manifest lists every file's SHA-256 and size, is
signed (Ed25519) and, when a TSA is configured, time-stamped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from cluewatch.errors import BundleError, EvidenceError, NotFound
from cluewatch.files import replace_atomically
from index.base import Store
from index.evidence import EvidenceStore
from index.models import ClueState, ScoredPost
from review_app.bundles import format as fmt
from review_app.bundles import records, screenshot, tsa
from review_app.bundles.keys import SigningKey, public_raw_b64
from review_app.bundles.records import ClueSources, EvidenceItem
from review_app.bundles.report import ReportWriter

CHUNK_CLUES = 100
COPY_BLOCK = 1 << 20
MAX_AUDIT_EVENTS = 10_000
MAX_RELATED = 20
# Already compressed: stored as they are.
STORED_SUFFIXES = (".gz", ".png")


@dataclass(frozen=True)
class BundleInfo:
    bundle_id: str
    created_by: str
    created_at: datetime
    approved_by: str
    approved_at: datetime
    post_ids: Sequence[str]


@dataclass
class BuiltBundle:
    path: Path
    sha256: str
    size: int
    clues: int
    files: int
    screenshots: int
    time_stamped: bool


@dataclass
class _Entry:
    path: str
    sha256: str
    size: int


@dataclass
class _Capture:
    """What the bundle holds of one capture, kept for the other clues of the same
    page (a thread's replies); the capture record is read again when needed."""

    items: list[EvidenceItem]
    screenshot_problem: str | None
    problem: str | None = None


class _ZipOut:
    """A ZIP being written, with the SHA-256 and size of every file put in."""

    def __init__(self, sink: IO[bytes], moment: datetime) -> None:
        self.zip = zipfile.ZipFile(sink, "w", allowZip64=True)
        self.date_time = moment.timetuple()[:6]
        self.entries: list[_Entry] = []

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        stored = name.endswith(STORED_SUFFIXES)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def add_file(self, name: str, source: Path) -> _Entry:
        digest, size = hashlib.sha256(), 0
        with source.open("rb") as src, self.zip.open(self._info(name), "w") as dst:
            while block := src.read(COPY_BLOCK):
                digest.update(block)
                size += len(block)
                dst.write(block)
        return self._listed(name, digest.hexdigest(), size)

    def add_bytes(self, name: str, data: bytes, *, listed: bool = True) -> None:
        self.zip.writestr(self._info(name), data)
        if listed:
            self._listed(name, hashlib.sha256(data).hexdigest(), len(data))

    def _listed(self, name: str, sha256: str, size: int) -> _Entry:
        entry = _Entry(name, sha256, size)
        self.entries.append(entry)
        return entry


@dataclass
class _Parts:
    """The temporary files the clue pass writes into, one per bundle part."""

    clues: IO[str]
    csv: Any
    report: ReportWriter
    extraction: IO[str]
    audit: IO[str]
    first: bool = True
    lexicon_versions: set[str] = field(default_factory=set)
    model_versions: set[str] = field(default_factory=set)


class BundleBuilder:
    def __init__(
        self,
        *,
        store: Store,
        evidence: EvidenceStore,
        key: SigningKey,
        tool_version: str,
        tsa_url: str | None = None,
        chromium: str | None = None,
        screenshots: bool = True,
    ) -> None:
        self.store = store
        self.evidence = evidence
        self.key = key
        self.tool_version = tool_version
        self.tsa_url = tsa_url
        self.chromium = chromium
        self.screenshots = screenshots

    def build(self, info: BundleInfo, out: Path) -> BuiltBundle:
        """Write the bundle to `out` (atomically: a temporary file renamed at the end)."""
        if not info.post_ids:
            raise BundleError(f"bundle {info.bundle_id} has no clues")
        out.parent.mkdir(parents=True, exist_ok=True)
        with (
            replace_atomically(out, binary=True, fsync=False) as part,
            tempfile.TemporaryDirectory(prefix="cw-bundle-", dir=out.parent) as tmp,
        ):
            built = self._build(info, part, Path(tmp))
        built.path = out
        return built

    def _build(self, info: BundleInfo, part: IO[bytes], tmp: Path) -> BuiltBundle:
        zout = _ZipOut(part, info.approved_at)
        captures: dict[str, _Capture] = {}
        names = {
            name: tmp / name
            for name in (fmt.CLUES_JSON, fmt.CLUES_CSV, fmt.REPORT, fmt.EXTRACTION, fmt.AUDIT)
        }
        with zout.zip, ExitStack() as stack:
            handles = {
                name: stack.enter_context(
                    path.open("w", encoding="utf-8-sig" if name == fmt.CLUES_CSV else "utf-8",
                              newline="" if name == fmt.CLUES_CSV else None)
                )
                for name, path in names.items()
            }  # fmt: skip
            parts = _Parts(
                clues=handles[fmt.CLUES_JSON],
                csv=csv.writer(handles[fmt.CLUES_CSV]),
                report=ReportWriter(handles[fmt.REPORT]),
                extraction=handles[fmt.EXTRACTION],
                audit=handles[fmt.AUDIT],
            )
            self._open_parts(parts, info)
            count = 0
            for sp in self._clues(info.post_ids):
                src = self._sources(sp)
                self._attach_evidence(src, zout, captures, tmp)
                self._write_clue(parts, src, info)
                count += 1
            self._close_parts(parts)
            for handle in handles.values():
                handle.close()
            for name, path in names.items():
                zout.add_file(name, path)
            sums = "".join(f"{e.sha256}  {e.path}\n" for e in zout.entries)
            zout.add_bytes(fmt.CHECKSUMS, sums.encode())
            manifest = fmt.dumps(self._manifest(info, zout.entries, count, parts))
            zout.add_bytes(fmt.MANIFEST, manifest, listed=False)
            zout.add_bytes(fmt.SIGNATURE, self.key.sign(manifest), listed=False)
            if self.tsa_url:
                token = tsa.request_token(self.tsa_url, manifest)
                zout.add_bytes(fmt.TIMESTAMP, token, listed=False)
        part.flush()
        sha, size = _file_hash(Path(part.name))
        return BuiltBundle(
            path=Path(part.name),
            sha256=sha,
            size=size,
            clues=count,
            files=len(zout.entries) + 2 + bool(self.tsa_url),
            screenshots=sum(
                any(i.kind == "screenshot" for i in c.items) for c in captures.values()
            ),
            time_stamped=bool(self.tsa_url),
        )

    # -- clues -------------------------------------------------------------------------

    def _clues(self, post_ids: Sequence[str]) -> Iterator[ScoredPost]:
        ids = list(dict.fromkeys(post_ids))
        for start in range(0, len(ids), CHUNK_CLUES):
            chunk = ids[start : start + CHUNK_CLUES]
            posts = self.store.get_many(chunk)
            if len(posts) != len(chunk):
                missing = sorted(set(chunk) - {sp.post.id for sp in posts})
                raise BundleError(f"clues no longer in the register: {', '.join(missing[:10])}")
            yield from posts

    def _sources(self, sp: ScoredPost) -> ClueSources:
        post_id = sp.post.id
        actor = None
        if sp.actor_id:
            try:
                actor = self.store.actor(sp.actor_id)
            except NotFound:
                actor = None
        return ClueSources(
            sp=sp,
            verdicts=self.store.verdicts(post_id),
            feedback=self.store.feedback(post_id),
            events=list(reversed(self.store.audit_events(post_id=post_id, limit=MAX_AUDIT_EVENTS))),
            actor=actor,
            history=_json_safe(self.store.history(post_id)),
            related=self._related(sp),
            capture=None,
        )

    def _related(self, sp: ScoredPost) -> list[dict[str, Any]]:
        """Earlier transfers of the same actor's other posts, with police feedback."""
        if not sp.actor_id:
            return []
        related = []
        for other in self.store.actor_posts(sp.actor_id, limit=500):
            if other.post.id == sp.post.id or other.state not in (
                ClueState.TRANSFERRED,
                ClueState.FEEDBACK,
            ):
                continue
            transfers = self.store.audit_events(post_id=other.post.id, action="transfer", limit=1)
            related.append(
                {
                    "post_id": other.post.id,
                    "url": other.post.url,
                    "state": other.state.value,
                    "bundle_id": transfers[0].after.get("export_id") if transfers else None,
                    "feedback": [
                        records.feedback_record(f) for f in self.store.feedback(other.post.id)
                    ],
                }
            )
            if len(related) >= MAX_RELATED:
                break
        return related

    # -- evidence ----------------------------------------------------------------------

    def _attach_evidence(
        self, src: ClueSources, zout: _ZipOut, captures: dict[str, _Capture], tmp: Path
    ) -> None:
        raw = src.sp.post.raw_hash
        if raw is None:
            src.evidence_problem = "no raw capture is stored for this post"
            return
        if raw not in captures:
            captures[raw] = self._copy_capture(raw, zout, tmp, src.sp.post.id)
        capture = captures[raw]
        src.evidence = capture.items
        src.capture = self._capture_record(raw)
        src.screenshot_problem = capture.screenshot_problem
        src.evidence_problem = capture.problem

    def _copy_capture(self, raw: str, zout: _ZipOut, tmp: Path, post_id: str) -> _Capture:
        body = self.evidence.path(raw)
        if not body.exists():
            raise EvidenceError(
                f"clue {post_id}: its captured page {raw} is missing from {body}; "
                "restore the evidence directory before approving"
            )
        entry = zout.add_file(fmt.evidence_path(raw, "response.body"), body)
        if entry.sha256 != raw:
            raise EvidenceError(
                f"clue {post_id}: {body} no longer matches its SHA-256 (now {entry.sha256})"
            )
        items = [EvidenceItem("response_body", entry.path, entry.sha256, entry.size)]
        problems = []
        for suffix, name, kind in (
            (".warc.gz", "response.warc.gz", "warc"),
            (".json", "capture.json", "capture_record"),
        ):
            path = self.evidence.path(raw, suffix)
            if not path.exists():
                problems.append(f"no {kind} stored with the capture")
                continue
            added = zout.add_file(fmt.evidence_path(raw, name), path)
            items.append(EvidenceItem(kind, added.path, added.sha256, added.size))
        shot_problem = self._screenshot(raw, body, self._capture_record(raw), zout, tmp, items)
        return _Capture(items, shot_problem, "; ".join(problems) or None)

    def _capture_record(self, raw: str) -> dict[str, Any] | None:
        path = self.evidence.path(raw, ".json")
        if not path.exists():
            return None
        record: dict[str, Any] = json.loads(path.read_text("utf-8"))
        return record

    def _screenshot(
        self,
        raw: str,
        body: Path,
        record: dict[str, Any] | None,
        zout: _ZipOut,
        tmp: Path,
        items: list[EvidenceItem],
    ) -> str | None:
        if not self.screenshots:
            return "screenshots are switched off (CLUEWATCH_BUNDLE_SCREENSHOTS=false)"
        png = tmp / f"{raw}.png"
        headers = (record or {}).get("headers", [])
        problem = screenshot.render(body, headers, png, chromium=self.chromium)
        if problem is None:
            added = zout.add_file(fmt.evidence_path(raw, "screenshot.png"), png)
            items.append(EvidenceItem("screenshot", added.path, added.sha256, added.size))
            png.unlink()
        return problem

    # -- parts -------------------------------------------------------------------------

    def _open_parts(self, parts: _Parts, info: BundleInfo) -> None:
        head = {"format": fmt.CLUES_FORMAT, "bundle_id": info.bundle_id}
        parts.clues.write(_json_head(head, "clues"))
        head = {"format": fmt.EXTRACTION_FORMAT, "bundle_id": info.bundle_id}
        parts.extraction.write(_json_head(head, "records"))
        parts.csv.writerow(records.csv_header())
        parts.report.head(
            {
                "bundle_id": info.bundle_id,
                "clue_count": len(set(info.post_ids)),
                "created_by": info.created_by,
                "created_at": fmt.both_times(info.created_at),
                "approved_by": info.approved_by,
                "approved_at": fmt.both_times(info.approved_at),
                "tool_version": self.tool_version,
            }
        )

    def _write_clue(self, parts: _Parts, src: ClueSources, info: BundleInfo) -> None:
        record = records.clue_record(src, info.bundle_id)
        extraction = records.extraction_record(
            src,
            tool_version=self.tool_version,
            prepared_by=info.created_by,
            approved_by=info.approved_by,
        )
        separator = "" if parts.first else ",\n"
        parts.first = False
        parts.clues.write(separator + json.dumps(record, ensure_ascii=False, sort_keys=True))
        parts.extraction.write(
            separator + json.dumps(extraction, ensure_ascii=False, sort_keys=True)
        )
        parts.csv.writerow(records.csv_row(src))
        parts.report.clue(src, record, extraction)
        for event in src.events:
            parts.audit.write(event.model_dump_json() + "\n")
        parts.lexicon_versions.add(src.sp.scores.lexicon_version)
        parts.model_versions.add(src.sp.scores.model_version)

    def _close_parts(self, parts: _Parts) -> None:
        parts.clues.write("\n]}\n")
        parts.extraction.write("\n]}\n")
        parts.report.foot()

    def _manifest(
        self, info: BundleInfo, entries: list[_Entry], count: int, parts: _Parts
    ) -> dict[str, Any]:
        return {
            "format": fmt.FORMAT,
            "bundle_id": info.bundle_id,
            "created": {"by": info.created_by, "at": fmt.both_times(info.created_at)},
            "approved": {"by": info.approved_by, "at": fmt.both_times(info.approved_at)},
            "tool": {"name": records.TOOL, "version": self.tool_version},
            "lexicon_versions": sorted(parts.lexicon_versions),
            "model_versions": sorted(parts.model_versions),
            "clue_count": count,
            "signing_key": {
                "algorithm": fmt.SIGNATURE_ALGORITHM,
                "public_key": public_raw_b64(self.key.public),
                "fingerprint": self.key.fingerprint,
            },
            "time_stamp": (
                {"tsa_url": self.tsa_url, "hash_algorithm": "sha256"} if self.tsa_url else None
            ),
            "files": [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in entries],
        }


def _json_head(head: dict[str, Any], key: str) -> str:
    """The opening of a JSON object whose last member, the `key` array, is then
    written item by item."""
    inner = json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1]
    return f'{inner}, "{key}": [\n'


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _file_hash(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(COPY_BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
