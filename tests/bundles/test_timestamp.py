"""Trusted time: RFC 3161 tokens from a local `openssl ts` authority on loopback."""

from __future__ import annotations

import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluewatch.errors import TimestampError
from index.models import ClueState
from review_app.bundles import tsa
from review_app.bundles.verify import verify_bundle
from tests.bundles.desk import Desk, make_desk, seed_clues
from tests.bundles.test_roundtrip import rewrite
from tests.bundles.tsa_server import LocalTSA, make_ca


@pytest.fixture
def local_tsa(tmp_path: Path) -> Iterator[LocalTSA]:
    directory = tmp_path / "tsa"
    directory.mkdir()
    with LocalTSA(directory) as running:
        yield running


def approved(desk: Desk) -> Path:
    ids = seed_clues(desk, 2)
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    desk.bundles.approve(record.id, by=desk.supervisor)
    return desk.bundles.file_path(record.id)


def test_approved_bundle_carries_a_token_that_verify_checks(
    local_tsa: LocalTSA, tmp_path: Path
) -> None:
    desk = make_desk(tmp_path, tsa_url=local_tsa.url)
    path = approved(desk)
    assert local_tsa.requests == 1
    with zipfile.ZipFile(path) as z:
        assert "manifest.tsr" in z.namelist()
        manifest = z.read("manifest.json")
    result = verify_bundle(path, tsa_ca=local_tsa.ca_file)
    assert result.ok, result.problems
    assert any("time stamp:" in n and "cluewatch test TSA" in n for n in result.notes)
    assert any("chains to" in n for n in result.notes)
    # Another CA does not vouch for this TSA.
    make_ca(tmp_path, "other-ca")
    untrusted = verify_bundle(path, tsa_ca=tmp_path / "other-ca.pem")
    assert any(
        p.startswith("manifest.tsr: the TSA certificate does not chain") for p in untrusted.problems
    )

    # A token over other data, or no token where the manifest promises one: named.
    other = tsa.request_token(local_tsa.url, manifest + b" ")
    swapped = rewrite(
        path, tmp_path / "swapped.zip", lambda n, d: other if n == "manifest.tsr" else d
    )
    assert verify_bundle(swapped).problems == [
        "manifest.tsr: the time stamp is for other data than this manifest"
    ]
    dropped = rewrite(
        path, tmp_path / "dropped.zip", lambda n, d: None if n == "manifest.tsr" else d
    )
    assert verify_bundle(dropped).problems == [
        "manifest.tsr: missing, though the manifest says a time stamp was taken"
    ]
    token = zipfile.ZipFile(path).read("manifest.tsr")
    broken = bytearray(token)
    broken[-10] ^= 0x01  # inside the signature
    garbled = rewrite(
        path, tmp_path / "garbled.zip", lambda n, d: bytes(broken) if n == "manifest.tsr" else d
    )
    assert any(p.startswith("manifest.tsr:") for p in verify_bundle(garbled).problems)


def test_approval_fails_cleanly_when_the_tsa_does_not_answer(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    desk = make_desk(tmp_path, tsa_url=f"http://127.0.0.1:{port}/tsa")
    ids = seed_clues(desk, 1)
    record = desk.bundles.prepare(by=desk.liaison, post_ids=ids)
    with pytest.raises(TimestampError, match="did not answer"):
        desk.bundles.approve(record.id, by=desk.supervisor)
    assert desk.store.get_export(record.id).status == "prepared"
    assert desk.store.get(ids[0]).state is ClueState.CONFIRMED
    assert list(desk.settings.bundles_dir.iterdir()) == []


def test_a_reply_that_is_not_rfc3161_is_refused(local_tsa: LocalTSA) -> None:
    with pytest.raises(TimestampError, match="not an RFC 3161 response"):
        tsa._granted_token("http://x", b"<html>hello</html>")
    assert tsa.check_token(tsa.request_token(local_tsa.url, b"data"), b"data").policy == (
        "1.3.6.1.4.1.55555.1"
    )
