"""The bundle lifecycle: prepared (a liaison) -> approved (a supervisor other than
the preparer: the ZIP is built and signed, its clues move to transferred) ->
downloaded (every download counted). Every step is an audit event.

The review app's pages, its JSON API and the command line all go through
`Bundles`, so the roles and the two-person rule are checked in one place.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cluewatch import __version__
from cluewatch.errors import (
    BundleError,
    ConflictError,
    LifecycleError,
    NotFound,
    RoleError,
    TwoPersonRuleError,
)
from cluewatch.settings import Settings
from cluewatch.taxonomy import CATEGORIES
from index.base import Store, User
from index.evidence import EvidenceStore
from index.models import AuditEvent, ClueState, ExportRecord, QueueFilter, utcnow
from review_app.auth import (
    BUNDLE_APPROVE_ROLES,
    BUNDLE_DOWNLOAD_ROLES,
    BUNDLE_PREPARE_ROLES,
    BUNDLE_VIEW_ROLES,
    ROLE_NAMES_ZH,
)
from review_app.bundles.build import BundleBuilder, BundleInfo
from review_app.bundles.keys import SigningKey
from review_app.bundles.screenshot import find_chromium

DOWNLOAD_ATTEMPTS = 5
FILTER_PAGE = 500
FILTER_KEYS = {
    "category": "category",
    "site": "site",
    "min-score": "min_score",
    "max-score": "max_score",
    "since": "since",
    "until": "until",
    "term": "term",
    "entity": "entity",
    "actor": "actor_id",
    "cluster": "cluster_id",
    "q": "q",
}


def new_bundle_id(now: datetime) -> str:
    return f"CW-{now:%Y%m%d}-{secrets.token_hex(4)}"


def require(user: User, roles: frozenset[str], action: str) -> None:
    if user.disabled:
        raise RoleError(f"user {user.username} is disabled")
    if user.role not in roles:
        allowed = "、".join(f"{ROLE_NAMES_ZH.get(r, r)} ({r})" for r in sorted(roles))
        raise RoleError(f"{user.username} is {user.role}: only {allowed} may {action}")


def parse_filter(text: str) -> QueueFilter:
    """A filter such as `category=surrogacy,site=sandbox-forum,since=2026-01-01` for the
    confirmed clues to bundle (keys: `FILTER_KEYS`; a bare date is midnight in China)."""
    values: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in FILTER_KEYS:
            raise BundleError(
                f"filter part {part!r}: use KEY=VALUE with KEY one of {', '.join(FILTER_KEYS)}"
            )
        field = FILTER_KEYS[key.strip()]
        value = value.strip()
        if field in ("since", "until") and "T" not in value:
            value += "T00:00:00+08:00"  # a day means midnight China Standard Time
        values[field] = value
    if "category" in values and values["category"] not in CATEGORIES:
        raise BundleError(
            f"filter category {values['category']!r}: use one of {', '.join(CATEGORIES)}"
        )
    try:
        return QueueFilter(states=[ClueState.CONFIRMED], limit=FILTER_PAGE, **values)
    except ValueError as exc:
        raise BundleError(f"filter {text!r}: {exc}") from exc


class Bundles:
    def __init__(self, *, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    # -- reading -----------------------------------------------------------------------

    def get(self, export_id: str, *, by: User) -> ExportRecord:
        require(by, BUNDLE_VIEW_ROLES, "see bundles")
        return self._get(export_id)

    def list(self, *, by: User, limit: int = 50) -> list[ExportRecord]:
        require(by, BUNDLE_VIEW_ROLES, "see bundles")
        return self.store.exports(limit=limit)

    def file_path(self, export_id: str) -> Path:
        return self.settings.bundles_dir / f"{export_id}.zip"

    def _get(self, export_id: str) -> ExportRecord:
        try:
            return self.store.get_export(export_id)
        except NotFound:
            raise NotFound(f"no bundle {export_id!r}; `cluewatch bundle list` shows them") from None

    # -- prepare -----------------------------------------------------------------------

    def prepare(
        self,
        *,
        by: User,
        post_ids: Sequence[str] = (),
        flt: QueueFilter | None = None,
        note: str = "",
    ) -> ExportRecord:
        """A prepared bundle of confirmed clues, given by id or by a filter."""
        require(by, BUNDLE_PREPARE_ROLES, "prepare bundles")
        ids = list(dict.fromkeys(post_ids)) if post_ids else self._filtered(flt)
        if not ids:
            raise BundleError(
                "no confirmed clues to bundle: give clue ids or a filter that matches"
            )
        if len(ids) > self.settings.bundle_max_clues:
            raise BundleError(
                f"{len(ids)} clues: a bundle holds at most {self.settings.bundle_max_clues} "
                "(CLUEWATCH_BUNDLE_MAX_CLUES); narrow the selection"
            )
        self._check_confirmed(ids)
        now = utcnow()
        record = ExportRecord(
            id=new_bundle_id(now),
            created_by=by.username,
            created_at=now,
            post_ids=ids,
            meta={"note": note[:2_000]} if note else {},
        )
        event = AuditEvent(
            actor=by.username,
            action="bundle.create",
            after={"export_id": record.id, "clues": len(ids)},
            note=note[:2_000],
        )
        return self.store.save_export(record, expected_version=0, events=[event])

    def _filtered(self, flt: QueueFilter | None) -> list[str]:
        if flt is None:
            return []
        flt = flt.model_copy(update={"states": [ClueState.CONFIRMED], "cursor": None})
        ids: list[str] = []
        while True:
            page = self.store.queue(flt)
            ids.extend(sp.post.id for sp in page.items)
            if not page.next_cursor or len(ids) > self.settings.bundle_max_clues:
                return ids
            flt = flt.model_copy(update={"cursor": page.next_cursor})

    def _check_confirmed(self, ids: list[str]) -> None:
        problems: list[str] = []
        for start in range(0, len(ids), FILTER_PAGE):
            chunk = ids[start : start + FILTER_PAGE]
            found = {sp.post.id: sp.state for sp in self.store.get_many(chunk)}
            problems += [f"{i} (no such clue)" for i in chunk if i not in found]
            problems += [
                f"{i} ({found[i].value})"
                for i in chunk
                if i in found and found[i] is not ClueState.CONFIRMED
            ]
        if problems:
            raise BundleError(
                "only confirmed clues can be bundled; not confirmed: "
                + ", ".join(problems[:10])
                + (f" and {len(problems) - 10} more" if len(problems) > 10 else "")
            )

    # -- approve / reject --------------------------------------------------------------

    def approve(
        self, export_id: str, *, by: User, expected_version: int | None = None
    ) -> ExportRecord:
        """Build and sign the bundle, transfer its clues, record the approval."""
        require(by, BUNDLE_APPROVE_ROLES, "approve bundles")
        record = self._prepared(export_id, by, expected_version)
        approved_at = utcnow()
        final = self.file_path(record.id)
        building = final.with_name(f".{record.id}.{secrets.token_hex(4)}.building")
        try:
            built = self._builder().build(
                BundleInfo(
                    bundle_id=record.id,
                    created_by=record.created_by,
                    created_at=record.created_at,
                    approved_by=by.username,
                    approved_at=approved_at,
                    post_ids=record.post_ids,
                ),
                building,
            )
        except BaseException:
            # Changed evidence, a time-stamping authority that did not answer, a full
            # disk: no half-built file is left behind.
            building.unlink(missing_ok=True)
            raise
        try:
            # All or none, and only while every clue is still confirmed: of two
            # approvals at once, one transfers and the other stops here.
            self.store.mark_transferred(record.post_ids, record.id, by=by.username)
        except (LifecycleError, NotFound, ConflictError) as exc:
            building.unlink(missing_ok=True)
            current = self._get(export_id)
            if current.status != "prepared":
                raise ConflictError(
                    f"bundle {export_id} was {current.status} by {current.approved_by} meanwhile"
                ) from exc
            raise BundleError(f"bundle {export_id} cannot be approved: {exc}") from exc
        os.replace(building, final)
        approved = record.model_copy(
            update={
                "status": "approved",
                "approved_by": by.username,
                "approved_at": approved_at,
                "sha256": built.sha256,
                "meta": {
                    **record.meta,
                    "size": built.size,
                    "files": built.files,
                    "screenshots": built.screenshots,
                    "time_stamped": built.time_stamped,
                },
            }
        )
        event = AuditEvent(
            actor=by.username,
            action="bundle.approve",
            after={
                "export_id": record.id,
                "clues": built.clues,
                "sha256": built.sha256,
                "time_stamped": built.time_stamped,
            },
        )
        return self.store.save_export(approved, expected_version=record.version, events=[event])

    def reject(
        self, export_id: str, *, by: User, reason: str, expected_version: int | None = None
    ) -> ExportRecord:
        require(by, BUNDLE_APPROVE_ROLES, "reject bundles")
        if not reason.strip():
            raise BundleError("say why the bundle is rejected")
        record = self._prepared(export_id, by, expected_version)
        rejected = record.model_copy(
            update={"status": "rejected", "meta": {**record.meta, "rejected_because": reason}}
        )
        event = AuditEvent(
            actor=by.username,
            action="bundle.reject",
            after={"export_id": record.id},
            note=reason[:2_000],
        )
        return self.store.save_export(rejected, expected_version=record.version, events=[event])

    def _prepared(self, export_id: str, by: User, expected_version: int | None) -> ExportRecord:
        record = self._get(export_id)
        if expected_version is not None and record.version != expected_version:
            raise ConflictError(
                f"bundle {export_id} changed since it was read "
                f"(version {record.version}, expected {expected_version}); reload it"
            )
        if record.status != "prepared":
            raise BundleError(f"bundle {export_id} is {record.status}, not prepared")
        if by.username == record.created_by:
            raise TwoPersonRuleError(
                f"bundle {export_id} was prepared by {by.username}: "
                "a supervisor other than the preparer must approve or reject it"
            )
        return record

    def _builder(self) -> BundleBuilder:
        return BundleBuilder(
            store=self.store,
            evidence=EvidenceStore(self.settings.evidence_dir),
            key=SigningKey.load_or_create(self.settings.keys_dir),
            tool_version=__version__,
            tsa_url=self.settings.tsa_url,
            chromium=find_chromium(),
            screenshots=self.settings.bundle_screenshots,
        )

    # -- download ----------------------------------------------------------------------

    def download(self, export_id: str, *, by: User) -> tuple[ExportRecord, Path]:
        """The approved bundle's file, after checking it is the file that was approved;
        the download is counted and audited."""
        require(by, BUNDLE_DOWNLOAD_ROLES, "download bundles")
        for _ in range(DOWNLOAD_ATTEMPTS):
            record = self._get(export_id)
            if record.status not in ("approved", "downloaded"):
                raise BundleError(
                    f"bundle {export_id} is {record.status}: it can be downloaded only after "
                    "a supervisor other than the preparer approved it"
                )
            path = self._checked_file(record)
            downloaded = record.model_copy(
                update={
                    "status": "downloaded",
                    "downloads": record.downloads + 1,
                    "last_downloaded_by": by.username,
                    "last_downloaded_at": utcnow(),
                }
            )
            event = AuditEvent(
                actor=by.username,
                action="bundle.download",
                after={"export_id": record.id, "sha256": record.sha256},
            )
            try:
                stored = self.store.save_export(
                    downloaded, expected_version=record.version, events=[event]
                )
            except ConflictError:
                continue  # another download was counted meanwhile: count this one after it
            return stored, path
        raise ConflictError(f"bundle {export_id} is changing too often; try again")

    def _checked_file(self, record: ExportRecord) -> Path:
        path = self.file_path(record.id)
        if not path.exists():
            raise BundleError(f"bundle {record.id}: its file {path} is missing")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        if digest.hexdigest() != record.sha256:
            raise BundleError(
                f"bundle {record.id}: {path} is not the file that was approved "
                f"(SHA-256 {digest.hexdigest()}, approved {record.sha256}); it is not served"
            )
        return path
