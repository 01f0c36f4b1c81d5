"""A character-level tokenizer for Chinese posts, saved in the Hugging Face format.

The vocabulary is every GB2312 Han character (6,763), printable ASCII, the
emoji the lexicon maps, and any other character seen at least twice in the
training data. Text is normalised by the lexicon first (full-width folded,
traditional to simplified, case folded), so the vocabulary stays small.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from lexicon.normalize import EMOJI_MEANINGS

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def gb2312_han() -> list[str]:
    """The 6,763 Han characters of GB2312, in code order."""
    chars: list[str] = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                char = bytes([high, low]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            chars.append(char)
    return chars


def build_vocab(texts: Iterable[str], *, min_count: int = 2) -> list[str]:
    base = [chr(c) for c in range(0x21, 0x7F)] + gb2312_han()
    base += sorted({ch for key in EMOJI_MEANINGS for ch in key})
    seen = set(base)
    counts = Counter(ch for text in texts for ch in text if not ch.isspace())
    extra = sorted(ch for ch, n in counts.items() if n >= min_count and ch not in seen)
    return SPECIAL_TOKENS + base + extra


def make_tokenizer(vocab: list[str], *, max_length: int) -> PreTrainedTokenizerFast:
    index = {token: i for i, token in enumerate(vocab)}
    core = Tokenizer(models.WordLevel(vocab=index, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex("."), behavior="isolated")]
    )
    core.decoder = decoders.Fuse()
    from tokenizers.processors import TemplateProcessing

    core.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", index["[CLS]"]), ("[SEP]", index["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_length,
    )
