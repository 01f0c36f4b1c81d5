"""`cluewatch bundle ...` as a liaison, a supervisor and a police officer run it."""

from __future__ import annotations

import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from review_app.bundles.keys import public_pem
from tests.bundles.desk import Desk, make_desk, seed_clues
from tests.conftest import REPO, cli_env, run_cli


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path)


@pytest.fixture
def env(desk: Desk) -> dict[str, str]:
    return {
        "CLUEWATCH_DATA_DIR": str(desk.settings.data_dir),
        "CLUEWATCH_BUNDLE_SCREENSHOTS": "false",
    }


def test_create_approve_export_verify_from_the_command_line(
    desk: Desk, env: dict[str, str], tmp_path: Path
) -> None:
    ids = seed_clues(desk, 2)
    denied = run_cli(
        ["bundle", "create", "--clues", ",".join(ids), "--by", "alice"], cwd=tmp_path, env=env
    )
    assert (
        denied.returncode == 2 and "E101" in denied.stderr and "alice is analyst" in denied.stderr
    )
    unknown = run_cli(
        ["bundle", "create", "--clues", ids[0], "--by", "nobody"], cwd=tmp_path, env=env
    )
    assert unknown.returncode == 2 and "no review-app user 'nobody'" in unknown.stderr
    made = run_cli(
        ["bundle", "create", "--clues", ",".join(ids), "--by", "lia"], cwd=tmp_path, env=env
    )
    assert made.returncode == 0, made.stderr
    bundle_id = made.stdout.split()[1]
    early = run_cli(
        ["bundle", "export", bundle_id, "-o", "b.zip", "--by", "lia"], cwd=tmp_path, env=env
    )
    assert (
        early.returncode == 2
        and "is prepared" in early.stderr
        and not (tmp_path / "b.zip").exists()
    )
    by_liaison = run_cli(["bundle", "approve", bundle_id, "--by", "lia2"], cwd=tmp_path, env=env)
    assert by_liaison.returncode == 2 and "only 主管 (supervisor) may approve" in by_liaison.stderr
    approved = run_cli(["bundle", "approve", bundle_id, "--by", "sup"], cwd=tmp_path, env=env)
    assert approved.returncode == 0, approved.stderr
    assert "2 clue(s) transferred" in approved.stdout
    listed = run_cli(["bundle", "list"], cwd=tmp_path, env=env)
    assert bundle_id in listed.stdout and "approved" in listed.stdout
    exported = run_cli(
        ["bundle", "export", bundle_id, "-o", "b.zip", "--by", "lia"], cwd=tmp_path, env=env
    )
    assert exported.returncode == 0, exported.stderr
    key = run_cli(["bundle", "pubkey", "-o", "cluewatch.pub.pem"], cwd=tmp_path, env=env)
    assert key.returncode == 0 and key.stderr.startswith("fingerprint sha256:")
    keys_dir = desk.settings.keys_dir
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((keys_dir / "bundle-signing.key").stat().st_mode) == 0o600

    # The police side: no cluewatch settings, no data directory.
    police = tmp_path / "police"
    police.mkdir()
    (police / "b.zip").write_bytes((tmp_path / "b.zip").read_bytes())
    (police / "k.pem").write_bytes((tmp_path / "cluewatch.pub.pem").read_bytes())
    ok = run_cli(["bundle", "verify", "b.zip", "--pubkey", "k.pem"], cwd=police)
    assert ok.returncode == 0, ok.stdout
    assert "VERIFIED" in ok.stdout and "approved by sup" in ok.stdout
    (police / "other.pem").write_bytes(public_pem(Ed25519PrivateKey.generate().public_key()))
    wrong = run_cli(["bundle", "verify", "b.zip", "--pubkey", "other.pem"], cwd=police)
    assert wrong.returncode == 1 and "FAILED" in wrong.stdout and "manifest.sig" in wrong.stdout
    with zipfile.ZipFile(police / "b.zip") as src, zipfile.ZipFile(police / "t.zip", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data.replace(b"fake_wx_001", b"fake_wx_009"))
    tampered = run_cli(["bundle", "verify", "t.zip"], cwd=police)
    assert tampered.returncode == 1
    assert "PROBLEM: clues.json: SHA-256" in tampered.stdout
    assert "PROBLEM: report.html: SHA-256" in tampered.stdout


def test_two_person_rule_holds_when_the_preparer_became_a_supervisor(
    desk: Desk, env: dict[str, str], tmp_path: Path
) -> None:
    ids = seed_clues(desk, 1)
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    promoted = desk.user("lia")
    promoted.role = "supervisor"
    desk.store.update_user(promoted)
    same = run_cli(["bundle", "approve", record.id, "--by", "lia"], cwd=tmp_path, env=env)
    assert same.returncode == 2 and "E123" in same.stderr
    assert "a supervisor other than the preparer" in same.stderr
    assert desk.store.get_export(record.id).status == "prepared"


def test_create_by_filter_and_bad_filters_are_named(
    desk: Desk, env: dict[str, str], tmp_path: Path
) -> None:
    seed_clues(desk, 3)
    seed_clues(desk, 1, start=10, confirm=False)
    made = run_cli(
        ["bundle", "create", "--filter", "category=surrogacy,since=2026-11-01", "--by", "lia"],
        cwd=tmp_path,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    assert ": 3 clue(s)" in made.stdout  # the unconfirmed post is left out
    bad = run_cli(
        ["bundle", "create", "--filter", "colour=red", "--by", "lia"], cwd=tmp_path, env=env
    )
    assert bad.returncode == 2 and "filter part 'colour=red'" in bad.stderr
    none = run_cli(
        ["bundle", "create", "--filter", "category=organ_trafficking", "--by", "lia"],
        cwd=tmp_path,
        env=env,
    )
    assert none.returncode == 2 and "no confirmed clues to bundle" in none.stderr


def test_verify_imports_neither_the_store_nor_the_model(desk: Desk, tmp_path: Path) -> None:
    ids = seed_clues(desk, 1)
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    desk.bundles.approve(record.id, by=desk.supervisor)
    _, path = desk.bundles.download(record.id, by=desk.liaison)
    code = (
        "import sys\n"
        "from cluewatch.cli import app\n"
        f"try:\n    app(['bundle', 'verify', {str(path)!r}])\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('index', 'torch', 'transformers', 'classifier', 'lexicon', 'crawler', 'scrapy', "
        "'elasticsearch', 'fastapi', 'sqlite3') or m == 'review_app.app')\n"
        "print('HEAVY', heavy, 'EXIT', code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert "VERIFIED" in result.stdout, result.stdout + result.stderr
    assert "HEAVY [] EXIT 0" in result.stdout, result.stdout
    assert REPO.exists()
