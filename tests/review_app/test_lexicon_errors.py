"""The lexicon page and API when an overlay file is broken, and the rule for new terms."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from lexicon import load_data
from lexicon.manage import directories, term_problem
from tests.review_app.pages import PASSWORD, Env, open_env

BROKEN = "category: surrogacy\nterms:\n- term: [broken\n"


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return open_env(tmp_path)


def _break_overlay(env: Env) -> Path:
    overlay = env.settings.lexicon_dir
    overlay.mkdir(parents=True, exist_ok=True)
    path = overlay / "surrogacy.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_a_broken_overlay_file_is_named_on_the_page_and_the_app_keeps_working(env: Env) -> None:
    env.login("sam")
    token = env.page_token("/lexicon")
    path = _break_overlay(env)

    page = env.client.get("/lexicon")
    assert page.status_code == 500 and 'id="lexicon-broken"' in page.text
    assert "词库文件有误" in page.text and str(path) in page.text and "line 4" in page.text
    assert 'id="add-form"' not in page.text  # nothing to change while it is broken
    for form in (
        ("/lexicon/test", {"csrf": token, "text": "代孕 包成功"}),
        ("/lexicon/terms", {"csrf": token, "term": "新词条", "category": "surrogacy",
                            "weight": "strong", "note": "x"}),
        ("/lexicon/terms/disable", {"csrf": token, "term": "代孕", "category": "surrogacy"}),
    ):  # fmt: skip
        answer = env.client.post(form[0], data=form[1])
        assert answer.status_code == 500 and 'id="lexicon-broken"' in answer.text, form[0]
    assert path.read_text(encoding="utf-8") == BROKEN  # the operator's file is left alone
    assert not (env.settings.lexicon_dir / "illegal_adoption.yaml").exists()

    for method, api, body in (
        ("GET", "/api/lexicon", None),
        ("POST", "/api/lexicon/test", {"text": "代孕 包成功"}),
        ("POST", "/api/lexicon/terms",
         {"term": "新词条", "category": "illegal_adoption", "weight": "strong", "note": "x"}),
    ):  # fmt: skip
        headers = {"X-CSRF-Token": env.token()}
        answer = env.client.request(method, api, json=body, headers=headers)
        assert answer.status_code == 500, api
        detail = answer.json()["detail"]
        assert detail.startswith("词库文件有误") and "E020" in detail and str(path) in detail
    assert not (env.settings.lexicon_dir / "illegal_adoption.yaml").exists()
    assert env.store.audit_events(action="lexicon.add", limit=10) == []

    assert env.client.get("/").status_code == 200  # the rest of the app works
    assert env.client.get("/dashboard").status_code == 200


@pytest.fixture
def served(env: Env) -> Iterator[str]:
    """The app of `env` served by uvicorn on a loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(env.client.app, log_level="critical", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_a_served_app_answers_json_for_a_broken_lexicon_not_a_dropped_connection(
    env: Env, served: str
) -> None:
    _break_overlay(env)
    with httpx.Client(base_url=served) as http:
        http.post("/login", data={"username": "sam", "password": PASSWORD})
        answer = http.get("/api/lexicon")
    assert answer.status_code == 500
    assert answer.json()["detail"].startswith("词库文件有误")


def test_new_terms_too_short_to_be_safe_are_refused_before_anything_is_written(
    env: Env,
) -> None:
    env.login("sam")
    for term, said in (
        ("a", "太短"),
        ("   ", "不能为空"),
        ("卖", "太短"),
        ("DY", "至少要 3 个拉丁字母"),
        ("520", "至少要 3 个拉丁字母"),
    ):
        answer = env.api_post(
            "/api/lexicon/terms",
            {"term": term, "category": "surrogacy", "weight": "strong", "note": "测试"},
        )
        assert answer.status_code == 400, (term, answer.text)
        assert said in answer.json()["detail"] and "Field required" not in answer.json()["detail"]
    variant = env.api_post(
        "/api/lexicon/terms",
        {"term": "代孕新词", "category": "surrogacy", "weight": "strong", "note": "测试",
         "variants": ["x"]},
    )  # fmt: skip
    assert variant.status_code == 400 and "变体「x」" in variant.json()["detail"]
    assert not (env.settings.lexicon_dir / "surrogacy.yaml").exists()
    assert env.store.audit_events(action="lexicon.add", limit=10) == []

    token = env.page_token("/lexicon")
    page = env.client.post(
        "/lexicon/terms",
        data={"csrf": token, "term": "a", "category": "surrogacy", "weight": "strong",
              "note": "测试"},
    )  # fmt: skip
    assert page.status_code == 400 and 'id="lexicon-error"' in page.text and "太短" in page.text

    fine = env.api_post(
        "/api/lexicon/terms",
        {"term": "CSZ2", "category": "birth_documents", "weight": "medium", "note": "测试"},
    )
    assert fine.status_code == 200, fine.text
    tested = env.api_post("/api/lexicon/test", {"text": "I ate a banana"}).json()
    assert tested["matches"] == []


def test_every_shipped_term_and_variant_passes_the_rule() -> None:
    data = load_data(directories(None))
    rejected = [
        (word, t.term) for t in data.terms for word in (t.term, *t.variants) if term_problem(word)
    ]
    assert rejected == []
