"""A screenshot of a captured page, rendered by headless Chromium from the
captured bytes in a local file: no scripts and no network. A content security
policy placed first in the page allows no script and nothing from outside
(only inline styles and data: images); a dead proxy and no name resolution
stop anything that slipped past it. (Chromium's `scriptEnabled=false` setting
also stops its own screenshot, so the policy is what keeps scripts off.)

The rendering is an illustration for readers; the evidence is the raw bytes
and the WARC record next to it. When it cannot be made, the reason goes into
the bundle instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

MAX_RENDER_BYTES = 5_000_000
TIMEOUT_SECONDS = 60
WINDOW = "1280,1800"
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_DOCTYPE = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<!doctype[^>]*>", re.IGNORECASE)
_LOCKDOWN = (
    b'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    b"img-src data:; style-src 'unsafe-inline'; font-src data:\">"
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def render(
    body_path: Path, headers: Sequence[Sequence[str]], out: Path, *, chromium: str | None
) -> str | None:
    """Write a PNG of the captured page in `body_path` to `out`; returns None, or
    why no screenshot was made."""
    if chromium is None:
        return "chromium is not installed on the machine that built the bundle"
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "text/html")
    if "html" not in content_type.lower() and "text" not in content_type.lower():
        return f"the captured response is {content_type}, not a page"
    size = body_path.stat().st_size
    if size > MAX_RENDER_BYTES:
        return f"the captured page is {size:,} bytes, more than the {MAX_RENDER_BYTES:,} rendered"
    with tempfile.TemporaryDirectory(prefix="cw-shot-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_bytes(_locked_down(body_path.read_bytes(), content_type))
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--window-size={WINDOW}",
            f"--screenshot={out}",
            page.as_uri(),
        ]
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return f"chromium did not finish within {TIMEOUT_SECONDS} s"
    if not out.exists() or out.stat().st_size == 0:
        return "chromium made no screenshot"
    return None


def _locked_down(body: bytes, content_type: str) -> bytes:
    """The captured bytes with the lockdown policy (and the charset the response
    header declared) placed first in the document, after any doctype."""
    head = _LOCKDOWN
    charset = _CHARSET.search(content_type)
    if charset:
        head = f'<meta charset="{charset.group(1)}">'.encode() + head
    doctype = _DOCTYPE.match(body)
    cut = doctype.end() if doctype else 0
    return body[:cut] + head + body[cut:]
