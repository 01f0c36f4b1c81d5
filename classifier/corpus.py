"""The labelled corpus: loading with file-and-line errors, and the split by family.

Every example belongs to a *family* (one scenario or phrasing pattern). The
held-out test split takes whole families, so it measures how the model does
on phrasings it never saw; the in-distribution test takes examples from the
training families. The split is a pure function of the family and id names,
so it is the same on every machine.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cluewatch.errors import TrainingDataError
from cluewatch.taxonomy import CATEGORIES

DEFAULT_CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
REQUIRED = ("id", "text", "labels", "family")

# The corpus' contacts are fake by rule (TAXONOMY.md): WeChat and Telegram IDs
# start with "fake_", phone numbers read 100 0000 or 1xx-0000 and four digits.
# Real posts have neither, and far more clue posts than benign ones carry
# the marks, so a model reading them learns them as a sign of a clue
# (decision 11).
# `real_contacts` writes them as real posts would: the prefix dropped, the
# 100 and the zeros replaced by digits drawn from a key (the post's id).
_FAKE_ID = re.compile(r"fake_", re.IGNORECASE)
_FAKE_PHONE = re.compile(r"(?<!\d)1(\d\d)([- ]?)0000([- ]?)(\d{4})(?!\d)")


def real_contacts(text: str, key: str) -> str:
    """`text` with its fake contacts written as a real post's (the same for the same key)."""
    if "0000" not in text and "fake" not in text.lower():
        return text
    seed = hashlib.sha256(key.encode()).digest()

    def phone(match: re.Match[str]) -> str:
        prefix = match[1] if match[1] != "00" else "3589"[seed[0] % 4] + str(seed[1] % 10)
        middle = "".join(str(b % 10) for b in seed[2:6])
        return f"1{prefix}{match[2]}{middle}{match[3]}{match[4]}"

    return _FAKE_ID.sub("", _FAKE_PHONE.sub(phone, text))


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    labels: tuple[str, ...]
    family: str
    title: str = ""
    site_kind: str = ""
    source: str = ""
    negative_kind: str | None = None

    def to_json(self) -> str:
        """The post as one line of a corpus file (`load_corpus` reads it back)."""
        record = {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "labels": list(self.labels),
            "site_kind": self.site_kind,
            "family": self.family,
            "source": self.source,
            "negative_kind": self.negative_kind,
        }
        return json.dumps(record, ensure_ascii=False)

    @property
    def scored_text(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text

    @property
    def training_text(self) -> str:
        """`scored_text` with its fake contacts written as a real post's (`real_contacts`)."""
        return real_contacts(self.scored_text, self.id)

    @property
    def is_clue(self) -> bool:
        return bool(self.labels)

    @property
    def is_hard_negative(self) -> bool:
        """A benign post of a kind that shares a clue's words (every kind but ordinary chatter)."""
        return not self.labels and self.negative_kind not in (None, "", "ordinary")


def load_corpus(paths: Iterable[Path]) -> list[Example]:
    """Read JSONL files (or directories of them); raise on the first bad line with file:line."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.jsonl")) if path.is_dir() else [path])
    if not files:
        raise TrainingDataError(f"no .jsonl files in {', '.join(str(p) for p in paths)}")
    examples: list[Example] = []
    seen: dict[str, str] = {}
    for file in files:
        with file.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{file}:{number}"
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise TrainingDataError(f"{where}: not valid JSON ({exc.msg})") from exc
                missing = [key for key in REQUIRED if key not in record]
                if missing:
                    raise TrainingDataError(f"{where}: missing {', '.join(missing)}")
                unknown = [c for c in record["labels"] if c not in CATEGORIES]
                if unknown:
                    raise TrainingDataError(f"{where}: unknown labels {unknown}")
                if record["id"] in seen:
                    raise TrainingDataError(
                        f"{where}: id {record['id']!r} already used in {seen[record['id']]}"
                    )
                seen[record["id"]] = where
                examples.append(
                    Example(
                        id=record["id"],
                        text=record["text"],
                        labels=tuple(record["labels"]),
                        family=record["family"],
                        title=record.get("title") or "",
                        site_kind=record.get("site_kind") or "",
                        source=record.get("source") or "",
                        negative_kind=record.get("negative_kind"),
                    )
                )
    return examples


def corpus_hash(examples: Iterable[Example]) -> str:
    digest = hashlib.sha256()
    for ex in sorted(examples, key=lambda e: e.id):
        digest.update(json.dumps([ex.id, ex.scored_text, ex.labels], ensure_ascii=False).encode())
    return digest.hexdigest()


def _fraction(name: str, salt: str) -> float:
    value = int(hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()[:8], 16)
    return value / 0xFFFFFFFF


def family_fold(family: str, folds: int) -> int:
    """The cross-validation fold (0 .. folds-1) of a family: a hash, the same on every machine."""
    return min(int(_fraction(family, "cv-fold") * folds), folds - 1)


@dataclass(frozen=True)
class Splits:
    train: list[Example]
    validation: list[Example]
    test_in_distribution: list[Example]
    test_held_out: list[Example]


def split(
    examples: list[Example], *, held_out: float = 0.2, validation_families: float = 0.15
) -> Splits:
    """Split by family: held-out test families, validation families, the rest by example.

    * test_held_out: whole families (20%) never seen in training: how the
      model does on new phrasings and scenarios;
    * validation: other whole families (15%), read after every epoch (and
      choosing it with `TrainConfig.choose_epoch`) and used to fit thresholds, so that those are tuned on unseen phrasings
      too and not on the training families the model has memorised;
    * train / test_in_distribution: the remaining families, 90/10 by example.
    """
    train: list[Example] = []
    validation: list[Example] = []
    test_id: list[Example] = []
    test_ho: list[Example] = []
    for ex in examples:
        family = _fraction(ex.family, "family")
        if family < held_out:
            test_ho.append(ex)
        elif family < held_out + validation_families:
            validation.append(ex)
        elif _fraction(ex.id, "example") < 0.9:
            train.append(ex)
        else:
            test_id.append(ex)
    return Splits(train, validation, test_id, test_ho)
