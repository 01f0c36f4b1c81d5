"""`cluewatch demo`: sandbox -> crawl -> score -> fresh store -> review app."""

from __future__ import annotations

import secrets
import shutil
import socket
from collections import Counter
from collections.abc import Callable

from cluewatch.settings import Settings
from cluewatch.taxonomy import CATEGORY_NAMES_ZH

DEMO_USER = "demo"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def run_demo(settings: Settings, *, serve: bool, echo: Callable[[str], object]) -> str:
    """Run the demo; returns the demo analyst's password. Serves until interrupted if `serve`."""
    from cluewatch.wiring import open_store
    from crawler.config import load_sites
    from crawler.runner import run_crawls
    from crawler.sandbox.server import Sandbox
    from review_app.auth import add_user

    demo_dir = settings.data_dir / "demo"
    if demo_dir.exists():
        shutil.rmtree(demo_dir)
    settings = settings.model_copy(update={"db_path": demo_dir / "cluewatch.db"})
    sandbox = Sandbox(port=8601 if _port_free(8601) else 0).start()
    settings = settings.model_copy(update={"sandbox_url": sandbox.url})
    echo(f"sandbox web at {sandbox.url}/ (forum, tieba, classifieds, Q&A, microblog, blog)")
    try:
        sites = [
            s
            for s in load_sites(settings.sites_dir, variables={"SANDBOX": sandbox.url})
            if s.name.startswith("sandbox-")
        ]
        echo(f"crawling {len(sites)} sandbox sites into {settings.store_path} ...")
        summaries = run_crawls(settings, sites, log_level="WARNING")
    finally:
        sandbox.stop()
    store = open_store(settings)
    password = secrets.token_urlsafe(9)
    add_user(store, DEMO_USER, password, "analyst")
    flagged: Counter[str] = Counter()
    for s in summaries:
        flagged.update(s.flagged)
    pages = sum(s.pages for s in summaries)
    posts = store.count_posts()
    echo("")
    echo(f"crawled {pages} pages, stored {posts} posts, flagged {sum(flagged.values())}:")
    for category, n in sorted(flagged.items(), key=lambda kv: -kv[1]):
        echo(f"  {category:<22} {CATEGORY_NAMES_ZH.get(category, ''):<16} {n}")
    for s in summaries:
        if s.errors:
            echo(
                f"  {s.site} errors: " + ", ".join(f"{k} {v}" for k, v in sorted(s.errors.items()))
            )
    url = f"http://{settings.host}:{settings.port}/"
    echo("")
    echo(f"review app: {url}")
    echo(f"log in as  {DEMO_USER} / {password}  (demo analyst)")
    if serve:
        import uvicorn

        from review_app.app import create_app

        echo("Ctrl-C stops the review app")
        uvicorn.run(
            create_app(settings, store=store),
            host=settings.host,
            port=settings.port,
            log_level="warning",
        )
    return password
