"""The crawler's pure parts: encodings, text, feeds, Retry-After, site-file errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from cluewatch.errors import SiteConfigError
from crawler.config import Selector, load_site
from crawler.middlewares import retry_after_seconds
from crawler.spiders.config_spider import (
    _is_feed,
    canonical_url,
    decode_page,
    error_kind,
    html_to_text,
    is_binary,
    select_text,
)

TEXT = "宝宝出生证明可以办理，联系微信 fake_wx_001。繁體字也在：寶寶"


def _html(body: bytes, content_type: str = "text/html") -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1/p", body=body, headers={"Content-Type": content_type})


def _page(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type", "hint"),
    [
        # Declared in the header.
        (_page(TEXT).encode("gbk", "ignore"), "text/html; charset=gbk", None),
        # Declared only in a <meta> tag.
        (_page(TEXT, '<meta charset="gb18030">').encode("gb18030"), "text/html", None),
        (
            _page(TEXT, '<meta http-equiv="Content-Type" content="text/html; charset=gbk">').encode(
                "gbk", "ignore"
            ),
            "text/html",
            None,
        ),
        # Declared nowhere: valid UTF-8 stays UTF-8.
        (_page(TEXT).encode("utf-8"), "text/html", "gbk"),
        # Declared nowhere, not UTF-8: the site's hint, else GB18030; never Latin-1.
        (_page(TEXT).encode("gbk", "ignore"), "text/html", "gbk"),
        (_page(TEXT).encode("gb18030"), "text/html", None),
    ],
)
def test_pages_decode_to_the_chinese_they_carry(body: bytes, content_type: str, hint: str | None):
    page = decode_page(_html(body, content_type), hint)
    assert "宝宝出生证明可以办理" in page.text
    assert "fake_wx_001" in page.text


def test_an_undeclared_gbk_page_is_not_taken_for_latin_1() -> None:
    page = decode_page(_html(_page(TEXT).encode("gbk", "ignore")), None)
    assert page.encoding in {"gb18030", "gbk"}
    assert "Ã" not in page.text and "宝宝" in page.text


def test_binary_bodies_are_recognised() -> None:
    assert is_binary(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert is_binary(b"%PDF-1.7 ...")
    assert is_binary(b"<html>" + b"\x00" + b"</html>")
    assert not is_binary(_page(TEXT).encode("gbk", "ignore"))
    assert not is_binary(_page(TEXT).encode("utf-8"))


def test_post_text_leaves_out_script_style_and_template() -> None:
    page = _html(
        (
            '<div class="body"><p>家里的猫找领养，要求科学喂养。</p>'
            '<script>var ad="高价代孕 fake_ad_88";</script>'
            "<style>.x::after{content:'捐卵有偿'}</style>"
            "<noscript>请开启脚本</noscript><template>送养宝宝</template>"
            "<p>第二段</p></div>"
        ).encode(),
        "text/html; charset=utf-8",
    )
    text = select_text(page, Selector(css="div.body"))
    assert text == "家里的猫找领养，要求科学喂养。\n第二段"


def test_html_fragments_keep_line_breaks_and_lose_tags_scripts_and_entities() -> None:
    fragment = (
        "第一行<br/>第二行 &amp; 更多<p>段落</p><script>alert('x')</script>"
        '<a href="javascript:alert(1)">链接</a>&#x1F476;'
    )
    assert html_to_text(fragment) == "第一行\n第二行 & 更多段落\n链接\U0001f476"


def test_canonical_url_drops_the_fragment_and_named_query_parameters() -> None:
    url = "http://127.0.0.1/forum/thread/7?page=2&from=board&tid=7#pid3"
    assert canonical_url(url, ["page", "from"]) == "http://127.0.0.1/forum/thread/7?tid=7"
    assert canonical_url("http://h/a?b=1#x", []) == "http://h/a?b=1"


@pytest.mark.parametrize(
    ("body", "content_type", "feed"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "application/rss+xml", True),
        (
            b'<?xml version="1.0" encoding="utf-8"?><!-- x --><feed xmlns="http://www.w3.org/2005/Atom"/>',
            "application/atom+xml",
            True,
        ),
        (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', "application/xml", True),
        (b"<?xml version='1.0'?><sitemapindex/>", "text/plain", True),
        (b'<?xml version="1.0"?><config><a/></config>', "application/xml", False),
        (b"<html><body>rss feed</body></html>", "text/html", False),
    ],
)
def test_feeds_and_sitemaps_are_told_from_other_documents(
    body: bytes, content_type: str, feed: bool
) -> None:
    cls = XmlResponse if "xml" in content_type else TextResponse
    response = cls("http://127.0.0.1/f", body=body, headers={"Content-Type": content_type})
    assert _is_feed(response) is feed


NOW = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"120", 120.0),
        (b" 7 ", 7.0),
        (b"Mon, 23 Nov 2026 08:00:30 GMT", 30.0),
        (b"Mon, 23 Nov 2026 07:00:00 GMT", 0.0),  # already past: no wait
        (b"soon", None),
        (b"-5", None),
        (b"", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: bytes | None, seconds: float | None):
    assert retry_after_seconds(value, now=NOW) == seconds


BASE = """\
name: site-a
allowed_domains: ["127.0.0.1"]
start_urls: ["http://127.0.0.1/"]
pages:
  - match: "^/p/\\\\d+$"
    fields: {text: {css: "div.body"}}
"""


@pytest.mark.parametrize(
    ("yaml_text", "key", "reason"),
    [
        (BASE + "schedule: '61 * * * *'\n", "schedule", "not a valid cron expression"),
        (BASE.replace('http://127.0.0.1/"]', 'ftp://x/"]'), "start_urls", "not an http(s) URL"),
        (BASE + "politeness: {concurrency: 0}\n", "politeness.concurrency", "greater than"),
        (BASE + "politeness: {delay: 1}\n", "politeness.delay", "Extra inputs"),
        (BASE + "search: {url: 'http://127.0.0.1/s', results: {css: a}}\n", "search.url", "{term}"),
        (
            BASE + "follow: [{css: a, allow: '(unclosed'}]\n",
            "follow.0.allow",
            "regular expression",
        ),
        (
            BASE.replace("pages:", "old_pages:")
            + "api: {items: 'data[', fields: {id: id, text: t}, post_url: 'http://x/{id}'}\n",
            "api.items",
            "JMESPath",
        ),
        (
            BASE.replace("pages:", "old_pages:")
            + "api: {items: data, fields: {text: t}, post_url: 'http://x/{id}'}\n",
            "api.fields",
            "'id' and 'text'",
        ),
        (
            "name: site-a\nallowed_domains: ['127.0.0.1']\n"
            "pages: [{match: x, fields: {text: {css: p}}}]\n",
            "(top level)",
            "start_urls, feeds or search",
        ),
        (
            "name: site-a\nallowed_domains: ['127.0.0.1']\nstart_urls: ['http://127.0.0.1/']\n",
            "(top level)",
            "pages (HTML rules) or api",
        ),
        (BASE + "name2: x\n", "name2", "Extra inputs"),
        (BASE + "encoding: gbk2\n", "encoding", "not an encoding"),
        (BASE + "follow: [{css: 'a[href'}]\n", "follow.0", "not a valid CSS selector"),
        (
            BASE.replace('css: "div.body"', 'xpath: "//div[@class="'),
            "pages.0.fields.text",
            "not a valid XPath expression",
        ),
    ],
)
def test_a_bad_site_file_names_the_file_the_key_and_the_reason(
    tmp_path: Path, yaml_text: str, key: str, reason: str
) -> None:
    path = tmp_path / "site-a.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(SiteConfigError) as raised:
        load_site(path)
    message = str(raised.value)
    assert str(path) in message
    assert f"key '{key}'" in message
    assert reason in message


def test_a_good_site_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "site-a.yaml"
    path.write_text(BASE.replace("127.0.0.1/", "${HOST}/"), encoding="utf-8")
    site = load_site(path, variables={"HOST": "127.0.0.1:9"})
    assert site.start_urls == ["http://127.0.0.1:9/"]
    with pytest.raises(SiteConfigError, match=r"unknown variable \$\{HOST\}"):
        load_site(path)


def test_download_failures_are_named_for_operators() -> None:
    from scrapy.exceptions import DownloadCancelledError
    from twisted.internet.defer import CancelledError
    from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
    from twisted.web._newclient import ResponseNeverReceived

    assert error_kind(TimeoutError()) == "timeout"
    assert error_kind(DownloadCancelledError("too big")) == "too_large"
    assert error_kind(CancelledError()) == "too_large"
    assert error_kind(DNSLookupError()) == "dns"
    assert error_kind(ConnectionRefusedError()) == "connection"
    assert error_kind(ResponseNeverReceived([])) == "connection"
    assert error_kind(ValueError("x")) == "ValueError"


def test_capture_records_how_the_page_was_fetched_without_credentials() -> None:
    from scrapy.http import HtmlResponse, Request

    from crawler.spiders.config_spider import _redirects, _request_headers

    request = Request(
        "http://127.0.0.1/t/2",
        headers={"User-Agent": "cluewatch/0.1 (test)", "Cookie": "sid=secret"},
        meta={
            "redirect_urls": ["http://127.0.0.1/t?id=2", "http://127.0.0.1/t/2?x"],
            "redirect_reasons": [301, 302],
        },
    )
    response = HtmlResponse(request.url, body=b"<p>x</p>", request=request)
    assert _request_headers(response) == [("User-Agent", "cluewatch/0.1 (test)")]
    assert _redirects(response) == [
        {"url": "http://127.0.0.1/t?id=2", "status": 301},
        {"url": "http://127.0.0.1/t/2?x", "status": 302},
    ]
