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
    "证": ("讠正",),
    "孩": ("子亥",),
    "供": ("亻共",),
    "钱": ("钅戋",),
    "收": ("丩攵",),
    "售": ("隹口",),
    "婆": ("波女",),
    "好": ("女子",),
}

MAX_FORMS = 8


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
