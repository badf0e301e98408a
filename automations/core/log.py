"""Structured, timestamped logging to stderr: one line per event, `key=value` pairs.

Lines look like
``2024-03-01T08:00:00+00:00 INFO coprod.service pass.finished result=ok sent=3``
so that journald, cron mail and `grep` all read them, and a person can too.
"""

from __future__ import annotations

import datetime as dt
import sys
import warnings

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    import logging
    from typing import Any

    from automations.core.config import Config

LEVELS = ("debug", "info", "warning", "error")
# logging's own numbers for those levels (fixed by the logging module's documentation), so that
# reading `[logging] level` does not load logging (tests/test_log.py compares them).
LEVEL_NUMBERS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
ROOT = "coprod"

# A plain `coprod validate` logs nothing, and loading logging (with traceback, string and their
# patterns) is about a twentieth of its start-up: setup_logging only notes the level, and the
# `coprod` loggers are set up when the first one is asked for (get). Every logger of ours comes
# from get, so none can log before its handler is in place.
_pending_level: int | None = None


def configured_level(cfg: Config | None, verbose: int = 0) -> int:
    """`-v` means debug; otherwise `[logging] level` (default info)."""
    if verbose:
        return LEVEL_NUMBERS["debug"]
    name = "info"
    if cfg is not None:
        section = cfg.section("logging")
        section.reject_unknown({"level"})
        name = section.text("level", "info", choices=LEVELS).lower()
    return LEVEL_NUMBERS[name]


def setup_logging(cfg: Config | None, verbose: int = 0) -> None:
    """Send the `coprod` loggers to stderr at the configured level (idempotent): now if logging
    is already in use, otherwise when the first logger is asked for."""
    global _pending_level
    _pending_level = configured_level(cfg, verbose)
    if "logging" in sys.modules:
        _apply_pending()


def _apply_pending() -> None:
    global _pending_level
    level, _pending_level = _pending_level, None
    if level is None:
        return
    import logging

    logger = logging.getLogger(ROOT)
    logger.setLevel(level)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter())
    logger.addHandler(handler)


def _formatter() -> logging.Formatter:
    import logging

    class _Formatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            stamp = dt.datetime.fromtimestamp(record.created).astimezone()
            line = f"{stamp.isoformat(timespec='seconds')} {record.levelname} {record.name} "
            line += record.getMessage()
            if record.exc_info:
                line += "\n" + self.formatException(record.exc_info)
            return line

    return _Formatter()


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
    """The `coprod.<name>` logger, set up as setup_logging asked (loads logging)."""
    import logging

    _apply_pending()
    return logging.getLogger(f"{ROOT}.{name}")


def capture_library_warnings() -> None:
    """A library's Python warning (openpyxl's "Data Validation extension is not supported",
    say) is about its internals, not something a person can act on: it goes to our log at
    debug level (`-v` shows it), never straight to the terminal."""
    warnings.simplefilter("default")

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        event(get("library"), LEVEL_NUMBERS["debug"], "library.warning",
              kind=category.__name__, text=str(message))

    warnings.showwarning = show
