"""Bodies that are not posts: the huge archive page and binary "attachments"."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

DEFAULT_BIG_PAGE_BYTES = 50 * 1024 * 1024
_HEAD = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
    "<title>本版全部帖子合集</title></head><body><h1>本版全部帖子合集</h1>"
).encode()
_TAIL = b"</body></html>"
# About 100 KB of archive rows, sent again and again.
_BLOCK = b"".join(
    f'<p class="archive-row">第{n:04d}条 存档记录：版聚通知、旧帖汇总、灌水楼层，内容已归档。</p>\n'.encode()
    for n in range(1000)
)


@dataclass(frozen=True)
class BigPage:
    """A valid-enough HTML page of exactly `size` bytes (at least head and tail), generated
    while it is sent: one shared block repeated, never the whole page in memory."""

    size: int

    def __len__(self) -> int:
        return max(self.size, len(_HEAD) + len(_TAIL))

    def __iter__(self) -> Iterator[bytes]:
        yield _HEAD
        left = len(self) - len(_HEAD) - len(_TAIL)
        while left >= len(_BLOCK):
            yield _BLOCK
            left -= len(_BLOCK)
        yield b" " * left
        yield _TAIL


def big_page(size: int = DEFAULT_BIG_PAGE_BYTES) -> BigPage:
    return BigPage(size)


@functools.cache
def png_bytes(seed: int) -> bytes:
    """About 16 KB that start like a PNG file: NULs and bytes invalid in UTF-8 and GBK."""
    header = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00\x00\x00\x01\x80\x08\x06\x00\x00\x00"
    )
    chunks = [header]
    block = hashlib.sha256(str(seed).encode()).digest()
    for _ in range(512):
        block = hashlib.sha256(block).digest()
        chunks.append(block)
    return b"".join(chunks) + b"\x00\x00\x00\x00IEND\xaeB`\x82"
