"""Site file rules added for the sandbox sites: field regexes and paged API replies."""

from __future__ import annotations

from pathlib import Path

import pytest
from parsel import Selector as ParselSelector

from cluewatch.errors import SiteConfigError
from crawler.config import XPATH_NAMESPACES, ApiReplies, Selector, load_site, used_namespaces
from crawler.spiders.config_spider import select_text

FLOOR = (
    '<div class="l_post" id="post-910002" data-field=\'{"content": {"post_no": 12, '
    '"date": "2026-11-05 10:11"}}\'><span class="tail-info">12楼</span></div>'
)


def _node() -> ParselSelector:
    return ParselSelector(text=FLOOR).css("div.l_post")[0]


def test_regex_keeps_its_first_group_or_the_whole_match() -> None:
    node = _node()
    assert select_text(node, Selector(xpath="@data-field", regex=r'"post_no": (\d+)')) == "12"
    assert select_text(node, Selector(css="span.tail-info::text", regex=r"\d+")) == "12"
    assert (
        select_text(node, Selector(xpath="@data-field", regex=r'"date": "([^"]+)"'))
        == "2026-11-05 10:11"
    )


def test_regex_without_a_match_gives_an_empty_field() -> None:
    assert select_text(_node(), Selector(css="span.tail-info::text", regex=r"第(\d+)层")) == ""
    assert select_text(_node(), Selector(css="span.nothing::text", regex=r"\d+")) == ""


def test_own_attribute_by_xpath_not_the_descendants() -> None:
    node = ParselSelector(text='<div id="a"><p id="b">x</p></div>').css("div")[0]
    assert select_text(node, Selector(xpath="@id")) == "a"


def test_a_bad_regex_fails_with_file_and_key(tmp_path: Path) -> None:
    site = tmp_path / "bad.yaml"
    site.write_text(
        'name: bad\nstart_urls: ["http://127.0.0.1/"]\nallowed_domains: ["127.0.0.1"]\n'
        'pages: [{match: "x", fields: {text: {css: "p", regex: "(unclosed"}}}]\n',
        encoding="utf-8",
    )
    with pytest.raises(SiteConfigError) as raised:
        load_site(site)
    assert "bad.yaml" in str(raised.value) and "pages.0.fields.text.regex" in str(raised.value)


def test_replies_can_page_by_their_own_cursor() -> None:
    replies = ApiReplies(
        url="http://127.0.0.1/api/comments?id={id}",
        items="data.comments",
        fields={"id": "idstr", "text": "text"},
        post_url="{thread_url}#comment-{id}",
        next_cursor="data.next_cursor",
    )
    assert replies.cursor_param == "cursor" and replies.next_cursor == "data.next_cursor"


def test_exslt_functions_work_in_site_selectors() -> None:
    node = ParselSelector(text='<ul><li class="a">1</li><li class="b">2</li><li>1</li></ul>')
    assert select_text(node, Selector(xpath="//li[re:test(@class, '^[ab]$')]/text()")) == "1 2"
    assert select_text(node, Selector(xpath="set:distinct(//li/text())")) == "1 2"


def test_an_xpath_registers_only_the_exslt_namespaces_it_uses() -> None:
    assert used_namespaces("//div[@class='floor']") == {}
    assert used_namespaces("//a[re:test(@href, 'x')]") == {"re": XPATH_NAMESPACES["re"]}
    assert used_namespaces("set:distinct(//a)") == {"set": XPATH_NAMESPACES["set"]}
    assert used_namespaces("//a[@class='reset:']") == {}
