"""`cluewatch lexicon add` refuses terms too short to be safe, before writing anything."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_a_one_letter_or_blank_term_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    env = {"CLUEWATCH_DATA_DIR": str(tmp_path / "data")}
    for term, said in (("a", "太短"), ("  ", "不能为空"), ("DY", "3 个拉丁字母")):
        refused = run_cli(
            ["lexicon", "add", term, "--category", "surrogacy", "--weight", "strong",
             "--note", "测试"],
            cwd=tmp_path, env=env,
        )  # fmt: skip
        assert refused.returncode == 2, refused.stderr
        assert "E020" in refused.stderr and said in refused.stderr
        assert "Field required" not in refused.stderr
    assert not (tmp_path / "data" / "lexicon" / "surrogacy.yaml").exists()
    tested = run_cli(["lexicon", "test", "I ate a banana"], cwd=tmp_path, env=env)
    assert tested.returncode == 0 and "surrogacy" not in tested.stdout
