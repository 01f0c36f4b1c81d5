"""An invalid setting ends any command with one E001 line per value, naming where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["bundle", "list"], {"CLUEWATCH_FLAG_THRESHOLD": "abc"}, "CLUEWATCH_FLAG_THRESHOLD='abc'"),
        (["runs"], {"CLUEWATCH_PORT": "abc"}, "CLUEWATCH_PORT='abc'"),
        (["serve"], {"CLUEWATCH_SESSION_HOURS": "-3"}, "CLUEWATCH_SESSION_HOURS='-3'"),
        (["score", "-", "--threshold", "2"], {}, "--threshold=2.0"),
        (["score", "-", "--threshold", "-1"], {}, "--threshold=-1.0"),
    ],
)
def test_an_invalid_setting_is_named_with_e001_and_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], named: str
) -> None:
    result = run_cli(args, cwd=tmp_path, env=env, stdin="")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: E001: {named}: ")
    assert "Traceback" not in result.stderr and "ValidationError" not in result.stderr
    assert not (tmp_path / "cluewatch-data").exists()


def test_every_invalid_value_gets_its_own_line(tmp_path: Path) -> None:
    env = {"CLUEWATCH_PORT": "70000", "CLUEWATCH_BUNDLE_SCREENSHOTS": "maybe"}
    result = run_cli(["runs"], cwd=tmp_path, env=env)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("error: E001: ") for line in lines)
    assert any("CLUEWATCH_PORT=" in line and "65535" in line for line in lines)
    assert any("CLUEWATCH_BUNDLE_SCREENSHOTS='maybe'" in line for line in lines)


def test_an_option_overrides_an_invalid_environment_value(tmp_path: Path) -> None:
    result = run_cli(
        ["score", "-", "--threshold", "0.5"],
        cwd=tmp_path,
        env={"CLUEWATCH_FLAG_THRESHOLD": "abc"},
        stdin="",
    )
    assert result.returncode == 0, result.stderr
