"""Bundle pages and /api/bundles: roles, CSRF, the two-person rule, downloads."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from review_app.app import create_app
from review_app.bundles.verify import verify_bundle
from tests.bundles.desk import Desk, make_desk, seed_clues
from tests.review_app.helpers import relogin


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path)


@pytest.fixture
def client(desk: Desk) -> TestClient:
    return TestClient(create_app(desk.settings, store=desk.store), base_url="http://127.0.0.1")


def test_pages_prepare_approve_download(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    ids = seed_clues(desk, 2)
    token = relogin(client, "lia")
    page = client.get("/bundles")
    assert page.status_code == 200 and 'action="/bundles"' in page.text
    assert '<a href="/bundles">线索移交</a>' in client.get("/").text
    no_csrf = client.post("/bundles", data={"clues": "\n".join(ids)})
    assert no_csrf.status_code == 403 and desk.store.exports() == []
    made = client.post(
        "/bundles", data={"clues": "\n".join(ids), "csrf": token}, follow_redirects=False
    )
    assert made.status_code == 303
    bundle_id = made.headers["location"].rsplit("/", 1)[1]
    detail = client.get(f"/bundles/{bundle_id}").text
    assert "待审批" in detail and "审批通过" not in detail  # the preparer gets no approve button
    own = client.post(f"/bundles/{bundle_id}/approve", data={"csrf": token})
    assert own.status_code == 403
    early = client.post(f"/bundles/{bundle_id}/download", data={"csrf": token})
    assert early.status_code == 409 and "须经制作人以外的主管审批后才能下载" in early.text

    token = relogin(client, "sup")
    assert "审批通过" in client.get(f"/bundles/{bundle_id}").text
    approved = client.post(f"/bundles/{bundle_id}/approve", data={"csrf": token, "version": "1"})
    assert approved.status_code == 200 and "已审批" in approved.text
    download = client.post(f"/bundles/{bundle_id}/download", data={"csrf": token})
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert hashlib.sha256(download.content).hexdigest() == download.headers["x-bundle-sha256"]
    saved = tmp_path / "got.zip"
    saved.write_bytes(download.content)
    assert verify_bundle(saved).ok
    actions = [e.action for e in desk.store.audit_events(action=None, limit=50)]
    assert {"bundle.create", "bundle.approve", "bundle.download"} <= set(actions)

    relogin(client, "alice")
    assert client.get("/bundles").status_code == 403  # analysts do not see bundles
    assert '<a href="/bundles">' not in client.get("/").text


def test_api_enforces_roles_csrf_versions_and_the_two_person_rule(
    client: TestClient, desk: Desk
) -> None:
    ids = seed_clues(desk, 2)
    token = relogin(client, "alice")
    analyst = client.post("/api/bundles", json={"post_ids": ids}, headers={"X-CSRF-Token": token})
    assert analyst.status_code == 403 and "alice is analyst" in analyst.json()["detail"]
    token = relogin(client, "lia")
    assert client.post("/api/bundles", json={"post_ids": ids}).status_code == 403  # no token
    unconfirmed = client.post(
        "/api/bundles", json={"post_ids": [*ids, "nope"]}, headers={"X-CSRF-Token": token}
    )
    assert unconfirmed.status_code == 404 and "线索编号不存在：nope" in unconfirmed.json()["detail"]
    made = client.post(
        "/api/bundles",
        json={"filter": {"category": "surrogacy"}, "note": "请审批"},
        headers={"X-CSRF-Token": token},
    )
    assert made.status_code == 201, made.text
    record = made.json()
    assert sorted(record["post_ids"]) == sorted(ids) and record["status"] == "prepared"
    bundle_id = record["id"]
    early = client.post(f"/api/bundles/{bundle_id}/download", headers={"X-CSRF-Token": token})
    assert early.status_code == 409

    # The preparer, promoted to supervisor meanwhile, still may not approve their own bundle.
    promoted = desk.user("lia")
    promoted.role = "supervisor"
    desk.store.update_user(promoted)
    own = client.post(f"/api/bundles/{bundle_id}/approve", json={}, headers={"X-CSRF-Token": token})
    assert own.status_code == 403 and "须由制作人以外的主管审批" in own.json()["detail"]

    token = relogin(client, "sup")
    stale = client.post(
        f"/api/bundles/{bundle_id}/approve", json={"version": 7}, headers={"X-CSRF-Token": token}
    )
    assert stale.status_code == 409 and "在您打开后已被更改" in stale.json()["detail"]
    ok = client.post(
        f"/api/bundles/{bundle_id}/approve", json={"version": 1}, headers={"X-CSRF-Token": token}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "approved" and ok.json()["approved_by"] == "sup"
    again = client.post(
        f"/api/bundles/{bundle_id}/approve", json={}, headers={"X-CSRF-Token": token}
    )
    assert again.status_code == 409 and "当前为“已审批”" in again.json()["detail"]
    assert [b["id"] for b in client.get("/api/bundles").json()] == [bundle_id]

    token = relogin(client, "lia2")
    got = client.post(f"/api/bundles/{bundle_id}/download", headers={"X-CSRF-Token": token})
    assert got.status_code == 200 and got.content.startswith(b"PK")
    stored = desk.store.get_export(bundle_id)
    assert (stored.status, stored.downloads, stored.last_downloaded_by) == ("downloaded", 1, "lia2")


def test_a_bundle_file_changed_on_disk_is_not_served(client: TestClient, desk: Desk) -> None:
    ids = seed_clues(desk, 1)
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    desk.bundles.approve(record.id, by=desk.supervisor)
    path = desk.bundles.file_path(record.id)
    path.write_bytes(path.read_bytes() + b"\0")
    token = relogin(client, "lia")
    refused = client.post(f"/api/bundles/{record.id}/download", headers={"X-CSRF-Token": token})
    assert refused.status_code == 500  # the server's file, not the request, is at fault
    assert re.search(r"与审批时的不一致", refused.json()["detail"])
    assert desk.store.get_export(record.id).downloads == 0


def test_rejected_bundles_cannot_be_approved(client: TestClient, desk: Desk) -> None:
    ids = seed_clues(desk, 1)
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    token = relogin(client, "sup")
    empty = client.post(
        f"/api/bundles/{record.id}/reject", json={"reason": " "}, headers={"X-CSRF-Token": token}
    )
    assert empty.status_code == 422 and "请填写退回理由" in empty.json()["detail"]
    rejected = client.post(
        f"/api/bundles/{record.id}/reject",
        json={"reason": "证据不足"},
        headers={"X-CSRF-Token": token},
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    late = client.post(
        f"/api/bundles/{record.id}/approve", json={}, headers={"X-CSRF-Token": token}
    )
    assert late.status_code == 409
    assert desk.store.get(ids[0]).state.value == "confirmed"
