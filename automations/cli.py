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

from .config import Config, ConfigError, load_config
from .schema import SchemaError
from .sources import SourceError

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2
USER_ERRORS = (ConfigError, SourceError, SchemaError)


def _today(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-03-01") from None


def config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --today, shared by every command that reads the board."""
    fn = click.option(
        "--today",
        callback=_today,
        metavar="YYYY-MM-DD",
        help="Check as if it were this day (default: [today] in config, else the real date).",
    )(fn)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=lambda: os.environ.get("COPROD_CONFIG", "config.toml"),
        show_default="config.toml or $COPROD_CONFIG",
        help="The config file.",
    )(fn)


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
    return cfg, today or cfg.today or dt.date.today()


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
    from .setup import init_directory

    for line in init_directory(directory, force=force, today=today or dt.date.today()):
        click.echo(line)


@cli.command()
@config_options
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@friendly
def validate(config_path: Path, today: dt.date | None, fmt: str) -> None:
    """Check the board workbook against the Terms of Reference.

    Exit status: 0 no errors, 1 at least one error, 2 the config or workbook could not be read.
    """
    from .pipeline import validate as run_validation
    from .text_report import render_table

    cfg, day = load(config_path, today)
    result = run_validation(cfg, day)
    click.echo(result.report.dumps() if fmt == "json" else render_table(result.report))
    sys.exit(EXIT_FINDINGS if result.report.has_errors else EXIT_OK)


@cli.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "markdown"]), default="table", show_default=True
)
def rules_command(fmt: str) -> None:
    """List every rule with its id, severity and what it checks."""
    from .rules import catalogue

    if fmt == "markdown":
        click.echo(rules_markdown())
        return
    for r in catalogue():
        click.echo(f"{r.id:<40} {r.severity.value:<8} {r.summary}")


def rules_markdown() -> str:
    from .rules import catalogue

    lines = ["| rule | severity | what it checks |", "|---|---|---|"]
    lines += [f"| `{r.id}` | {r.severity.value} | {r.summary} |" for r in catalogue()]
    return "\n".join(lines)


def main() -> None:
    cli(prog_name="coprod")
