"""`cluewatch.files.replace_atomically`: a file written whole or not at all."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluewatch import files
from cluewatch.files import replace_atomically


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_target_holds_the_new_content_and_only_the_target_is_left(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    with replace_atomically(target) as handle:
        handle.write("新的\n")
        # Written beside the target under a hidden name; the target is not touched yet.
        temporary = Path(handle.name)
        assert temporary.parent == tmp_path and temporary.name.startswith(".out.txt.")
        assert target.read_text(encoding="utf-8") == "old\n"
    assert target.read_text(encoding="utf-8") == "新的\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_binary_content_is_written_as_given(tmp_path: Path) -> None:
    target = tmp_path / "new.bin"
    data = bytes(range(256)) * 10
    with replace_atomically(target, binary=True) as handle:
        handle.write(data)
    assert target.read_bytes() == data


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt()])
def test_an_exception_in_the_block_keeps_the_old_target_and_leaves_nothing(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(type(error)) as raised, replace_atomically(target) as handle:
        handle.write("half")
        raise error
    assert raised.value is error
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_an_exception_in_the_block_creates_no_new_target(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), replace_atomically(tmp_path / "new.txt") as handle:
        handle.write("half")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rename_raises_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_text("kept", encoding="utf-8")
    with pytest.raises(IsADirectoryError), replace_atomically(target, binary=True) as handle:
        handle.write(b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    assert (target / "inside").read_text(encoding="utf-8") == "kept"


def test_mode_is_applied_exactly_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        with replace_atomically(tmp_path / "shared", mode=0o644) as handle:
            handle.write("x")
            assert _mode(Path(handle.name)) == 0o644
        with replace_atomically(tmp_path / "private", binary=True, mode=0o600) as handle:
            handle.write(b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "shared") == 0o644
    assert _mode(tmp_path / "private") == 0o600


def test_mode_replaces_the_mode_of_an_existing_target(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    with replace_atomically(target, mode=0o600) as handle:
        handle.write("new")
    assert _mode(target) == 0o600


def test_without_mode_the_file_gets_what_open_gives_a_new_file(
    tmp_path: Path, umask_022: None
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)  # not kept: without `mode` the temporary file's own mode wins
    with replace_atomically(target) as handle:
        handle.write("new")
    assert _mode(target) == 0o644


def test_a_missing_directory_is_named_in_the_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError) as raised, replace_atomically(missing / "out.txt"):
        pytest.fail("the block must not run")
    assert raised.value.filename == str(missing)
    assert raised.value.errno == errno.ENOENT
    assert str(missing) in str(raised.value)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("fsync", [True, False])
def test_fsync_is_done_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fsync: bool
) -> None:
    synced: list[int] = []
    monkeypatch.setattr(files.os, "fsync", synced.append)
    with replace_atomically(tmp_path / "out", binary=True, fsync=fsync) as handle:
        handle.write(b"x")
        descriptor = handle.fileno()
    assert synced == ([descriptor] if fsync else [])
    assert (tmp_path / "out").read_bytes() == b"x"


def test_temporary_names_do_not_collide(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with (
        replace_atomically(target) as first,
        replace_atomically(target) as second,
    ):
        assert first.name != second.name
        first.write("first")
        second.write("second")
    # The later rename wins; both temporaries are gone.
    assert target.read_text(encoding="utf-8") == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
