"""MinHash signatures: many texts hashed together equal each text hashed alone."""

from __future__ import annotations

import random

import numpy as np

from index import neardup


def _texts() -> list[str]:
    rng = random.Random(5)

    def han(n: int) -> str:
        return "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(n))

    return [
        "顶",  # too short
        "本人诚心送养一名男宝宝，出生三个月，身体健康，需要营养费，有意者加微信fake_bb_01",
        *(han(rng.randrange(20, 400)) for _ in range(200)),
        "a" * 20,  # one distinct 3-gram
        han(5_000),  # longer than one pass: hashed in slices
        han(1_999) + "!!" + han(30),
        "本人诚心送养一名男宝宝，出生三个月，身体健康，需要营养费，有意者加微信fake_bb_01",  # again
    ]


def test_texts_hashed_together_get_the_signature_each_gets_alone() -> None:
    texts = _texts()
    together = neardup.signatures(texts)
    alone = [neardup.signatures([text])[0] for text in texts]
    assert together == alone
    assert together[0] is None and all(sig is not None for sig in together[1:])


def test_a_signature_is_the_minimum_over_the_texts_3_grams() -> None:
    text = "".join(chr(0x4E00 + n) for n in range(3_000))  # every 3-gram distinct
    codes = [ord(c) for c in text]
    grams = np.array(
        [(a << 42) ^ (b << 21) ^ c for a, b, c in zip(codes, codes[1:], codes[2:], strict=False)],
        dtype=np.uint64,
    )
    with np.errstate(over="ignore"):
        expected = ((neardup._mix(grams)[:, None] * neardup._A + neardup._B) >> np.uint64(32)).min(
            axis=0
        )
    assert neardup.signature(text, normalized=True) == expected.astype("<u4").tobytes()


def test_the_best_cluster_is_the_most_similar_candidate_and_the_first_on_a_tie() -> None:
    text = "本人诚心送养一名男宝宝，出生三个月，身体健康，需要营养费，有意者加微信fake_bb_01"
    sig = neardup.signature(text)
    similar = neardup.signature(text.replace("身体健康", "身体很健康"))
    other = neardup.signature("今天天气很好，我们去公园散步，看到很多小朋友在玩耍，非常开心的一天")
    assert sig and similar and other
    pool = [(other, "x"), (similar, "a"), (sig, "b"), (sig, "c")]
    assert neardup.best_cluster(sig, pool) == "b"
    assert neardup.best_cluster(sig, [(other, "x"), (similar, "a")]) == "a"
    assert neardup.best_cluster(sig, [(other, "x")]) is None


def test_best_clusters_of_a_batch_equal_each_post_compared_alone() -> None:
    rng = random.Random(11)
    base = [t for t in _texts() if len(t) < 400]
    # Posts, reposts with small edits, and strangers; the candidates are those of their bands.
    texts = [*base[:60], *(t[: len(t) // 2] + "改" + t[len(t) // 2 + 1 :] for t in base[:60])]
    rng.shuffle(texts)
    sigs = neardup.signatures(texts)
    bands = [neardup.band_keys(s) if s else [] for s in sigs]
    candidates: dict[int, list[tuple[bytes, str]]] = {}
    for index, (sig, keys) in enumerate(zip(sigs[:80], bands[:80], strict=True)):
        for band in keys if sig else []:
            candidates.setdefault(band, []).append((sig, f"c{index % 50}"))  # type: ignore[arg-type]
    queries = [None, *sigs[80:], sigs[3]]
    query_bands = [[], *bands[80:], bands[3]]
    together = neardup.best_clusters(queries, query_bands, candidates)
    alone = [
        neardup.best_cluster(sig, [c for band in keys for c in candidates.get(band, [])])
        if sig
        else None
        for sig, keys in zip(queries, query_bands, strict=True)
    ]
    assert together == alone
    assert together[-1] == "c3" and sum(c is not None for c in together) >= 20
    assert neardup.best_clusters([sigs[0]], [bands[0]], {}) == [None]
