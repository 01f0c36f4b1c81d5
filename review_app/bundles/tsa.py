"""Trusted time (RFC 3161): ask a Time Stamping Authority for a token over the
manifest, and check a token offline.

`request_token` builds the TimeStampReq (SHA-256 imprint, a nonce, the
signer's certificate asked for), posts it and checks the reply before the
token goes into the bundle. `check_token` needs nothing but the token and the
data: the imprint must be the data's hash, the token's signature must verify
with the certificate it carries, and that certificate must be meant for time
stamping. Whether that certificate is one you trust is a separate question
(`chain_problem`, with `openssl ts -verify` and the TSA's CA certificate).
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cluewatch.errors import TimestampError

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY = 1_000_000
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


@dataclass(frozen=True)
class TokenInfo:
    gen_time: datetime
    tsa: str
    serial: int
    policy: str
    nonce: int | None


def request_token(url: str, data: bytes, *, timeout: float = 15.0) -> bytes:
    """A checked RFC 3161 token (DER ContentInfo) over `data` from the TSA at `url`."""
    nonce = secrets.randbits(63)
    query = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(data).digest(),
            },
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()
    request = urllib.request.Request(
        url, data=query, headers={"Content-Type": QUERY_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_REPLY + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise TimestampError(f"time-stamping authority {url} did not answer: {exc}") from exc
    if len(body) > MAX_REPLY:
        raise TimestampError(f"time-stamping authority {url} sent more than {MAX_REPLY} bytes")
    token = _granted_token(url, body)
    info = check_token(token, data)
    if info.nonce != nonce:
        raise TimestampError(f"time-stamping authority {url} answered with another nonce")
    return token


def _granted_token(url: str, body: bytes) -> bytes:
    try:
        reply = tsp.TimeStampResp.load(body)
        status = reply["status"]["status"].native
    except (ValueError, TypeError) as exc:
        raise TimestampError(f"{url}: the reply is not an RFC 3161 response ({exc})") from exc
    if status not in ("granted", "granted_with_mods"):
        text = reply["status"]["status_string"].native or []
        raise TimestampError(f"{url}: time stamp refused ({status}: {' '.join(text)})")
    token: bytes = reply["time_stamp_token"].dump()
    return token


def check_token(token: bytes, data: bytes) -> TokenInfo:
    """The token's time and signer when it is a valid time stamp of `data`;
    raises `TimestampError` naming what is wrong."""
    try:
        signed = _signed_data(token)
        tst = signed["encap_content_info"]["content"].parsed
        imprint = tst["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        expected = hashlib.new(algorithm, data).digest()
        if imprint["hashed_message"].native != expected:
            raise TimestampError("the time stamp is for other data than this manifest")
        signer = signed["signer_infos"][0]
        cert = _signer_certificate(signed, signer)
        _check_signature(signer, cert, signed["encap_content_info"]["content"].contents)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise TimestampError(f"the time-stamp token cannot be read ({exc})") from exc
    return TokenInfo(
        gen_time=tst["gen_time"].native,
        tsa=cert.subject.rfc4514_string(),
        serial=int(tst["serial_number"].native),
        policy=str(tst["policy"].native),
        nonce=tst["nonce"].native,
    )


def _signed_data(token: bytes) -> cms.SignedData:
    info = cms.ContentInfo.load(token)
    if info["content_type"].native != "signed_data":
        raise TimestampError("the time-stamp token is not CMS signed data")
    signed: cms.SignedData = info["content"]
    if signed["encap_content_info"]["content_type"].native != "tst_info":
        raise TimestampError("the time-stamp token does not hold TSTInfo")
    return signed


def _signer_certificate(signed: cms.SignedData, signer: cms.SignerInfo) -> x509.Certificate:
    sid = signer["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            found = (
                cert.issuer == sid.chosen["issuer"]
                and cert.serial_number == sid.chosen["serial_number"].native
            )
        else:
            found = cert.key_identifier == sid.chosen.native
        if found:
            loaded = x509.load_der_x509_certificate(cert.dump())
            _check_usage(loaded)
            return loaded
    raise TimestampError("the time-stamp token does not carry its signer's certificate")


def _check_usage(cert: x509.Certificate) -> None:
    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or x509.oid.ExtendedKeyUsageOID.TIME_STAMPING not in usage:
        raise TimestampError(
            f"the token's signer {cert.subject.rfc4514_string()} is not a time-stamping certificate"
        )


def _check_signature(signer: cms.SignerInfo, cert: x509.Certificate, content: bytes) -> None:
    digest_name = signer["digest_algorithm"]["algorithm"].native
    attributes = signer["signed_attrs"]
    digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
    if digests != [hashlib.new(digest_name, content).digest()]:
        raise TimestampError("the time-stamp token's content does not match its signed digest")
    signed_bytes = b"\x31" + attributes.dump()[1:]  # signed over as a SET, not [0] IMPLICIT
    signature = signer["signature"].native
    algorithm = _HASHES[digest_name]()
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed_bytes, _rsa_padding(signer, algorithm), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(algorithm))
        else:
            raise TimestampError(f"unsupported time-stamp signer key {type(key).__name__}")
    except InvalidSignature:
        raise TimestampError("the time-stamp token's signature does not verify") from None


def _rsa_padding(
    signer: cms.SignerInfo, algorithm: hashes.HashAlgorithm
) -> padding.AsymmetricPadding:
    if signer["signature_algorithm"].signature_algo == "rsassa_pss":
        return padding.PSS(mgf=padding.MGF1(algorithm), salt_length=padding.PSS.AUTO)
    return padding.PKCS1v15()


def chain_problem(token: bytes, data: bytes, ca_file: Path) -> str | None:
    """What `openssl ts -verify` says against the CA certificate(s) in `ca_file`,
    or None when the token chains to them."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return "openssl is not installed: the TSA certificate chain was not checked"
    with tempfile.TemporaryDirectory(prefix="cw-tsa-") as tmp:
        token_path, data_path = Path(tmp) / "token.tsr", Path(tmp) / "data"
        token_path.write_bytes(token)
        data_path.write_bytes(data)
        result = subprocess.run(
            [openssl, "ts", "-verify", "-token_in", "-in", str(token_path),
             "-data", str(data_path), "-CAfile", str(ca_file)],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    if result.returncode == 0 and "OK" in result.stdout:
        return None
    detail = (result.stdout + result.stderr).strip().splitlines()
    return "the TSA certificate does not chain to " + f"{ca_file}: {' '.join(detail[-3:])}"
