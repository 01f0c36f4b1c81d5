"""The bundle desk fixture (see `tests.bundles.desk`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bundles.desk import Desk, make_desk


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path)
