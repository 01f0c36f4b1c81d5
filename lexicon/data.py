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


@dataclass(frozen=True)
class LexiconData:
    terms: tuple[Term, ...]
    lures: tuple[Lure, ...]
    version: str
    files: tuple[Path, ...]

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


def load_data(directories: Iterable[Path] = (SHIPPED_DIR,)) -> LexiconData:
    """Load and validate the lexicon from `directories`, later ones overriding earlier."""
    by_key: dict[tuple[str, str], Term] = {}
    lures: dict[tuple[str, str], Lure] = {}
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
            for term in _load_category_file(path):
                by_key[(term.category, term.term)] = term
    if not files:
        raise LexiconDataError(
            f"no lexicon files in {', '.join(str(d) for d in directories)}; reinstall cluewatch"
        )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    version = f"{FORMAT}@{digest.hexdigest()[:12]}"
    return LexiconData(
        terms=tuple(by_key.values()),
        lures=tuple(lures.values()),
        version=version,
        files=tuple(files),
    )
