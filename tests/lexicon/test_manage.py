"""What `lexicon test` and the lexicon page share: the analysis of a text with the
reason for every ignored match, and per-term statistics with precision."""

from __future__ import annotations

from pathlib import Path

import pytest

from lexicon import SHIPPED_DIR, LexiconData, load_data
from lexicon.manage import add_term, analyze_text, precision, term_stats


@pytest.fixture(scope="module")
def data() -> LexiconData:
    return load_data([SHIPPED_DIR])


def _ignored(data: LexiconData, text: str) -> list[tuple[str, str, str]]:
    return [(m["term"], m["reason"], m["detail"]) for m in analyze_text(data, text)["suppressed"]]


def test_ignored_matches_carry_their_reason(data: LexiconData) -> None:
    assert ("送养", "unless", "领养代替购买") in _ignored(data, "领养代替购买，送养")
    lonely = _ignored(data, "今天说到送养这件事")
    assert lonely and lonely[0][:2] == ("送养", "no_context")
    assert set(lonely[0][2].split(",")) >= {"money", "contact"}
    assert ("代孕", "initials_unless", "直播") in _ignored(data, "直播间 dy 见")


def test_offsets_point_into_the_text(data: LexiconData) -> None:
    text = "专业代*孕 加微信 fake_wx_001"
    result = analyze_text(data, text)
    for item in result["matches"] + result["entities"] + result["suppressed"]:
        shown = text[item["start"] : item["end"]]
        assert shown == item.get("surface", shown)
    assert result["matches"][0]["surface"] == "代*孕"


def test_term_stats_join_hits_and_mark_operator_terms(tmp_path: Path) -> None:
    overlay = tmp_path / "lexicon"
    _, data = add_term(overlay, "illegal_adoption", term="暗号宝宝", weight="medium", note="测试")
    hits = [{"category": "surrogacy", "term": "代孕", "posts": 5, "confirmed": 3, "dismissed": 1}]
    rows = {(r.category, r.term): r for r in term_stats(data, hits, overlay)}
    assert rows[("surrogacy", "代孕")].precision == 0.75 and rows[("surrogacy", "代孕")].posts == 5
    assert not rows[("surrogacy", "代孕")].operator
    assert rows[("illegal_adoption", "暗号宝宝")].operator
    assert rows[("illegal_adoption", "暗号宝宝")].precision is None
    assert next(iter(term_stats(data, hits, overlay))).term == "代孕"  # most posts first
    assert precision(0, 0) is None and precision(0, 2) == 0.0
