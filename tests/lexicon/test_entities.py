"""Entity extraction: contacts in obfuscated forms, prices, places, baby sex and age."""

from __future__ import annotations

import pytest

from lexicon.entities import extract_entities
from lexicon.normalize import normalize


def entities(text: str) -> list[tuple[str, str, str]]:
    return [(e.kind, e.value, text[e.start : e.end]) for e in extract_entities(normalize(text))]


@pytest.mark.parametrize(
    "text",
    [
        "电话13800001234",
        "电话 138 0000 1234",
        "电话138-0000-1234",
        "电话１３８００００１２３４",
        "电话①③⑧⓪⓪⓪⓪①②③④",
        "电话一三八零零零零一二三四",
    ],
)
def test_phone_numbers_in_any_digits_normalise_to_one_value(text: str) -> None:
    phones = [e for e in entities(text) if e[0] == "phone"]
    assert [p[1] for p in phones] == ["13800001234"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("加微信 fake_bb_01", "fake_bb_01"),
        ("vx：Fake_BB_01", "fake_bb_01"),
        ("➕V fake_bb_01", "fake_bb_01"),
        ("薇信fake_bb_01", "fake_bb_01"),
    ],
)
def test_wechat_ids(text: str, value: str) -> None:
    assert [e[1] for e in entities(text) if e[0] == "wechat"] == [value]


def test_qq_telegram_price_place_and_baby() -> None:
    found = entities("扣扣 100001234，飞机 @fake_tg_01，营养费8w，广州，刚出生20天男宝")
    kinds = {(k, v) for k, v, _ in found}
    assert ("qq", "100001234") in kinds
    assert ("telegram", "fake_tg_01") in kinds
    assert ("price", "80000元") in kinds
    assert ("place", "广州") in kinds
    assert ("baby_sex", "male") in kinds
    assert ("baby_age", "20天") in kinds
