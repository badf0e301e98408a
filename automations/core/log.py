"""Structured, timestamped logging to stderr: one line per event, `key=value` pairs.

Lines look like
``2024-03-01T08:00:00+00:00 INFO coprod.service pass.finished result=ok sent=3``
so that journald, cron mail and `grep` all read them, and a person can too.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import warnings
from typing import Any

from automations.core.config import Config

LEVELS = ("debug", "info", "warning", "error")
ROOT = "coprod"


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created).astimezone()
        line = f"{stamp.isoformat(timespec='seconds')} {record.levelname} {record.name} "
        line += record.getMessage()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configured_level(cfg: Config | None, verbose: int = 0) -> int:
    """`-v` means debug; otherwise `[logging] level` (default info)."""
    if verbose:
        return logging.DEBUG
    name = "info"
    if cfg is not None:
        section = cfg.section("logging")
        section.reject_unknown({"level"})
        name = section.text("level", "info", choices=LEVELS).lower()
    return getattr(logging, name.upper())


def setup_logging(cfg: Config | None, verbose: int = 0) -> None:
    """Send the `coprod` loggers to stderr at the configured level (idempotent)."""
    level = configured_level(cfg, verbose)
    logger = logging.getLogger(ROOT)
    logger.setLevel(level)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    logger.addHandler(handler)


def _value(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.isoformat(timespec="seconds")
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n'):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
    return text


def event(logger: logging.Logger, level: int, name: str, **fields: Any) -> None:
    """Log one event: its name, then its fields as key=value (None fields left out)."""
    if not logger.isEnabledFor(level):
        return
    parts = [name, *(f"{k}={_value(v)}" for k, v in fields.items() if v is not None)]
    logger.log(level, " ".join(parts))


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"{ROOT}.{name}")


def capture_library_warnings() -> None:
    """A library's Python warning (openpyxl's "Data Validation extension is not supported",
    say) is about its internals, not something a person can act on: it goes to our log at
    debug level (`-v` shows it), never straight to the terminal."""
    warnings.simplefilter("default")
    log = get("library")

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        event(log, logging.DEBUG, "library.warning", kind=category.__name__, text=str(message))

    warnings.showwarning = show
