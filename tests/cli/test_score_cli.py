"""`cluewatch score` exactly as FORMATS.md says, run as a user would from another directory."""

from __future__ import annotations

import json
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

from cluewatch.settings import DEFAULT_MODEL_DIR
from cluewatch.taxonomy import CATEGORIES
from tests.conftest import CLUEWATCH, cli_env, run_cli, start_cli

CLUE = "专业代*孕机构，包成功包性别，价格私聊，加薇信 fake_baobao_01"
BENIGN = "今天带孩子去公园玩，天气很好，晚上做了红烧肉。"


def test_score_reads_jsonl_and_writes_every_field_in_order(tmp_path: Path) -> None:
    lines = [
        {"id": "p1", "text": CLUE, "url": "http://example.invalid/1", "extra": 1},
        {"id": "p2", "title": "周末", "text": BENIGN},
    ]
    (tmp_path / "in.jsonl").write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8"
    )
    result = run_cli(["score", "in.jsonl", "-o", "out.jsonl"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = [
        json.loads(line)
        for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [o["id"] for o in out] == ["p1", "p2"]
    clue, benign = out
    assert set(clue["categories"]) == set(CATEGORIES)
    assert all(0.0 <= v <= 1.0 for v in clue["categories"].values())
    assert clue["flagged"] is True and clue["label"] == "surrogacy"
    assert clue["score"] == max(clue["categories"].values())
    assert benign["flagged"] is False and benign["label"] == "benign"
    surrogacy = [m for m in clue["matches"] if m["term"].startswith("代孕")]
    assert (
        surrogacy
        and surrogacy[0]["technique"] == "symbol_insert"
        and surrogacy[0]["weight"] == "strong"
    )
    for m in clue["matches"]:
        assert CLUE[m["start"] : m["end"]] == m["surface"]
    wechat = [e for e in clue["entities"] if e["kind"] == "wechat"]
    assert wechat and CLUE[wechat[0]["start"] : wechat[0]["end"]] == "fake_baobao_01"
    assert "代*孕" in (tmp_path / "out.jsonl").read_text(encoding="utf-8")  # ensure_ascii=False


def test_offsets_count_title_newline_text(tmp_path: Path) -> None:
    line = json.dumps({"id": "t", "title": "代孕", "text": "加微信 fake_dy_01"}, ensure_ascii=False)
    result = run_cli(["score", "-", "-o", "-"], cwd=tmp_path, stdin=line + "\n")
    out = json.loads(result.stdout)
    scored = "代孕\n加微信 fake_dy_01"
    for item in out["matches"] + out["entities"]:
        assert scored[item["start"] : item["end"]] in (item.get("surface"), item.get("value"))


def test_bad_lines_are_reported_with_line_numbers_skipped_and_exit_1(tmp_path: Path) -> None:
    stdin = (
        "\n".join(
            [
                json.dumps({"id": "a", "text": BENIGN}, ensure_ascii=False),
                "{not json",
                json.dumps({"id": "b"}),
                json.dumps({"text": "无编号"}, ensure_ascii=False),
                json.dumps({"id": "c", "text": CLUE}, ensure_ascii=False),
            ]
        )
        + "\n"
    )
    result = run_cli(["score", "-"], cwd=tmp_path, stdin=stdin)
    assert result.returncode == 1
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["a", "c"]
    assert "line 2" in result.stderr and "line 3" in result.stderr and "'text'" in result.stderr
    assert "line 4" in result.stderr and "'id'" in result.stderr


def test_non_utf8_line_is_skipped_and_the_rest_scored(tmp_path: Path) -> None:
    good = json.dumps({"id": "ok", "text": BENIGN}, ensure_ascii=False).encode()
    bad = (
        json.dumps({"id": "gbk", "text": "代孕"}, ensure_ascii=False)
        .encode("utf-8")
        .replace("代孕".encode(), "代孕".encode("gbk"))
    )
    (tmp_path / "mixed.jsonl").write_bytes(
        good + b"\n" + bad + b"\n" + good.replace(b'"ok"', b'"ok2"') + b"\n"
    )
    result = run_cli(["score", "mixed.jsonl"], cwd=tmp_path)
    assert result.returncode == 1
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["ok", "ok2"]
    assert "line 2" in result.stderr and "UTF-8" in result.stderr


def test_missing_model_directory_is_named(tmp_path: Path) -> None:
    result = run_cli(
        ["score", "-"], cwd=tmp_path, stdin="", env={"CLUEWATCH_MODEL_DIR": str(tmp_path / "nope")}
    )
    assert result.returncode == 2
    assert "E040" in result.stderr and str(tmp_path / "nope") in result.stderr


def test_empty_huge_and_non_chinese_texts_are_scored(tmp_path: Path) -> None:
    huge = ("今天天气不错，出去走走。" * 90_000)[:1_000_000] + " 代孕 加微信 fake_tail_01"
    lines = [
        {"id": "empty", "text": ""},
        {"id": "huge", "text": huge},
        {"id": "english", "text": "Selling my old bike, 50 dollars, call 555-0100."},
        {"id": "symbols", "text": "\u202e\u200b\x00💰💰💰"},
    ]
    stdin = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    result = run_cli(["score", "-"], cwd=tmp_path, stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = {o["id"]: o for o in map(json.loads, result.stdout.splitlines())}
    assert set(out) == {"empty", "huge", "english", "symbols"}
    assert out["empty"]["flagged"] is False and out["empty"]["matches"] == []
    assert out["english"]["flagged"] is False
    # The lexicon reads all of a long text (the model reads its first windows).
    tail = [m for m in out["huge"]["matches"] if m["term"] == "代孕"]
    assert tail and huge[tail[0]["start"] : tail[0]["end"]] == "代孕"


def _two_posts(path: Path) -> bytes:
    lines = [{"id": "p1", "text": CLUE}, {"id": "p2", "text": BENIGN}]
    path.write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8"
    )
    return path.read_bytes()


def test_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    original = _two_posts(tmp_path / "same.jsonl")
    (tmp_path / "link.jsonl").symlink_to("same.jsonl")
    for output in ("same.jsonl", "link.jsonl", str(tmp_path / "same.jsonl")):
        result = run_cli(["score", "same.jsonl", "-o", output], cwd=tmp_path)
        assert result.returncode == 2
        assert f"cannot write output {output}: it is the input file" in result.stderr
        assert (tmp_path / "same.jsonl").read_bytes() == original
    with (tmp_path / "same.jsonl").open(encoding="utf-8") as stdin:
        result = subprocess.run(
            [CLUEWATCH, "score", "-", "-o", "same.jsonl"],
            cwd=tmp_path, env=cli_env(), stdin=stdin, capture_output=True, text=True, check=False,
        )  # fmt: skip
    assert result.returncode == 2 and "it is the input file" in result.stderr
    assert (tmp_path / "same.jsonl").read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.jsonl", "same.jsonl"]


def test_output_in_a_missing_directory_is_named_without_a_traceback(tmp_path: Path) -> None:
    _two_posts(tmp_path / "in.jsonl")
    missing = tmp_path / "nonexistent" / "dir" / "x.jsonl"
    result = run_cli(["score", "in.jsonl", "-o", str(missing)], cwd=tmp_path)
    assert result.returncode == 2
    assert f"cannot write output {missing}: directory {missing.parent} does not exist" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    result = run_cli(["score", "in.jsonl", "-o", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 2 and "it is a directory" in result.stderr


def test_an_existing_output_is_replaced_whole_keeping_its_mode(tmp_path: Path) -> None:
    _two_posts(tmp_path / "in.jsonl")
    (tmp_path / "out.jsonl").write_text("old\n", encoding="utf-8")
    (tmp_path / "out.jsonl").chmod(0o640)
    result = run_cli(["score", "in.jsonl", "-o", "out.jsonl"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in out] == ["p1", "p2"]
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_an_interrupted_run_leaves_the_existing_output_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "out.jsonl").write_text("old\n", encoding="utf-8")
    process = start_cli(["score", "-", "-o", "out.jsonl"], cwd=tmp_path, stdin_pipe=True)
    assert process.stdin is not None
    # One full batch: scored and written while the input stays open.
    line = json.dumps({"id": "p", "text": BENIGN}, ensure_ascii=False) + "\n"
    process.stdin.write(line * 64)
    process.stdin.flush()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        written = [p for p in tmp_path.iterdir() if p.stat().st_size > len("old\n")]
        if written or (tmp_path / "out.jsonl").read_text(encoding="utf-8") != "old\n":
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0, stderr
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_a_model_directory_without_its_linear_model_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, model)
    (model / "linear.safetensors").unlink()
    _two_posts(tmp_path / "in.jsonl")
    result = run_cli(
        ["score", "in.jsonl", "-o", "out.jsonl"],
        cwd=tmp_path,
        env={"CLUEWATCH_MODEL_DIR": str(model)},
    )
    assert result.returncode == 2
    assert f"E040: {model / 'linear.safetensors'}: missing" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
