"""The bundle lifecycle: prepared (a liaison) -> approved (a supervisor other than
the preparer: the ZIP is built and signed, its clues move to transferred) ->
downloaded (every download counted). Every step is an audit event.

The review app's pages, its JSON API and the command line all go through
`Bundles`, so the roles and the two-person rule are checked in one place.
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
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
from cluewatch.files import replace_atomically
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
from review_app.labels import STATE_NAMES_ZH
from review_app.messages import ZhError

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


STATUS_NAMES_ZH = {
    "prepared": "待审批",
    "approved": "已审批",
    "downloaded": "已下载",
    "rejected": "已退回",
}
FILTER_NAMES_ZH = {
    "category": "类别",
    "site": "站点",
    "min-score": "最低分",
    "max-score": "最高分",
    "since": "采集起",
    "until": "采集止",
    "term": "词条",
    "entity": "实体",
    "actor": "人员",
    "cluster": "近似重复组",
    "q": "搜索词",
}


# Each error says what is wrong in English for the command line and in Chinese for the
# review app (`review_app.messages.ZhError`); the app answers each class with its status.
class BundleInputError(ZhError, BundleError):
    """A selection or filter that cannot make a bundle (the app answers 422)."""


class BundleStateError(ZhError, BundleError):
    """The bundle or its clues are not in the state the step needs (409)."""


class BundleFileError(ZhError, BundleError):
    """The approved bundle's file is missing or changed on the server (500)."""


class BundleWriteError(ZhError, BundleError):
    """The bundle could not be written where it was asked for; nothing was recorded."""


class BundleNotFound(ZhError, NotFound):
    """No such bundle, or no such clues (404)."""


class BundleConflict(ZhError, ConflictError):
    """A concurrent change won (409)."""


class BundleRoleError(ZhError, RoleError):
    """The user's role does not allow the step (403)."""


class BundleTwoPersonError(ZhError, TwoPersonRuleError):
    """The preparer may not approve or reject their own bundle (403)."""


def new_bundle_id(now: datetime) -> str:
    return f"CW-{now:%Y%m%d}-{secrets.token_hex(4)}"


ACTIONS_ZH = {
    "see bundles": "查看移交包",
    "prepare bundles": "制作移交包",
    "approve bundles": "审批移交包",
    "reject bundles": "退回移交包",
    "download bundles": "下载移交包",
}


def require(user: User, roles: frozenset[str], action: str) -> None:
    if user.disabled:
        raise BundleRoleError(
            f"user {user.username} is disabled", zh=f"用户 {user.username} 已停用"
        )
    if user.role not in roles:
        allowed = "、".join(f"{ROLE_NAMES_ZH.get(r, r)} ({r})" for r in sorted(roles))
        allowed_zh = "、".join(ROLE_NAMES_ZH.get(r, r) for r in sorted(roles))
        raise BundleRoleError(
            f"{user.username} is {user.role}: only {allowed} may {action}",
            zh=f"无权{ACTIONS_ZH.get(action, action)}：仅限{allowed_zh}"
            f"（{user.username} 是{ROLE_NAMES_ZH.get(user.role, user.role)}）",
        )


def parse_filter(text: str) -> QueueFilter:
    """A filter such as `category=surrogacy,site=sandbox-forum,since=2026-01-01` for the
    confirmed clues to bundle (keys: `FILTER_KEYS`; a bare date is midnight in China)."""
    values: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in FILTER_KEYS:
            raise BundleInputError(
                f"filter part {part!r}: use KEY=VALUE with KEY one of {', '.join(FILTER_KEYS)}",
                zh=f"筛选条件「{part}」无法识别：请写成 键=值，键可用 {', '.join(FILTER_KEYS)}",
            )
        values[key.strip()] = value.strip()
    return filter_from_fields(values)


def filter_from_fields(fields: Mapping[str, str | None]) -> QueueFilter:
    """The filter of confirmed clues for `fields` keyed as `FILTER_KEYS` (empty values are
    left out); every value is checked here, so a bad one is named, in both languages."""
    values: dict[str, Any] = {}
    for key, raw in fields.items():
        value = (raw or "").strip()
        if not value:
            continue
        name = f"{FILTER_NAMES_ZH.get(key, key)}（{key}）"
        if key not in FILTER_KEYS:
            raise BundleInputError(
                f"filter key {key!r}: use one of {', '.join(FILTER_KEYS)}",
                zh=f"筛选条件 {key} 无法识别，可用 {', '.join(FILTER_KEYS)}",
            )
        if key == "category" and value not in CATEGORIES:
            raise BundleInputError(
                f"filter category {value!r}: use one of {', '.join(CATEGORIES)}",
                zh=f"{name}没有「{value}」，可选 {', '.join(CATEGORIES)}",
            )
        if key in ("min-score", "max-score"):
            values[FILTER_KEYS[key]] = _score(value, key, name)
        elif key in ("since", "until"):
            values[FILTER_KEYS[key]] = _moment(value, key, name)
        else:
            values[FILTER_KEYS[key]] = value
    try:
        return QueueFilter(states=[ClueState.CONFIRMED], limit=FILTER_PAGE, **values)
    except ValueError as exc:
        shown = ",".join(f"{k}={v}" for k, v in fields.items() if v)
        raise BundleInputError(f"filter {shown!r}: {exc}", zh=f"筛选条件有误：{shown}") from exc


def _score(value: str, key: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not 0 <= number <= 1:
        raise BundleInputError(
            f"filter {key} {value!r}: a number from 0 to 1",
            zh=f"{name}应为 0 到 1 之间的数字，收到「{value}」",
        )
    return number


def _moment(value: str, key: str, name: str) -> datetime:
    """A date (midnight China Standard Time) or an ISO time with its zone."""
    try:
        if "T" not in value:
            day = date.fromisoformat(value)
            return datetime.fromisoformat(f"{day.isoformat()}T00:00:00+08:00")
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BundleInputError(
            f"filter {key} {value!r}: use a date YYYY-MM-DD or a time with its zone",
            zh=f"{name}「{value}」不是有效日期，请用 YYYY-MM-DD（或带时区的时间）",
        )
    return moment


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
            raise BundleNotFound(
                f"no bundle {export_id!r}; `cluewatch bundle list` shows them",
                zh=f"没有编号为「{export_id}」的移交包，请在线索移交列表中查看",
            ) from None

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
            raise BundleInputError(
                "no confirmed clues to bundle: give clue ids or a filter that matches",
                zh="没有可移交的已确认线索：请填写线索编号，或使用能选中已确认线索的筛选条件",
            )
        if len(ids) > self.settings.bundle_max_clues:
            limit = self.settings.bundle_max_clues
            raise BundleInputError(
                f"{len(ids)} clues: a bundle holds at most {limit} "
                "(CLUEWATCH_BUNDLE_MAX_CLUES); narrow the selection",
                zh=f"选中的线索超过 {limit} 条，一个移交包最多 {limit} 条"
                "（CLUEWATCH_BUNDLE_MAX_CLUES），请缩小范围",
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
        """Every id is a stored clue (else `BundleNotFound`) and confirmed (else
        `BundleStateError`); each error lists up to 10 of the clues at fault."""
        unknown: list[str] = []
        unconfirmed: list[tuple[str, str]] = []
        for start in range(0, len(ids), FILTER_PAGE):
            chunk = ids[start : start + FILTER_PAGE]
            found = {sp.post.id: sp.state for sp in self.store.get_many(chunk)}
            unknown += [i for i in chunk if i not in found]
            unconfirmed += [
                (i, found[i].value)
                for i in chunk
                if i in found and found[i] is not ClueState.CONFIRMED
            ]
        if unknown:
            raise BundleNotFound(
                "no such clues: " + _some(unknown),
                zh="以下线索编号不存在：" + _some(unknown, zh=True),
            )
        if unconfirmed:
            raise BundleStateError(
                "only confirmed clues can be bundled; not confirmed: "
                + _some([f"{i} ({state})" for i, state in unconfirmed]),
                zh="只能移交“已确认线索”，以下线索尚未确认："
                + _some([f"{i}（{STATE_NAMES_ZH.get(st, st)}）" for i, st in unconfirmed], zh=True),
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
                raise BundleConflict(
                    f"bundle {export_id} was {current.status} by {current.approved_by} meanwhile",
                    zh=f"移交包 {export_id} 已被 {current.approved_by or '他人'}处理"
                    f"（{STATUS_NAMES_ZH.get(current.status, current.status)}），请刷新",
                ) from exc
            raise BundleStateError(
                f"bundle {export_id} cannot be approved: {exc}",
                zh=f"移交包 {export_id} 不能审批：其中的线索已不是“已确认线索” ({exc})",
            ) from exc
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
            raise BundleInputError("say why the bundle is rejected", zh="请填写退回理由（reason）")
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
            raise BundleConflict(
                f"bundle {export_id} changed since it was read "
                f"(version {record.version}, expected {expected_version}); reload it",
                zh=f"移交包 {export_id} 在您打开后已被更改，请刷新后重试",
            )
        if record.status != "prepared":
            raise BundleStateError(
                f"bundle {export_id} is {record.status}, not prepared",
                zh=f"移交包 {export_id} 当前为“{STATUS_NAMES_ZH.get(record.status, record.status)}”，"
                "只有待审批的移交包可以审批或退回",
            )
        if by.username == record.created_by:
            raise BundleTwoPersonError(
                f"bundle {export_id} was prepared by {by.username}: "
                "a supervisor other than the preparer must approve or reject it",
                zh=f"移交包 {export_id} 由 {by.username} 制作：须由制作人以外的主管审批或退回"
                "（双人复核）",
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
        """The approved bundle and its file, checked to be the file that was approved.

        Nothing is recorded here: once the file has been delivered whole (written
        to its destination, or sent to the browser), `record_download` counts and
        audits it, so a failed download leaves no trace of having happened.
        """
        require(by, BUNDLE_DOWNLOAD_ROLES, "download bundles")
        record = self._downloadable(export_id)
        return record, self._checked_file(record)

    def export_to(self, export_id: str, output: Path, *, by: User) -> ExportRecord:
        """Write the approved bundle to `output` (owner-only permissions), then count and
        audit the download (`cluewatch bundle export`).

        The copy goes to a temporary file beside `output`, is checked against the
        approved SHA-256 and then renamed into place: a failed write leaves no
        partial file and records nothing (`BundleWriteError` names the path).
        """
        record, path = self.download(export_id, by=by)
        target = output.expanduser()

        def unwritable(exc: OSError) -> BundleWriteError:
            reason = exc.strerror or str(exc)
            return BundleWriteError(
                f"cannot write {target}: {reason}; check that {target.parent} exists and is "
                "writable (nothing was recorded)",
                zh=f"无法写入 {target}：{reason}；请确认目录 {target.parent} 存在且可写"
                "（未记录下载）",
            )

        try:
            digest = hashlib.sha256()
            with (
                replace_atomically(target, binary=True, mode=0o600) as out,
                path.open("rb") as source,
            ):
                while block := source.read(1 << 20):
                    digest.update(block)
                    out.write(block)
                if digest.hexdigest() != record.sha256:
                    raise BundleFileError(
                        f"bundle {record.id}: {path} changed while it was copied; not written",
                        zh=f"移交包 {record.id} 的文件在复制时发生变化，未写出，请联系管理员",
                    )
        except OSError as exc:
            raise unwritable(exc) from exc
        try:
            return self.record_download(export_id, by=by)
        except BaseException:
            target.unlink(missing_ok=True)  # a download that is not recorded is not handed out
            raise

    def record_download(self, export_id: str, *, by: User) -> ExportRecord:
        """Count and audit one delivered download of an approved bundle."""
        require(by, BUNDLE_DOWNLOAD_ROLES, "download bundles")
        for _ in range(DOWNLOAD_ATTEMPTS):
            record = self._downloadable(export_id)
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
                return self.store.save_export(
                    downloaded, expected_version=record.version, events=[event]
                )
            except ConflictError:
                continue  # another download was counted meanwhile: count this one after it
        raise BundleConflict(
            f"bundle {export_id} is changing too often; try again",
            zh=f"移交包 {export_id} 正被频繁更改，请稍后重试",
        )

    def _downloadable(self, export_id: str) -> ExportRecord:
        record = self._get(export_id)
        if record.status not in ("approved", "downloaded"):
            raise BundleStateError(
                f"bundle {export_id} is {record.status}: it can be downloaded only after "
                "a supervisor other than the preparer approved it",
                zh=f"移交包 {export_id} 当前为“{STATUS_NAMES_ZH.get(record.status, record.status)}”："
                "须经制作人以外的主管审批后才能下载",
            )
        return record

    def _checked_file(self, record: ExportRecord) -> Path:
        path = self.file_path(record.id)
        if not path.exists():
            raise BundleFileError(
                f"bundle {record.id}: its file {path} is missing",
                zh=f"移交包 {record.id} 的文件在服务器上缺失，请联系管理员",
            )
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        if digest.hexdigest() != record.sha256:
            raise BundleFileError(
                f"bundle {record.id}: {path} is not the file that was approved "
                f"(SHA-256 {digest.hexdigest()}, approved {record.sha256}); it is not served",
                zh=f"移交包 {record.id} 的文件与审批时的不一致（SHA-256 不符），不予下载，"
                "请联系管理员",
            )
        return path


def _some(items: Sequence[str], *, zh: bool = False) -> str:
    """Up to 10 of `items`, and how many more."""
    shown = ("、" if zh else ", ").join(items[:10])
    more = len(items) - 10
    if more > 0:
        shown += f" 等另外 {more} 条" if zh else f" and {more} more"
    return shown
