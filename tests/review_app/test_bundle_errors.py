"""Bundle errors in the app: Chinese, with the status that fits (bad input 422, unknown
404, state 409), the prepare form kept; a download is recorded only once it was sent."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from review_app.app import create_app
from review_app.deps import SESSION_COOKIE
from tests.bundles.desk import Desk, make_desk, seed_clues
from tests.review_app.helpers import relogin


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path)


@pytest.fixture
def client(desk: Desk) -> TestClient:
    return TestClient(create_app(desk.settings, store=desk.store), base_url="http://127.0.0.1")


def _has_han(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def test_api_prepare_answers_bad_input_422_unknown_404_and_state_409_in_chinese(
    client: TestClient, desk: Desk
) -> None:
    ids = seed_clues(desk, 1)
    unconfirmed = seed_clues(desk, 1, start=5, confirm=False)
    token = relogin(client, "lia")
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}

    def prepare(body: str) -> tuple[int, str]:
        response = client.post("/api/bundles", content=body, headers=headers)
        return response.status_code, response.json()["detail"]

    status, detail = prepare('{"filter": {"category": "colour"}}')
    assert status == 422 and "类别（category）没有「colour」" in detail
    status, detail = prepare('{"filter": {"since": "2026-13-45"}}')
    assert status == 422 and "「2026-13-45」不是有效日期" in detail
    status, detail = prepare('{"filter": {"min_score": NaN}}')
    assert status == 422 and "NaN" in detail and _has_han(detail)
    status, detail = prepare('{"filter": {"min_score": 2}}')
    assert status == 422 and "最低分（min_score）不能大于 1" in detail
    assert "errors.pydantic.dev" not in detail
    status, detail = prepare(f'{{"post_ids": ["{ids[0]}", "nope"]}}')
    assert status == 404 and "以下线索编号不存在：nope" in detail
    status, detail = prepare(f'{{"post_ids": ["{unconfirmed[0]}"]}}')
    assert status == 409 and f"{unconfirmed[0]}（已登记）" in detail
    status, detail = prepare('{"filter": {"category": "organ_trafficking"}}')
    assert status == 422 and detail.startswith("没有可移交的已确认线索")
    assert desk.store.exports() == []

    missing = client.get("/api/bundles/NOPE")
    assert missing.status_code == 404
    assert "没有编号为「NOPE」的移交包" in missing.json()["detail"]
    assert "cluewatch" not in missing.json()["detail"]
    page = client.get("/bundles/NOPE")
    assert page.status_code == 404 and "没有编号为「NOPE」的移交包" in page.text
    assert "cluewatch bundle list" not in page.text


def test_the_prepare_form_shows_the_error_above_the_kept_form(
    client: TestClient, desk: Desk
) -> None:
    seed_clues(desk, 1)
    token = relogin(client, "lia")
    for fields, status, said in (
        ({"since": "2026-13-45"}, 422, "采集起（since）「2026-13-45」不是有效日期"),
        ({"min_score": "nan"}, 422, "最低分（min-score）应为 0 到 1 之间的数字"),
        ({"category": "organ_trafficking"}, 422, "没有可移交的已确认线索"),
        ({"clues": "nope"}, 404, "以下线索编号不存在：nope"),
    ):
        form = {"csrf": token, "note": "请审批", "site": "test-forum", **fields}
        page = client.post("/bundles", data=form)
        assert page.status_code == status, page.text
        assert 'id="bundle-error"' in page.text and said in page.text
        assert 'id="prepare-form"' in page.text and 'value="请审批"' in page.text
        assert 'value="test-forum"' in page.text
        assert "pydantic" not in page.text and "no confirmed clues" not in page.text
    assert desk.store.exports() == []


def test_a_download_is_recorded_after_it_was_sent_and_not_when_cut_off(
    client: TestClient, desk: Desk
) -> None:
    record = desk.bundles.prepare(by=desk.liaison, post_ids=seed_clues(desk, 1))
    desk.bundles.approve(record.id, by=desk.supervisor)
    token = relogin(client, "lia")
    cookie = client.cookies[SESSION_COOKIE]

    # The client goes away while the file is being sent: the server's send fails.
    sent: list[Message] = []

    async def cut_off() -> None:
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await anyio.sleep(60)
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                raise OSError("connection reset by peer")
            sent.append(message)

        path = f"/api/bundles/{record.id}/download"
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"cookie", f"{SESSION_COOKIE}={cookie}".encode()),
                (b"x-csrf-token", token.encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        with pytest.raises(BaseException):  # noqa: B017 (the server sees the disconnect)
            await client.app(scope, receive, send)

    anyio.run(cut_off)
    assert sent and sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    stored = desk.store.get_export(record.id)
    assert (stored.status, stored.downloads) == ("approved", 0)
    assert desk.store.audit_events(action="bundle.download", limit=10) == []

    whole = client.post(f"/api/bundles/{record.id}/download", headers={"X-CSRF-Token": token})
    assert whole.status_code == 200 and whole.content.startswith(b"PK")
    assert whole.headers["content-length"] == str(len(whole.content))
    stored = desk.store.get_export(record.id)
    assert (stored.status, stored.downloads) == ("downloaded", 1)
    assert len(desk.store.audit_events(action="bundle.download", limit=10)) == 1
