"""`cluewatch user add|disable|passwd`: the same code as the users page, audited."""

from __future__ import annotations

from pathlib import Path

from index.sqlite import SQLiteStore
from tests.conftest import run_cli


def test_user_commands_change_users_and_are_audited(tmp_path: Path) -> None:
    env = {"CLUEWATCH_DATA_DIR": str(tmp_path / "data")}
    steps = (
        ["user", "add", "bob", "--role", "liaison", "--password", "long-password-1"],
        ["user", "passwd", "bob", "--password", "long-password-2"],
        ["user", "disable", "bob"],
    )
    for args in steps:
        result = run_cli(args, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
    missing = run_cli(["user", "disable", "nobody"], cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "E062: no user 'nobody'" in missing.stderr
    short = run_cli(["user", "passwd", "bob", "--password", "short"], cwd=tmp_path, env=env)
    assert short.returncode == 2 and "too short" in short.stderr
    store = SQLiteStore(tmp_path / "data" / "cluewatch.db")
    user = store.get_user("bob")
    assert user is not None and user.role == "liaison" and user.disabled
    events = [(e.actor, e.action, e.after) for e in store.audit_events()]
    assert events == [
        ("cli", "user.disable", {"user": "bob"}),
        ("cli", "user.passwd", {"user": "bob"}),
        ("cli", "user.add", {"user": "bob", "role": "liaison"}),
    ]
