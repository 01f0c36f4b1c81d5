"""The bundle format's docs stay with the code: schemas identical, files and
settings documented."""

from __future__ import annotations

import filecmp
from pathlib import Path

from cluewatch.settings import Settings
from review_app.bundles import format as fmt

REPO = Path(__file__).resolve().parent.parent.parent


def test_docs_carry_the_shipped_schemas_unchanged() -> None:
    for name in fmt.SCHEMAS.values():
        assert filecmp.cmp(
            fmt.SCHEMA_DIR / name, REPO / "docs" / "schemas" / name, shallow=False
        ), name


def test_every_bundle_file_and_bundle_setting_is_documented() -> None:
    doc = (REPO / "docs" / "bundle-format.md").read_text("utf-8")
    for name in (
        fmt.MANIFEST, fmt.SIGNATURE, fmt.TIMESTAMP, fmt.CLUES_JSON, fmt.CLUES_CSV,
        fmt.REPORT, fmt.EXTRACTION, fmt.AUDIT, fmt.CHECKSUMS,
        "response.body", "response.warc.gz", "capture.json", "screenshot.png",
    ):  # fmt: skip
        assert f"`{name}" in doc or f"/{name}`" in doc, name
    readme = (REPO / "README.md").read_text("utf-8")
    for field in ("tsa_url", "bundle_screenshots", "bundle_max_clues"):
        assert field in Settings.model_fields
        assert f"`CLUEWATCH_{field.upper()}`" in readme, field
