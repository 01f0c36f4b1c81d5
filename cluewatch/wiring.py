"""Build components from settings: the one place that picks backends."""

from __future__ import annotations

from cluewatch.errors import ConfigError
from cluewatch.settings import Settings
from index.sqlite import SQLiteStore


def open_store(settings: Settings) -> SQLiteStore:
    """The configured store. SQLite is the only backend in this version."""
    if settings.es_url:
        raise ConfigError(
            "CLUEWATCH_ES_URL is set, but this version of cluewatch has only the SQLite "
            "backend; unset CLUEWATCH_ES_URL to use DATA_DIR/cluewatch.db"
        )
    return SQLiteStore(settings.store_path)
