"""Site configuration: one YAML file per crawled site, validated with pydantic.

Adding a site is adding a file to the sites directory (see `docs/sites.md`).
A bad file fails with its path, the key and the reason.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from cssselect import SelectorError
from lxml import etree
from parsel.csstranslator import css2xpath
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cluewatch.errors import ConfigError, SiteConfigError


class Selector(BaseModel):
    """A CSS or XPath selector. Without `::text`/`::attr()` (or `text()`/`@attr`) the element's
    whole text content is taken, whitespace collapsed."""

    model_config = ConfigDict(extra="forbid")

    css: str | None = None
    xpath: str | None = None
    scope: Literal["item", "page"] = "item"
    regex: str | None = Field(
        default=None,
        description="Fields only: keep the part of the selected text this regex finds "
        "(its first group if it has one); no match gives an empty field.",
    )
    allow: str | None = Field(
        default=None,
        description="Links only: follow a link only if this regex is found in its URL.",
    )

    @field_validator("allow", "regex")
    @classmethod
    def _regexes(cls, value: str | None) -> str | None:
        return _regex(value) if value is not None else None

    @model_validator(mode="after")
    def _one_of(self) -> Selector:
        if (self.css is None) == (self.xpath is None):
            raise ValueError("give exactly one of 'css' or 'xpath'")
        try:
            self.compiled()
        except (SelectorError, etree.XPathSyntaxError) as exc:
            kind = "CSS selector" if self.css is not None else "XPath expression"
            raise ValueError(f"not a valid {kind}: {exc}") from None
        return self

    def compiled(self) -> etree.XPath:
        """The selector as a compiled XPath, run on an lxml element (made once per expression)."""
        return compile_selector(self.css, self.xpath)


# The EXSLT namespaces parsel gives every XPath, so `re:test()` and `set:` work the same here.
XPATH_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}
_PREFIX_USE = {prefix: re.compile(rf"\b{prefix}:") for prefix in XPATH_NAMESPACES}


def used_namespaces(expression: str) -> dict[str, str]:
    """The EXSLT namespaces `expression` uses (by prefix), and only those.

    With the sets namespace registered, every evaluation of an XPath keeps about
    140 bytes for good, whatever the expression (lxml 6.1.3 with libxslt 1.1.43:
    one Python object and some 32 bytes of malloc per call). A crawl evaluates
    some 15 XPaths a page: on the benchmark site that was most of the crawl
    process's growth (docs/crawling.md, "Memory").
    """
    return {p: uri for p, uri in XPATH_NAMESPACES.items() if _PREFIX_USE[p].search(expression)}


def compiled_xpath(expression: str) -> etree.XPath:
    """An XPath run on lxml elements; text and attribute results are plain strings."""
    return etree.XPath(expression, namespaces=used_namespaces(expression), smart_strings=False)


@lru_cache(maxsize=4096)
def compile_selector(css: str | None, xpath: str | None) -> etree.XPath:
    """CSS (with parsel's `::text` and `::attr()`) or XPath, compiled once: parsel would
    translate and compile the expression again on every page."""
    return compiled_xpath(css2xpath(css) if css is not None else xpath or "")


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
    def _match_regex(cls, value: str) -> str:
        return _regex(value)

    @field_validator("fields")
    @classmethod
    def _needs_text(cls, value: dict[str, Selector]) -> dict[str, Selector]:
        if "text" not in value:
            raise ValueError("must have a 'text' selector")
        return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


def _jmespath(value: str) -> str:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(value)
    except JMESPathError as exc:
        raise ValueError(f"not a valid JMESPath expression: {exc}") from exc
    return value


class ApiPosts(BaseModel):
    """Posts in a JSON response: where the list is and where each field is (JMESPath)."""

    model_config = ConfigDict(extra="forbid")

    items: str = Field(description="JMESPath to the list of posts in the response.")
    fields: dict[str, str] = Field(description="Field name -> JMESPath within one post.")
    post_url: str = Field(
        description="URL of one post; {field} is replaced by the post's field, "
        "{thread_url} by the URL of the post replied to."
    )
    text_html: bool = Field(default=False, description="The text field is HTML.")
    next_cursor: str | None = Field(default=None, description="JMESPath to the next cursor.")
    cursor_param: str = "cursor"

    @field_validator("items")
    @classmethod
    def _items_path(cls, value: str) -> str:
        return _jmespath(value)

    @field_validator("fields")
    @classmethod
    def _field_paths(cls, value: dict[str, str]) -> dict[str, str]:
        if "text" not in value or "id" not in value:
            raise ValueError("must have 'id' and 'text'")
        for path in value.values():
            _jmespath(path)
        return value


class ApiReplies(ApiPosts):
    """A post's replies (comments), paged by their own cursor when `next_cursor` is set."""

    url: str = Field(description="URL of a post's replies; {field} from the post.")
    when: str | None = Field(
        default=None, description="JMESPath in the post; replies fetched only when truthy."
    )


class ApiRule(ApiPosts):
    """A JSON API with cursor pagination: `start_urls` are its first pages."""

    kind: Literal["thread", "listing", "entry"] = "entry"
    replies: ApiReplies | None = None


class SearchRule(BaseModel):
    """Keyword patrol through a site's search endpoint, the way an analyst searches."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Search URL with {term} where the query goes.")
    terms: Literal["lexicon"] | list[str] = Field(
        default="lexicon", description="'lexicon': the lexicon's strong search terms."
    )
    max_terms: int = Field(default=200, ge=1, le=10_000)
    results: Selector = Field(description="Result links (<a> elements).")
    next_page: Selector | None = None
    max_pages: int = Field(default=3, ge=1, le=100)

    @field_validator("url")
    @classmethod
    def _has_term(cls, value: str) -> str:
        if "{term}" not in value:
            raise ValueError("must contain {term}")
        return value


class Politeness(BaseModel):
    model_config = ConfigDict(extra="forbid")

    download_delay: float = Field(default=1.0, ge=0)
    concurrency: int = Field(default=2, ge=1, le=64)
    autothrottle: bool = True
    obey_robots: bool = True
    download_timeout: float = Field(default=30.0, gt=0, le=600)
    max_page_mb: float = Field(default=20.0, gt=0, le=500)


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_\-]{1,40}$")
    title: str = ""
    kind: Literal["forum", "tieba", "classifieds", "qa", "microblog", "feed", "search"] = "forum"
    store_as: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9_\-]{1,40}$",
        description="Site name the posts are stored under (a search patrol of another site).",
    )
    start_urls: list[str] = Field(default_factory=list)
    feeds: list[str] = Field(
        default_factory=list, description="RSS/Atom feeds and sitemaps whose entries are crawled."
    )
    allowed_domains: list[str] = Field(min_length=1)
    follow: list[Selector] = Field(
        default_factory=list, description="Links to follow (<a> elements)."
    )
    pages: list[PageRule] = Field(default_factory=list)
    api: ApiRule | None = None
    search: SearchRule | None = None
    encoding: str | None = Field(
        default=None, description="Encoding hint when a site declares none."
    )
    schedule: str = Field(
        default="0 */6 * * *", description="Cron expression for `cluewatch schedule`."
    )
    politeness: Politeness = Field(default_factory=Politeness)
    source_file: str = ""

    @model_validator(mode="after")
    def _has_work(self) -> SiteConfig:
        if not (self.start_urls or self.feeds or self.search):
            raise ValueError("give start_urls, feeds or search")
        if not (self.pages or self.api):
            raise ValueError("give pages (HTML rules) or api (JSON rules)")
        return self

    @property
    def post_site(self) -> str:
        """The site name stored on the posts."""
        return self.store_as or self.name

    @field_validator("start_urls", "feeds")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @field_validator("encoding")
    @classmethod
    def _codec(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"{value!r} is not an encoding Python knows") from None
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


def load_site_dir(
    directory: Path, *, variables: dict[str, str] | None = None
) -> tuple[list[SiteConfig], list[SiteConfigError]]:
    """The valid sites of a directory's `*.yaml` files, and an error for each bad file.

    Two files with the same `name` are both bad (one error naming both files):
    which of them a command meant is unknown, and the name is the key of the
    site's lock, frontier and runs. Raises `ConfigError` when the directory is
    missing or holds no site file.
    """
    if not directory.is_dir():
        raise ConfigError(
            f"sites directory {directory} does not exist (CLUEWATCH_SITES_DIR); "
            "set CLUEWATCH_SITES_DIR to the directory of site YAML files"
        )
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ConfigError(
            f"no site files (*.yaml) in {directory} (CLUEWATCH_SITES_DIR); "
            "add one per site (docs/crawling.md) or point CLUEWATCH_SITES_DIR elsewhere"
        )
    sites: list[SiteConfig] = []
    problems: list[SiteConfigError] = []
    for path in paths:
        try:
            sites.append(load_site(path, variables=variables))
        except SiteConfigError as exc:
            problems.append(exc)
    by_name: dict[str, list[SiteConfig]] = {}
    for site in sites:
        by_name.setdefault(site.name, []).append(site)
    for name, same in by_name.items():
        if len(same) > 1:
            files = ", ".join(str(s.source_file) for s in same)
            problems.append(
                SiteConfigError(
                    f"{files}: key 'name': {name!r} is the name of {len(same)} site files; "
                    "give each site its own name"
                )
            )
    return [s for s in sites if len(by_name[s.name]) == 1], problems


def load_sites(directory: Path, *, variables: dict[str, str] | None = None) -> list[SiteConfig]:
    """All site files of a directory; raises on the first bad file (or duplicate name)."""
    sites, problems = load_site_dir(directory, variables=variables)
    if problems:
        raise problems[0]
    return sites
