"""What goes into a bundle: escaped report, safe CSV, screenshots, feedback in later
bundles, the signing key's safety, evidence integrity."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from cluewatch.errors import EvidenceError, SigningKeyError
from index.models import Feedback, FeedbackOutcome, Verdict, VerdictKind
from review_app.bundles.keys import KEY_FILE, SigningKey
from review_app.bundles.records import safe_cell
from review_app.bundles.verify import verify_bundle
from tests.bundles.desk import Desk, make_desk, seed_clues
from tests.factories import make_post


def bundle_of(desk: Desk, ids: list[str]) -> zipfile.ZipFile:
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    desk.bundles.approve(record.id, by=desk.supervisor)
    return zipfile.ZipFile(desk.bundles.file_path(record.id))


def test_report_escapes_crawled_text_and_loads_nothing_from_outside(desk: Desk) -> None:
    hostile = '<script>alert(1)</script><img src="http://127.0.0.1:9/x.png"> 代孕'
    sp = make_post(
        50, title='=HYPERLINK("http://127.0.0.1:9")', text=hostile, author="<i>发帖人</i>"
    )
    desk.store.write_posts([sp])
    desk.store.record_verdict(
        Verdict(post_id=sp.post.id, kind=VerdictKind.CONFIRM, analyst="alice")
    )
    with bundle_of(desk, [sp.post.id]) as z:
        report = z.read("report.html").decode()
        rows = list(csv.reader(io.StringIO(z.read("clues.csv").decode("utf-8-sig"))))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "&lt;i&gt;发帖人&lt;/i&gt;" in report
    assert "<script" not in report and "<link" not in report and "<img" not in report
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", report, re.IGNORECASE)
    assert "电子数据网络在线提取记录" in report
    assert "no raw capture is stored for this post" in report
    # A spreadsheet shows crawled text as text, never as a formula.
    assert rows[1][3] == '\'=HYPERLINK("http://127.0.0.1:9")'
    assert safe_cell("+86 138") == "'+86 138" and safe_cell("代孕") == "代孕"


def test_screenshots_are_rendered_with_chromium_when_installed(tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (scripts/system-packages.sh installs it)")
    desk = make_desk(tmp_path, bundle_screenshots=True)
    ids = seed_clues(desk, 1)
    with bundle_of(desk, ids) as z:
        shots = [n for n in z.namelist() if n.endswith("screenshot.png")]
        assert len(shots) == 1 and z.read(shots[0]).startswith(b"\x89PNG\r\n\x1a\n")
        extraction = json.loads(z.read("extraction.json"))["records"][0]
    assert extraction["screenshot"] == {"made": True, "problem": None}
    assert "screenshot" in {i["kind"] for i in extraction["items"]}


def test_police_feedback_appears_in_later_bundles_of_the_same_actor(desk: Desk) -> None:
    first = seed_clues(desk, 1)
    with bundle_of(desk, first):
        pass
    desk.store.record_feedback(
        Feedback(
            post_id=first[0],
            outcome=FeedbackOutcome.CASE_OPENED,
            reference="FAKE-2026-0042",
            recorded_by="lia",
        )
    )
    # A later post with the same contact links to the same actor.
    later = make_post(
        60, text="代孕 包成功 私聊", contacts={"wechat": "fake_wx_001"}, raw_hash=None
    )
    earlier = desk.store.get(first[0])
    desk.store.write_posts([later])
    desk.store.record_verdict(
        Verdict(post_id=later.post.id, kind=VerdictKind.CONFIRM, analyst="alice")
    )
    linked = desk.store.get(later.post.id)
    if linked.actor_id is None or linked.actor_id != earlier.actor_id:
        pytest.fail(f"the test posts should share an actor: {linked.actor_id} {earlier.actor_id}")
    with bundle_of(desk, [later.post.id]) as z:
        clue = json.loads(z.read("clues.json"))["clues"][0]
        report = z.read("report.html").decode()
    related = clue["history"]["related_transfers"]
    assert [r["post_id"] for r in related] == first
    assert related[0]["state"] == "feedback"
    assert related[0]["feedback"][0]["reference"] == "FAKE-2026-0042"
    assert related[0]["bundle_id"].startswith("CW-")
    assert "已立案 FAKE-2026-0042" in report


def test_signing_key_is_private_and_refused_when_others_can_read_it(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    key = SigningKey.load_or_create(keys)
    assert oct(keys.stat().st_mode & 0o777) == "0o700"
    assert oct((keys / KEY_FILE).stat().st_mode & 0o777) == "0o600"
    assert SigningKey.load_or_create(keys).fingerprint == key.fingerprint  # reused, not replaced
    os.chmod(keys / KEY_FILE, 0o644)
    with pytest.raises(SigningKeyError, match="readable by others"):
        SigningKey.load_or_create(keys)
    (keys / KEY_FILE).write_text("not a key")
    os.chmod(keys / KEY_FILE, 0o600)
    with pytest.raises(SigningKeyError, match="not a readable private key"):
        SigningKey.load_or_create(keys)


def test_changed_or_missing_evidence_stops_the_approval(desk: Desk) -> None:
    ids = seed_clues(desk, 2)
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    raw = desk.store.get(ids[1]).post.raw_hash
    assert raw is not None
    body = desk.settings.evidence_dir / raw[:2] / f"{raw}.body"
    body.write_bytes(body.read_bytes() + b"<!-- edited -->")
    with pytest.raises(EvidenceError, match="no longer matches its SHA-256"):
        desk.bundles.approve(record.id, by=desk.supervisor)
    body.unlink()
    with pytest.raises(EvidenceError, match="is missing from"):
        desk.bundles.approve(record.id, by=desk.supervisor)
    assert desk.store.get_export(record.id).status == "prepared"
    assert {desk.store.get(i).state.value for i in ids} == {"confirmed"}
    assert not any(desk.settings.bundles_dir.glob("*.zip"))
    assert not any(desk.settings.bundles_dir.glob(".*.building"))  # nothing half-built left


def test_every_file_of_a_bundle_is_in_sha256sums(desk: Desk, tmp_path: Path) -> None:
    ids = seed_clues(desk, 2)
    with bundle_of(desk, ids) as z:
        sums = dict(
            reversed(line.split("  ", 1)) for line in z.read("SHA256SUMS").decode().splitlines()
        )
        listed = {f["path"] for f in json.loads(z.read("manifest.json"))["files"]}
        path = Path(z.filename or "")
    assert set(sums) == listed - {"SHA256SUMS"}
    assert verify_bundle(path).ok
