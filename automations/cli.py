"""The `coprod` command: parses arguments and calls the library. No logic lives here."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from automations.core.config import Config, load_config
from automations.core.errors import ConfigError, SchemaError, SourceError, StateError

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2
USER_ERRORS = (ConfigError, SourceError, SchemaError, StateError)


def _today(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-03-01") from None


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=lambda: os.environ.get("COPROD_CONFIG", "config.toml"),
    show_default="config.toml or $COPROD_CONFIG",
    help="The config file.",
)


def config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --today, shared by every command that reads the board."""
    fn = click.option(
        "--today",
        callback=_today,
        metavar="YYYY-MM-DD",
        help="Check as if it were this day (default: [today] in config, else the real date).",
    )(fn)
    return config_option(fn)


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Expected problems become one clear message and exit status 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as exc:
            click.secho(f"coprod: {exc}", err=True, fg="red")
            sys.exit(EXIT_FAILED)
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as exc:  # a bug: say so in one line; COPROD_DEBUG=1 shows the traceback
            if os.environ.get("COPROD_DEBUG"):
                raise
            click.secho(f"coprod: unexpected error ({type(exc).__name__}: {exc}). "
                        "Run again with COPROD_DEBUG=1 for details, and please report it.",
                        err=True, fg="red")
            sys.exit(EXIT_FAILED)

    return wrapper


def load(config_path: Path, today: dt.date | None) -> tuple[Config, dt.date]:
    cfg = load_config(config_path)
    return cfg, today or cfg.today_or(dt.date.today())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coprod-automations")
def cli() -> None:
    """Checks, highlights and digests for the Commissioning Co-Production Board."""


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing config.toml and board.xlsx.")
@click.option(
    "--today",
    callback=_today,
    metavar="YYYY-MM-DD",
    help="Date the sample around this day (default: the real date).",
)
@friendly
def init(directory: Path, force: bool, today: dt.date | None) -> None:
    """Write a config.toml and a sample board.xlsx into DIRECTORY (existing files are kept)."""
    from automations.starter.folder import init_directory

    for line in init_directory(directory, force=force, today=today or dt.date.today()):
        click.echo(line)


@cli.command()
@config_options
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--write-back",
    is_flag=True,
    help="Mark the workbook: coloured cells, notes and a Validation tab.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE.xlsx",
    help="Write a marked copy to FILE.xlsx; the workbook itself is not changed.",
)
@friendly
def validate(
    config_path: Path, today: dt.date | None, fmt: str, write_back: bool, report_path: Path | None
) -> None:
    """Check the board workbook against the Terms of Reference.

    Exit status: 0 no errors, 1 at least one error, 2 the config or workbook could not be read
    (or the marks could not be written safely).
    """
    from automations.pipeline import validate as run_validation
    from automations.text_report import render_table

    if write_back and report_path:
        raise click.UsageError("Use either --write-back or --report FILE.xlsx, not both.")
    cfg, day = load(config_path, today)
    result = run_validation(cfg, day)
    click.echo(result.report.dumps() if fmt == "json" else render_table(result.report))
    if write_back or report_path:
        from automations.app import write_back as write_marks

        outcome = write_marks(cfg, result, dt.datetime.now(), report_path)
        click.echo(outcome.message, err=True)
    sys.exit(EXIT_FINDINGS if result.report.has_errors else EXIT_OK)


@cli.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "markdown"]), default="table", show_default=True
)
def rules_command(fmt: str) -> None:
    """List every rule with its id, severity and what it checks."""
    from automations.rules import catalogue

    if fmt == "markdown":
        click.echo(rules_markdown())
        return
    for r in catalogue():
        click.echo(f"{r.id:<40} {r.severity.value:<8} {r.summary}")


def rules_markdown() -> str:
    from automations.rules import catalogue

    lines = ["| rule | severity | what it checks |", "|---|---|---|"]
    lines += [f"| `{r.id}` | {r.severity.value} | {r.summary} |" for r in catalogue()]
    return "\n".join(lines)


# ---------------------------------------------------------------- the scheduled service

EXIT_LOCKED = 3  # another copy holds the lock: nothing was done (systemd: SuccessExitStatus=3)


def service_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--config and -v for the service commands (they follow the clock, so no --today)."""
    fn = click.option("-v", "--verbose", count=True, help="Log every step (debug level).")(fn)
    return config_option(fn)


def _service_config(config_path: Path, verbose: int) -> Config:
    from automations.core.log import setup_logging

    cfg = load_config(config_path)
    setup_logging(cfg, verbose)
    return cfg


@cli.command("run")
@click.option("--once", is_flag=True, help="Do everything that is due now, then exit.")
@service_options
@friendly
def run_command(once: bool, config_path: Path, verbose: int) -> None:
    """Do one pass of everything due now (for cron or a systemd timer).

    Exit status: 0 done (or nothing was due), 2 a job failed or the config is wrong,
    3 another copy is running (nothing was done).
    """
    from automations.core.errors import LockHeld
    from automations.service.loop import run_once_locked
    from automations.service.status import render_pass

    if not once:
        click.echo("coprod: say `coprod run --once`; use `coprod serve` to keep running", err=True)
        sys.exit(EXIT_FAILED)
    cfg = _service_config(config_path, verbose)
    try:
        result = run_once_locked(cfg)
    except LockHeld as exc:
        click.echo(f"coprod: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    click.echo(render_pass(cfg, result))
    sys.exit(EXIT_OK if result.ok else EXIT_FAILED)


@cli.command("serve")
@service_options
@friendly
def serve_command(config_path: Path, verbose: int) -> None:
    """Keep running: check and mark the sheet and send digests on the [schedule] in config.

    Stops cleanly on SIGTERM or Ctrl-C (the pass under way finishes first). Exit status 3 when
    another copy is running.
    """
    from automations.core.errors import LockHeld
    from automations.service.loop import serve

    cfg = _service_config(config_path, verbose)
    try:
        sys.exit(serve(cfg))
    except LockHeld as exc:
        click.echo(f"coprod: {exc}", err=True)
        sys.exit(EXIT_LOCKED)


@cli.command("status")
@service_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@friendly
def status_command(config_path: Path, verbose: int, fmt: str) -> None:
    """What the service last did, what is due next, the last error and who holds the lock."""
    import json

    from automations.service.status import render_status, status

    data = status(_service_config(config_path, verbose))
    click.echo(json.dumps(data, indent=2) if fmt == "json" else render_status(data))


@cli.command("digest")
@config_options
@click.option("--send", is_flag=True, help="Send the digests now (each audience once per meeting).")
@click.option(
    "--preview",
    "preview_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write the .eml and .html files into this folder; send nothing.",
)
@click.option(
    "--meeting",
    callback=_today,
    metavar="YYYY-MM-DD",
    help="The meeting to report on (default: the latest one before today).",
)
@click.option("--audience", metavar="NAME", help="Only this audience (default: every enabled one).")
@friendly
def digest_command(
    config_path: Path,
    today: dt.date | None,
    send: bool,
    preview_dir: Path | None,
    meeting: dt.date | None,
    audience: str | None,
) -> None:
    """Send (or preview) the action-point digests for one meeting by hand.

    A digest already recorded as sent for that audience and meeting is not sent again.
    Exit status: 0 all sent, 1 some could not be sent, 2 the config or workbook could not be read,
    3 the scheduled service is busy (nothing was sent; try again in a minute).
    """
    from automations.digests.send import DigestError, manual_jobs, preview, send_jobs
    from automations.pipeline import validate as run_validation

    if send == bool(preview_dir):
        raise click.UsageError("give either --send or --preview DIR")
    cfg, day = load(config_path, today)
    result = run_validation(cfg, day)
    now = dt.datetime.now().astimezone()
    jobs = manual_jobs(cfg, result, meeting, audience, include_disabled=bool(preview_dir))
    if preview_dir:
        try:
            paths = preview(cfg, result, jobs, preview_dir, now)
        except DigestError as exc:
            raise ConfigError(f"could not render the digest: {exc}") from None
        for path in paths:
            click.echo(f"Wrote {path}")
        return
    from automations.core.errors import LockHeld
    from automations.service.lock import command_line, hold_lock

    try:
        # The scheduled service sends under this lock too: never both at once.
        with hold_lock(cfg.state_dir, command_line()):
            outcomes = send_jobs(cfg, result, jobs, now)
    except LockHeld as exc:
        click.echo(f"coprod: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    for outcome in outcomes:
        click.echo(outcome.describe())
    sys.exit(EXIT_OK if all(o.ok for o in outcomes) else EXIT_FINDINGS)


@cli.command("check-access")
@config_option
@friendly
def check_access_command(config_path: Path) -> None:
    """Say in one line whether the service can read and write the board's sheet.

    Exit status: 0 read and write, 1 read only, 2 cannot read (the message says why).
    """
    from automations.backends.access import check_access

    can_write, line = check_access(load_config(config_path))
    click.echo(line)
    sys.exit(EXIT_OK if can_write else EXIT_FINDINGS)


def main() -> None:
    cli(prog_name="coprod")
