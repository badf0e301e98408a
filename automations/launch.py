"""The `coprod` command's front door. A plain `coprod validate` (with any of --config, --today
and --format) is what cron and a person run most, so it runs here without loading click, which
is about a tenth of a check's start-up (bench/README.md, "Starting up"). Everything else (other
commands, --help, --write-back, an option this door does not know, a value it cannot read) goes
to the full command line in cli.py, which gives the usage messages; the two print the same
(tests/test_launch.py)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from automations.core.records import record

FORMATS = ("table", "json")


@record(frozen=True)
class QuickValidate:
    """The plain `coprod validate` asked for: the config, the day to check as, the format."""

    config: Path
    today: dt.date | None
    fmt: str


def main() -> None:
    quick = quick_validate(sys.argv[1:])
    if quick is None:
        from automations.cli import main as full_command_line

        full_command_line()
        return
    from automations.core.collector import short_lived_process

    with short_lived_process():
        status = run_quick_validate(quick)
    sys.exit(status)


def quick_validate(args: list[str]) -> QuickValidate | None:
    """The plain `validate` this door runs, or None for the full command line."""
    if not args or args[0] != "validate":
        return None
    given = _options(args[1:])
    if given is None:
        return None
    config = given.get("--config") or os.environ.get("COPROD_CONFIG", "config.toml")
    fmt = given.get("--format", "table")
    try:
        today = dt.date.fromisoformat(given["--today"]) if "--today" in given else None
    except ValueError:
        return None  # click says what is wrong with it, as it always has
    if not config or fmt not in FORMATS:
        return None
    return QuickValidate(Path(config), today, fmt)


def _options(args: list[str]) -> dict[str, str] | None:
    """`--name value` and `--name=value` pairs, each name once; None for anything else."""
    given: dict[str, str] = {}
    rest = iter(args)
    for arg in rest:
        name, equals, value = arg.partition("=")
        if name not in ("--config", "--today", "--format") or name in given:
            return None
        if not equals:
            value = next(rest, "")
        if not value or value.startswith("-"):
            return None  # click says what is missing
        given[name] = value
    return given


def run_quick_validate(quick: QuickValidate) -> int:
    """What `coprod validate` does without --write-back or --report: the same settings, check,
    output, messages and exit statuses as cli.validate."""
    from automations.core.log import capture_library_warnings
    from automations.exits import failure

    capture_library_warnings()
    try:
        return _validate(quick)
    except (Exception, KeyboardInterrupt) as exc:
        said = failure(exc)
        if said is None:
            raise
        message, status = said
        if message is not None:
            _say_problem(message)
        return status


def _validate(quick: QuickValidate) -> int:
    from automations.core.log import setup_logging
    from automations.exits import EXIT_FINDINGS, EXIT_OK
    from automations.pipeline import validate
    from automations.settings import CHECK_SECTIONS, load_settings
    from automations.text_report import render_table

    cfg = load_settings(quick.config, CHECK_SECTIONS)
    setup_logging(cfg, 0)
    report = validate(cfg, quick.today).report
    print(report.dumps() if quick.fmt == "json" else render_table(report), flush=True)
    return EXIT_FINDINGS if report.has_errors else EXIT_OK


def _say_problem(message: str) -> None:
    """As click.secho(fg="red", err=True) does: red on a terminal, plain text otherwise."""
    line = f"coprod: {message}"
    if sys.stderr.isatty():
        line = f"\x1b[31m{line}\x1b[0m"
    print(line, file=sys.stderr, flush=True)
