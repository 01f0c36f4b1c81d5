"""`cluewatch bundle export`: a download is recorded only once the file is written whole."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from tests.bundles.desk import Desk, make_desk, seed_clues
from tests.conftest import run_cli


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path)


@pytest.fixture
def approved(desk: Desk) -> str:
    record = desk.bundles.prepare(by=desk.liaison, post_ids=seed_clues(desk, 1))
    return desk.bundles.approve(record.id, by=desk.supervisor).id


def _env(desk: Desk) -> dict[str, str]:
    return {"CLUEWATCH_DATA_DIR": str(desk.settings.data_dir)}


def test_an_export_that_cannot_be_written_is_refused_by_path_and_not_recorded(
    desk: Desk, approved: str, tmp_path: Path
) -> None:
    target = tmp_path / "nonexistent" / "dir" / "b.zip"
    failed = run_cli(
        ["bundle", "export", approved, "-o", str(target), "--by", "lia"],
        cwd=tmp_path,
        env=_env(desk),
    )
    assert failed.returncode == 2, failed.stderr
    assert "Traceback" not in failed.stderr
    assert f"cannot write {target}" in failed.stderr and "nothing was recorded" in failed.stderr
    stored = desk.store.get_export(approved)
    assert (stored.status, stored.downloads) == ("approved", 0)
    assert desk.store.audit_events(action="bundle.download", limit=10) == []

    # An existing directory as the output: refused the same way, nothing left beside it.
    into_dir = run_cli(
        ["bundle", "export", approved, "-o", str(tmp_path), "--by", "lia"],
        cwd=tmp_path,
        env=_env(desk),
    )
    assert into_dir.returncode == 2 and f"cannot write {tmp_path}" in into_dir.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert desk.store.get_export(approved).downloads == 0


def test_a_written_export_is_whole_owner_only_and_recorded_once(
    desk: Desk, approved: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    done = run_cli(
        ["bundle", "export", approved, "-o", str(out / "b.zip"), "--by", "lia"],
        cwd=tmp_path,
        env=_env(desk),
    )
    assert done.returncode == 0, done.stderr
    stored = desk.store.get_export(approved)
    assert hashlib.sha256((out / "b.zip").read_bytes()).hexdigest() == stored.sha256
    assert stat.S_IMODE((out / "b.zip").stat().st_mode) == 0o600
    assert sorted(p.name for p in out.iterdir()) == ["b.zip"]  # no temporary file left
    assert (stored.status, stored.downloads, stored.last_downloaded_by) == ("downloaded", 1, "lia")
    assert len(desk.store.audit_events(action="bundle.download", limit=10)) == 1
