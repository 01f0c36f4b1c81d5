"""Site configuration: one YAML file per crawled site, validated with pydantic.

Adding a site is adding a file to the sites directory (see `docs/sites.md`).
A bad file fails with its path, the key and the reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cluewatch.errors import SiteConfigError


class Selector(BaseModel):
    """A CSS or XPath selector. Without `::text`/`::attr()` (or `text()`/`@attr`) the element's
    whole text content is taken, whitespace collapsed."""

    model_config = ConfigDict(extra="forbid")

    css: str | None = None
    xpath: str | None = None
    scope: Literal["item", "page"] = "item"

    @model_validator(mode="after")
    def _one_of(self) -> Selector:
        if (self.css is None) == (self.xpath is None):
            raise ValueError("give exactly one of 'css' or 'xpath'")
        return self


class PageRule(BaseModel):
    """How to read posts from pages whose URL path matches `match`."""

    model_config = ConfigDict(extra="forbid")

    match: str = Field(description="Regular expression searched in the URL path.")
    item: Selector | None = Field(
        default=None, description="One element per post (floors of a thread); whole page if absent."
    )
    kind: Literal["thread", "listing", "entry"] = "thread"
    fields: dict[str, Selector]
    canonical_drop_query: list[str] = Field(
        default_factory=list, description="Query parameters that do not change the post (page=)."
    )

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @field_validator("fields")
    @classmethod
    def _needs_text(cls, value: dict[str, Selector]) -> dict[str, Selector]:
        if "text" not in value:
            raise ValueError("must have a 'text' selector")
        return value


class Politeness(BaseModel):
    model_config = ConfigDict(extra="forbid")

    download_delay: float = Field(default=1.0, ge=0)
    concurrency: int = Field(default=2, ge=1, le=64)
    autothrottle: bool = True
    obey_robots: bool = True


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_\-]{1,40}$")
    title: str = ""
    kind: Literal["forum", "tieba", "classifieds", "qa", "microblog", "feed", "search"] = "forum"
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] = Field(min_length=1)
    follow: list[Selector] = Field(
        default_factory=list, description="Links to follow (<a> elements)."
    )
    pages: list[PageRule] = Field(min_length=1)
    encoding: str | None = Field(
        default=None, description="Encoding hint when a site declares none."
    )
    schedule: str = Field(
        default="0 */6 * * *", description="Cron expression for `cluewatch schedule`."
    )
    politeness: Politeness = Field(default_factory=Politeness)
    source_file: str = ""

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from croniter import croniter

        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a valid cron expression")
        return value


def load_site(path: Path, *, variables: dict[str, str] | None = None) -> SiteConfig:
    """Load one site file; `${NAME}` in it is replaced from `variables` (e.g. SANDBOX)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteConfigError(f"{path}: cannot read ({exc})") from exc
    for name, value in (variables or {}).items():
        raw = raw.replace("${" + name + "}", value.rstrip("/"))
    leftover = re.search(r"\$\{(\w+)\}", raw)
    if leftover:
        raise SiteConfigError(f"{path}: unknown variable ${{{leftover.group(1)}}}")
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise SiteConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise SiteConfigError(f"{path}: expected a mapping of site settings")
    try:
        return SiteConfig(**data, source_file=str(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise SiteConfigError(f"{path}: key '{key}': {first['msg']}") from exc


def load_sites(directory: Path, *, variables: dict[str, str] | None = None) -> list[SiteConfig]:
    """All site files of a directory; raises on the first bad file."""
    return [load_site(p, variables=variables) for p in sorted(directory.glob("*.yaml"))]
