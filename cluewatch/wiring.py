"""Build components from settings: the one place that picks backends."""

from __future__ import annotations

from pathlib import Path

from cluewatch.settings import Settings
from index.base import Store


def open_store(settings: Settings) -> Store:
    """The configured store: Elasticsearch when `CLUEWATCH_ES_URL` is set, else SQLite."""
    return open_store_at(es_url=settings.es_url, db_path=settings.store_path)


def open_store_at(*, es_url: str | None, db_path: Path, cache_mib: int | None = None) -> Store:
    """`cache_mib`: SQLite's page cache per connection (SQLite only; default its own)."""
    if es_url:
        from index.elastic import ElasticStore

        return ElasticStore(es_url)
    from index.sqlite import SQLiteStore

    return SQLiteStore(db_path) if cache_mib is None else SQLiteStore(db_path, cache_mib=cache_mib)
