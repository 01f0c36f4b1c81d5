"""Entity extraction: contacts, prices, places, baby sex and age.

Patterns run on the `full` view of `lexicon.normalize` (same length as the
original, so offsets carry over unchanged): full-width digits and letters,
circled digits and upper case are already folded there, and phone numbers
also match in the numeric view where Chinese numerals read as digits.
Every entity reports `text[start:end]` as its surface and a normalised
`value` (digits only for phones and QQ, lower case for handles), so that
obfuscated forms of one contact link to the same actor.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import ahocorasick_rs

from lexicon.normalize import Normalized, numeric_view


@dataclass(frozen=True, slots=True)
class EntityHit:
    kind: str  # phone | wechat | qq | telegram | price | place | baby_sex | baby_age
    value: str
    start: int
    end: int


_SEP = r"[\s\-‐‑–—.·・_/|*]{0,3}"
# Mainland mobile numbers: 1[3-9] then nine digits, each optionally separated.
_PHONE = re.compile(rf"(?<![0-9])1{_SEP}[3-9](?:{_SEP}[0-9]){{9}}(?![0-9])")
_WECHAT = re.compile(
    r"(?:微信|威信|薇信|徽信|维信|v信|vx|wx|weixin|wechat|vx号|(?:加|\+|➕)\s*v(?![a-z]))"
    r"\s*(?:号|号码|id)?\s*[:：=]?\s*([a-z][-_a-z0-9]{5,19})(?![-_a-z0-9])"
)
_QQ = re.compile(
    r"(?:qq|扣扣|企鹅|口口|抠抠|q号)\s*(?:号|号码|群)?\s*[:：=]?\s*([1-9](?:[\s\-]?[0-9]){4,10})(?![0-9])"
)
_TELEGRAM = re.compile(
    r"(?:telegram|tg|纸飞机|飞机|电报|t\.me/)\s*(?:号|id)?\s*[:：=]?\s*@?([a-z][a-z0-9_]{4,31})(?![a-z0-9_])"
)
# Three patterns that each begin with a character class, so the regex engine
# can skip ahead instead of trying every position (one alternation with a
# leading look-behind ran at a third of the speed).
_PRICE_AMOUNT = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(w|万|k|千|个数|个w|元|块|rmb|¥)(?![a-z])")
_PRICE_SIGN = re.compile(r"[¥￥]\s*([0-9]+(?:\.[0-9]+)?)")
_PRICE_WORDS = re.compile(r"面议|价格私聊|价格详谈|价钱好商量")
_PRICE_MULTIPLIER = {
    "w": 10_000,
    "万": 10_000,
    "个w": 10_000,
    "个数": 10_000,
    "k": 1_000,
    "千": 1_000,
}
_BABY_SEX = re.compile(r"([男女])(?:宝宝|宝|婴|孩子|孩|娃|童)")
_BABY_AGE = re.compile(
    r"([0-9]+|[一二两三四五六七八九十半]+)\s*(天|个月|月|周|岁)(?:大|的)?"
    r"(?=[男女]?(?:宝宝|宝|婴|孩子|孩|娃))"
)

PROVINCES = [
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
]
CITIES = [
    "石家庄",
    "唐山",
    "保定",
    "邯郸",
    "太原",
    "大同",
    "沈阳",
    "大连",
    "鞍山",
    "长春",
    "吉林市",
    "哈尔滨",
    "大庆",
    "南京",
    "苏州",
    "无锡",
    "常州",
    "南通",
    "徐州",
    "扬州",
    "杭州",
    "宁波",
    "温州",
    "嘉兴",
    "绍兴",
    "金华",
    "台州",
    "合肥",
    "芜湖",
    "阜阳",
    "福州",
    "厦门",
    "泉州",
    "漳州",
    "莆田",
    "南昌",
    "赣州",
    "济南",
    "青岛",
    "烟台",
    "潍坊",
    "临沂",
    "郑州",
    "洛阳",
    "南阳",
    "周口",
    "商丘",
    "武汉",
    "宜昌",
    "襄阳",
    "长沙",
    "株洲",
    "衡阳",
    "广州",
    "深圳",
    "东莞",
    "佛山",
    "珠海",
    "中山",
    "惠州",
    "汕头",
    "湛江",
    "茂名",
    "海口",
    "三亚",
    "成都",
    "绵阳",
    "南充",
    "贵阳",
    "遵义",
    "昆明",
    "西双版纳",
    "瑞丽",
    "大理",
    "西安",
    "咸阳",
    "兰州",
    "西宁",
    "海东",
    "银川",
    "乌鲁木齐",
    "南宁",
    "柳州",
    "桂林",
    "玉林",
    "百色",
    "凭祥",
    "东兴",
    "呼和浩特",
    "包头",
    "拉萨",
    "义乌",
]
_PLACE = ahocorasick_rs.AhoCorasick(
    sorted(set(PROVINCES + CITIES)),
    matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
    implementation=ahocorasick_rs.Implementation.DFA,
)
# An age is looked for only just before a baby word (the rare case), not at every numeral.
_BABY_WORD = re.compile(r"[宝婴孩娃]")
_AGE_REACH = 16


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def extract_entities(nz: Normalized) -> list[EntityHit]:
    """All entities in a normalised text, ordered by position."""
    full = nz.full  # already case folded, character for character
    hits: list[EntityHit] = []
    numeric = numeric_view(full)
    for m in _PHONE.finditer(numeric):
        hits.append(EntityHit("phone", _digits(m.group()), m.start(), m.end()))
    for m in _WECHAT.finditer(full):
        hits.append(EntityHit("wechat", m.group(1), m.start(1), m.end(1)))
    for m in _QQ.finditer(numeric):
        hits.append(EntityHit("qq", _digits(m.group(1)), m.start(1), m.end(1)))
    for m in _TELEGRAM.finditer(full):
        hits.append(EntityHit("telegram", m.group(1), m.start(1), m.end(1)))
    for m in _PRICE_AMOUNT.finditer(full):
        start = m.start()
        # An amount glued to a longer number or word (v3.5k, 12345w) is not a price.
        if start and full[start - 1] in _NOT_BEFORE_AMOUNT:
            continue
        hits.append(EntityHit("price", _amount_value(m), start, m.end()))
    for m in _PRICE_SIGN.finditer(full):
        hits.append(EntityHit("price", f"{m.group(1)}元", m.start(), m.end()))
    for m in _PRICE_WORDS.finditer(full):
        hits.append(EntityHit("price", "面议", m.start(), m.end()))
    for _, start, end in _PLACE.find_matches_as_indexes(full):
        hits.append(EntityHit("place", full[start:end], start, end))
    for m in _BABY_SEX.finditer(full):
        hits.append(
            EntityHit("baby_sex", "male" if m.group(1) == "男" else "female", m.start(), m.end())
        )
    searched = 0
    for word in _BABY_WORD.finditer(full):
        at = word.start()
        for m in _BABY_AGE.finditer(full, max(searched, at - _AGE_REACH), min(at + 2, len(full))):
            if m.end() <= at:
                hits.append(EntityHit("baby_age", m.group(1) + m.group(2), m.start(), m.end()))
                searched = m.end()
    hits = _drop_nested_phone_numbers(hits)
    hits.sort(key=lambda h: (h.start, h.end, h.kind))
    return hits


_NOT_BEFORE_AMOUNT = frozenset("0123456789abcdefghijklmnopqrstuvwxyz.")


def _amount_value(m: re.Match[str]) -> str:
    amount, unit = m.group(1), m.group(2)
    if unit in _PRICE_MULTIPLIER:
        return f"{float(amount) * _PRICE_MULTIPLIER[unit]:.0f}元"
    return f"{amount}元"


def _drop_nested_phone_numbers(hits: list[EntityHit]) -> list[EntityHit]:
    """A QQ or price inside a phone number span is the phone number, not a second entity."""
    phones = sorted((h.start, h.end) for h in hits if h.kind == "phone")
    if not phones:
        return hits
    starts = [a for a, _ in phones]

    def inside_phone(hit: EntityHit) -> bool:
        i = bisect_right(starts, hit.start) - 1
        return i >= 0 and hit.end <= phones[i][1]

    return [h for h in hits if h.kind == "phone" or not inside_phone(h)]


CONTEXT_KIND = {
    "phone": "contact",
    "wechat": "contact",
    "qq": "contact",
    "telegram": "contact",
    "price": "money",
    "baby_sex": "baby",
    "baby_age": "baby",
}
