"""Text normalisation with an offset map back to the original text.

Posters evade filters with full-width letters, traditional characters, symbols
and zero-width characters between characters, repeated characters and emoji.
`normalize` undoes all of that at once and remembers, for every character of
the normalised text, which span of the original it came from, so that a match
found in the normalised text reports `text[start:end] == surface`.

Everything runs on numpy arrays of code points through lookup tables built
once per process (`Tables`), so the cost per character is a handful of
vectorised operations, not a Python loop.

Views produced for one text:

* `full`: the original with every character mapped to its normal form
  (NFKC, case folded, traditional to simplified, full-width to half-width).
  Same length as the original; entity patterns run on it.
* `compact`: `full` without separators (spaces, punctuation, symbols,
  zero-width and control characters), with emoji replaced by their meaning
  and runs of one repeated Han character collapsed to one. Terms match here.
* `spelled`: `compact` with every Han character spelled in toneless pinyin.
  Homophones (带孕), pinyin (daiyun, dai yun) and mixtures (dai孕) of a term
  all spell the same here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

# Emoji that stand in for a character or an object in evasive posts. The
# meaning is spliced into the compact view, so terms and lures written with
# them match (e.g. "🤰" in "🤰妈" reads 孕妈, "➕V" reads 加v).
EMOJI_MEANINGS: dict[str, str] = {
    "🤰": "孕",
    "🫃": "孕",
    "🫄": "孕",
    "👶": "婴儿",
    "🍷": "酒",
    "🍺": "酒",
    "🐍": "蛇",
    "🆔": "证",
    "🐶": "狗",
    "🐕": "狗",
    "🍼": "奶",
    "🧒": "孩",
    "👧": "女孩",
    "👦": "男孩",
    "👩": "女",
    "👨": "男",
    "👰": "新娘",
    "💍": "婚",
    "💰": "钱",
    "💴": "钱",
    "💵": "钱",
    "💸": "钱",
    "🧧": "红包",
    "🫘": "肾",
    "🫀": "心脏",
    "🫁": "肺",
    "👁": "眼",
    "📞": "电话",
    "☎": "电话",
    "📱": "手机",
    "🐧": "企鹅",
    "✈": "飞机",
    "🛫": "飞机",
    "➕": "加",
    "✚": "加",
    "🆚": "vs",
    "🇻🇳": "越南",
    "🇲🇲": "缅甸",
    "🇰🇭": "柬埔寨",
    "🇱🇦": "老挝",
    "🇹🇭": "泰国",
    "🇵🇭": "菲律宾",
    "🇺🇸": "美国",
    "🇬🇪": "格鲁吉亚",
    "🇺🇦": "乌克兰",
    "🇰🇬": "吉尔吉斯",
}

# Chinese and formal numerals read as digits in the numeric view (phone numbers
# written 一三八…, 壹叁捌…). Circled and full-width digits are already digits
# after NFKC.
CHINESE_DIGITS = {
    "零": "0",
    "〇": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "壹": "1",
    "贰": "2",
    "貳": "2",
    "叁": "3",
    "參": "3",
    "肆": "4",
    "伍": "5",
    "陆": "6",
    "陸": "6",
    "柒": "7",
    "捌": "8",
    "玖": "9",
}

MAX_CODE = 0x110000
# Code points whose normalisation is not a single character (emoji meanings,
# NFKC expansions such as ⑩ -> 10) carry this value in the map table.
_SPECIAL = np.uint32(0xFFFFFFFF)


def is_han(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2EBEF


class Tables:
    """Lookup tables indexed by code point, built once per process."""

    def __init__(self) -> None:
        import opencc
        from pypinyin import Style, lazy_pinyin

        self.map = np.arange(MAX_CODE, dtype=np.uint32)
        # 1 = kept in the compact view, 0 = separator (dropped).
        self.keep = np.ones(MAX_CODE, dtype=np.uint8)
        # 1 = Han character (collapsed when repeated, spelled in pinyin).
        self.han = np.zeros(MAX_CODE, dtype=np.uint8)
        self.expansions: dict[int, str] = {}

        for code in range(0x30000):
            if 0xD800 <= code <= 0xDFFF:
                # A lone surrogate (only hostile input holds one) reads as U+FFFD.
                self.map[code] = 0xFFFD
                self.keep[code] = 0
                continue
            char = chr(code)
            category = unicodedata.category(char)
            if category[0] in "ZPC" or category in ("Sk", "Sm", "Sc", "So"):
                self.keep[code] = 0
            if (0x4E00 <= code <= 0x9FFF) or (0x3400 <= code <= 0x4DBF) or code >= 0x20000:
                if category[0] == "L":
                    self.han[code] = 1
                continue
            if code < 0x80 and not char.isalpha():
                continue
            normal = unicodedata.normalize("NFKC", char).casefold()
            if normal == char:
                continue
            if len(normal) == 1:
                self.map[code] = ord(normal)
                # A symbol whose normal form is a letter or digit (①, 𝐊) is kept.
                if normal.isalnum():
                    self.keep[code] = 1
                if is_han(normal):
                    self.han[code] = 1
            elif normal and all(c.isalnum() for c in normal):
                self.expansions[code] = normal
                self.keep[code] = 1
        self.keep[0xE0000:0xE0080] = 0  # tag characters (emoji flag sequences)
        self.keep[0xFE00:0xFE10] = 0  # variation selectors
        self.keep[0xE0100:0xE01F0] = 0

        # Traditional -> simplified, one character at a time, from OpenCC's own data.
        converter = opencc.OpenCC("t2s")
        han_codes = [c for c in range(0x3400, 0xA000) if self.han[c]]
        source = "\n".join(chr(c) for c in han_codes)
        target = converter.convert(source).split("\n")
        if len(target) == len(han_codes):
            for code, simple in zip(han_codes, target, strict=True):
                if len(simple) == 1 and simple != chr(code):
                    self.map[code] = ord(simple)

        for emoji, meaning in EMOJI_MEANINGS.items():
            code = ord(emoji[0])
            if len(emoji) == 1:
                self.expansions[code] = meaning
                self.keep[code] = 1
        # Regional-indicator pairs (flags) are matched as pairs in `normalize`.
        self.flags = {k: v for k, v in EMOJI_MEANINGS.items() if len(k) == 2}
        for code in self.expansions:
            self.map[code] = _SPECIAL

        # Toneless pinyin of each simplified Han character (its most common reading).
        simple_han = sorted({int(self.map[c]) for c in han_codes} | set(han_codes))
        readings = lazy_pinyin(
            [chr(c) for c in simple_han], style=Style.NORMAL, errors=lambda s: ["?"] * len(s)
        )
        self.spell: dict[int, str] = {}
        for code, reading in zip(simple_han, readings, strict=True):
            if reading.isascii() and reading.isalpha():
                self.spell[code] = reading.replace("ü", "v")
        self.spell_len = np.ones(MAX_CODE, dtype=np.int64)
        for code, reading in self.spell.items():
            self.spell_len[code] = len(reading)
        # The readings laid end to end, and where each character's reading starts
        # (-1: not spelled, the character stands for itself), so that a whole
        # text is spelled with a few array operations.
        self.spell_at = np.full(MAX_CODE, -1, dtype=np.int64)
        flat: list[int] = []
        for code, reading in self.spell.items():
            self.spell_at[code] = len(flat)
            flat.extend(ord(c) for c in reading)
        self.spell_flat = np.array(flat, dtype=np.uint32)

        self.digits = np.arange(MAX_CODE, dtype=np.uint32)
        for numeral, digit in CHINESE_DIGITS.items():
            self.digits[ord(numeral)] = ord(digit)


@lru_cache(maxsize=1)
def tables() -> Tables:
    return Tables()


@dataclass(frozen=True)
class Normalized:
    """The views of one text and the maps from each view back to the original.

    `start[i]`/`end[i]` give the original span of compact character i;
    `runs[i]` how many repeated characters were collapsed into it.
    `spelled_char[j]` gives the compact index of spelled character j, and
    `spelled_boundary[j]` is true where a compact character begins.
    """

    original: str
    full: str
    compact: str
    start: IntArray
    end: IntArray
    runs: IntArray
    spelled: str
    spelled_char: IntArray
    spelled_boundary: npt.NDArray[np.bool_]

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Original span of compact characters first..last-1."""
        return int(self.start[first]), int(self.end[last - 1])

    def max_gap(self, first: int, last: int) -> int:
        """Largest number of original characters dropped between compact chars first..last-1."""
        if last - first < 2:
            return 0
        gaps = self.start[first + 1 : last] - self.end[first : last - 1]
        return int(gaps.max())


_FLAG_RE = re.compile("[\U0001f1e6-\U0001f1ff]{2}")


def _codes(text: str) -> npt.NDArray[np.uint32]:
    # surrogatepass keeps lone surrogates (which hostile input may hold) as code points.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _decode(codes: npt.NDArray[np.uint32]) -> str:
    return codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def normalize(text: str, segments: IntArray | None = None) -> Normalized:
    """Build the views of `text`. Never raises for any `str`.

    `segments` (optional, one non-decreasing id per character of `text`) marks
    independent texts joined into one for batch processing: repeated
    characters are never collapsed across two segments.
    """
    t = tables()
    codes = _codes(text)
    n = len(codes)
    mapped = t.map[codes]
    special = mapped == _SPECIAL
    full_codes = np.where(special, codes, mapped)
    full = _decode(full_codes)

    keep_idx = np.flatnonzero(t.keep[codes]).astype(np.int64)
    kept = full_codes[keep_idx]
    starts = keep_idx
    ends = keep_idx + 1

    flags = bool(n) and int(codes.max()) >= 0x1F1E6 and _FLAG_RE.search(text) is not None
    if flags or special.any():
        kept, starts, ends = _expand(text, codes, special, flags, kept, starts, ends, t)

    # Collapse runs of one repeated Han character (代代孕孕 -> 代孕).
    if len(kept):
        same = np.zeros(len(kept), dtype=bool)
        same[1:] = (kept[1:] == kept[:-1]) & (t.han[kept[1:]] == 1)
        if segments is not None:
            owner = segments[starts]
            same[1:] &= owner[1:] == owner[:-1]
        if same.any():
            heads = np.flatnonzero(~same)
            run_ends = np.append(heads[1:], len(kept)) - 1
            runs = (run_ends - heads + 1).astype(np.int64)
            kept_c = kept[heads]
            start_c = starts[heads]
            end_c = ends[run_ends]
        else:
            runs = np.ones(len(kept), dtype=np.int64)
            kept_c, start_c, end_c = kept, starts, ends
    else:
        runs = np.ones(0, dtype=np.int64)
        kept_c, start_c, end_c = kept, starts, ends
    compact = _decode(kept_c)

    lengths = t.spell_len[kept_c]
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum()) if len(lengths) else 0
    spelled = _spell(kept_c, lengths, offsets, total, t)
    spelled_char = np.repeat(np.arange(len(kept_c), dtype=np.int64), lengths)
    boundary = np.zeros(total + 1, dtype=bool)
    boundary[offsets] = True
    boundary[total] = True
    return Normalized(
        original=text,
        full=full,
        compact=compact,
        start=start_c.astype(np.int64),
        end=end_c.astype(np.int64),
        runs=runs,
        spelled=spelled,
        spelled_char=spelled_char,
        spelled_boundary=boundary,
    )


def _spell(
    kept: npt.NDArray[np.uint32], lengths: IntArray, offsets: IntArray, total: int, t: Tables
) -> str:
    """The compact codes with every Han character replaced by its pinyin."""
    if total == len(kept):
        return _decode(kept)  # nothing to spell
    at = t.spell_at[kept]
    position = np.arange(total, dtype=np.int64) - np.repeat(offsets, lengths)
    source = np.repeat(at, lengths)
    spelled = np.where(
        source >= 0,
        t.spell_flat[np.maximum(source, 0) + position],
        np.repeat(kept, lengths),
    )
    return _decode(spelled.astype(np.uint32))


def _expand(
    text: str,
    codes: npt.NDArray[np.uint32],
    special: npt.NDArray[np.bool_],
    flags: bool,
    kept: npt.NDArray[np.uint32],
    starts: IntArray,
    ends: IntArray,
    t: Tables,
) -> tuple[npt.NDArray[np.uint32], IntArray, IntArray]:
    """Splice multi-character meanings (emoji, NFKC expansions, flags) into the compact view."""
    replacements: dict[int, tuple[int, str]] = {}  # original index -> (span length, meaning)
    if flags:
        for flag in _FLAG_RE.finditer(text):
            meaning = t.flags.get(flag.group())
            if meaning:
                replacements[flag.start()] = (2, meaning)
    for index, code in zip(np.flatnonzero(special).tolist(), codes[special].tolist(), strict=True):
        replacements.setdefault(index, (1, t.expansions[code]))
    if not replacements:
        return kept, starts, ends
    out_codes: list[npt.NDArray[np.uint32]] = []
    out_starts: list[IntArray] = []
    out_ends: list[IntArray] = []
    position = 0  # in kept arrays
    covered_until = -1
    for index in sorted(replacements):
        if index < covered_until:
            continue
        width, meaning = replacements[index]
        cut = int(np.searchsorted(starts, index))
        out_codes.append(kept[position:cut])
        out_starts.append(starts[position:cut])
        out_ends.append(ends[position:cut])
        meaning_codes = t.map[_codes(meaning)]
        out_codes.append(meaning_codes)
        out_starts.append(np.full(len(meaning_codes), index, dtype=np.int64))
        out_ends.append(np.full(len(meaning_codes), index + width, dtype=np.int64))
        skip = int(np.searchsorted(starts, index + width))
        position = max(skip, cut)
        covered_until = index + width
    out_codes.append(kept[position:])
    out_starts.append(starts[position:])
    out_ends.append(ends[position:])
    return (
        np.concatenate(out_codes).astype(np.uint32),
        np.concatenate(out_starts),
        np.concatenate(out_ends),
    )


def numeric_view(full: str) -> str:
    """`full` with Chinese numerals read as digits; same length, for phone numbers."""
    return _decode(tables().digits[_codes(full)])


def normalize_term(term: str) -> str:
    """The compact form of a lexicon term, as it appears in the compact view."""
    return normalize(term).compact


def spell_term(term: str) -> list[str]:
    """Pinyin spellings of a term: its reading as a word and its per-character reading.

    Only common readings are used: the word reading from pypinyin's phrase
    dictionary (包成功 -> baochenggong) and the most common reading of each
    character, which is what the text side spells (`Tables.spell`). Rare
    readings of polyphonic characters (包 -> fu, 童 -> zhong) would match
    ordinary words that happen to spell the same.
    """
    from pypinyin import Style, lazy_pinyin

    compact = normalize_term(term)
    if not compact:
        return []
    spellings = [normalize(term).spelled]
    # The word reading, of the collapsed form (as Han text is spelled after
    # repeats collapse) and of the full form (as pinyin text is written:
    # 宝宝 -> baobao, which no collapse touches).
    for form in (compact, term):
        word = "".join(lazy_pinyin(form, style=Style.NORMAL, errors=lambda s: list(s)))
        word = "".join(c for c in word.replace("ü", "v").lower() if c.isalnum())
        if word and word not in spellings:
            spellings.append(word)
    return spellings
