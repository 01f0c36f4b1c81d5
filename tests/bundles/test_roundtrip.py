"""Round trip (prepare, approve, download, verify) and tampering: any change to
a bundle makes verification fail and name the problem."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jsonschema import Draft202012Validator

from index.models import ClueState
from review_app.bundles import format as fmt
from review_app.bundles.keys import public_pem
from review_app.bundles.verify import verify_bundle
from tests.bundles.desk import Desk, seed_clues


def approved_bundle(desk: Desk, count: int = 3) -> Path:
    ids = seed_clues(desk, count)
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    desk.bundles.approve(record.id, by=desk.supervisor)
    _, path = desk.bundles.download(record.id, by=desk.liaison)
    return path


def rewrite(
    source: Path,
    target: Path,
    change: Callable[[str, bytes], bytes | None],
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A copy of the ZIP with each file's bytes passed through `change` (None drops it)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return target


def flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_round_trip_verifies_and_holds_every_part(desk: Desk) -> None:
    path = approved_bundle(desk, 3)
    key = (desk.settings.keys_dir / "bundle-signing.pub.pem").read_bytes()
    result = verify_bundle(path, public_key=key, key_source="operator key")
    assert result.ok, result.problems
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        assert {
            "manifest.json", "manifest.sig", "clues.json", "clues.csv", "report.html",
            "extraction.json", "audit.jsonl", "SHA256SUMS",
        } <= names  # fmt: skip
        evidence = [n for n in names if n.startswith("evidence/")]
        assert len(evidence) == 9  # body, WARC and capture record of three captures
        manifest = json.loads(z.read("manifest.json"))
        clues = json.loads(z.read("clues.json"))
        extraction = json.loads(z.read("extraction.json"))
        raw_csv = z.read("clues.csv")
        audit = [json.loads(line) for line in z.read("audit.jsonl").splitlines()]
    assert manifest["created"]["by"] == "lia" and manifest["approved"]["by"] == "sup"
    assert manifest["approved"]["at"]["cst"].endswith("+08:00")
    assert manifest["clue_count"] == 3 and manifest["model_versions"] == ["test-model"]
    Draft202012Validator(fmt.schema("clues")).validate(clues)
    Draft202012Validator(fmt.schema("extraction")).validate(extraction)
    assert [c["state"] for c in clues["clues"]] == ["transferred"] * 3
    assert clues["clues"][0]["verdicts"][0]["analyst"] == "alice"
    record = extraction["records"][0]
    assert record["access"]["redirects"] == [{"url": "http://127.0.0.1/t?id=1", "status": 301}]
    assert record["access"]["request_headers"] == [["User-Agent", "cluewatch/0.1 (test)"]]
    assert {i["kind"] for i in record["items"]} == {"response_body", "warc", "capture_record"}
    assert record["screenshot"] == {
        "made": False,
        "problem": "screenshots are switched off (CLUEWATCH_BUNDLE_SCREENSHOTS=false)",
    }
    assert raw_csv.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows the Chinese
    rows = list(csv.reader(io.StringIO(raw_csv.decode("utf-8-sig"))))
    assert rows[0][0] == "线索编号 clue_id" and len(rows) == 4
    assert {e["action"] for e in audit} == {"register", "verdict.confirm"}
    for post_id in [c["id"] for c in clues["clues"]]:
        assert desk.store.get(post_id).state is ClueState.TRANSFERRED


def test_flipping_any_byte_of_any_file_is_caught_and_named(desk: Desk, tmp_path: Path) -> None:
    path = approved_bundle(desk, 2)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    for name in names:
        for where in ("start", "middle", "end"):
            target = tmp_path / "flipped.zip"

            def change(n: str, data: bytes, name: str = name, where: str = where) -> bytes:
                if n != name:
                    return data
                position = {"start": 0, "middle": len(data) // 2, "end": len(data) - 1}[where]
                return flip(data, position)

            result = verify_bundle(rewrite(path, target, change))
            assert not result.ok, (name, where)
            named = name if name not in ("manifest.json",) else "manifest"
            assert any(named in p for p in result.problems), (name, where, result.problems)


def test_flipping_stored_bytes_inside_the_zip_is_caught_and_named(
    desk: Desk, tmp_path: Path
) -> None:
    """The same on the ZIP file as sent: one byte of each entry's stored (maybe
    compressed) data flipped in place. ZIP metadata such as an entry's time is
    not part of what the manifest vouches for."""
    path = approved_bundle(desk, 2)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    for info in infos:
        header = info.header_offset
        name_len = int.from_bytes(data[header + 26 : header + 28], "little")
        extra_len = int.from_bytes(data[header + 28 : header + 30], "little")
        start = header + 30 + name_len + extra_len
        target = tmp_path / "raw.zip"
        target.write_bytes(flip(data, start + info.compress_size // 2))
        result = verify_bundle(target)
        assert not result.ok, info.filename
        named = "manifest" if info.filename == "manifest.json" else info.filename
        assert any(named in p for p in result.problems), (info.filename, result.problems)


def test_a_dropped_or_added_file_is_named(desk: Desk, tmp_path: Path) -> None:
    path = approved_bundle(desk, 2)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    for name in names:
        dropped = rewrite(
            path, tmp_path / "dropped.zip", lambda n, d, name=name: None if n == name else d
        )
        result = verify_bundle(dropped)
        assert any(p.startswith(name) for p in result.problems), (name, result.problems)
    added = rewrite(path, tmp_path / "added.zip", lambda n, d: d, {"evidence/extra.txt": b"x"})
    result = verify_bundle(added)
    assert result.problems == ["evidence/extra.txt: not listed in the manifest (added file)"]
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = rewrite(path, tmp_path / "twice.zip", lambda n, d: d, {"clues.csv": b"a,b\n"})
    assert any("appears twice" in p for p in verify_bundle(twice).problems)


def test_a_swapped_signature_or_key_fails(desk: Desk, tmp_path: Path) -> None:
    path = approved_bundle(desk, 1)
    other = Ed25519PrivateKey.generate()
    with zipfile.ZipFile(path) as z:
        manifest = z.read("manifest.json")
    forged = other.sign(manifest)
    swapped = rewrite(
        path, tmp_path / "swapped.zip", lambda n, d: forged if n == "manifest.sig" else d
    )
    result = verify_bundle(swapped)
    assert any(
        p.startswith("manifest.sig: the Ed25519 signature does not match") for p in result.problems
    )
    # A reader holding another key: the bundle's own signature does not prove it came from there.
    wrong_key = verify_bundle(path, public_key=public_pem(other.public_key()), key_source="k.pem")
    assert not wrong_key.ok
    assert any("names signing key" in p for p in wrong_key.problems)
    assert any(p.startswith("manifest.sig") for p in wrong_key.problems)


def test_verify_says_when_the_file_is_not_a_bundle(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really")
    result = verify_bundle(junk)
    assert not result.ok and "not a readable ZIP file" in result.problems[0]
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("hello.txt", "hi")
    assert verify_bundle(empty).problems == ["manifest.json: missing"]
