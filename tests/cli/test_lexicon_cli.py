"""`cluewatch lexicon list|add|disable|test|stats` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from index.models import Match, Verdict, VerdictKind
from index.sqlite import SQLiteStore
from tests.conftest import run_cli
from tests.factories import make_post


def _env(tmp_path: Path) -> dict[str, str]:
    return {"CLUEWATCH_DATA_DIR": str(tmp_path / "data")}


def _test_json(tmp_path: Path, text: str) -> dict:
    result = run_cli(["lexicon", "test", "--json", text], cwd=tmp_path, env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_added_term_matches_and_disabled_term_stops(tmp_path: Path) -> None:
    env = _env(tmp_path)
    before = _test_json(tmp_path, "有暗号娃 私聊")
    assert before["matches"] == []

    added = run_cli(
        ["lexicon", "add", "暗号宝宝", "--category", "illegal_adoption", "--weight", "medium",
         "--note", "测试用的暗语", "--variant", "暗号娃"],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    after = _test_json(tmp_path, "有暗号娃 私聊")
    assert [(m["term"], m["category"], m["surface"]) for m in after["matches"]] == [
        ("暗号宝宝", "illegal_adoption", "暗号娃")
    ]
    assert after["lexicon_version"] != before["lexicon_version"]

    listed = run_cli(
        ["lexicon", "list", "--json", "--category", "illegal_adoption"], cwd=tmp_path, env=env
    )
    terms = [json.loads(line)["term"] for line in listed.stdout.splitlines()]
    assert "暗号宝宝" in terms and "送养" in terms

    assert any(m["term"] == "代孕" for m in _test_json(tmp_path, "专业代孕 加微信")["matches"])
    disabled = run_cli(["lexicon", "disable", "代孕"], cwd=tmp_path, env=env)
    assert disabled.returncode == 0 and "disabled 代孕 (surrogacy)" in disabled.stdout
    assert not any(m["term"] == "代孕" for m in _test_json(tmp_path, "专业代孕")["matches"])
    # The shipped data file is untouched; the overlay carries the change.
    assert (tmp_path / "data" / "lexicon" / "surrogacy.yaml").exists()
    # Both changes are audit events, as when made on the lexicon page.
    store = SQLiteStore(tmp_path / "data" / "cluewatch.db")
    events = [(e.actor, e.action, e.after["term"]) for e in store.audit_events()]
    assert events == [("cli", "lexicon.disable", "代孕"), ("cli", "lexicon.add", "暗号宝宝")]


def test_test_says_why_a_match_was_ignored(tmp_path: Path) -> None:
    result = run_cli(["lexicon", "test", "领养代替购买，送养"], cwd=tmp_path, env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "ignored illegal_adoption" in result.stdout and "(unless: 领养代替购买)" in result.stdout


def test_bad_additions_are_refused_and_nothing_is_lost(tmp_path: Path) -> None:
    env = _env(tmp_path)
    ok = run_cli(
        ["lexicon", "add", "暗号宝宝", "--category", "illegal_adoption", "--weight", "medium", "--note", "x"],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    overlay = tmp_path / "data" / "lexicon" / "illegal_adoption.yaml"
    saved = overlay.read_text(encoding="utf-8")

    weak = run_cli(
        ["lexicon", "add", "弱词", "--category", "illegal_adoption", "--weight", "weak", "--note", "x"],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert weak.returncode == 2
    assert "illegal_adoption.yaml" in weak.stderr and "requires" in weak.stderr
    wrong = run_cli(
        ["lexicon", "add", "词", "--category", "nope", "--weight", "strong", "--note", "x"],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert wrong.returncode == 2 and "unknown category 'nope'" in wrong.stderr
    missing = run_cli(["lexicon", "disable", "没有这个词"], cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "no term" in missing.stderr
    assert overlay.read_text(encoding="utf-8") == saved


def test_stats_reports_terms_and_precision_from_verdicts(tmp_path: Path) -> None:
    env = _env(tmp_path)
    store = SQLiteStore(tmp_path / "data" / "cluewatch.db")
    match = Match(
        term="代孕",
        category="surrogacy",
        weight="strong",
        surface="代孕",
        start=0,
        end=2,
        technique="plain",
    )
    posts = [make_post(n, text="代孕 包成功 加微信 fake_bb_01", matches=[match]) for n in range(3)]
    store.write_posts(posts)
    store.record_verdict(Verdict(post_id=posts[0].post.id, kind=VerdictKind.CONFIRM, analyst="a1"))
    store.record_verdict(Verdict(post_id=posts[1].post.id, kind=VerdictKind.DISMISS, analyst="a1"))
    store.close()

    result = run_cli(["lexicon", "stats", "--json"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["terms"]["surrogacy"]["strong"] >= 10
    assert stats["hits"] == [
        {"category": "surrogacy", "term": "代孕", "posts": 3, "confirmed": 1, "dismissed": 1}
    ]
    text = run_cli(["lexicon", "stats"], cwd=tmp_path, env=env).stdout
    assert "0.50" in text
