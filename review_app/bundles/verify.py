"""Offline verification of a bundle: every file's hash and size, no missing or
extra files, the manifest's schema, the Ed25519 signature and, when present,
the RFC 3161 time stamp.

Imports neither the store nor the model: police and `cluewatch bundle verify`
run it on any machine (a test checks `sys.modules`). Every problem found is
listed, not only the first.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from jsonschema import Draft202012Validator

from cluewatch.errors import SigningKeyError, TimestampError
from review_app.bundles import format as fmt
from review_app.bundles import tsa
from review_app.bundles.keys import fingerprint, load_public_key, signature_ok

CHUNK = 1 << 20


@dataclass
class VerifyResult:
    """What verification found: `problems` (any makes the bundle fail) and `notes`."""

    path: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(
    path: Path, *, public_key: bytes | None = None, key_source: str = "", tsa_ca: Path | None = None
) -> VerifyResult:
    """Check the bundle at `path`.

    `public_key` (PEM or raw base64, from `key_source`) is the key the reader
    trusts; without it the signature is checked against the key the manifest
    names, which proves integrity but not who made the bundle (a note says so).
    `tsa_ca` also checks the time stamp's certificate chain with openssl.
    """
    result = VerifyResult(path=path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        result.problems.append(f"{path}: not a readable ZIP file ({exc})")
        return result
    with archive:
        names = _names(archive, result)
        manifest_bytes = _read(archive, fmt.MANIFEST, names, result)
        if manifest_bytes is None:
            return result
        result.manifest = _manifest(manifest_bytes, result)
        _check_signature(archive, names, manifest_bytes, result, public_key, key_source)
        _check_timestamp(archive, names, manifest_bytes, result, tsa_ca)
        if result.manifest:
            _check_files(archive, names, result)
    return result


def _names(archive: zipfile.ZipFile, result: VerifyResult) -> set[str]:
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        if name in seen:
            result.problems.append(f"{name}: appears twice in the ZIP")
        seen.add(name)
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or "\\" in name:
            result.problems.append(f"{name}: unsafe path in the ZIP")
    return {name for name in seen if not name.endswith("/")}


def _read(
    archive: zipfile.ZipFile, name: str, names: set[str], result: VerifyResult
) -> bytes | None:
    if name not in names:
        result.problems.append(f"{name}: missing")
        return None
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        result.problems.append(f"{name}: damaged in the ZIP ({exc})")
        return None


def _manifest(data: bytes, result: VerifyResult) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        result.problems.append(f"{fmt.MANIFEST}: not valid UTF-8 JSON ({exc})")
        return {}
    validator = Draft202012Validator(fmt.schema("manifest"))
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    for error in errors[:10]:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        result.problems.append(f"{fmt.MANIFEST}: {where}: {error.message}")
    if errors:
        return {}
    checked: dict[str, Any] = manifest
    return checked


def _check_signature(
    archive: zipfile.ZipFile,
    names: set[str],
    manifest_bytes: bytes,
    result: VerifyResult,
    public_key: bytes | None,
    key_source: str,
) -> None:
    signature = _read(archive, fmt.SIGNATURE, names, result)
    if signature is None:
        return
    named = result.manifest.get("signing_key", {})
    try:
        if public_key is not None:
            key = load_public_key(public_key, where=key_source or "public key")
        elif named.get("public_key"):
            key = load_public_key(named["public_key"].encode(), where="manifest signing_key")
            result.notes.append(
                "signature checked against the key the bundle itself names: this proves the "
                "files are intact, not who made them; pass --pubkey with the key the cluewatch "
                "operator gave you"
            )
        else:
            result.problems.append(f"{fmt.SIGNATURE}: no public key to check it with")
            return
    except SigningKeyError as exc:
        result.problems.append(exc.message)
        return
    checked_with = fingerprint(key)
    if named.get("fingerprint") and named["fingerprint"] != checked_with:
        result.problems.append(
            f"{fmt.MANIFEST}: names signing key {named['fingerprint']}, "
            f"but the key checked against is {checked_with}"
        )
    if len(signature) != 64 or not signature_ok(key, signature, manifest_bytes):
        result.problems.append(
            f"{fmt.SIGNATURE}: the Ed25519 signature does not match the manifest "
            f"with key {checked_with}"
        )
    else:
        result.notes.append(f"signature: Ed25519, valid, key {checked_with}")


def _check_timestamp(
    archive: zipfile.ZipFile,
    names: set[str],
    manifest_bytes: bytes,
    result: VerifyResult,
    tsa_ca: Path | None,
) -> None:
    if fmt.TIMESTAMP not in names:
        if result.manifest.get("time_stamp"):
            result.problems.append(
                f"{fmt.TIMESTAMP}: missing, though the manifest says a time stamp was taken"
            )
        else:
            result.notes.append("no trusted time stamp in the bundle")
        return
    token = _read(archive, fmt.TIMESTAMP, names, result)
    if token is None:
        return
    try:
        info = tsa.check_token(token, manifest_bytes)
    except TimestampError as exc:
        result.problems.append(f"{fmt.TIMESTAMP}: {exc.message}")
        return
    result.notes.append(
        f"time stamp: {fmt.both_times(info.gen_time)['cst']} (UTC {info.gen_time.isoformat()}) "
        f"by {info.tsa}, serial {info.serial}"
    )
    if tsa_ca is not None:
        problem = tsa.chain_problem(token, manifest_bytes, tsa_ca)
        if problem:
            result.problems.append(f"{fmt.TIMESTAMP}: {problem}")
        else:
            result.notes.append(f"time stamp certificate chains to {tsa_ca}")


def _check_files(archive: zipfile.ZipFile, names: set[str], result: VerifyResult) -> None:
    listed = {entry["path"]: entry for entry in result.manifest["files"]}
    for path, entry in listed.items():
        if path not in names:
            result.problems.append(f"{path}: listed in the manifest but missing")
            continue
        digest, size, damage = _hash_entry(archive, path)
        if damage:
            result.problems.append(f"{path}: damaged in the ZIP ({damage})")
        elif digest != entry["sha256"]:
            result.problems.append(
                f"{path}: SHA-256 {digest} does not match the manifest's {entry['sha256']}"
            )
        elif size != entry["size"]:
            result.problems.append(f"{path}: {size} bytes, the manifest says {entry['size']}")
    for extra in sorted(names - set(listed) - fmt.OUTSIDE_MANIFEST):
        result.problems.append(f"{extra}: not listed in the manifest (added file)")
    result.notes.append(f"{len(listed)} files listed in the manifest checked")


def _hash_entry(archive: zipfile.ZipFile, name: str) -> tuple[str, int, str | None]:
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        return "", size, str(exc)
    return digest.hexdigest(), size, None
