"""A crawl process's memory stays flat: nothing kept per page, freed memory given back."""

from __future__ import annotations

import ctypes
import gc
import os
import subprocess
import sys

import pytest
from parsel import Selector as ParselSelector

from crawler.config import Selector
from crawler.spiders.config_spider import select_text


def test_evaluating_selectors_page_after_page_keeps_no_memory() -> None:
    """With the EXSLT sets namespace registered, lxml keeps an object for good on every
    evaluation (a crawl evaluates some 15 a page); selectors that do not use it must not."""
    page = (
        '<h1 class="t">标题</h1><div class="floor" id="p1" data-floor="1">'
        '<span class="floor-author">晴天22</span><div class="floor-body"><p>正文</p></div></div>'
    )
    selectors = [
        Selector(css="div.floor"),
        Selector(css="h1.t::text", scope="page"),
        Selector(css="div.floor-body"),
        Selector(css=".floor-author::text"),
        Selector(xpath="@data-floor"),
    ]
    documents = [ParselSelector(text=page).css("div.floor")[0] for _ in range(100)]

    def evaluate(times: int) -> None:
        for _ in range(times):
            for document in documents:
                for selector in selectors:
                    select_text(document, selector)

    evaluate(1)
    gc.collect()
    before = sys.getallocatedblocks()
    evaluate(20)  # 10,000 evaluations
    gc.collect()
    assert sys.getallocatedblocks() - before < 1_000


# Allocates and frees a 4 MiB block three times; prints, for each time, whether glibc
# served it by mmap (returned to the system when freed) rather than from a heap.
_PROBE = """
import ctypes, sys
from cluewatch.runtime import steady_malloc

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost").split()]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "steady":
    assert steady_malloc(mmap_threshold=1 << 20, trim_threshold=16 << 20)
mapped = []
for _ in range(3):
    block = libc.malloc(4 << 20)
    held = libc.mallinfo2().hblks
    libc.free(block)
    mapped.append(held - libc.mallinfo2().hblks)
print(mapped)
"""


def _mapped(mode: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(
    not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="glibc's malloc only (2.33 or later)"
)
def test_large_blocks_go_back_to_the_system_when_freed_after_steady_malloc() -> None:
    # glibc's default: once a large block is freed, blocks of that size come from a heap,
    # which keeps the memory when they are freed.
    assert _mapped("default") == "[1, 0, 0]"
    assert _mapped("steady") == "[1, 1, 1]"
