"""Template generator for the labelled corpus: slot fillers and obfuscation augmentation.

The hand-written posts under ``data/corpus/hand/`` are few per phrasing. This
module adds many posts per phrasing pattern, so the model sees one scenario
with other places, prices, contacts, site conventions and evasive spellings.
Every template is its own *family* (``gen-<code>-<slug>``), so the held-out
split of `classifier.corpus.split` takes whole templates and measures how the
model does on phrasings it never saw.

Run it whenever a template changes and commit the output; a test checks that
the committed files equal a fresh run, so nobody edits them by hand::

    python -m classifier.generate [--out DIR] [--seed N]

The output is a pure function of the seed (one `random.Random`, no network, no
iteration over sets). Contacts are fake by construction: WeChat
``fake_<word>_<nn>``, phones ``100 0000`` followed by four digits (no such numbers
exist), QQ 10001-10099, Telegram
``@fake_<word>``.

Template syntax: ``{name}`` fills a slot from `SLOTS` (the same value for every
use in one post; ``{name2}`` draws a second, independent value), ``{a|b|c}``
picks one alternative (``{|x}``: x or nothing), ``{3-20}`` draws an integer.
Slot values may contain slots themselves.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from classifier.templates import GROUPS, PLACES, SLOTS, TITLED, Group, Template
from cluewatch.errors import TrainingDataError

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "corpus" / "generated"
DEFAULT_SEED = 20240521
MIN_LENGTH = 10  # characters of text; augmentation may not shorten a post below it
MAX_TRIES = 40  # draws per post before a template is declared too narrow

# ---------------------------------------------------------------------------
# Filling
# ---------------------------------------------------------------------------

_BRACES = re.compile(r"\{([^{}]*)\}")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_NAME = re.compile(r"^([a-z_]+?)(\d*)$")


class Filler:
    """Expands one post's template; a named slot keeps its value for the whole post."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values: dict[str, str] = {}

    def expand(self, pattern: str) -> str:
        text = pattern
        for _ in range(10):
            expanded = _BRACES.sub(self._one, text)
            if expanded == text:
                break
            text = expanded
        if _BRACES.search(text):
            raise TrainingDataError(f"template too deeply nested: {pattern!r}")
        return text

    def _one(self, match: re.Match[str]) -> str:
        body = match.group(1)
        if "|" in body:
            return self.rng.choice(body.split("|"))
        span = _RANGE.match(body)
        if span:
            return str(self.rng.randint(int(span.group(1)), int(span.group(2))))
        return self.slot(body)

    def slot(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        parsed = _NAME.match(name)
        base, suffix = (parsed.group(1), parsed.group(2)) if parsed else (name, "")
        if base in ("prov", "city", "place"):
            prov, city = self.rng.choice(PLACES)
            self.values[f"prov{suffix}"] = prov
            self.values[f"city{suffix}"] = city
            self.values[f"place{suffix}"] = city if prov == city else f"{prov}{city}"
            return self.values[name]
        if base not in SLOTS:
            raise TrainingDataError(
                f"unknown slot {{{name}}} in a template; add it to SLOTS in classifier/generate.py"
            )
        self.values[name] = self.rng.choice(SLOTS[base])
        return self.values[name]


# ---------------------------------------------------------------------------
# Site conventions
# ---------------------------------------------------------------------------

_TIEBA_SUFFIX = ("（自顶）", " 顶一下", " 楼主在线等", " 楼主诚心的", " 求顶", "\n楼主说的都是真的")
_CHAT_PREFIX = ("@所有人 ", "【群公告】", "[{nick}] ", "群里有没有需要的，")
_VIDEO_PREFIX = ("视频简介：", "置顶评论：", "【简介】", "弹幕：")
_ECOMMERCE_SUFFIX = ("（拍前请先咨询）", " 拍下请备注", " 不议价", " 包邮")
_QA_PREFIX = ("谢邀。", "利益相关，", "说下我知道的：", "回答：")
# Closing lines of clue posts on long-form sites.
_CLUE_CLOSERS = (
    "非诚勿扰，骗子勿扰。",
    "信息长期有效，帖子没删都可以联系。",
    "评论不回，只回私信。",
    "{city}周边的可以当面详谈。",
    "看到的朋友帮忙顶一下，谢谢。",
    "之前的号被封了，这是新号，老客户重新加一下。",
    "同行勿扰，只接诚心的。",
    "平台审核严，具体的私下说。",
)


def _derive_title(text: str) -> str:
    first = re.split(r"[，。！？\n：；,!?]", text, maxsplit=1)[0].strip()
    return first[:20] or text[:20]


def wrap(
    site: str, template: Template, group: Group, fill: Filler, rng: random.Random
) -> tuple[str, str]:
    """Title and text of one post dressed in the conventions of its site kind."""
    text = fill.expand(template.text)
    title = ""
    if group.label and site in ("forum", "classifieds", "tieba") and rng.random() < 0.4:
        text += ("\n" if len(text) > 80 else " ") + fill.expand(rng.choice(_CLUE_CLOSERS))
    if site in TITLED:
        if template.title:
            title = fill.expand(template.title)
        elif group.titles:
            title = fill.expand(rng.choice(group.titles))
        else:
            title = _derive_title(text)
        if site == "classifieds" and rng.random() < 0.4 and fill.slot("city") not in title:
            title = f"【{fill.slot('city')}】{title}"
        if site == "ecommerce" and rng.random() < 0.4:
            text += rng.choice(_ECOMMERCE_SUFFIX)
    elif site == "qa":
        title = fill.expand(template.title) if template.title else ""
        if not text.startswith(("问：", "谢邀")) and rng.random() < 0.5:
            text = rng.choice(_QA_PREFIX) + text
    elif site == "tieba":
        roll = rng.random()
        if roll < 0.35:
            text += rng.choice(_TIEBA_SUFFIX)
        elif roll < 0.5:
            text = "回复楼主：" + text
    elif site == "microblog":
        if rng.random() < 0.6 and "#" not in text:
            tags = rng.sample(group.tags, k=min(len(group.tags), rng.choice((1, 2))))
            text += " " + "".join(fill.expand(tag) for tag in tags)
        if rng.random() < 0.2:
            text += f" @{fill.expand('{nick}')}"
    elif site == "comment":
        if rng.random() < 0.25:
            text = f"回复 @{fill.expand('{nick2}')}：{text}"
    elif site == "chat":
        if rng.random() < 0.5 and not text.startswith("@"):
            text = fill.expand(rng.choice(_CHAT_PREFIX)) + text
    elif site == "video":
        roll = rng.random()
        if roll < 0.5:
            text = rng.choice(_VIDEO_PREFIX) + text
        elif roll < 0.65:
            text += "（详情看简介）"
    return title, text


# ---------------------------------------------------------------------------
# Obfuscation augmentation
# ---------------------------------------------------------------------------

# Vocabulary rewritten by the augmentation: clue jargon and the benign words
# posters and ordinary users share with it. Longest first, so 卖肾 wins over 肾.
JARGON: tuple[str, ...] = tuple(
    sorted(
        (
            "出生医学证明", "出生证明", "出生证", "营养费", "感谢费", "代孕", "代怀", "孕妈", "助孕",
            "供卵", "捐卵", "送养", "领养", "抱养", "收养", "过继", "上户口", "上户", "落户",
            "宝宝", "男宝", "女宝", "孩子", "娃", "婴儿", "新娘", "媳妇", "老婆", "姑娘", "彩礼",
            "包成功", "包性别", "包赔", "卖肾", "收肾", "肾源", "肾", "腰子", "肝", "配型", "器官",
            "高薪", "月薪", "日结", "包吃住", "护照", "签证", "机票", "缅甸", "柬埔寨", "越南",
            "老挝", "园区", "陪酒", "会所", "兼职", "学生", "私聊", "微信", "红包", "卖", "价格",
            "孕妇", "怀孕", "试管", "亲子鉴定", "转让", "出售", "领证", "招聘", "送", "钱",
            "收购", "猫", "狗", "手机", "电话", "飞机", "陪同", "出台", "伴游", "茶妹", "技师",
            "包养", "人头费", "聋哑人", "代办", "钢印", "公章", "一条龙", "包领证", "包娶", "定金",
            "供体", "眼角膜", "肝源", "借腹", "选性别", "求卵", "预产期", "抱走", "交接", "接手",
            "福利院", "出国", "边境", "偷渡", "相亲",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
_JARGON_RE = re.compile("|".join(re.escape(term) for term in JARGON))
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")
_HAN_PAIR = re.compile(r"[\u4e00-\u9fff]{2}")
_MILD = frozenset({"separator", "zero_width", "repeat", "traditional"})

SEPARATORS = ("*", " ", "|", "·", "/", "-", "_", "~", ".", "、")
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff")
HOMOPHONES: dict[str, tuple[str, ...]] = {
    "代": ("带", "岱", "呆"), "孕": ("运", "韵"), "养": ("痒", "氧"), "肾": ("申",),
    "卖": ("麦",), "娃": ("哇",), "送": ("颂", "宋"), "宝": ("保", "堡"), "证": ("正", "政"),
    "婴": ("樱", "鹰"), "妈": ("马", "玛"), "收": ("手",), "肝": ("干",), "新": ("心", "欣"),
    "娘": ("酿",), "户": ("互",), "薪": ("新", "心"), "卵": ("峦",), "钱": ("前", "潜"),
    "私": ("思", "斯"), "聊": ("撩",), "领": ("令", "岭"), "怀": ("淮",), "助": ("住",),
    "护": ("户",), "照": ("兆",), "微": ("薇", "威"), "信": ("芯",), "腰": ("要", "妖"),
    "器": ("气",), "官": ("管",), "陪": ("培",), "酒": ("久", "九"), "鉴": ("见",),
    "媳": ("西",), "妇": ("付",), "彩": ("采",), "礼": ("李",), "孩": ("还",),
}  # fmt: skip
SPLITS: dict[str, str] = {
    "代": "亻弋", "孕": "乃子", "娃": "女圭", "卖": "十买", "肾": "臤月", "好": "女子",
    "妈": "女马", "婚": "女昏", "娶": "取女", "招": "扌召", "供": "亻共", "证": "讠正",
    "肝": "月干", "腰": "月要", "钱": "钅戋", "胎": "月台", "领": "令页", "价": "亻介",
    "信": "亻言", "私": "禾厶", "姑": "女古", "娘": "女良", "妇": "女彐", "陪": "阝咅",
    "酒": "氵酉", "薪": "艹新", "怀": "忄不", "孩": "子亥", "转": "车专", "护": "扌户",
    "机": "木几", "猫": "犭苗", "狗": "犭句", "媳": "女息", "收": "丩攵", "助": "且力",
}  # fmt: skip
# Emoji readings agree with lexicon/normalize.py EMOJI_MEANINGS (宝宝 reads 婴儿 there).
EMOJI: tuple[tuple[str, str], ...] = (
    ("宝宝", "👶"), ("婴儿", "👶"), ("孕", "🤰"), ("肾", "🫘"), ("腰子", "🫘"),
    ("红包", "🧧"), ("钱", "💰"), ("新娘", "👰"), ("女孩", "👧"), ("男孩", "👦"),
    ("孩", "🧒"), ("飞机", "✈️"), ("电话", "📞"), ("手机", "📱"), ("越南", "🇻🇳"),
    ("缅甸", "🇲🇲"), ("柬埔寨", "🇰🇭"), ("老挝", "🇱🇦"), ("酒", "🍷"), ("证", "🆔"),
    ("狗", "🐶"), ("婚", "💍"), ("眼", "👁"),
)  # fmt: skip
_CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
_CN_DIGITS = "零一二三四五六七八九"


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@lru_cache(maxsize=1)
def _s2t() -> _Converter:
    import opencc

    converter: _Converter = opencc.OpenCC("s2t")
    return converter


def _traditional(text: str) -> str:
    return _s2t().convert(text)


def _pinyin(term: str, rng: random.Random) -> str:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(term, style=Style.NORMAL, errors="default")
    initials = [s[0] for s in syllables if s]
    choice = rng.randrange(5)
    if choice == 0 or len(term) == 1:
        return "".join(syllables)
    if choice == 1:
        return " ".join(syllables)
    if choice == 2:
        return "".join(initials)
    if choice == 3:
        return "".join(initials).upper()
    # mixed: one character spelled out, the rest left in Han
    index = rng.randrange(len(term))
    return term[:index] + syllables[index] + term[index + 1 :] if index < len(syllables) else term


def _fullwidth(term: str, rng: random.Random) -> str:
    if term.isdigit() and len(term) <= 4 and rng.random() < 0.4:
        table = _CIRCLED if rng.random() < 0.5 else _CN_DIGITS
        return "".join(table[int(c)] for c in term)
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in term)


def _separate(term: str, rng: random.Random) -> str:
    return rng.choice(SEPARATORS).join(term)


def _zero_width(term: str, rng: random.Random) -> str:
    return rng.choice(ZERO_WIDTH).join(term)


def _repeat(term: str, rng: random.Random) -> str:
    index = rng.randrange(len(term))
    if rng.random() < 0.3:
        return term[: index + 1] + rng.choice(("~", "～", "。。")) + term[index + 1 :]
    return term[: index + 1] + term[index] * rng.choice((1, 2)) + term[index + 1 :]


def _homophone(term: str, rng: random.Random) -> str:
    spots = [i for i, c in enumerate(term) if c in HOMOPHONES]
    if not spots:
        return term
    chosen = spots if rng.random() < 0.5 else [rng.choice(spots)]
    return "".join(rng.choice(HOMOPHONES[c]) if i in chosen else c for i, c in enumerate(term))


def _split(term: str, rng: random.Random) -> str:
    spots = [i for i, c in enumerate(term) if c in SPLITS]
    if not spots:
        return term
    index = rng.choice(spots)
    return term[:index] + SPLITS[term[index]] + term[index + 1 :]


def _emoji(term: str, rng: random.Random) -> str:
    for word, symbol in EMOJI:
        if word in term:
            return term.replace(word, symbol, 1)
    return term


def _trad_term(term: str, rng: random.Random) -> str:
    return _traditional(term)


def _pinyin_term(term: str, rng: random.Random) -> str:
    return _pinyin(term, rng)


TECHNIQUES = {
    "separator": _separate,
    "zero_width": _zero_width,
    "repeat": _repeat,
    "traditional": _trad_term,
    "fullwidth": _fullwidth,
    "pinyin": _pinyin_term,
    "homophone": _homophone,
    "split": _split,
    "emoji": _emoji,
}


def obfuscate(term: str, technique: str, rng: random.Random) -> str:
    """`term` rewritten with one technique; unchanged when the technique does not apply."""
    return TECHNIQUES[technique](term, rng)


def _targets(text: str, technique: str) -> list[str]:
    """Distinct strings of `text` that `technique` would rewrite, in order of appearance."""
    if technique == "fullwidth":
        found = _ASCII_RUN.findall(text)
    elif _JARGON_RE.search(text):
        found = _JARGON_RE.findall(text)
    elif technique in _MILD:
        # No shared vocabulary (an everyday post): only the techniques that
        # read as noise on any word, not pinyin initials of a random word.
        found = _HAN_PAIR.findall(text)
    else:
        found = []
    if technique in ("separator", "zero_width"):
        found = [f for f in found if len(f) > 1]
    return list(dict.fromkeys(found))


def _applicable(term: str, technique: str) -> bool:
    probe = random.Random(0)
    return any(obfuscate(term, technique, probe) != term for _ in range(3))


def augment(
    title: str, text: str, rng: random.Random, *, techniques: Sequence[str] | None = None
) -> tuple[str, str, tuple[str, ...]]:
    """Rewrite one or two terms of a post with one or two evasion techniques.

    The same rewrite is applied everywhere the term occurs, in title and text.
    Returns the new title and text and the techniques that changed something
    (empty when none applied, e.g. a text with no Han characters).
    """
    # Without explicit techniques: one or two, with the rest (in random order)
    # standing by in case the chosen ones find nothing to rewrite in this post.
    names = list(techniques) if techniques else rng.sample(list(TECHNIQUES), k=len(TECHNIQUES))
    wanted = len(names) if techniques else rng.choice((1, 2))
    used: list[str] = []
    for name in names:
        if len(used) >= wanted:
            break
        if name == "traditional" and rng.random() < 0.3:
            new_title, new_text = _traditional(title), _traditional(text)
            if new_text != text or new_title != title:
                title, text = new_title, new_text
                used.append(name)
            continue
        candidates = [term for term in _targets(text, name) if _applicable(term, name)]
        if not candidates:
            continue
        term = rng.choice(candidates)
        replacement = obfuscate(term, name, rng)
        for _ in range(5):
            if replacement != term:
                break
            replacement = obfuscate(term, name, rng)
        if replacement == term:
            continue
        if name == "fullwidth":
            # Whole runs only: "8" in "8千" must not rewrite the 8 inside a QQ number.
            run = re.compile(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])")
            title, text = run.sub(replacement, title), run.sub(replacement, text)
        else:
            title, text = title.replace(term, replacement), text.replace(term, replacement)
        used.append(name)
    return title, text, tuple(used)


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


@dataclass
class Generated:
    """Records per output file, and how many of them the augmentation rewrote."""

    files: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    augmented: dict[str, int] = field(default_factory=dict)


def _schedule(group: Group, rng: random.Random) -> list[Template]:
    """`group.count` templates, every template as often as any other (±1), shuffled."""
    order = list(group.templates)
    rng.shuffle(order)
    slots = [order[i % len(order)] for i in range(group.count)]
    rng.shuffle(slots)
    return slots


def generate(seed: int = DEFAULT_SEED) -> Generated:
    """Draw every group's posts; raise TrainingDataError when a template cannot vary enough."""
    rng = random.Random(seed)
    result = Generated()
    seen: set[str] = set()
    for group in GROUPS:
        records: list[dict[str, object]] = []
        augmented = 0
        for number, template in enumerate(_schedule(group, rng), start=1):
            for _ in range(MAX_TRIES):
                site = rng.choice(template.sites)
                title, text = wrap(site, template, group, Filler(rng), rng)
                if f"{title}\n{text}" not in seen:
                    break
            else:
                raise TrainingDataError(
                    f"template gen-{group.code}-{template.slug} gave only duplicates after "
                    f"{MAX_TRIES} draws; add alternatives or slots to it"
                )
            if rng.random() < group.augment_rate:
                new_title, new_text, used = augment(title, text, rng)
                if used and len(new_text) >= MIN_LENGTH:
                    title, text = new_title, new_text
                    augmented += 1
            seen.add(f"{title}\n{text}")
            labels = [group.label, *template.extra] if group.label else []
            records.append(
                {
                    "id": f"gen-{group.code}-{number:04d}",
                    "title": title,
                    "text": text,
                    "labels": labels,
                    "site_kind": site,
                    "family": f"gen-{group.code}-{template.slug}",
                    "source": "generated",
                    "negative_kind": template.kind or group.negative_kind,
                }
            )
        result.files[group.file] = records
        result.augmented[group.file] = augmented
    return result


def write(generated: Generated, out: Path) -> list[Path]:
    """Write one JSONL file per group into `out` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, records in generated.files.items():
        path = out / f"{name}.jsonl"
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m classifier.generate", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    generated = generate(args.seed)
    write(generated, args.out)
    total = sum(len(r) for r in generated.files.values())
    for name, records in generated.files.items():
        families = len({str(r["family"]) for r in records})
        share = generated.augmented[name] / len(records)
        sys.stdout.write(
            f"{name:22s} {len(records):4d} posts {families:3d} families {share:5.1%} augmented\n"
        )
    sys.stdout.write(f"{'total':22s} {total:4d} posts -> {args.out}\n")


if __name__ == "__main__":
    main()
