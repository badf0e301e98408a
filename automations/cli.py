"""The `coprod` command: parses arguments, loads the settings, calls one function of app or
service, and turns the outcome into a message and an exit status. No logic lives here."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from automations import app
from automations.core.config import Config
from automations.core.log import capture_library_warnings, setup_logging
from automations.exits import (  # the statuses are named here too, as tests and scripts use them
    EXIT_BUG,  # noqa: F401
    EXIT_FAILED,
    EXIT_FINDINGS,
    EXIT_LOCKED,  # noqa: F401
    EXIT_NOT_SENT,
    EXIT_OK,
    EXIT_READ_ONLY,
    EXIT_STATUSES,
    failure,
)
from automations.settings import CHECK_SECTIONS, load_settings


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
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
today_option = click.option(
    "--today",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="Check as if it were this day (default: [today] in config, else the real date).",
)


boards_option = click.option(
    "--boards",
    "boards_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="A folder of board configs (<board>.toml or <board>/config.toml): every board, "
    "each with its own lock, state and schedule, instead of --config.",
)


def config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --today, shared by every command that reads the board."""
    return config_option(today_option(fn))


def service_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--config and -v for the service commands (they follow the clock, so no --today)."""
    fn = click.option("-v", "--verbose", count=True, help="Log every step (debug level).")(fn)
    return config_option(fn)


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Problems a person can fix become one clear message, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit):
            raise  # click's own usage messages (exit 2) and exits
        except (Exception, KeyboardInterrupt) as exc:
            said = failure(exc)
            if said is None:
                raise
            message, status = said
            if message is None:
                sys.exit(status)
            _fail(message, status)

    return wrapper


def _fail(message: object, status: int) -> NoReturn:
    click.secho(f"coprod: {message}", err=True, fg="red")
    sys.exit(status)


def settings(
    config_path: Path, verbose: int = 0, sections: tuple[str, ...] | None = None
) -> Config:
    """Every command starts here: the config is checked before any work is done (all of it, or
    the ``sections`` a command reads, every section's name included)."""
    cfg = load_settings(config_path, sections)
    setup_logging(cfg, verbose)
    return cfg


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_STATUSES)
@click.version_option(package_name="coprod-automations")
def cli() -> None:
    """Checks, highlights and digests for the Commissioning Co-Production Board."""


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing config.toml and board.xlsx.")
@click.option(
    "--today", callback=_date, metavar="YYYY-MM-DD", help="Date the sample around this day."
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
    from automations.text_report import render_table

    if write_back and report_path:
        raise click.UsageError("Use either --write-back or --report FILE.xlsx, not both.")
    # A check reads only its own sections; --write-back stamps the marks in [schedule]'s zone.
    writes = ("schedule",) if write_back or report_path else ()
    cfg = settings(config_path, sections=CHECK_SECTIONS + writes)
    result = app.validate(cfg, today)
    click.echo(result.report.dumps() if fmt == "json" else render_table(result.report))
    if write_back or report_path:
        click.echo(app.write_back(cfg, result, report=report_path).message, err=True)
    sys.exit(EXIT_FINDINGS if result.report.has_errors else EXIT_OK)


@cli.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "markdown"]), default="table", show_default=True
)
@config_option
@click.pass_context
@friendly
def rules_command(ctx: click.Context, fmt: str, config_path: Path) -> None:
    """List every rule with its id, severity and what it checks: the built-in rules, then the
    Board's own checks (with their file), as set in [rules] of the config when there is one."""
    if fmt == "markdown":
        click.echo(rules_markdown())
        return
    for r, state in rule_listing(ctx, config_path):
        source = f" (from {r.source})" if r.source else ""
        click.echo(f"{r.id:<40} {state:<8} {r.summary}{source}")


def rule_listing(ctx: click.Context, config_path: Path) -> list[tuple[Any, str]]:
    from automations.rules.settings import RuleSettings, rule_settings

    default = ctx.get_parameter_source("config_path") is click.core.ParameterSource.DEFAULT
    if default and not os.environ.get("COPROD_CONFIG") and not config_path.exists():
        return RuleSettings().listing()  # no config here: the built-in rules as shipped
    return rule_settings(settings(config_path)).listing()


def rules_markdown() -> str:
    from automations.rules import catalogue

    lines = ["| rule | severity | what it checks |", "|---|---|---|"]
    lines += [f"| `{r.id}` | {r.severity.value} | {r.summary} |" for r in catalogue()]
    return "\n".join(lines)


# ---------------------------------------------------------------- the scheduled service


@cli.command("run")
@click.option("--once", is_flag=True, help="Do everything that is due now, then exit.")
@service_options
@boards_option
@friendly
def run_command(once: bool, config_path: Path, verbose: int, boards_dir: Path | None) -> None:
    """Do one pass of everything due now (for cron or a systemd timer).

    Exit status: 0 done (or nothing was due), 2 the config is wrong, 3 another copy is running
    (nothing was done), 4 a job failed (the next pass tries it again). With --boards: one line
    per board; 2 when a board's config or state could not be used, else 4 when a job failed (a
    board another copy is doing is left to it).
    """
    from automations.service.loop import run_once_locked
    from automations.service.status import render_pass

    if not once:
        _fail("say `coprod run --once`; use `coprod serve` to keep running", EXIT_FAILED)
    if boards_dir:
        sys.exit(_run_boards(boards_dir, verbose))
    cfg = settings(config_path, verbose)
    result = run_once_locked(cfg)
    click.echo(render_pass(cfg, result))
    sys.exit(EXIT_OK if result.ok else EXIT_NOT_SENT)


@cli.command("serve")
@service_options
@boards_option
@friendly
def serve_command(config_path: Path, verbose: int, boards_dir: Path | None) -> None:
    """Keep running: check and mark the sheet and send digests on the [schedule] in config.

    Stops cleanly on SIGTERM or Ctrl-C (the pass under way finishes first). Exit status 3 when
    another copy is running. With --boards: every board each minute, each under its own lock
    (other copies may serve the same boards).
    """
    from automations.service.loop import serve

    if boards_dir:
        from automations.service.boards import serve_boards

        setup_logging(None, verbose)
        sys.exit(serve_boards(boards_dir, load_settings))
    sys.exit(serve(settings(config_path, verbose)))


@cli.command("status")
@service_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@boards_option
@click.option(
    "--check",
    is_flag=True,
    help="Exit 0 when the last pass (of every board) succeeded, else 4: a health check.",
)
@friendly
def status_command(
    config_path: Path, verbose: int, fmt: str, boards_dir: Path | None, check: bool
) -> None:
    """What the service last did, what is due next, the last error and who holds the lock.

    With --boards: one line per board. With --check: exit 0 when the last pass of every board
    succeeded, 4 when one did not (or has not run yet).
    """
    from automations.service.status import render_status, status

    if boards_dir or check:
        sys.exit(_board_status(boards_dir, config_path, verbose, check))
    data = status(settings(config_path, verbose))
    import json  # only here: `coprod validate` starts without it

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
    callback=_date,
    metavar="YYYY-MM-DD",
    help="The meeting to report on (default: the latest one before today).",
)
@click.option(
    "--audience",
    metavar="NAME",
    help="Only this audience (default: every enabled one; --preview shows a switched-off "
    "audience only when named here).",
)
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
    Exit status: 0 all sent, 2 the config or workbook could not be read, 3 the scheduled
    service is busy (nothing was sent; try again in a minute), 4 some could not be sent.
    """
    from automations.service.loop import send_by_hand

    if send == bool(preview_dir):
        raise click.UsageError("give either --send or --preview DIR")
    cfg = settings(config_path)
    result = app.validate(cfg, today)
    if preview_dir:
        for path in app.preview_digests(cfg, result, preview_dir, meeting, audience):
            click.echo(f"Wrote {path}")
        return
    outcomes = send_by_hand(cfg, result, meeting, audience)
    for outcome in outcomes:
        click.echo(outcome.describe())
    sys.exit(EXIT_OK if all(o.ok for o in outcomes) else EXIT_NOT_SENT)


@cli.command("check-access")
@config_option
@friendly
def check_access_command(config_path: Path) -> None:
    """Say in one line whether the service can read and write the board's sheet.

    For a workbook in Microsoft 365, one line each for read, write and send-as.
    Exit status: 0 read and write, 2 cannot read (the message says why), 5 read only.
    """
    can_write, line = app.check_access(settings(config_path))
    click.echo(line)
    sys.exit(EXIT_OK if can_write else EXIT_READ_ONLY)


def _run_boards(boards_dir: Path, verbose: int) -> int:
    """`coprod run --once --boards DIR`: every board's pass, one line each."""
    from automations.service.boards import BROKEN, load_boards, run_boards

    setup_logging(None, verbose)
    passes = run_boards(load_boards(boards_dir, load_settings))
    for p in passes:
        click.echo(p.line())
    if any(p.outcome == BROKEN for p in passes):
        return EXIT_FAILED
    return EXIT_OK if all(p.ok for p in passes) else EXIT_NOT_SENT


def _board_status(boards_dir: Path | None, config_path: Path, verbose: int, check: bool) -> int:
    """`coprod status --boards DIR` (one line per board) and `coprod status --check`."""
    from automations.service.boards import Board, board_health, load_boards

    if boards_dir:
        setup_logging(None, verbose)
        boards = load_boards(boards_dir, load_settings)
    else:
        from automations.core.store import board_name

        cfg = settings(config_path, verbose)
        boards = [Board(board_name(cfg), config_path, cfg)]
    healths = [board_health(b) for b in boards]
    for h in healths:
        click.echo(h.line)
    return EXIT_OK if all(h.ok for h in healths) or not check else EXIT_NOT_SENT


# ---------------------------------------------------------------- moving the state (issue 32)


@cli.group("state")
def state_group() -> None:
    """Move a board's state (ledgers, history, the service's record) between SQLite and
    PostgreSQL: export from the old config, import with the new one."""


@state_group.command("export")
@config_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    metavar="FILE.json",
    help="The file to write the board's whole state to.",
)
@friendly
def state_export_command(config_path: Path, out: Path) -> None:
    """Write the board's state to FILE.json, under the board's lock (no pass runs meanwhile)."""
    from automations.service.transfer import export_state

    counts = export_state(settings(config_path), out)
    click.echo(f"Wrote {out}: {_rows(counts)}.")


@state_group.command("import")
@config_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@friendly
def state_import_command(config_path: Path, file: Path) -> None:
    """Load FILE.json (from `coprod state export`) into this config's state, which must be
    new: all of it in one transaction. What was sent stays sent; nothing falls due again."""
    from automations.service.transfer import import_state

    counts = import_state(settings(config_path), file)
    click.echo(f"Imported {file}: {_rows(counts)}.")


def _rows(counts: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in counts.items() if n) or "no rows"


def main() -> None:
    capture_library_warnings()
    cli(prog_name="coprod")


@cli.command("adopt")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The folder for config.toml and schema/ (default: coprod-<workbook name>).",
)
@click.option(
    "--explain", is_flag=True, help="Also show the scores of every header's candidate columns."
)
@friendly
def adopt_command(workbook: Path, out_dir: Path | None, explain: bool) -> None:
    """Onboard the tracker the Board already keeps: find its tabs, header rows and columns,
    and write a config and schema aliases for you to review. The workbook is only read.

    Exit status: 0 written, 2 the workbook could not be read or mapped (the message names the
    tab).
    """
    from automations.starter.adopt import adopt

    lines, _ = adopt(workbook, out_dir or Path(f"coprod-{workbook.stem}"), explain)
    for line in lines:
        click.echo(line)


# ---------------------------------------------------------------- the Board's record (issue 17)


@cli.command("history")
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--since", callback=_date, metavar="YYYY-MM-DD", help="Only days from this one.")
@friendly
def history_command(config_path: Path, fmt: str, since: dt.date | None) -> None:
    """What each day's first check found: findings, actions, members, projects by stage."""
    from automations.record import history, history_view

    click.echo(history_view.render(history.load(settings(config_path), since), fmt))


@cli.command("report")
@config_options
@click.option("--from", "start", callback=_date, required=True, metavar="YYYY-MM-DD")
@click.option("--to", "end", callback=_date, required=True, metavar="YYYY-MM-DD")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE.xlsx",
    help="The workbook to write; the HTML page is written beside it (FILE.html). "
    "Default: report-FROM-TO.xlsx in [report] folder.",
)
@friendly
def report_command(
    config_path: Path, today: dt.date | None, start: dt.date, end: dt.date, out: Path | None
) -> None:
    """Write the Board's activity report for HBP and the JPB (an .xlsx and an HTML page)."""
    cfg = settings(config_path)
    for path in app.board_report(cfg, app.validate(cfg, today), start, end, out):
        click.echo(f"Wrote {path}")


@cli.command("publish")
@config_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    metavar="DIR",
    help="The folder to write the two pages into (made if missing).",
)
@friendly
def publish_command(config_path: Path, today: dt.date | None, out: Path) -> None:
    """Write the public "You said, we did" page and its easy-read version (no personal data)."""
    cfg = settings(config_path)
    for path in app.publish(cfg, app.validate(cfg, today), out):
        click.echo(f"Wrote {path}")


# ---------------------------------------------------------------- reminders (issue 16)


@cli.command("remind")
@config_options
@click.option(
    "--preview",
    "preview_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write the reminders as .eml and .html files here instead of sending.",
)
@click.option(
    "--all",
    "everyone",
    is_flag=True,
    help="With --preview: one for every owner of an open action, due or not.",
)
@click.option("--send", is_flag=True, help="Send the reminders due today (each only once).")
@friendly
def remind_command(
    config_path: Path, today: dt.date | None, preview_dir: Path | None, everyone: bool, send: bool
) -> None:
    """Personal reminders to action owners: preview them, or send the ones due today.

    Exit status: 0 done, 4 some reminder was not sent (the message says why).
    """
    from automations.service.loop import remind_by_hand

    if send == bool(preview_dir):
        raise click.UsageError("give either --send or --preview DIR")
    cfg = settings(config_path)
    result = app.validate(cfg, today)
    if preview_dir:
        paths = app.preview_reminders(cfg, result, preview_dir, everyone)
        for path in paths:
            click.echo(f"Wrote {path}")
        if not paths:
            click.echo("No reminder is due today (--all shows one for every owner).")
        return
    _report_sent(remind_by_hand(cfg, result), "No reminder is due now.")


@cli.command("pack")
@config_options
@click.option(
    "--preview",
    "preview_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write the pack (printable page and emails) here; nothing is sent.",
)
@click.option(
    "--send", is_flag=True, help="Send the pack now, if it is due, to whoever does not have it yet."
)
@friendly
def pack_command(
    config_path: Path, today: dt.date | None, preview_dir: Path | None, send: bool
) -> None:
    """The co-chairs' follow-up pack for the next meeting: files to look at or print, or sent.

    --send tries again an address the mail server refused (once it is fixed), as
    `coprod digest --send` does. Exit status: 0 done, 4 some pack was not sent.
    """
    from automations.service.loop import pack_by_hand

    if send == bool(preview_dir):
        raise click.UsageError("give either --send or --preview DIR")
    cfg = settings(config_path)
    result = app.validate(cfg, today)
    if preview_dir:
        for path in app.preview_pack(cfg, result, preview_dir):
            click.echo(f"Wrote {path}")
        return
    _report_sent(pack_by_hand(cfg, result), "No pack is due now, or everyone has it already.")


@cli.command("updates")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the answers as JSON.")
@click.option(
    "--preview",
    is_flag=True,
    help="Show what the next pass would read from the mailbox; record nothing.",
)
@click.option(
    "--read",
    is_flag=True,
    help="Read the answers mailbox and write what officers approved, now (as a pass does).",
)
@friendly
def updates_command(
    config_path: Path, today: dt.date | None, as_json: bool, preview: bool, read: bool
) -> None:
    """Owners' answers to their reminders: each one, what it would change, what became of it."""
    import json

    from automations.inbox import listing
    from automations.service.loop import read_answers_by_hand

    if preview and read:
        raise click.UsageError("give --preview or --read, not both")
    cfg = settings(config_path)
    if preview or read:
        result = app.validate(cfg, today)
        reading = (
            app.read_answers(cfg, result, record=False) if preview
            else read_answers_by_hand(cfg, result)
        )  # fmt: skip
        would = app.preview_updates(cfg, result) if preview else []
        if as_json:
            click.echo(json.dumps([_json(p) for p in reading.proposals], indent=1))
        else:
            for p in reading.proposals:
                click.echo("\n".join(listing.describe(p)))
            click.echo(f"{len(reading.proposals)} new answers; {reading.repeated} already read.")
            for line in would:
                click.echo(line)
        if reading.written is not None and reading.written.message:
            click.echo(reading.written.message)
        for outcome in reading.thanked:
            click.echo(outcome.describe())
        if reading.error:
            _fail(f"the answers mailbox could not be read: {reading.error}", EXIT_FAILED)
        return
    stored = app.list_updates(cfg)
    if as_json:
        click.echo(json.dumps([s.as_json() for s in stored], indent=1))
    else:
        click.echo(listing.render(stored))


def _json(p: Any) -> dict[str, Any]:
    from automations.inbox.proposals import Stored

    return Stored(0, p).as_json() | {"id": None}


def _report_sent(outcomes: list[Any], nothing: str) -> None:
    """One line per email sent by hand; exit 4 when any was not sent."""
    for outcome in outcomes:
        click.echo(outcome.describe())
    if not outcomes:
        click.echo(nothing)
    sys.exit(EXIT_OK if all(o.ok for o in outcomes) else EXIT_NOT_SENT)
