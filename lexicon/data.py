"""Lexicon data files: loading, validation with file and line, and the data version.

One YAML file per category (`<category>.yaml`) and one for the lure vocabulary
(`lures.yaml`); see `lexicon/data/README.md` for the format. Extra directories
(such as the operator's own terms under the data directory) are overlaid on
the shipped files: a term of the same category and text replaces the shipped
one, so a term can be disabled without editing the shipped data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cluewatch.errors import LexiconDataError
from cluewatch.taxonomy import CATEGORIES

SHIPPED_DIR = Path(__file__).resolve().parent / "data"
FORMAT = "cluewatch.lexicon.v1"
# Revision of how `lexicon.matcher` reads the data; part of the version, so that
# a change in matching (not only in the files) gives stored scores a new version.
# 2: a term's own characters read another way (十买肾: 卖肾, 买肾) are not its context.
MATCHING_REVISION = "2"

LureKind = Literal["contact", "money", "baby", "evasion"]
ContextKind = Literal["contact", "money", "baby", "evasion", "term"]


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1, max_length=40)
    weight: Literal["strong", "medium", "weak"]
    note: str = Field(min_length=1, max_length=200)
    variants: tuple[str, ...] = ()
    initials: bool = False
    requires: tuple[ContextKind, ...] = ()
    window: int = Field(default=40, ge=5, le=400)
    unless: tuple[str, ...] = ()
    disabled: bool = False
    category: str = ""
    source: str = ""
    line: int = 0

    @field_validator("term", "variants", "unless", mode="after")
    @classmethod
    def _no_blank(cls, value: Any) -> Any:
        items = (value,) if isinstance(value, str) else value
        for item in items:
            if not str(item).strip():
                raise ValueError("must not be blank")
        return value


class Lure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1, max_length=40)
    note: str = ""
    kind: LureKind = "contact"
    line: int = 0


class Guard(BaseModel):
    """A word-boundary rule: a match whose edge runs into one of these words is not the term.

    `ends_with`/`followed_by`: a term form ending in one of `ends_with` does not
    count when the text goes on with one of `followed_by` (出售婴儿 + 车).
    `starts_with`/`preceded_by`: likewise at the start (双肩 + 包男女).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str = Field(min_length=1, max_length=200)
    ends_with: tuple[str, ...] = ()
    followed_by: tuple[str, ...] = ()
    starts_with: tuple[str, ...] = ()
    preceded_by: tuple[str, ...] = ()
    line: int = 0

    @field_validator("followed_by", "preceded_by", mode="after")
    @classmethod
    def _no_blank_words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not w.strip() for w in value):
            raise ValueError("must not hold blank words")
        return value


@dataclass(frozen=True)
class LexiconData:
    terms: tuple[Term, ...]
    lures: tuple[Lure, ...]
    version: str
    files: tuple[Path, ...]
    guards: tuple[Guard, ...] = ()
    # Words near which pinyin initials (DY) are read as something else (抖音 in 直播).
    initials_unless: tuple[str, ...] = ()
    # Words that make a whole post a report or warning about the crime (police,
    # courts, rescue, anti-fraud advice), wherever they stand in it.
    notice: tuple[str, ...] = ()

    def active_terms(self) -> list[Term]:
        return [t for t in self.terms if not t.disabled]


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records the line of every mapping as `__line__`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconDataError(f"{path}: cannot read ({exc}); fix or remove the file") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise LexiconDataError(f"{path}:{line}: not valid YAML ({exc})") from exc


def _error_text(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def _load_category_file(path: Path) -> list[Term]:
    doc = _read_yaml(path)
    if not isinstance(doc, dict):
        raise LexiconDataError(f"{path}: line 1: expected a mapping with 'category' and 'terms'")
    category = doc.get("category")
    if category not in CATEGORIES:
        raise LexiconDataError(
            f"{path}: line {doc.get('__line__', 1)}: 'category' must be one of "
            f"{', '.join(CATEGORIES)}, got {category!r}"
        )
    unknown = set(doc) - {"category", "terms", "__line__", "version"}
    if unknown:
        raise LexiconDataError(f"{path}: unknown top-level keys {sorted(unknown)}")
    entries = doc.get("terms") or []
    if not isinstance(entries, list):
        raise LexiconDataError(f"{path}: 'terms' must be a list")
    terms: list[Term] = []
    seen: dict[str, int] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise LexiconDataError(
                f"{path}: every entry of 'terms' must be a mapping, got {entry!r}"
            )
        line = int(entry.pop("__line__", 0))
        try:
            term = Term(**entry, category=category, source=str(path), line=line)
        except ValidationError as exc:
            raise LexiconDataError(f"{path}: line {line}: {_error_text(exc)}") from exc
        except TypeError as exc:
            raise LexiconDataError(f"{path}: line {line}: {exc}") from exc
        if term.weight == "weak" and not term.requires:
            raise LexiconDataError(
                f"{path}: line {line}: weak term {term.term!r} needs 'requires' "
                "(the context that makes it count)"
            )
        if term.term in seen:
            raise LexiconDataError(
                f"{path}: line {line}: term {term.term!r} already defined at line {seen[term.term]}"
            )
        seen[term.term] = line
        terms.append(term)
    return terms


def _load_lures(path: Path) -> list[Lure]:
    doc = _read_yaml(path)
    kinds = doc.get("kinds") if isinstance(doc, dict) else None
    if not isinstance(kinds, dict):
        raise LexiconDataError(f"{path}: line 1: expected a mapping 'kinds' of lure lists")
    lures: list[Lure] = []
    for kind, entries in kinds.items():
        if kind == "__line__":
            continue
        if kind not in ("contact", "money", "baby", "evasion"):
            raise LexiconDataError(
                f"{path}: unknown lure kind {kind!r} (use contact, money, baby, evasion)"
            )
        for entry in entries or []:
            if not isinstance(entry, dict):
                raise LexiconDataError(f"{path}: lure entries must be mappings, got {entry!r}")
            line = int(entry.pop("__line__", 0))
            try:
                lures.append(Lure(**entry, kind=kind, line=line))
            except (ValidationError, TypeError) as exc:
                reason = _error_text(exc) if isinstance(exc, ValidationError) else str(exc)
                raise LexiconDataError(f"{path}: line {line}: {reason}") from exc
    return lures


def _load_guards(path: Path) -> tuple[list[Guard], list[str], list[str]]:
    doc = _read_yaml(path)
    if not isinstance(doc, dict):
        raise LexiconDataError(f"{path}: line 1: expected a mapping with 'guards'")
    unknown = set(doc) - {"guards", "initials_unless", "notice", "__line__"}
    if unknown:
        raise LexiconDataError(f"{path}: unknown top-level keys {sorted(unknown)}")
    guards: list[Guard] = []
    for entry in doc.get("guards") or []:
        if not isinstance(entry, dict):
            raise LexiconDataError(f"{path}: guard entries must be mappings, got {entry!r}")
        line = int(entry.pop("__line__", 0))
        try:
            guard = Guard(**entry, line=line)
        except (ValidationError, TypeError) as exc:
            reason = _error_text(exc) if isinstance(exc, ValidationError) else str(exc)
            raise LexiconDataError(f"{path}: line {line}: {reason}") from exc
        if (
            bool(guard.ends_with) != bool(guard.followed_by)
            or bool(guard.starts_with) != bool(guard.preceded_by)
            or not (guard.ends_with or guard.starts_with)
        ):
            raise LexiconDataError(
                f"{path}: line {line}: a guard needs ends_with with followed_by, "
                "and/or starts_with with preceded_by"
            )
        guards.append(guard)
    lists: list[list[str]] = []
    for key in ("initials_unless", "notice"):
        words = doc.get(key) or []
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise LexiconDataError(f"{path}: {key!r} must be a list of words")
        lists.append(words)
    return guards, lists[0], lists[1]


def load_data(directories: Iterable[Path] = (SHIPPED_DIR,)) -> LexiconData:
    """Load and validate the lexicon from `directories`, later ones overriding earlier."""
    by_key: dict[tuple[str, str], Term] = {}
    lures: dict[tuple[str, str], Lure] = {}
    guards: list[Guard] = []
    initials_unless: list[str] = []
    notice: list[str] = []
    files: list[Path] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.yaml")):
            files.append(path)
            if path.stem == "lures":
                for lure in _load_lures(path):
                    lures[(lure.kind, lure.term)] = lure
                continue
            if path.stem == "guards":
                more, words, notice_words = _load_guards(path)
                guards.extend(more)
                initials_unless.extend(words)
                notice.extend(notice_words)
                continue
            for term in _load_category_file(path):
                by_key[(term.category, term.term)] = term
    if not files:
        raise LexiconDataError(
            f"no lexicon files in {', '.join(str(d) for d in directories)}; reinstall cluewatch"
        )
    digest = hashlib.sha256(f"matching {MATCHING_REVISION}\n".encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    version = f"{FORMAT}@{digest.hexdigest()[:12]}"
    return LexiconData(
        terms=tuple(by_key.values()),
        lures=tuple(lures.values()),
        version=version,
        files=tuple(files),
        guards=tuple(guards),
        initials_unless=tuple(dict.fromkeys(initials_unless)),
        notice=tuple(dict.fromkeys(notice)),
    )
