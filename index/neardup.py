"""Near-duplicate detection: MinHash over character 3-grams with banded lookup (LSH).

A repost with small edits (a changed contact, a word added) shares most of its
character 3-grams with the original. Each post gets a MinHash signature of
`HASHES` values; the signature is cut into `BANDS` bands of `ROWS` values, and
two posts become candidates when one band agrees exactly (at Jaccard 0.6 that
happens with probability 0.81, at 0.7 0.96, at 0.3 0.1). Candidates are kept
when the signatures agree on at least `SIMILARITY` of their values (an
estimate of the Jaccard similarity of their 3-gram sets).

SimHash was measured first: two 45-character posts differing by one added
character and one changed digit were 11 bits apart of 64, far beyond the 3
bits its banded lookup can find; short posts need MinHash.

Posts shorter than `MIN_CHARS` significant characters are not clustered: short
replies (顶, 谢谢分享) are alike without being reposts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, repeat

import numpy as np

from index.text import normalize

BANDS = 12
ROWS = 4
HASHES = BANDS * ROWS
SIMILARITY = 0.5
MIN_CHARS = 20

_NOT_ALNUM = re.compile(r"[\W_]+")
_rng = np.random.default_rng(20261123)
_A = _rng.integers(1, 2**63 - 1, size=HASHES, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=HASHES, dtype=np.uint64)
_BAND_SALT = np.arange(BANDS, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (wrapping uint64 arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


# Character 3-grams hashed in one pass: a few dozen short posts together, so that
# the (grams x HASHES) matrix stays in the processor's cache (measured: 2.7 times
# faster than one post at a time); a longer text is hashed in slices of this size.
_GRAMS_PER_PASS = 2_000
_NO_HASH = np.iinfo(np.uint64).max


def signature(text: str, *, normalized: bool = False) -> bytes | None:
    """MinHash signature (`HASHES` uint32 values, little-endian) of a text, or None if short.

    `normalized`: the text is already in `index.text.normalize` form.
    """
    return signatures([text], normalized=normalized)[0]


def signatures(texts: Sequence[str], *, normalized: bool = False) -> list[bytes | None]:
    """`signature` of each text."""
    significant = [_NOT_ALNUM.sub("", t if normalized else normalize(t)) for t in texts]
    # A text repeated in the batch (a spam wave, a repost) is hashed once.
    first_of = {text: i for i, text in reversed(list(enumerate(significant)))}
    out: list[bytes | None] = [None] * len(texts)
    group: list[int] = []
    grams = 0
    for i, text in enumerate(significant):
        if first_of[text] != i:
            continue
        if len(text) < MIN_CHARS:
            continue
        if len(text) > _GRAMS_PER_PASS:
            out[i] = _long_signature(text)
            continue
        if grams + len(text) > _GRAMS_PER_PASS:
            _sign_group(significant, group, out)
            group, grams = [], 0
        group.append(i)
        grams += len(text)
    if group:
        _sign_group(significant, group, out)
    return [out[first_of[text]] for text in significant]


def _grams(text: str) -> np.ndarray:
    """A hash of each character 3-gram of `text`, in order."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        return _mix((codes[:-2] << np.uint64(42)) ^ (codes[1:-1] << np.uint64(21)) ^ codes[2:])


def _hashed(grams: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (grams[:, None] * _A + _B) >> np.uint64(32)


def _sign_group(significant: list[str], group: list[int], out: list[bytes | None]) -> None:
    """Signatures of several texts from one pass over their joined 3-grams."""
    lengths = np.fromiter((len(significant[i]) for i in group), dtype=np.int64, count=len(group))
    grams = _grams("".join(significant[i] for i in group))
    # Leave out the two 3-grams that straddle each joint.
    joints = np.cumsum(lengths)[:-1]
    inside = np.ones(len(grams), dtype=bool)
    inside[joints - 2] = False
    inside[joints - 1] = False
    counts = lengths - 2
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    mins = np.minimum.reduceat(_hashed(grams[inside]), firsts, axis=0).astype("<u4")
    for i, row in zip(group, mins, strict=True):
        out[i] = row.tobytes()


def _long_signature(text: str) -> bytes:
    grams = np.unique(_grams(text))
    sig = np.full(HASHES, _NO_HASH, dtype=np.uint64)
    for start in range(0, len(grams), _GRAMS_PER_PASS):
        np.minimum(sig, _hashed(grams[start : start + _GRAMS_PER_PASS]).min(axis=0), out=sig)
    return sig.astype("<u4").tobytes()


def band_keys(sig: bytes) -> list[int]:
    """One signed 64-bit key per band: the band number mixed with its values."""
    return band_keys_of([sig])[0]


def band_keys_of(sigs: list[bytes]) -> list[list[int]]:
    """`band_keys` of many signatures in one pass."""
    if not sigs:
        return []
    values = np.frombuffer(b"".join(sigs), dtype="<u8").reshape(len(sigs), BANDS, ROWS // 2)
    with np.errstate(over="ignore"):
        key = _mix(values[:, :, 0] ^ _BAND_SALT)
        for column in range(1, ROWS // 2):
            key = _mix(key ^ values[:, :, column])
    return key.view(np.int64).tolist()  # type: ignore[no-any-return]


def similarities(sig: bytes, others: list[bytes]) -> np.ndarray:
    """`similarity` of one signature against several, vectorised."""
    return _agreements(sig, others) / HASHES


def _agreements(sig: bytes, others: list[bytes]) -> np.ndarray:
    mine = np.frombuffer(sig, dtype="<u4")
    theirs = np.frombuffer(b"".join(others), dtype="<u4").reshape(len(others), HASHES)
    return np.count_nonzero(theirs == mine, axis=1)


# Equal values a candidate needs (`SIMILARITY` of them), compared as whole numbers.
_AGREEING = math.ceil(SIMILARITY * HASHES - 1e-9)


def best_cluster(sig: bytes, candidates: Iterable[tuple[bytes, str]]) -> str | None:
    """The cluster of the most similar candidate (signature, cluster id) at or above
    `SIMILARITY`; the first such candidate on a tie."""
    pool = list(candidates)
    if not pool:
        return None
    for other, cluster in pool:  # a repost of identical text: the first is the best
        if other == sig:
            return cluster
    agreeing = _agreements(sig, [other for other, _ in pool])
    best = int(agreeing.argmax())
    return pool[best][1] if agreeing[best] >= _AGREEING else None


def best_clusters(
    sigs: Sequence[bytes | None],
    bands: Sequence[Sequence[int]],
    candidates: Mapping[int, Sequence[tuple[bytes, str]]],
) -> list[str | None]:
    """`best_cluster` of every signature at once, its candidates being those of its
    bands (`candidates`: band key -> (signature, cluster id)), in band order.

    One comparison of all (post, candidate) pairs instead of one per post; a
    candidate listed under several bands counts once, as its first listing.
    """
    pool: list[tuple[bytes, str]] = []
    bounds = [0]
    for sig, keys in zip(sigs, bands, strict=True):
        if sig is not None:
            pool.extend(chain.from_iterable(map(candidates.get, keys, repeat(()))))
        bounds.append(len(pool))
    out: list[str | None] = [None] * len(sigs)
    if not pool:
        return out
    sizes = np.diff(np.asarray(bounds))
    owner = np.repeat(np.arange(len(sigs)), sizes)
    blank = bytes(4 * HASHES)
    mine = np.frombuffer(b"".join([s or blank for s in sigs]), dtype="<u4").reshape(-1, HASHES)
    theirs = np.frombuffer(b"".join([s for s, _ in pool]), dtype="<u4").reshape(-1, HASHES)
    agreeing = np.count_nonzero(theirs == mine[owner], axis=1)
    # The first candidate with its post's highest agreement, where that reaches the bar.
    nonempty = np.flatnonzero(sizes)
    best = np.zeros(len(sigs), dtype=agreeing.dtype)
    best[nonempty] = np.maximum.reduceat(agreeing, np.asarray(bounds)[nonempty])
    hits = np.flatnonzero((agreeing == best[owner]) & (agreeing >= _AGREEING))
    posts, first = np.unique(owner[hits], return_index=True)
    for post, row in zip(posts.tolist(), hits[first].tolist(), strict=True):
        out[post] = pool[row][1]
    return out


def similarity(a: bytes, b: bytes) -> float:
    """Share of equal signature values: an estimate of the 3-gram Jaccard similarity."""
    return float(np.mean(np.frombuffer(a, dtype="<u4") == np.frombuffer(b, dtype="<u4")))
