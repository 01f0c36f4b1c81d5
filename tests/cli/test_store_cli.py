"""`cluewatch audit verify|list` and `cluewatch purge` as an operator runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from index.evidence import EvidenceStore
from index.models import Verdict, VerdictKind
from index.sqlite import SQLiteStore
from tests.conftest import run_cli
from tests.factories import make_post


def test_purge_deletes_old_dismissed_posts_and_their_evidence_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    evidence = EvidenceStore(data / "evidence")
    kept_sha = evidence.put(b"<html>kept</html>", {"url": "http://127.0.0.1/2"})
    gone_sha = evidence.put(b"<html>gone</html>", {"url": "http://127.0.0.1/1"})
    store = SQLiteStore(data / "cluewatch.db")
    store.write_posts([make_post(1, raw_hash=gone_sha), make_post(2, raw_hash=kept_sha)])
    store.record_verdict(
        Verdict(post_id=make_post(1).post.id, kind=VerdictKind.DISMISS, analyst="a")
    )
    store.record_verdict(
        Verdict(post_id=make_post(2).post.id, kind=VerdictKind.CONFIRM, analyst="a")
    )
    store.close()
    env = {"CLUEWATCH_DATA_DIR": str(data)}

    kept = run_cli(["purge", "--dismissed-older-than", "30"], cwd=tmp_path, env=env)
    assert kept.returncode == 0, kept.stderr
    assert "purged 0 dismissed post(s)" in kept.stdout
    done = run_cli(["purge", "--dismissed-older-than", "0", "--by", "ops"], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "purged 1 dismissed post(s)" in done.stdout and "2 evidence file(s)" in done.stdout
    assert not evidence.exists(gone_sha) and evidence.exists(kept_sha)
    store = SQLiteStore(data / "cluewatch.db")
    assert store.count_posts() == 1

    listed = run_cli(["audit", "list", "--action", "purge"], cwd=tmp_path, env=env)
    (event,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert event["actor"] == "ops" and event["after"]["posts"] == [make_post(1).post.id]


def test_audit_verify_reports_an_intact_and_a_tampered_chain(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = SQLiteStore(data / "cluewatch.db")
    store.write_posts([make_post(1), make_post(2)])
    store.close()
    env = {"CLUEWATCH_DATA_DIR": str(data)}
    ok = run_cli(["audit", "verify"], cwd=tmp_path, env=env)
    assert ok.returncode == 0 and "audit chain intact: 2 events" in ok.stdout

    conn = sqlite3.connect(data / "cluewatch.db")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit_events SET note='edited later' WHERE seq=1")
    conn.commit()
    conn.close()
    broken = run_cli(["audit", "verify"], cwd=tmp_path, env=env)
    assert broken.returncode == 1
    assert "event 1: content does not match its hash" in broken.stderr
