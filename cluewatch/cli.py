"""The `cluewatch` command line."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from cluewatch.errors import CluewatchError
from cluewatch.settings import Settings

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


def _settings(**overrides: Any) -> Settings:
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)


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
        float | None, typer.Option(help="Flag threshold (default: CLUEWATCH_FLAG_THRESHOLD).")
    ] = None,
) -> None:
    """Score posts with the lexicon, the classifier and fusion; no crawling, no index writes."""
    from classifier.scorer import Scorer, scored_text
    from cluewatch.runtime import settle_heap

    try:
        settings = _settings(model_dir=model_dir, flag_threshold=threshold)
        scorer = Scorer.from_paths(model_dir=settings.model_dir, threshold=settings.flag_threshold)
    except CluewatchError as exc:
        _fail(exc)
    settle_heap()
    try:
        # Binary lines, decoded one by one: a line that is not UTF-8 is skipped alone.
        source = sys.stdin.buffer if input == "-" else open(input, "rb")  # noqa: SIM115
    except OSError as exc:
        typer.echo(f"error: cannot open input {input}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    sink = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
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

    try:
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
    finally:
        if sink is not sys.stdout:
            sink.close()
        if source is not sys.stdin.buffer:
            source.close()
    if skipped:
        typer.echo(f"{skipped} line(s) skipped", err=True)
        raise typer.Exit(1)


# -- crawling ------------------------------------------------------------------


def _load_sites(settings: Settings, names: list[str] | None) -> list[Any]:
    from crawler.config import load_site

    paths = sorted(settings.sites_dir.glob("*.yaml"))
    sites = []
    problems = 0
    for path in paths:
        try:
            site = load_site(path, variables={"SANDBOX": settings.sandbox_url})
        except CluewatchError as exc:
            problems += 1
            typer.echo(f"error: {exc} (site skipped)", err=True)
            continue
        if names is None or site.name in names:
            sites.append(site)
    if names:
        missing = set(names) - {s.name for s in sites}
        if missing:
            typer.echo(
                f"error: no valid site file for {', '.join(sorted(missing))} in {settings.sites_dir}",
                err=True,
            )
            raise typer.Exit(2)
    return sites


def _print_summaries(summaries: list[Any]) -> None:
    from cluewatch.taxonomy import CATEGORY_NAMES_ZH

    for s in summaries:
        typer.echo(
            f"  {s.site}: {s.pages} pages, {s.posts_seen} posts seen, {s.new} new, "
            f"{s.changed} changed, {s.unchanged} unchanged ({s.finish_reason})"
        )
        for category, n in sorted(s.flagged.items()):
            typer.echo(f"      flagged {category} ({CATEGORY_NAMES_ZH.get(category, '')}): {n}")
        if s.errors:
            typer.echo(
                "      errors: " + ", ".join(f"{k} {v}" for k, v in sorted(s.errors.items()))
            )


@app.command()
def crawl(
    sites: Annotated[
        list[str] | None, typer.Argument(help="Site names (file names in the sites directory).")
    ] = None,
    all_sites: Annotated[bool, typer.Option("--all", help="Crawl every site.")] = False,
    log_level: Annotated[str, typer.Option(help="Scrapy log level.")] = "WARNING",
) -> None:
    """Crawl sites now: fetch, score and store their posts."""
    from crawler.runner import run_crawls

    if not sites and not all_sites:
        typer.echo("error: name a site or use --all", err=True)
        raise typer.Exit(2)
    settings = _settings()
    chosen = _load_sites(settings, None if all_sites else sites)
    try:
        summaries = run_crawls(settings, chosen, log_level=log_level)
    except CluewatchError as exc:
        _fail(exc)
    _print_summaries(summaries)


@sandbox_app.command("serve")
def sandbox_serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8601,
) -> None:
    """Serve the sandbox web on 127.0.0.1 until interrupted."""
    from crawler.sandbox.server import Sandbox

    sandbox = Sandbox(port=port).start()
    typer.echo(
        f"sandbox web at {sandbox.url}/ (forum: /forum/, classifieds: /classifieds/); Ctrl-C stops"
    )
    try:
        sandbox._thread.join()
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
    from cluewatch.wiring import open_store
    from review_app.auth import add_user

    try:
        add_user(open_store(_settings()), username, password, role)
    except CluewatchError as exc:
        _fail(exc)
    typer.echo(f"user {username} ({role}) created")


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable a user and end their sessions."""
    store = _store()
    user = store.get_user(username)
    if user is None:
        typer.echo(f"error: no user {username!r}", err=True)
        raise typer.Exit(2)
    user.disabled = True
    store.update_user(user)
    typer.echo(f"user {username} disabled")


@user_app.command("passwd")
def user_passwd(
    username: str,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Set a user's password."""
    from review_app.auth import hash_password

    store = _store()
    user = store.get_user(username)
    if user is None:
        typer.echo(f"error: no user {username!r}", err=True)
        raise typer.Exit(2)
    try:
        user.password_hash = hash_password(password)
    except CluewatchError as exc:
        _fail(exc)
    store.update_user(user)
    typer.echo(f"password of {username} changed")


# -- model ---------------------------------------------------------------------


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
) -> None:
    """Train the classifier (from scratch, or fine-tuning --base-model) and fit fusion."""
    from classifier.corpus import DEFAULT_CORPUS
    from classifier.train import TrainConfig
    from classifier.train import train as run_training

    config = TrainConfig()
    if epochs is not None:
        config.epochs = epochs
    try:
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
