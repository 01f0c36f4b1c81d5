"""All settings in one place: name, default and help. The environment is read here alone.

Build a `Settings` in `main()` or an app factory and pass it down; nothing reads
the environment at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cluewatch.errors import SettingsError

ENV_PREFIX = "CLUEWATCH_"

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = PACKAGE_ROOT / "classifier" / "models" / "default"
DEFAULT_SITES_DIR = PACKAGE_ROOT / "crawler" / "sites"


class Settings(BaseSettings):
    """cluewatch settings, read from `CLUEWATCH_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(
        default=Path("cluewatch-data"),
        description="Directory for the SQLite store, evidence, crawl job state and keys.",
    )
    db_path: Path | None = Field(
        default=None,
        description="SQLite store file; defaults to DATA_DIR/cluewatch.db.",
    )
    es_url: str | None = Field(
        default=None,
        description="Elasticsearch URL; when set, the Elasticsearch backend is used instead of SQLite.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL; when set, crawler processes share one queue and dupefilter.",
    )
    redis_lease_ttl: int = Field(
        default=30,
        ge=2,
        description="Seconds without a heartbeat after which a crawler process's taken "
        "requests go back to the shared Redis queue.",
    )
    model_dir: Path = Field(
        default=DEFAULT_MODEL_DIR,
        description="Classifier model directory (the shipped default, or any `cluewatch train` output).",
    )
    sites_dir: Path = Field(
        default=DEFAULT_SITES_DIR,
        description="Directory of site YAML files, one per crawled site.",
    )
    flag_threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description=(
            "Clue score at or above which a post enters the review queue, for every category. "
            "Unset: each category's threshold from the model (chosen for its target precision)."
        ),
    )
    max_crawls: int = Field(
        default=2,
        ge=1,
        description=(
            "Crawl processes `cluewatch schedule` runs at once; a site due while all are busy "
            "waits for a free one."
        ),
    )
    sandbox_url: str = Field(
        default="http://127.0.0.1:8601",
        description="Base URL of the sandbox web; site files refer to it as ${SANDBOX}.",
    )
    user_agent: str = Field(
        default="cluewatch/0.1 (+patrol crawler; contact: set CLUEWATCH_CRAWL_CONTACT)",
        description="User-Agent sent by the crawler.",
    )
    crawl_contact: str = Field(
        default="",
        description="Contact (e-mail or URL) appended to the User-Agent so site owners can reach the operator.",
    )
    session_hours: float = Field(
        default=8.0, gt=0, description="Review-app session lifetime in hours."
    )
    tsa_url: str | None = Field(
        default=None,
        description="RFC 3161 time-stamping authority URL; when set, every approved bundle's "
        "manifest carries a time-stamp token from it (and approval fails if the TSA does not answer).",
    )
    bundle_screenshots: bool = Field(
        default=True,
        description="Render a screenshot of each captured page into bundles with headless "
        "Chromium (when installed); false leaves them out and the bundle says so.",
    )
    bundle_max_clues: int = Field(
        default=5_000, ge=1, description="Most clues one bundle may hold."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus must send to /metrics; unset, /metrics is open "
        "(counts and timings only).",
    )
    host: str = Field(default="127.0.0.1", description="Address the review app listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the review app listens on.")

    @field_validator(
        "es_url", "redis_url", "flag_threshold", "tsa_url", "metrics_token", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def store_path(self) -> Path:
        return self.db_path or self.data_dir / "cluewatch.db"

    @property
    def lexicon_dir(self) -> Path:
        """The operator's lexicon overlay (`cluewatch lexicon add|disable` write here)."""
        return self.data_dir / "lexicon"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def keys_dir(self) -> Path:
        """The bundle signing key (0700 directory, 0600 key file)."""
        return self.data_dir / "keys"

    @property
    def bundles_dir(self) -> Path:
        """Approved bundle files, one ZIP per bundle."""
        return self.data_dir / "bundles"

    @property
    def full_user_agent(self) -> str:
        if self.crawl_contact:
            return f"cluewatch/0.1 (+patrol crawler; contact: {self.crawl_contact})"
        return self.user_agent


def load_settings(
    overrides: Mapping[str, Any] | None = None, *, sources: Mapping[str, str] | None = None
) -> Settings:
    """The settings from the environment, with `overrides` (by field name) on top.

    Raises `SettingsError` (E001) with one line per invalid value, naming where
    the value came from: `sources[field]` for an override (a command-line
    option, say), else the field's `CLUEWATCH_*` environment variable; then the
    reason and the setting's help. Secret values are not repeated.
    """
    given = dict(overrides or {})
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            field = Settings.model_fields.get(name)
            secret = field is not None and "SecretStr" in str(field.annotation)
            value = "(hidden)" if secret else repr(error["input"])
            if name in given:
                origin = (sources or {}).get(name, name)
                todo = "correct it"
            else:
                origin = f"{ENV_PREFIX}{name.upper()}" if field else "settings"
                todo = f"correct or unset {origin}"
            if field is not None and field.description:
                todo += f" ({field.description})"
            problems.append(f"{origin}={value}: {error['msg']}; {todo}")
        raise SettingsError(problems) from exc
