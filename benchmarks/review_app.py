"""The review app under load: 20 analysts on the queue, post pages and verdicts.

A store of N posts (the generator of `benchmarks.index`: corpus text, 30
sites, 90 days, 12% flagged, a quarter with a contact) is built once and
cached; `cluewatch serve` is started on loopback in a subprocess; each
client logs in as its own analyst and then cycles through four requests:

- the queue page (`GET /`, the open queue by score, then one category's);
- a post page (`GET /posts/{id}` of a flagged post);
- a verdict (`POST /api/posts/{id}/verdict`, a different post each time);
- the health endpoint (`GET /healthz`), the baseline measured under the same
  load in the same run.

It prints p50/p95 per request kind and each against the health endpoint.
Target: queue page p95 <= 150 ms.

Verdicts change the cached store (a few thousand of its flagged posts leave
the open queue per run); `--rebuild` starts from a fresh store.

    python -m benchmarks.review_app [--posts 1000000] [--clients 20] [--requests 2000]
                                    [--cache DIR] [--rebuild]
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.common import table
from benchmarks.index import BATCH
from benchmarks.index import _posts as generate_posts
from cluewatch.taxonomy import CATEGORIES
from index.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO / ".bench-cache"
PASSWORD = "bench-password-0001"
TARGET_QUEUE_P95_MS = 150.0
VERDICTS = ("confirm", "dismiss", "escalate", "needs_info")
KINDS = ("queue page", "post page", "verdict", "health")
CHUNK = 50_000


def cached_store(cache: Path, posts: int, *, rebuild: bool = False) -> Path:
    """The store file of `posts` generated posts, built once; a marker file says it is whole."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"review-app-{posts}.db"
    ready = path.with_suffix(".ready")
    if ready.exists() and not rebuild:
        print(f"store: {path} (cached)")
        return path
    ready.unlink(missing_ok=True)
    for stale in cache.glob(path.name + "*"):
        stale.unlink()
    print(f"store: building {posts:,} posts in {path}", flush=True)
    started = time.perf_counter()
    store = SQLiteStore(path)
    for offset in range(0, posts, CHUNK):
        batch = generate_posts(min(CHUNK, posts - offset), total=posts, offset=offset)
        for i in range(0, len(batch), BATCH):
            store.write_posts(batch[i : i + BATCH])
        done = offset + len(batch)
        rate = done / (time.perf_counter() - started)
        print(f"  {done:>9,} posts  {rate:,.0f}/s", flush=True)
    store.close()
    ready.write_text(f"{posts}\n")
    return path


def ensure_users(path: Path, clients: int) -> list[str]:
    """One analyst per client (created once in the cached store)."""
    from review_app.auth import add_user

    store = SQLiteStore(path)
    names = [f"bench-{n:02d}" for n in range(clients)]
    for name in names:
        if store.get_user(name) is None:
            add_user(store, name, PASSWORD, "analyst")
    store.close()
    return names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(path: Path, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`cluewatch serve` on loopback, as an operator starts it; returns once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUEWATCH_")}
    env |= {
        "CLUEWATCH_DATA_DIR": str(data_dir),
        "CLUEWATCH_DB_PATH": str(path),
        "CLUEWATCH_PORT": str(port),
    }
    command = [str(Path(sys.executable).parent / "cluewatch"), "serve"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the review app exited ({server.returncode}); see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"the review app did not answer within 120 s; see {log}")


def logged_in(base: str, username: str) -> tuple[httpx.Client, str]:
    """A client with an analyst's session, and the session's CSRF token."""
    client = httpx.Client(base_url=base, timeout=60)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    if response.status_code != 303:
        raise RuntimeError(f"login of {username} failed: {response.status_code}")
    return client, client.get("/api/me").json()["csrf"]


def flagged_ids(client: httpx.Client, wanted: int) -> list[str]:
    """Ids of open flagged posts, by score, following the queue's cursor."""
    ids: list[str] = []
    cursor: str | None = None
    while len(ids) < wanted:
        params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/queue", params=params).json()
        ids += [item["post"]["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    return ids


@dataclass
class Results:
    samples: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    failures: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            if problem:
                self.failures[kind].append(problem)


Call = Callable[[], httpx.Response]


def get(client: httpx.Client, path: str) -> Call:
    return lambda: client.get(path)


def post_json(client: httpx.Client, path: str, body: dict[str, str], csrf: str) -> Call:
    return lambda: client.post(path, json=body, headers={"X-CSRF-Token": csrf})


def requests_for(
    client: httpx.Client, csrf: str, posts: list[str], verdict_posts: list[str]
) -> list[tuple[str, Call, int]]:
    """One client's cycle of requests: (kind, call, the status expected)."""
    categories = itertools.cycle(CATEGORIES)
    calls: list[tuple[str, Call, int]] = []
    for n, (post_id, verdict_id) in enumerate(zip(posts, verdict_posts, strict=False)):
        queue_url = "/" if n % 2 == 0 else f"/?category={next(categories)}"
        body = {"kind": VERDICTS[n % len(VERDICTS)], "note": "benchmark"}
        calls += [
            ("queue page", get(client, queue_url), 200),
            ("post page", get(client, f"/posts/{post_id}"), 200),
            ("verdict", post_json(client, f"/api/posts/{verdict_id}/verdict", body, csrf), 200),
            ("health", get(client, "/healthz"), 200),
        ]
    return calls


def drive(calls: list[tuple[str, Call, int]], results: Results) -> None:
    for kind, call, expected in calls:
        start = time.perf_counter()
        response = call()
        seconds = time.perf_counter() - start
        problem = None if response.status_code == expected else str(response.status_code)
        results.add(kind, seconds, problem)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def run_load(base: str, users: list[str], requests: int) -> tuple[Results, float]:
    """Every client logs in, then all cycle through their requests at once."""
    sessions = [logged_in(base, user) for user in users]
    per_client = max(1, requests // (len(users) * len(KINDS)))
    ids = flagged_ids(sessions[0][0], per_client * len(users) * 2 + 40)
    if len(ids) < per_client * len(users) * 2:
        raise RuntimeError(f"only {len(ids)} open flagged posts; use more --posts or --rebuild")
    view, judge = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    plans = []
    for n, (client, csrf) in enumerate(sessions):
        mine = slice(n * per_client, (n + 1) * per_client)
        plans.append(requests_for(client, csrf, view[mine], judge[mine]))
    warm = Results()
    for client, _ in sessions[:2]:  # open the server's connections and caches
        drive([("health", get(client, p), 200) for p in ("/", f"/posts/{view[-1]}")], warm)
    results = Results()
    threads = [threading.Thread(target=drive, args=(plan, results)) for plan in plans]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for client, _ in sessions:
        client.close()
    return results, elapsed


def report(results: Results, elapsed: float, posts: int, clients: int) -> None:
    total = sum(len(s) for s in results.samples.values())
    h50, h95 = percentiles(results.samples["health"])
    rows: list[tuple[str, ...]] = []
    for kind in KINDS:
        p50, p95 = percentiles(results.samples[kind])
        rows.append(
            (
                kind,
                str(len(results.samples[kind])),
                str(len(results.failures[kind])),
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{p50 / h50:.1f}x",
                f"{p95 / h95:.1f}x",
            )
        )
    print()
    print(f"review app, {posts:,} posts, {clients} concurrent clients (ms)")
    header = ("request", "count", "failed", "p50", "p95", "p50 / health", "p95 / health")
    print(table(rows, header))
    print(f"{total} requests in {elapsed:.1f} s: {total / elapsed:.0f} requests/s")
    _, queue_p95 = percentiles(results.samples["queue page"])
    met = "met" if queue_p95 <= TARGET_QUEUE_P95_MS else "NOT met"
    print(f"queue page p95 {queue_p95:.1f} ms (target <= {TARGET_QUEUE_P95_MS:.0f} ms: {met})")
    for kind, problems in results.failures.items():
        if problems:
            print(f"  {kind}: unexpected statuses {sorted(set(problems))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2_000, help="timed requests in all")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where stores are kept")
    parser.add_argument("--rebuild", action="store_true", help="build the store again")
    args = parser.parse_args()
    path = cached_store(args.cache, args.posts, rebuild=args.rebuild)
    users = ensure_users(path, args.clients)
    data_dir = args.cache / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    port = free_port()
    server = start_server(path, data_dir, port, args.cache / "server.log")
    try:
        results, elapsed = run_load(f"http://127.0.0.1:{port}", users, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(results, elapsed, args.posts, args.clients)


if __name__ == "__main__":
    main()
