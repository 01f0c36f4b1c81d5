"""The review app in a real headless Chromium: log in, work the queue with the keyboard,
open a post, give a verdict, find it in the audit log. Screenshots of the main pages are kept
under test-artifacts/screenshots/."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from index.models import ClueState, Match
from tests.factories import make_post
from tests.review_app.conftest import LiveApp, screenshot
from tests.review_app.helpers import PASSWORD

WAIT = 10


def log_in(browser: WebDriver, app: LiveApp, user: str, path: str = "/") -> None:
    browser.get(app.url + path)
    WebDriverWait(browser, WAIT).until(ec.url_contains("/login"))
    browser.find_element(By.NAME, "username").send_keys(user)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "section.login button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(lambda b: "/login" not in b.current_url)


def press(browser: WebDriver, keys: str) -> None:
    browser.find_element(By.TAG_NAME, "body").send_keys(keys)


def press_and_load(browser: WebDriver, keys: str) -> None:
    """Press keys that submit a form or follow a link, and wait for the next page."""
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(keys)
    WebDriverWait(browser, WAIT).until(ec.staleness_of(body))
    WebDriverWait(browser, WAIT).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )


def current_row(browser: WebDriver) -> str:
    return str(
        browser.find_element(By.CSS_SELECTOR, "#queue tr.row.current").get_attribute("data-id")
    )


def _posts() -> list:  # type: ignore[type-arg]
    title, text = "求助", "找代孕 包成功 加微信 fake_wx_001 电话 13800000000"
    start = len(title) + 1 + text.index("代孕")
    match = Match(
        term="代孕",
        category="surrogacy",
        weight="strong",
        surface="代孕",
        start=start,
        end=start + 2,
    )
    return [
        make_post(1, score=0.97, title=title, text=text, matches=[match]),
        make_post(
            2,
            score=0.88,
            title="男宝送养",
            label="illegal_adoption",
            text="送养 营养费 面议 微信 fake_wx_002",
        ),
        make_post(
            3,
            score=0.71,
            title="高薪出国",
            label="labor_trafficking",
            text="缅北高薪 包吃住 电话 13800000001",
        ),
    ]


def test_analyst_works_the_queue_with_the_keyboard_and_the_verdict_is_audited(
    live_app: LiveApp, browser: WebDriver
) -> None:
    first, second, third = _posts()
    live_app.store.write_posts([first, second, third])

    browser.get(live_app.url + "/")
    WebDriverWait(browser, WAIT).until(ec.url_contains("/login"))
    screenshot(browser, "login")
    log_in(browser, live_app, "alice")
    screenshot(browser, "queue")

    assert current_row(browser) == first.post.id
    press(browser, "j")
    assert current_row(browser) == second.post.id
    press(browser, "k")
    assert current_row(browser) == first.post.id
    press(browser, "x")
    assert browser.find_element(By.ID, "selected-count").text == "1"
    press(browser, "?")
    assert browser.find_element(By.ID, "help").is_displayed()
    press(browser, "?")
    assert not browser.find_element(By.ID, "help").is_displayed()

    press(browser, "jj")  # the third post: dismiss it from the queue
    assert current_row(browser) == third.post.id
    press_and_load(browser, "d")
    WebDriverWait(browser, WAIT).until(
        lambda b: live_app.store.get(third.post.id).state is ClueState.DISMISSED
    )
    WebDriverWait(browser, WAIT).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#queue tr.row")) == 2
    )

    press_and_load(browser, "o")  # open the first post
    WebDriverWait(browser, WAIT).until(ec.url_contains(f"/posts/{first.post.id}"))
    marks = browser.find_elements(By.CSS_SELECTOR, "#post-text mark.match")
    assert [m.text for m in marks] == ["代孕"]
    press_and_load(browser, "a")  # claim it
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.ID, "post-assignee").text == "alice"
    )
    press(browser, "n")
    note = browser.switch_to.active_element
    assert note.get_attribute("id") == "note-text"
    note.send_keys("联系方式与另两帖相同")
    body = browser.find_element(By.TAG_NAME, "body")
    browser.find_element(By.CSS_SELECTOR, "#note-form button").click()
    WebDriverWait(browser, WAIT).until(ec.staleness_of(body))
    WebDriverWait(browser, WAIT).until(
        lambda b: "联系方式与另两帖相同" in b.find_element(By.ID, "timeline").text
    )
    screenshot(browser, "post")
    press_and_load(browser, "c")  # confirm
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.ID, "post-state").text.startswith("已确认线索")
    )
    assert live_app.store.get(first.post.id).state is ClueState.CONFIRMED
    assert "研判：确认线索" in browser.find_element(By.ID, "timeline").text

    browser.find_element(By.CSS_SELECTOR, "header form button").click()  # log out
    WebDriverWait(browser, WAIT).until(ec.url_contains("/login"))
    log_in(browser, live_app, "sam", "/audit")
    browser.get(live_app.url + "/audit?actor=alice")
    rows = browser.find_elements(By.CSS_SELECTOR, "#audit tr.event")
    actions = [r.get_attribute("data-action") for r in rows]
    assert actions == ["verdict.confirm", "note", "assign", "verdict.dismiss"]
    assert first.post.id in rows[0].text
    screenshot(browser, "audit")


def test_queue_filters_and_bulk_verdict_in_the_browser(
    live_app: LiveApp, browser: WebDriver
) -> None:
    posts = _posts()
    live_app.store.write_posts(posts)
    log_in(browser, live_app, "bob")
    browser.find_element(By.ID, "search").send_keys("代孕\n")
    WebDriverWait(browser, WAIT).until(ec.url_contains("q="))
    rows = browser.find_elements(By.CSS_SELECTOR, "#queue tr.row")
    assert [r.get_attribute("data-id") for r in rows] == [posts[0].post.id]
    assert "代孕" in [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".snippet mark")]
    screenshot(browser, "queue-search")

    browser.get(live_app.url + "/")
    browser.find_element(By.ID, "select-all").click()
    assert browser.find_element(By.ID, "selected-count").text == "3"
    browser.find_element(By.CSS_SELECTOR, "form.bulk button.escalate").click()
    notice = WebDriverWait(browser, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "p.notice"))
    )
    assert "已处理 3 条" in notice.text
    assert {live_app.store.get(p.post.id).state for p in posts} == {ClueState.ESCALATED}


def _test_text(browser: WebDriver, text: str) -> list[str]:
    """Submit the lexicon page's test form; the terms it matched."""
    form = browser.find_element(By.ID, "test-form")
    box = form.find_element(By.NAME, "text")
    box.clear()
    box.send_keys(text)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(ec.presence_of_element_located((By.ID, "test-matches")))
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#test-matches li span.term")]


def test_supervisor_disables_a_term_and_the_lexicon_stops_matching_it(
    live_app: LiveApp, browser: WebDriver
) -> None:
    text = "听说有人在做代孕，私聊 fake_wx_003"
    log_in(browser, live_app, "sam", "/lexicon?category=surrogacy&q=代孕")
    assert "代孕" in _test_text(browser, text)
    row = next(
        r
        for r in browser.find_elements(By.CSS_SELECTOR, "#terms tbody tr")
        if r.find_element(By.CSS_SELECTOR, "span.term").text == "代孕"
    )
    row.find_element(By.CSS_SELECTOR, "form[action='/lexicon/terms/disable'] button").click()
    WebDriverWait(browser, WAIT).until(ec.staleness_of(row))
    screenshot(browser, "lexicon")
    disabled = [
        r.find_element(By.CSS_SELECTOR, "span.term").text
        for r in browser.find_elements(By.CSS_SELECTOR, "#terms tbody tr.disabled")
    ]
    assert "代孕" in disabled
    assert "代孕" not in _test_text(browser, text)
    events = live_app.store.audit_events(action="lexicon.disable")
    assert [(e.actor, e.after.get("term") if e.after else None) for e in events] == [
        ("sam", "代孕")
    ]
