"""Characters written as their components (拆字), the documented set.

Posters split a character into the parts it is written with so that a filter
looking for the whole character misses it: 亻弋孕 for 代孕, 十买肾 for 卖肾,
女圭女圭 for 娃娃. The matcher adds, for every term form containing one of
these characters, the forms with the character split (each occurrence, all
combinations, at most `MAX_FORMS` per term form).

Only characters that appear in terms and whose split is visually obvious are
listed: a split that is itself an ordinary word would cost precision (女马 is
also "women's marathon", but only ever appears here inside a longer term form
such as 代女马).
"""

from __future__ import annotations

from itertools import product

SPLIT_CHARS: dict[str, tuple[str, ...]] = {
    "代": ("亻弋",),
    "孕": ("乃子",),
    "娃": ("女圭",),
    "婴": ("賏女", "贝贝女"),
    "卖": ("十买",),
    "买": ("乛头",),
    "肾": ("臤月", "刂又月"),
    "妈": ("女马",),
    "奶": ("女乃",),
    "姐": ("女且",),
    "妹": ("女未",),
    "婚": ("女昏",),
    "嫁": ("女家",),
    "娶": ("取女",),
    "娘": ("女良",),
    "胎": ("月台",),
    "肝": ("月干",),
    "胚": ("月丕",),
    "证": ("讠正", "言正"),
    "渡": ("氵度",),
    "蛇": ("虫它",),
    "狗": ("犭句",),
    "酒": ("氵酉",),
    "陪": ("阝咅",),
    "送": ("辶关",),
    "领": ("令页",),
    "腹": ("月复",),
    "媳": ("女息",),
    "偷": ("亻俞",),
    "嫖": ("女票",),
    "妇": ("女彐",),
    "孩": ("子亥",),
    "供": ("亻共",),
    "钱": ("钅戋",),
    "收": ("丩攵",),
    "售": ("隹口",),
    "婆": ("波女",),
    "好": ("女子",),
}

MAX_FORMS = 8

# Latin initials that stand for a place inside jargon (MB高薪 = 缅北高薪, YN新娘 =
# 越南新娘). Forms with the initials are matched like pinyin initials: only
# with context, and not next to words that make them mean something else.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "缅北": ("mb",),
    "缅甸": ("md",),
    "越南": ("yn",),
    "柬埔寨": ("jpz",),
    "老挝": ("lw",),
}


def split_forms(text: str) -> list[str]:
    """`text` with one or more of its splittable characters written as components."""
    options = [(ch, *SPLIT_CHARS.get(ch, ())) for ch in text]
    if all(len(o) == 1 for o in options):
        return []
    forms: list[str] = []
    for combo in product(*options):
        form = "".join(combo)
        if form != text:
            forms.append(form)
        if len(forms) >= MAX_FORMS:
            break
    return forms


def abbreviation_forms(text: str) -> list[str]:
    """`text` with a place written as its Latin initials (缅北高薪 -> mb高薪)."""
    forms: list[str] = []
    for place, abbreviations in ABBREVIATIONS.items():
        if place in text and text != place:
            forms.extend(text.replace(place, short) for short in abbreviations)
    return forms
