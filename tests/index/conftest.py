"""Store fixtures: every contract test runs on SQLite, and on Elasticsearch when
`CLUEWATCH_TEST_ES_URL` points at a live cluster (see README "Elasticsearch")."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.base import Store

ES_URL = os.environ.get("CLUEWATCH_TEST_ES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "elasticsearch",
        marks=pytest.mark.skipif(not ES_URL, reason="CLUEWATCH_TEST_ES_URL is not set"),
    ),
]


def open_backend(kind: str, tmp_path: Path, name: str = "store") -> Store:
    if kind == "sqlite":
        from index.sqlite import SQLiteStore

        return SQLiteStore(tmp_path / f"{name}.db")
    from index.elastic import ElasticStore

    assert ES_URL
    prefix = f"cwtest-{name}-{uuid.uuid4().hex[:8]}"
    return ElasticStore(ES_URL, prefix=prefix)


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = open_backend(request.param, tmp_path)
    yield store
    if request.param == "elasticsearch":
        store.drop()  # type: ignore[attr-defined]
    store.close()
