"""A verdict the clue's state already matches changes and records nothing (200, the
unchanged clue); a note given with it is kept as a note."""

from __future__ import annotations

from pathlib import Path

from tests.factories import make_post
from tests.review_app.pages import open_env


def test_confirming_a_confirmed_clue_records_no_second_verdict(tmp_path: Path) -> None:
    env = open_env(tmp_path)
    sp = make_post(1)
    env.store.write_posts([sp])
    post_id = sp.post.id
    env.login("alice")
    first = env.api_post(f"/api/posts/{post_id}/verdict", {"kind": "confirm", "note": "可移交"})
    assert first.status_code == 200 and first.json()["state"] == "confirmed"
    version = first.json()["version"]

    again = env.api_post(f"/api/posts/{post_id}/verdict", {"kind": "confirm"})
    assert again.status_code == 200
    assert (again.json()["state"], again.json()["version"]) == ("confirmed", version)
    token = env.page_token(f"/posts/{post_id}")
    form = env.client.post(
        f"/posts/{post_id}/verdict",
        data={"csrf": token, "kind": "confirm", "version": str(version)},
        follow_redirects=False,
    )
    assert form.status_code == 303

    with_note = env.api_post(
        f"/api/posts/{post_id}/verdict", {"kind": "confirm", "note": "复核无误"}
    )
    assert with_note.status_code == 200 and with_note.json()["state"] == "confirmed"

    events = env.store.audit_events(post_id=post_id, limit=50)
    assert [e.action for e in events if e.action.startswith("verdict.")] == ["verdict.confirm"]
    assert [e.note for e in events if e.action == "note"] == ["复核无误"]
    assert len(env.store.verdicts(post_id)) == 1
    page = env.client.get(f"/posts/{post_id}").text
    assert page.count("已确认线索 → 已确认线索") == 0

    changed = env.api_post(f"/api/posts/{post_id}/verdict", {"kind": "dismiss"})
    assert changed.status_code == 200 and changed.json()["state"] == "dismissed"
    assert len(env.store.verdicts(post_id)) == 2
