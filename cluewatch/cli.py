"""The `cluewatch` command line."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from cluewatch.errors import CluewatchError, SettingsError
from cluewatch.settings import Settings, load_settings
from cluewatch.taxonomy import CATEGORIES

if TYPE_CHECKING:
    from classifier.train import TrainConfig

app = typer.Typer(
    name="cluewatch",
    help="Patrol public Chinese-language posts for trafficking jargon and keep the clue register.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sandbox_app = typer.Typer(
    help="The local sandbox web used for demos and tests.", no_args_is_help=True
)
user_app = typer.Typer(help="Review-app users.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(user_app, name="user")

SCORE_BATCH = 64
# Who changes made with the command line are recorded as in the audit log.
CLI_ACTOR = "cli"


# The command-line option that overrides a setting, where it is not `--` + the setting's name.
SETTING_OPTIONS = {"flag_threshold": "--threshold"}


def _settings(**overrides: Any) -> Settings:
    """The settings from the environment with the command's options (`overrides`, None
    for an option not given) on top. An invalid value ends the command: one E001 line
    per value naming its environment variable or option, exit status 2."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    options = {k: SETTING_OPTIONS.get(k, "--" + k.replace("_", "-")) for k in clean}
    try:
        return load_settings(clean, sources=options)
    except SettingsError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {exc.code}: {problem}", err=True)
        raise typer.Exit(2) from exc


def _store() -> Any:
    from cluewatch.wiring import open_store

    try:
        return open_store(_settings())
    except CluewatchError as exc:
        _fail(exc)


def _fail(exc: CluewatchError) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


# -- score ---------------------------------------------------------------------


def _parse_score_line(line: str) -> tuple[dict[str, Any] | None, str | None]:
    """The input record of one line, or the reason it is skipped."""
    if not line.strip():
        return None, "empty line"
    line = line.removeprefix("\ufeff")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    for key in ("id", "text"):
        if key not in record:
            return None, f"missing required field {key!r}"
        if not isinstance(record[key], str):
            return None, f"field {key!r} must be a string"
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        return None, "field 'title' must be a string"
    return record, None


class _ScoreOutput:
    """Where `score` writes its results: '-' is stdout, else the file `output`.

    A regular file (new or existing) is written to a temporary file beside it,
    renamed over it only when the run ends without an exception: a failed or
    interrupted run leaves neither a truncated output nor a damaged older file.
    A special file (/dev/null, a pipe) is written in place. An output that is
    the input itself, a directory, or in a directory that does not exist or is
    not writable ends the command with exit status 2 before anything is read.
    """

    def __init__(self, output: str, *, source: IO[bytes]) -> None:
        import os
        import stat
        from contextlib import ExitStack

        from cluewatch.files import replace_atomically

        self.output = output
        self.stream: IO[str] = sys.stdout
        self.replacing: ExitStack | None = None
        if output == "-":
            return
        target = Path(output).resolve()  # through a symbolic link: the file it names
        try:
            existing = os.stat(target)
        except FileNotFoundError:
            existing = None
        except OSError as exc:
            self._refuse(exc.strerror or str(exc))
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            if stat.S_ISDIR(existing.st_mode):
                self._refuse("it is a directory")
            self.stream = open(output, "w", encoding="utf-8")  # noqa: SIM115
            return
        if existing is not None and os.path.samestat(os.fstat(source.fileno()), existing):
            self._refuse(
                "it is the input file, which would be overwritten while it is read; "
                "write to another file"
            )
        if not target.parent.is_dir():
            self._refuse(f"directory {target.parent} does not exist")
        if existing is not None and not os.access(target, os.W_OK):
            self._refuse("permission denied")
        # An existing file keeps its mode; a new one gets what `open` would give it.
        mode = stat.S_IMODE(existing.st_mode) if existing is not None else None
        self.replacing = ExitStack()
        try:
            self.stream = self.replacing.enter_context(replace_atomically(target, mode=mode))
        except OSError as exc:
            self._refuse(f"cannot create a file in {target.parent} ({exc.strerror})")

    def _refuse(self, reason: str) -> NoReturn:
        typer.echo(f"error: cannot write output {self.output}: {reason}", err=True)
        raise typer.Exit(2)

    def __enter__(self) -> IO[str]:
        return self.stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.stream is sys.stdout:
            self.stream.flush()
            return
        if self.replacing is None:
            self.stream.close()
            return
        self.replacing.__exit__(exc_type, exc, traceback)


@app.command()
def score(
    input: Annotated[str, typer.Argument(help="JSON Lines input file, or '-' for stdin.")],
    output: Annotated[
        str, typer.Option("-o", "--output", help="Output file, or '-' for stdout.")
    ] = "-",
    model_dir: Annotated[
        Path | None, typer.Option(help="Model directory (default: the shipped model).")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="One flag threshold for every category (default: CLUEWATCH_FLAG_THRESHOLD, "
            "else the model's per-category thresholds)."
        ),
    ] = None,
) -> None:
    """Score posts with the lexicon, the classifier and fusion; no crawling, no index writes."""
    from classifier.scorer import Scorer
    from cluewatch.runtime import settle_heap
    from lexicon.manage import directories

    settings = _settings(model_dir=model_dir, flag_threshold=threshold)
    try:
        # Binary lines, decoded one by one: a line that is not UTF-8 is skipped alone.
        source = sys.stdin.buffer if input == "-" else open(input, "rb")  # noqa: SIM115
    except OSError as exc:
        typer.echo(f"error: cannot open input {input}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    try:
        with _ScoreOutput(output, source=source) as sink:
            try:
                scorer = Scorer.from_paths(
                    model_dir=settings.model_dir,
                    lexicon_dirs=directories(settings.lexicon_dir),
                    threshold=settings.flag_threshold,
                )
            except CluewatchError as exc:
                _fail(exc)
            settle_heap()
            skipped = _score_lines(source, sink, scorer)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    if skipped:
        typer.echo(f"{skipped} line(s) skipped", err=True)
        raise typer.Exit(1)


def _score_lines(source: IO[bytes], sink: IO[str], scorer: Any) -> int:
    """Score `source`'s lines into `sink` in batches with `scorer` (a `Scorer`); reports
    each line skipped on stderr and returns how many were."""
    from classifier.scorer import scored_text

    skipped = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        texts = [scored_text(r.get("title"), r["text"]) for r in batch]
        for record, result in zip(batch, scorer.score_texts(texts), strict=True):
            sink.write(json.dumps(result.to_output(record["id"]), ensure_ascii=False) + "\n")
        sink.flush()
        batch.clear()

    for number, raw in enumerate(source, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            skipped += 1
            typer.echo(
                f"line {number}: skipped: not UTF-8 ({exc.reason} at byte {exc.start})",
                err=True,
            )
            continue
        record, reason = _parse_score_line(line)
        if record is None:
            skipped += 1
            typer.echo(f"line {number}: skipped: {reason}", err=True)
            continue
        batch.append(record)
        if len(batch) >= SCORE_BATCH:
            flush()
    flush()
    return skipped


# -- crawling ------------------------------------------------------------------


# The exit status of `crawl --all` (and `schedule --once` of every site) when a site
# file was invalid: the valid sites were crawled, and cron must still notice.
INVALID_SITES_EXIT_STATUS = 2


def _load_sites(settings: Settings, names: list[str] | None) -> tuple[list[Any], int]:
    """The valid sites (those `names`, or every one) and how many site files were invalid.

    Each invalid file (or duplicate site name) is reported on stderr and skipped.
    A missing or empty sites directory, or a named site without one valid file,
    exits with status 2.
    """
    from crawler.config import load_site_dir

    try:
        valid, problems = load_site_dir(
            settings.sites_dir, variables={"SANDBOX": settings.sandbox_url}
        )
    except CluewatchError as exc:
        _fail(exc)
    for problem in problems:
        typer.echo(f"error: {problem} (site skipped)", err=True)
    sites = [site for site in valid if names is None or site.name in names]
    if names:
        missing = set(names) - {s.name for s in sites}
        if missing:
            typer.echo(
                f"error: no valid site file for {', '.join(sorted(missing))} in {settings.sites_dir}",
                err=True,
            )
            raise typer.Exit(2)
    return sites, len(problems)


def _print_summaries(summaries: list[Any]) -> None:
    from cluewatch.taxonomy import CATEGORY_NAMES_ZH

    for s in summaries:
        ended = s.finish_reason if s.status == "finished" else f"failed: {', '.join(s.reasons)}"
        typer.echo(
            f"  {s.site}: {s.pages} pages, {s.posts_seen} posts seen, {s.new} new, "
            f"{s.changed} changed, {s.unchanged} unchanged ({ended})"
        )
        for category, n in sorted(s.flagged.items()):
            typer.echo(f"      flagged {category} ({CATEGORY_NAMES_ZH.get(category, '')}): {n}")
        if s.errors:
            typer.echo(
                "      errors: " + ", ".join(f"{k} {v}" for k, v in sorted(s.errors.items()))
            )
        if s.status != "finished" and s.unreachable:
            typer.echo("      could not connect: " + "; ".join(s.unreachable))


LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in LOG_LEVELS:
        raise typer.BadParameter(
            f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}"
        )
    return level


def _fail_dead_runs(settings: Settings, sites: list[str]) -> None:
    """Record as failed the runs of `sites` (whose locks this process holds) still
    recorded as running: their processes died without closing them."""
    from cluewatch.wiring import open_store
    from crawler.runs import fail_dead_runs

    try:
        store = open_store(settings)
    except CluewatchError as exc:
        _fail(exc)
    try:
        for site in sites:
            for run in fail_dead_runs(store, site):
                typer.echo(
                    f"note: run {run.id} of {site} was still recorded as running, but no "
                    "process holds the site's lock: recorded failed (process_died)",
                    err=True,
                )
    finally:
        store.close()


@app.command()
def crawl(
    sites: Annotated[
        list[str] | None, typer.Argument(help="Site names (file names in the sites directory).")
    ] = None,
    all_sites: Annotated[bool, typer.Option("--all", help="Crawl every site.")] = False,
    log_level: Annotated[
        str, typer.Option(help=f"Scrapy log level: {', '.join(LOG_LEVELS)}.", callback=_log_level)
    ] = "WARNING",
    join: Annotated[
        bool,
        typer.Option(
            "--join",
            help="With CLUEWATCH_REDIS_URL: only help with crawls in progress, start none.",
        ),
    ] = False,
) -> None:
    """Crawl sites now: fetch, score and store their posts.

    Each site's lock is held for the run: a site another process is crawling
    is skipped with the reason, the others still crawl, and the exit status is 3.
    With CLUEWATCH_REDIS_URL set no lock is taken: processes crawling the same
    site join one shared crawl through Redis instead.

    Exit status: 0 when every run finished; 130 when interrupted (SIGINT or
    SIGTERM); 2 when a site file was invalid (with --all the valid sites are
    still crawled); 1 when a run failed (it fetched no page, or its host could
    not be reached); 3 when a site was skipped for its lock. The first that
    applies, in that order.
    """
    import os
    from contextlib import ExitStack

    from crawler.locks import (
        LOCKED_EXIT_STATUS,
        NOTHING_TO_JOIN_EXIT_STATUS,
        SiteLocked,
        locks_dir,
        site_lock,
    )
    from crawler.runner import run_crawls
    from crawler.runs import INTERRUPTED, INTERRUPTED_EXIT_STATUS, RUN_FAILED_EXIT_STATUS

    if not sites and not all_sites:
        typer.echo("error: name a site or use --all", err=True)
        raise typer.Exit(2)
    settings = _settings()
    chosen, invalid = _load_sites(settings, None if all_sites else sites)
    if join:
        chosen = _in_progress(settings, chosen)
        if not chosen:
            typer.echo("no crawl in progress to join")
            raise typer.Exit(NOTHING_TO_JOIN_EXIT_STATUS)
    # Set by `cluewatch schedule` for the run record's id: one run, so one site.
    if len(chosen) > 1 and os.environ.get("CLUEWATCH_RUN_ID"):
        typer.echo("error: CLUEWATCH_RUN_ID names one run; crawl one site with it", err=True)
        raise typer.Exit(2)
    skipped = 0
    with ExitStack() as held:
        free = []
        for site in chosen:
            if settings.redis_url:
                free.append(site)
                continue
            try:
                held.enter_context(site_lock(locks_dir(settings.data_dir), site.name))
            except SiteLocked as exc:
                skipped += 1
                typer.echo(f"skipped {site.name}: {exc}", err=True)
                continue
            free.append(site)
        summaries = []
        if free:
            if not settings.redis_url:
                _fail_dead_runs(settings, [site.name for site in free])
            try:
                summaries = run_crawls(settings, free, log_level=log_level, join=join)
            except CluewatchError as exc:
                _fail(exc)
            _print_summaries(summaries)
    if any(INTERRUPTED in s.reasons for s in summaries):
        raise typer.Exit(INTERRUPTED_EXIT_STATUS)
    if invalid and all_sites:
        typer.echo(f"error: {invalid} invalid site file(s) skipped (above)", err=True)
        raise typer.Exit(INVALID_SITES_EXIT_STATUS)
    if any(s.status != "finished" for s in summaries):
        raise typer.Exit(RUN_FAILED_EXIT_STATUS)
    if skipped:
        raise typer.Exit(LOCKED_EXIT_STATUS)


SitesOption = Annotated[
    str | None,
    typer.Option("--sites", help="Comma-separated site names (default: every site)."),
]
MaxCrawlsOption = Annotated[
    int | None,
    typer.Option(min=1, help="Crawl processes at once (default CLUEWATCH_MAX_CRAWLS)."),
]


def _run_launcher(
    settings: Settings, sites: str | None, launcher: type[Any], *, once: bool = False, **kwargs: Any
) -> tuple[list[Any], int]:
    """Run a `crawler.schedule` launcher (Scheduler or Worker) over the chosen sites until
    SIGINT/SIGTERM (or, once, until its crawls end); returns the outcomes and how many
    site files were invalid."""
    import signal

    from cluewatch.wiring import open_store

    names = [n.strip() for n in sites.split(",") if n.strip()] if sites is not None else None
    chosen, invalid = _load_sites(settings, names)
    if not chosen:
        typer.echo(f"error: no valid site file in {settings.sites_dir}", err=True)
        raise typer.Exit(2)
    try:
        store = open_store(settings)
    except CluewatchError as exc:
        _fail(exc)
    runner = launcher(
        chosen,
        store=store,
        logs_dir=settings.data_dir / "runs",
        max_crawls=settings.max_crawls,
        report=typer.echo,
        **kwargs,
    )
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: runner.stop())
    outcomes: list[Any] = runner.run(once=once)
    return outcomes, invalid


@app.command()
def schedule(
    sites: SitesOption = None,
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Crawl every selected site now (up to the cap at a time), then exit."
        ),
    ] = False,
    max_crawls: MaxCrawlsOption = None,
) -> None:
    """Crawl each site on its cron `schedule` until SIGINT/SIGTERM; every run is recorded.

    Prints one line per launch, finish, failure and skipped fire. With --once
    the exit status is 2 if a site file was invalid (without --sites; the valid
    sites are still crawled), else 1 if any run failed or was skipped.
    """
    from crawler.schedule import Scheduler

    outcomes, invalid = _run_launcher(_settings(max_crawls=max_crawls), sites, Scheduler, once=once)
    if once and invalid and sites is None:
        typer.echo(f"error: {invalid} invalid site file(s) skipped (above)", err=True)
        raise typer.Exit(INVALID_SITES_EXIT_STATUS)
    if once and any(o.status != "finished" for o in outcomes):
        raise typer.Exit(1)


def _in_progress(settings: Settings, sites: list[Any]) -> list[Any]:
    """The sites with a crawl in progress in the shared Redis queue."""
    import redis

    from crawler.frontier import crawl_in_progress

    if not settings.redis_url:
        typer.echo("error: --join needs CLUEWATCH_REDIS_URL (the shared crawl queue)", err=True)
        raise typer.Exit(2)
    try:
        server = redis.Redis.from_url(settings.redis_url)
        return [site for site in sites if crawl_in_progress(server, site.name)]
    except redis.RedisError as exc:
        typer.echo(f"error: Redis at {settings.redis_url}: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def worker(
    sites: SitesOption = None,
    poll: Annotated[float, typer.Option(min=0.1, help="Seconds between looks at Redis.")] = 5.0,
    max_crawls: MaxCrawlsOption = None,
) -> None:
    """Help with crawls started elsewhere: join every crawl in progress in Redis, until stopped.

    Needs CLUEWATCH_REDIS_URL. A scheduler (`cluewatch schedule`) starts the
    crawls; workers on any machine take requests from the shared queue.
    """
    from crawler.schedule import Worker

    settings = _settings(max_crawls=max_crawls)
    if not settings.redis_url:
        typer.echo("error: a worker needs CLUEWATCH_REDIS_URL (the shared crawl queue)", err=True)
        raise typer.Exit(2)
    _run_launcher(settings, sites, Worker, redis_url=settings.redis_url, poll_seconds=poll)


def _site_names(settings: Settings) -> set[str]:
    """The names of the sites directory's valid site files (none if it cannot be read)."""
    from crawler.config import load_site_dir

    try:
        valid, _problems = load_site_dir(
            settings.sites_dir, variables={"SANDBOX": settings.sandbox_url}
        )
    except CluewatchError:
        return set()
    return {site.name for site in valid}


@app.command()
def runs(
    site: Annotated[str | None, typer.Option(help="Only this site's runs.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Most recent runs to show.")] = 20,
) -> None:
    """Recorded crawl runs, newest first: times (local), status, pages, posts, errors by kind.

    A run still recorded as running whose process is gone (no process holds its
    site's lock) is recorded failed first, with the reason process_died.
    """
    from crawler.locks import locks_dir
    from crawler.runs import fail_runs_without_process

    settings = _settings()
    store = _store()
    recorded = store.crawl_runs(site=site, limit=limit)
    if not settings.redis_url and fail_runs_without_process(
        store, recorded, locks_dir(settings.data_dir)
    ):
        recorded = store.crawl_runs(site=site, limit=limit)
    if not recorded:
        if site and site not in _site_names(settings):
            typer.echo(
                f"error: no site named {site!r} in {settings.sites_dir} and no runs "
                "recorded for it; `cluewatch runs` lists the sites crawled",
                err=True,
            )
            raise typer.Exit(2)
        typer.echo("no crawl runs recorded" + (f" for {site}" if site else ""))
        return

    def when(moment: Any) -> str:
        return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "-"

    header = ("run", "site", "started", "ended", "status", "pages", "new", "changed", "flagged")
    rows = [
        (
            run.id[:8],
            run.site,
            when(run.started_at),
            when(run.finished_at),
            run.status,
            str(run.pages),
            str(run.new_posts),
            str(run.changed_posts),
            str(run.flagged_posts),
        )
        for run in recorded
    ]
    errors = [", ".join(f"{k} {v}" for k, v in sorted(run.errors.items())) for run in recorded]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = {5, 6, 7, 8}

    def line(cells: tuple[str, ...], tail: str) -> str:
        padded = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join([*padded, tail]).rstrip()

    typer.echo(line(header, "errors"))
    for row, error in zip(rows, errors, strict=True):
        typer.echo(line(row, error or "-"))


@sandbox_app.command("serve")
def sandbox_serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8601,
    slow_seconds: Annotated[
        float, typer.Option(help="Seconds the slow pages wait before answering.")
    ] = 1.0,
    bench_threads: Annotated[
        int, typer.Option(help="Serve /bench/ with this many generated threads (0: none).")
    ] = 0,
) -> None:
    """Serve the sandbox web on 127.0.0.1 until interrupted."""
    from cluewatch.errors import CrawlError
    from crawler.sandbox.server import Sandbox

    try:
        sandbox = Sandbox(port=port, slow_seconds=slow_seconds, bench_threads=bench_threads)
    except OSError as exc:
        _fail(
            CrawlError(
                f"cannot serve the sandbox on 127.0.0.1:{port} (--port): {exc.strerror or exc}; "
                "stop what listens there or choose another --port"
            )
        )
    sandbox.start()
    typer.echo(
        f"sandbox web at {sandbox.url}/ (/forum/, /tieba/, /classifieds/, /qa/, /weibo/, /blog/"
        f"{', /bench/' if bench_threads else ''}); Ctrl-C stops"
    )
    try:
        sandbox.wait()
    except KeyboardInterrupt:
        sandbox.stop()


# -- review app ----------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Listen address (default CLUEWATCH_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default CLUEWATCH_PORT).")] = None,
) -> None:
    """Start the review app."""
    import uvicorn

    from cluewatch.wiring import open_store
    from review_app.app import create_app

    settings = _settings(host=host, port=port)
    try:
        store = open_store(settings)
    except CluewatchError as exc:
        _fail(exc)
    uvicorn.run(
        create_app(settings, store=store), host=settings.host, port=settings.port, log_level="info"
    )


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="analyst | supervisor | liaison | admin")] = "analyst",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a review-app user."""
    from review_app.auth import add_user

    try:
        add_user(_store(), username, password, role, by=CLI_ACTOR)
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(f"user {username} ({role}) created")


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable a user and end their sessions."""
    from review_app.auth import set_disabled

    try:
        set_disabled(_store(), username, True, by=CLI_ACTOR)
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(f"user {username} disabled")


@user_app.command("passwd")
def user_passwd(
    username: str,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Set a user's password."""
    from review_app.auth import set_password

    try:
        set_password(_store(), username, password, by=CLI_ACTOR)
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(f"password of {username} changed")


# -- model ---------------------------------------------------------------------


# The epoch rule's options, shared by `train` and `crossval` (decision 12).
ChooseEpochOption = Annotated[
    bool | None,
    typer.Option(
        "--choose-epoch/--all-epochs",
        help="Keep each transformer at its best validation epoch, or train all epochs "
        "(the default).",
    ),
]
AverageFromOption = Annotated[
    int | None,
    typer.Option(
        min=0,
        help="With --all-epochs: keep the mean of the weights after each epoch from "
        "this one to the last (0: the last epoch's own; default 6, off with "
        "--choose-epoch or fewer --epochs).",
    ),
]

SeedOption = Annotated[
    int | None,
    typer.Option(help="Random seed of the training runs (default 20261123)."),
]


def _train_config(
    epochs: int | None,
    choose_epoch: bool | None,
    average_from: int | None,
    seed: int | None = None,
) -> TrainConfig:
    """The training configuration with the options given. Without `--average-from`,
    the default averaging is off where it cannot apply: with `--choose-epoch` (one
    epoch kept) and with fewer `--epochs` than its first epoch. Given, a value that
    cannot apply is refused (`check_config`)."""
    from classifier.train import TrainConfig

    config = TrainConfig()
    if epochs is not None:
        config.epochs = epochs
    if choose_epoch is not None:
        config.choose_epoch = choose_epoch
    if average_from is None and (config.choose_epoch or config.average_from > config.epochs):
        config.average_from = 0
    if average_from is not None:
        config.average_from = average_from
    if seed is not None:
        config.seed = seed
    return config


@app.command()
def train(
    out: Annotated[Path, typer.Option("--out", help="Directory for the trained model.")],
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Corpus files or directories.")
    ] = None,
    base_model: Annotated[
        Path | None, typer.Option(help="Fine-tune this local Hugging Face checkpoint.")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="Training epochs.")] = None,
    members: Annotated[
        int | None,
        typer.Option(min=1, help="Transformers in the ensemble (different seeds, averaged)."),
    ] = None,
    choose_epoch: ChooseEpochOption = None,
    average_from: AverageFromOption = None,
    seed: SeedOption = None,
    fusion_only: Annotated[
        bool,
        typer.Option(
            help="Keep the trained models in --out; write the current fusion and lexicon "
            "version (after a lexicon change) and re-evaluate. A refit model keeps its "
            "thresholds and cascade floor; others have them chosen again on validation."
        ),
    ] = False,
) -> None:
    """Train the classifier (from scratch, or fine-tuning --base-model) and fit fusion."""
    from classifier.corpus import DEFAULT_CORPUS
    from classifier.train import train as run_training

    config = _train_config(epochs, choose_epoch, average_from, seed)
    if members is not None:
        config.members = members
    try:
        if fusion_only:
            from classifier.train import fit_fusion_stage

            meta = fit_fusion_stage(
                out, data=data or [DEFAULT_CORPUS], config=config, progress=typer.echo
            )
        else:
            meta = run_training(
                data=data or [DEFAULT_CORPUS],
                out_dir=out,
                base_model=base_model,
                config=config,
                progress=typer.echo,
                show_bar=sys.stderr.isatty(),
            )
    except CluewatchError as exc:
        _fail(exc)
    held = meta.metrics.get("held_out_families", {}).get("fused", {})
    typer.echo(f"model {meta.version} written to {out}")
    if held:
        typer.echo(
            f"held-out families, fused: clue F1 {held['clue_vs_benign']['f1']}, macro F1 "
            f"{held['macro_f1']}, hard-negative FPR {held['hard_negative_fpr']}"
        )


@app.command()
def evaluate(
    data: Annotated[
        list[Path], typer.Option("--data", help="Labelled corpus file(s) or directories (JSONL).")
    ],
    model: Annotated[
        Path | None, typer.Option("--model", help="Model directory (default: the shipped model).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for metrics.json and the PR plots.")
    ] = Path("evaluation"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    split: Annotated[
        str | None,
        typer.Option(
            "--split",
            help="Evaluate one split by family of --data: held-out, in-distribution, "
            "validation or train (default: every example).",
        ),
    ] = None,
) -> None:
    """Evaluate a model on labelled posts: lexicon-only, linear, model-only and fused side by side."""
    from classifier.report import evaluate_model, format_report
    from classifier.scorer import Scorer
    from lexicon.manage import directories

    try:
        settings = _settings(model_dir=model)
        scorer = Scorer.from_paths(
            model_dir=settings.model_dir, lexicon_dirs=directories(settings.lexicon_dir)
        )
        result = evaluate_model(scorer, data, out, split_name=split)
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(
        json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_report(result)
    )


@app.command()
def crossval(
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Corpus files or directories.")
    ] = None,
    folds: Annotated[int, typer.Option(help="Folds (whole families each).")] = 4,
    jobs: Annotated[
        int, typer.Option(help="Folds trained at once, each in its own process on one core.")
    ] = 1,
    epochs: Annotated[
        int | None, typer.Option(help="Fine-tuning epochs of each fold's model.")
    ] = None,
    choose_epoch: ChooseEpochOption = None,
    average_from: AverageFromOption = None,
    seed: SeedOption = None,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for crossval.json and the scores.")
    ] = Path("crossval"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Cross-validate the classifier by family over the training and validation families."""
    from classifier.corpus import DEFAULT_CORPUS
    from classifier.crossval import cross_validate, format_crossval

    config = _train_config(epochs, choose_epoch, average_from, seed)
    try:
        result = cross_validate(
            data or [DEFAULT_CORPUS],
            folds=folds,
            jobs=jobs,
            config=config,
            progress=typer.echo,
            out_dir=out,
        )
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(
        json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_crossval(result)
    )


# -- demo ----------------------------------------------------------------------


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Review-app port on 127.0.0.1.")] = 8000,
    serve_app: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the review app after crawling.")
    ] = True,
) -> None:
    """Crawl the sandbox into a fresh store, then start the review app with a demo analyst."""
    from cluewatch.demo import run_demo

    try:
        run_demo(_settings(port=port), serve=serve_app, echo=typer.echo)
    except CluewatchError as exc:
        _fail(exc)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()


# -- lexicon -------------------------------------------------------------------

lexicon_app = typer.Typer(
    help="The jargon lexicon: list, add and disable terms, test a text, statistics.",
    no_args_is_help=True,
)
app.add_typer(lexicon_app, name="lexicon")


def _lexicon_data() -> Any:
    from lexicon import load_data
    from lexicon.manage import directories

    try:
        return load_data(directories(_settings().lexicon_dir))
    except CluewatchError as exc:
        _fail(exc)


@lexicon_app.command("list")
def lexicon_list(
    category: Annotated[str | None, typer.Option(help="Only this category code.")] = None,
    weight: Annotated[str | None, typer.Option(help="Only strong, medium or weak.")] = None,
    disabled: Annotated[bool, typer.Option(help="Include disabled terms.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List terms with their category, weight, variants and note."""
    data = _lexicon_data()
    terms = [
        t
        for t in data.terms
        if (category is None or t.category == category)
        and (weight is None or t.weight == weight)
        and (disabled or not t.disabled)
    ]
    for t in sorted(terms, key=lambda t: (t.category, t.weight, t.term)):
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "term": t.term,
                        "category": t.category,
                        "weight": t.weight,
                        "variants": list(t.variants),
                        "requires": list(t.requires),
                        "initials": t.initials,
                        "disabled": t.disabled,
                        "note": t.note,
                        "source": t.source,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            flags = " (disabled)" if t.disabled else ""
            variants = f" [{', '.join(t.variants)}]" if t.variants else ""
            typer.echo(f"{t.category}\t{t.weight}\t{t.term}{variants}{flags}\t{t.note}")
    if not as_json:
        typer.echo(f"{len(terms)} terms; lexicon {data.version}", err=True)


@lexicon_app.command("add")
def lexicon_add(
    term: Annotated[str, typer.Argument(help="The canonical term, plain spelling.")],
    category: Annotated[str, typer.Option(help="Category code: " + ", ".join(CATEGORIES) + ".")],
    weight: Annotated[str, typer.Option(help="strong, medium or weak.")],
    note: Annotated[str, typer.Option(help="What the term means, for analysts.")],
    variant: Annotated[list[str] | None, typer.Option(help="A known variant (repeatable).")] = None,
    requires: Annotated[
        list[str] | None,
        typer.Option(help="Context a weak term needs: money, contact, baby, evasion, term."),
    ] = None,
    unless: Annotated[
        list[str] | None, typer.Option(help="A word that suppresses the term nearby (repeatable).")
    ] = None,
    initials: Annotated[
        bool, typer.Option(help="Also match pinyin initials (with context).")
    ] = False,
) -> None:
    """Add a term (or replace the operator's entry for it); takes effect on the next load."""
    from review_app.lexicon_live import add_term_audited

    settings = _settings()
    try:
        added, data = add_term_audited(
            _store(),
            settings.lexicon_dir,
            category,
            by=CLI_ACTOR,
            term=term,
            weight=weight,
            note=note,
            variants=tuple(variant or ()),
            requires=tuple(requires or ()),
            unless=tuple(unless or ()),
            initials=initials,
        )
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(f"added {added.term} ({added.category}, {added.weight}); lexicon {data.version}")


@lexicon_app.command("disable")
def lexicon_disable(
    term: Annotated[str, typer.Argument(help="The canonical term.")],
    category: Annotated[str | None, typer.Option(help="Only in this category.")] = None,
) -> None:
    """Disable a term (shipped or added) without editing the shipped data."""
    from review_app.lexicon_live import disable_term_audited

    try:
        disabled = disable_term_audited(
            _store(), _settings().lexicon_dir, term, category, by=CLI_ACTOR
        )
    except CluewatchError as exc:
        _fail(exc)
    for t in disabled:
        typer.echo(f"disabled {t.term} ({t.category})")


@lexicon_app.command("test")
def lexicon_test(
    text: Annotated[str, typer.Argument(help="Text to analyse; '-' reads standard input.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what the lexicon finds in a text: matches, entities, lures, suppressed matches."""
    from lexicon.manage import analyze_text

    if text == "-":
        text = sys.stdin.read()
    result = analyze_text(_lexicon_data(), text)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if not result["matches"]:
        typer.echo("no matches")
    for m in result["matches"]:
        typer.echo(
            f"match   {m['category']:<20} {m['weight']:<6} {m['term']}  «{m['surface']}» "
            f"[{m['start']}:{m['end']}] {m['technique']}"
        )
    for e in result["entities"]:
        typer.echo(
            f"entity  {e['kind']:<20} {e['value']}  «{text[e['start'] : e['end']]}» "
            f"[{e['start']}:{e['end']}]"
        )
    for m in result["suppressed"]:
        typer.echo(
            f"ignored {m['category']:<20} {m['term']}  «{m['surface']}» "
            f"({m['reason']}: {m['detail']})"
        )
    for category, value in sorted(result["categories"].items()):
        typer.echo(f"lexicon {category:<20} {value:.2f}")


@lexicon_app.command("stats")
def lexicon_stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Terms per category and weight; per-term hits and verdict precision from the store."""
    from collections import Counter

    from lexicon.manage import precision

    data = _lexicon_data()
    counts = Counter((t.category, t.weight) for t in data.active_terms())
    store = _store()
    hits = store.term_hits()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "lexicon_version": data.version,
                    "terms": {
                        c: {w: counts[(c, w)] for w in ("strong", "medium", "weak")}
                        for c in sorted({c for c, _ in counts})
                    },
                    "lures": len(data.lures),
                    "hits": hits,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    typer.echo(f"lexicon {data.version}")
    typer.echo(f"{'category':<22}{'strong':>8}{'medium':>8}{'weak':>8}{'total':>8}")
    for category in sorted({c for c, _ in counts}):
        row = [counts[(category, w)] for w in ("strong", "medium", "weak")]
        typer.echo(f"{category:<22}{row[0]:>8}{row[1]:>8}{row[2]:>8}{sum(row):>8}")
    typer.echo(f"lures: {len(data.lures)}")
    if not hits:
        typer.echo("no stored posts match any term yet")
        return
    typer.echo(
        f"\n{'term':<16}{'category':<22}{'posts':>7}{'confirmed':>11}{'dismissed':>11}{'precision':>11}"
    )
    for row in hits:
        share = precision(row["confirmed"], row["dismissed"])
        typer.echo(
            f"{row['term']:<16}{row['category']:<22}{row['posts']:>7}"
            f"{row['confirmed']:>11}{row['dismissed']:>11}{'-' if share is None else f'{share:.2f}':>11}"
        )


# -- audit and retention -----------------------------------------------------------

audit_app = typer.Typer(help="The append-only audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit hash chain: every event's hash and its link to the one before."""
    store = _store()
    problems = store.verify_audit_chain()
    if problems:
        for problem in problems:
            typer.echo(f"BROKEN {problem}", err=True)
        typer.echo(f"audit chain broken: {len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    last = store.audit_events(limit=1)
    if not last:
        typer.echo("audit chain intact: no events yet")
        return
    typer.echo(f"audit chain intact: {last[0].seq} events, last hash {last[0].hash}")


@audit_app.command("list")
def audit_list(
    post: Annotated[str | None, typer.Option(help="Only events of this post id.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only events by this user.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action, e.g. verdict.confirm.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Audit events, newest first, one JSON object per line."""
    store = _store()
    for event in store.audit_events(post_id=post, actor=actor, action=action, limit=limit):
        typer.echo(event.model_dump_json())


@app.command()
def purge(
    dismissed_older_than: Annotated[
        int,
        typer.Option(
            "--dismissed-older-than",
            min=0,
            metavar="DAYS",
            help="Delete posts dismissed more than DAYS days ago, with their evidence.",
        ),
    ],
    by: Annotated[
        str, typer.Option(help="Who runs the purge (recorded in the audit log).")
    ] = "admin",
) -> None:
    """Retention: delete old dismissed posts and their captured evidence.

    Posts in any other state (in the queue, confirmed, transferred, with feedback)
    are never touched. The purge itself is recorded in the audit log.
    """
    from datetime import timedelta

    from index.evidence import EvidenceStore
    from index.models import utcnow

    settings = _settings()
    store = _store()
    result = store.purge_dismissed(utcnow() - timedelta(days=dismissed_older_than), by=by)
    evidence = EvidenceStore(settings.evidence_dir)
    files = sum(evidence.delete(sha) for sha in result.orphaned_raw_hashes)
    typer.echo(
        f"purged {len(result.post_ids)} dismissed post(s) older than {dismissed_older_than} days "
        f"and {files} evidence file(s)"
    )


# -- bundles for police ------------------------------------------------------------

bundle_app = typer.Typer(
    help="Clue bundles for police: prepare, approve, download (export), verify, public key.",
    no_args_is_help=True,
)
app.add_typer(bundle_app, name="bundle")
BY_HELP = (
    "The acting review-app user (recorded in the audit log); must exist, be enabled "
    "and have the role the step needs."
)


def _bundles() -> tuple[Any, Any]:
    """The bundle service and the store it works on."""
    from review_app.bundles.service import Bundles

    settings = _settings()
    store = _store()
    return Bundles(store=store, settings=settings), store


def _acting(store: Any, username: str) -> Any:
    user = store.get_user(username)
    if user is None:
        typer.echo(
            f"error: no review-app user {username!r} (--by); see `cluewatch user add`", err=True
        )
        raise typer.Exit(2)
    return user


@bundle_app.command("create")
def bundle_create(
    by: Annotated[str, typer.Option("--by", help=BY_HELP)],
    clues: Annotated[
        str | None, typer.Option("--clues", help="Comma-separated ids of confirmed clues.")
    ] = None,
    filter_: Annotated[
        str | None,
        typer.Option(
            "--filter",
            help="Confirmed clues matching KEY=VALUE,...: category, site, min-score, max-score, "
            "since, until (dates: midnight China time), term, entity, actor, cluster, q.",
        ),
    ] = None,
    note: Annotated[str, typer.Option(help="A note for the approver.")] = "",
) -> None:
    """Prepare a bundle of confirmed clues (a liaison); a supervisor approves it next."""
    from review_app.bundles.service import parse_filter

    if (clues is None) == (filter_ is None):
        typer.echo("error: give either --clues or --filter", err=True)
        raise typer.Exit(2)
    bundles, store = _bundles()
    try:
        ids = [c.strip() for c in (clues or "").split(",") if c.strip()]
        flt = parse_filter(filter_) if filter_ is not None else None
        record = bundles.prepare(by=_acting(store, by), post_ids=ids, flt=flt, note=note)
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(f"bundle {record.id} prepared by {by}: {len(record.post_ids)} clue(s)")
    typer.echo(f"next: a supervisor other than {by} runs `cluewatch bundle approve {record.id}`")


@bundle_app.command("approve")
def bundle_approve(
    bundle_id: Annotated[str, typer.Argument(help="The prepared bundle's id.")],
    by: Annotated[str, typer.Option("--by", help=BY_HELP)],
) -> None:
    """Approve a prepared bundle (a supervisor other than the preparer): it is built
    and signed, and its clues move to transferred."""
    bundles, store = _bundles()
    try:
        record = bundles.approve(bundle_id, by=_acting(store, by))
    except CluewatchError as exc:
        _fail(exc)
    stamped = ", time-stamped" if record.meta.get("time_stamped") else ""
    typer.echo(
        f"bundle {record.id} approved by {by}: {len(record.post_ids)} clue(s) transferred, "
        f"{record.meta.get('size', 0):,} bytes{stamped}, SHA-256 {record.sha256}"
    )


@bundle_app.command("reject")
def bundle_reject(
    bundle_id: Annotated[str, typer.Argument(help="The prepared bundle's id.")],
    by: Annotated[str, typer.Option("--by", help=BY_HELP)],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
) -> None:
    """Reject a prepared bundle (a supervisor other than the preparer)."""
    bundles, store = _bundles()
    try:
        bundles.reject(bundle_id, by=_acting(store, by), reason=reason)
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(f"bundle {bundle_id} rejected by {by}")


@bundle_app.command("export")
def bundle_export(
    bundle_id: Annotated[str, typer.Argument(help="An approved bundle's id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the ZIP.")],
    by: Annotated[str, typer.Option("--by", help=BY_HELP)],
) -> None:
    """Download an approved bundle to a file (owner-only permissions); the download is
    counted and audited once the file is written whole, and not at all if writing fails."""
    bundles, store = _bundles()
    try:
        record = bundles.export_to(bundle_id, output, by=_acting(store, by))
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(f"bundle {record.id} written to {output} (SHA-256 {record.sha256})")


@bundle_app.command("list")
def bundle_list(limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50) -> None:
    """Bundles, newest first: id, state, clues, who prepared and approved them."""
    store = _store()
    typer.echo(
        f"{'bundle':<22}{'state':<12}{'clues':>6}  {'prepared by':<14}{'approved by':<14}created (UTC)"
    )
    for record in store.exports(limit=limit):
        typer.echo(
            f"{record.id:<22}{record.status:<12}{len(record.post_ids):>6}  "
            f"{record.created_by:<14}{record.approved_by or '-':<14}"
            f"{record.created_at:%Y-%m-%d %H:%M}"
        )


@bundle_app.command("verify")
def bundle_verify(
    bundle: Annotated[Path, typer.Argument(help="The bundle ZIP file.")],
    pubkey: Annotated[
        Path | None,
        typer.Option(help="The cluewatch operator's public key (PEM from `bundle pubkey`)."),
    ] = None,
    tsa_ca: Annotated[
        Path | None,
        typer.Option(help="CA certificate(s) of the time-stamping authority, to check its chain."),
    ] = None,
) -> None:
    """Check a bundle offline: every file's SHA-256 and size, no missing or extra
    files, the signature and the time stamp. Exit 0 when it all checks out, 1 otherwise.
    Needs neither the store nor the model."""
    from review_app.bundles.verify import verify_bundle

    key = None
    if pubkey is not None:
        try:
            key = pubkey.read_bytes()
        except OSError as exc:
            typer.echo(f"error: cannot read the public key {pubkey}: {exc.strerror}", err=True)
            raise typer.Exit(2) from exc
    result = verify_bundle(bundle, public_key=key, key_source=str(pubkey or ""), tsa_ca=tsa_ca)
    manifest = result.manifest
    if manifest:
        typer.echo(
            f"bundle {manifest['bundle_id']} ({manifest['format']}): {manifest['clue_count']} "
            f"clue(s); prepared by {manifest['created']['by']} {manifest['created']['at']['cst']}, "
            f"approved by {manifest['approved']['by']} {manifest['approved']['at']['cst']}"
        )
    for note in result.notes:
        typer.echo(f"  note: {note}")
    for problem in result.problems:
        typer.echo(f"  PROBLEM: {problem}")
    if result.ok:
        typer.echo(f"VERIFIED: {bundle}")
        return
    typer.echo(f"FAILED: {bundle}: {len(result.problems)} problem(s)")
    raise typer.Exit(1)


@bundle_app.command("pubkey")
def bundle_pubkey(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the PEM here (default: stdout).")
    ] = None,
) -> None:
    """The public key that verifies this installation's bundles (PEM); the key pair is
    generated on first use under DATA_DIR/keys."""
    from review_app.bundles.keys import SigningKey

    try:
        key = SigningKey.load_or_create(_settings().keys_dir)
    except CluewatchError as exc:
        _fail(exc)
    if output is None:
        typer.echo(key.public_pem().decode(), nl=False)
    else:
        output.write_bytes(key.public_pem())
    typer.echo(f"fingerprint {key.fingerprint}", err=True)
