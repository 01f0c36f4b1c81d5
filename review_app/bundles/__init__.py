"""Clue bundles for police (线索移交): build, sign, time-stamp and verify.

Modules: `format` (names, versions, schemas; no dependencies), `keys` (the
Ed25519 signing key), `tsa` (RFC 3161 trusted time), `verify` (offline check;
imports neither the store nor the model), `records` (what a clue becomes in
the bundle), `report` (the printable HTML report), `screenshot` (headless
Chromium), `build` (streams everything into the ZIP) and `service` (the
prepare -> approve -> download lifecycle with the two-person rule).
"""
