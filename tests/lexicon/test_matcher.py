"""The matcher on a small fixture lexicon: techniques, context rules, offsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cluewatch.errors import LexiconDataError
from lexicon import Matcher, load_data
from lexicon.normalize import normalize

FIXTURE = Path(__file__).parent / "fixture_data"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_data([FIXTURE]))


def found(matcher: Matcher, text: str) -> list[tuple[str, str, str]]:
    analysis = matcher.analyze(text)
    for m in analysis.matches:
        assert text[m.start : m.end] == m.surface
    return [(m.term, m.weight, m.technique) for m in analysis.matches]


@pytest.mark.parametrize(
    ("text", "technique"),
    [
        ("专业代孕机构", "plain"),
        ("专业代*孕机构", "symbol_insert"),
        ("专业代 | 孕机构", "symbol_insert"),
        ("专业代\u200b孕机构", "zero_width"),
        ("专业代代孕孕机构", "repeat"),
        ("专业代怀机构", "plain"),
        ("专业dai yun机构", "pinyin"),
        ("专业ＤＡＩＹＵＮ机构", "pinyin"),
    ],
)
def test_strong_term_found_through_obfuscation(matcher: Matcher, text: str, technique: str) -> None:
    assert ("代孕", "strong", technique) in found(matcher, text)


def test_gap_between_characters_is_bounded(matcher: Matcher) -> None:
    assert found(matcher, "代——————孕") == []


def test_homophone_needs_context_and_is_demoted(matcher: Matcher) -> None:
    assert found(matcher, "带孕妇去医院检查") == []
    assert found(matcher, "找带孕的私聊 加微信") == [("代孕", "medium", "homophone")]


def test_initials_only_with_context_and_outside_words(matcher: Matcher) -> None:
    assert found(matcher, "DY") == []
    assert found(matcher, "study yoga 加微信") == []
    assert ("代孕", "strong", "initials") in found(matcher, "DY 加微信 fake_dy_01")


def test_weak_term_counts_only_with_its_context(matcher: Matcher) -> None:
    assert found(matcher, "送养") == []
    assert found(matcher, "送養 紅包") == [("送养", "weak", "traditional")]
    # Two kinds of context (a baby and money) make it as telling as a medium term.
    assert found(matcher, "送養男嬰 紅包") == [("送养", "medium", "traditional")]


def test_negative_context_suppresses_weak_term(matcher: Matcher) -> None:
    assert found(matcher, "免费送养猫咪 私聊 加微信") == []


def test_repeated_term_characters_need_the_same_run(matcher: Matcher) -> None:
    assert found(matcher, "宝马 8w") == []
    assert found(matcher, "宝宝宝宝 8w") == [("宝宝", "weak", "repeat")]


def test_term_inside_a_contact_handle_is_not_a_match(matcher: Matcher) -> None:
    assert ("代孕", "strong", "initials") not in found(matcher, "加微信 test_dy88")


def test_bad_data_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "surrogacy.yaml").write_text(
        "category: surrogacy\nterms:\n  - {term: 代孕, weight: strong, note: x}\n  - {term: 供卵, weight: huge, note: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconDataError) as info:
        load_data([tmp_path])
    assert "surrogacy.yaml: line 4" in str(info.value) and "weight" in str(info.value)


def test_weak_term_without_context_rule_is_refused(tmp_path: Path) -> None:
    (tmp_path / "surrogacy.yaml").write_text(
        "category: surrogacy\nterms:\n  - {term: 包成功, weight: weak, note: x}\n", encoding="utf-8"
    )
    with pytest.raises(LexiconDataError, match=r"line 3.*requires"):
        load_data([tmp_path])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_offsets_are_valid_for_any_text(text: str) -> None:
    nz = normalize(text)
    assert len(nz.full) == len(text)
    assert len(nz.start) == len(nz.compact) == len(nz.end)
    assert all(0 <= a < b <= len(text) for a, b in zip(nz.start, nz.end, strict=True))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from([" ", "*", "|", "。", "\u200b", "-", "/", "~"]), min_size=1, max_size=3
    ),
    st.text(max_size=20),
    st.text(max_size=20),
)
def test_symbols_between_strong_term_characters_still_match(
    separators: list[str], before: str, after: str
) -> None:
    matcher = _shared_matcher()
    text = before + "代" + "".join(separators) + "孕" + after
    analysis = matcher.analyze(text)
    assert any(m.term == "代孕" and m.weight == "strong" for m in analysis.matches)
    for m in analysis.matches:
        assert text[m.start : m.end] == m.surface


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_analyze_never_raises_and_offsets_hold(text: str) -> None:
    analysis = _shared_matcher().analyze(text)
    for item in (*analysis.matches, *analysis.entities):
        assert 0 <= item.start <= item.end <= len(text)


_MATCHER: list[Matcher] = []


def _shared_matcher() -> Matcher:
    if not _MATCHER:
        _MATCHER.append(Matcher(load_data([FIXTURE])))
    return _MATCHER[0]


def test_hostile_inputs_do_not_raise(matcher: Matcher) -> None:
    for text in [
        "",
        "\ud800\udfff孤立代理",
        "\u202e代孕\u202c",
        "\x00\x01\x02代孕",
        "代孕" * 100_000,
        "a" * 10_000_000,
    ]:
        matcher.analyze(text)


def test_batch_never_matches_across_texts(matcher: Matcher) -> None:
    # 代 ends one text and 孕 begins the next; 代 and 代 would collapse as a repeat.
    results = matcher.analyze_many(["找人代", "孕 加微信 fake_ab_01", "代", "代孕"])
    assert results[0].matches == [] and results[1].matches == [] and results[2].matches == []
    assert [(m.term, m.start, m.end, m.technique) for m in results[3].matches] == [
        ("代孕", 0, 2, "plain")
    ]
    assert matcher.analyze_many([]) == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(
                ["代孕 加v fake_xy_01", "送養男嬰 紅包 8w", "dai yun 私聊", "电话 13800001111"]
            ),
        ),
        max_size=6,
    )
)
def test_batch_equals_one_text_at_a_time(texts: list[str]) -> None:
    matcher = _shared_matcher()
    assert matcher.analyze_many(texts) == [matcher.analyze(t) for t in texts]


def test_bad_guard_names_file_and_line(tmp_path: Path) -> None:
    for name in ("surrogacy.yaml", "lures.yaml"):
        (tmp_path / name).write_text((FIXTURE / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "guards.yaml").write_text(
        "guards:\n  - note: ok\n    ends_with: [婴儿]\n    followed_by: [车]\n"
        "  - note: half a rule\n    ends_with: [孕]\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconDataError, match=r"guards.yaml: line 5: a guard needs"):
        load_data([tmp_path])


def test_guard_word_after_a_term_cancels_it(tmp_path: Path) -> None:
    for name in ("surrogacy.yaml", "lures.yaml"):
        (tmp_path / name).write_text((FIXTURE / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "guards.yaml").write_text(
        "guards:\n  - note: 代孕妇\n    ends_with: [孕]\n    followed_by: [妇]\n", encoding="utf-8"
    )
    guarded = Matcher(load_data([tmp_path]))
    assert found(guarded, "家属代孕妇签字") == []
    # A separator ends the word: 代孕 and 妇科 are two words here.
    assert found(guarded, "专业代孕 妇科医生") == [("代孕", "strong", "plain")]


def test_notice_words_are_found_anywhere_in_a_post_each_once(tmp_path: Path) -> None:
    for name in ("surrogacy.yaml", "lures.yaml"):
        (tmp_path / name).write_text((FIXTURE / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "guards.yaml").write_text("notice: [警方, 拐卖, 谨防]\n", encoding="utf-8")
    noticing = Matcher(load_data([tmp_path]))
    # Far from any term, through the same obfuscations as terms, in order, once each.
    notice = noticing.analyze("拐卖儿童是犯罪。" + "。" * 80 + "警*方提醒：谨防代孕广告，拐卖必究")
    assert notice.notice == ("拐卖", "警方", "谨防")
    assert [m.term for m in notice.matches] == ["代孕"]  # the term still matches
    batch = noticing.analyze_many(["警方", "专业代孕 加微信 fake_ab_01", "拐卖 代孕"])
    assert [a.notice for a in batch] == [("警方",), (), ("拐卖",)]
    assert batch == [
        noticing.analyze(t) for t in ["警方", "专业代孕 加微信 fake_ab_01", "拐卖 代孕"]
    ]
    (tmp_path / "guards.yaml").write_text("notice: 警方\n", encoding="utf-8")
    with pytest.raises(LexiconDataError, match=r"guards.yaml: 'notice' must be a list of words"):
        load_data([tmp_path])


def test_a_term_is_not_its_own_context(tmp_path: Path) -> None:
    (tmp_path / "lures.yaml").write_text(
        (FIXTURE / "lures.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "labor_trafficking.yaml").write_text(
        "category: labor_trafficking\nterms:\n"
        "  - {term: 出国, weight: weak, note: 出境, requires: [term]}\n"
        "  - {term: 扣护照, weight: medium, note: 扣押证件}\n",
        encoding="utf-8",
    )
    (tmp_path / "sexual_exploitation.yaml").write_text(
        "category: sexual_exploitation\nterms:\n  - {term: 出国陪酒, weight: strong, note: 境外陪酒}\n",
        encoding="utf-8",
    )
    lexicon = Matcher(load_data([tmp_path]))
    # 出国 inside 出国陪酒 is another reading of the same characters, not a second term.
    assert found(lexicon, "出国陪酒 一个月五万") == [("出国陪酒", "strong", "plain")]
    assert found(lexicon, "出国打工 扣护照") == [
        ("出国", "weak", "plain"),
        ("扣护照", "medium", "plain"),
    ]
