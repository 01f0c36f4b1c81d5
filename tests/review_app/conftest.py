"""Review-app fixtures: an in-process client, the app served for real, a real headless Chromium.

`live_app` starts the app with uvicorn on a free loopback port, on a fresh
SQLite store filled through the store API (`.url`, `.store`, `.settings`,
`.add_user(name, role)`). `browser` is a logged-out Selenium WebDriver on the
system Chromium and chromedriver (Debian `chromium`, `chromium-driver`,
installed by `make setup`); tests that use it are skipped, with the reason,
only when those are absent. `screenshot(driver, name)` keeps a page as a test
artifact under `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from cluewatch.settings import Settings
from index.sqlite import SQLiteStore
from review_app.app import create_app
from review_app.auth import add_user
from tests.review_app.helpers import PASSWORD, USERS

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _fill_users(store: SQLiteStore) -> None:
    for name, role in USERS.items():
        add_user(store, name, PASSWORD, role)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Iterator[SQLiteStore]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(settings.store_path)
    _fill_users(store)
    yield store
    store.close()


@pytest.fixture
def client(store: SQLiteStore, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, store=store), base_url="http://127.0.0.1")


@dataclass
class LiveApp:
    url: str
    store: SQLiteStore
    settings: Settings

    def add_user(self, username: str, role: str, password: str = PASSWORD) -> str:
        """Create a user; returns the password."""
        add_user(self.store, username, password, role)
        return password


@pytest.fixture
def live_app(store: SQLiteStore, settings: Settings) -> Iterator[LiveApp]:
    """The app served by uvicorn in a thread on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, store=store),
        log_level="warning",
        ws="none",
        lifespan="off",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the review app did not start within 10 s")
        time.sleep(0.02)
    yield LiveApp(url=f"http://127.0.0.1:{port}", store=store, settings=settings)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _chromium_missing() -> str | None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).exists() and not shutil.which(Path(path).name):
            return f"{path} not found: install the Debian package {package} (make setup does)"
    return None


@pytest.fixture(scope="session")
def _chromium() -> Iterator[WebDriver]:
    missing = _chromium_missing()
    if missing:
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    service = Service(executable_path=shutil.which("chromedriver") or CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


@pytest.fixture
def browser(_chromium: WebDriver) -> Iterator[WebDriver]:
    """A logged-out headless Chromium (one browser per test session, cookies cleared per test)."""
    _chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    _chromium.get("about:blank")
    yield _chromium
    _chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})


def screenshot(driver: WebDriver, name: str) -> Path:
    """Save the page as `test-artifacts/screenshots/NAME.png`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
