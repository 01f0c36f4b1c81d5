"""Fixtures shared by the crawler tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.crawler.slow_site import SlowSite


@pytest.fixture
def slow_site() -> Iterator[SlowSite]:
    server = SlowSite()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
