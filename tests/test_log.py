"""The log's set-up (core/log.py): `setup_logging` notes the level, and the `coprod` loggers are
set up when the first one is asked for, so a plain check never loads logging (issue 27). Each
case runs in a fresh interpreter, where logging is not loaded yet."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from automations.core.config import parse_config
from automations.core.errors import ConfigError
from automations.core.log import LEVEL_NUMBERS, configured_level

LINE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d {level} coprod\.{name} {text}$"


def test_the_level_numbers_are_loggings_own() -> None:
    assert {name: getattr(logging, name.upper()) for name in LEVEL_NUMBERS} == LEVEL_NUMBERS


def _with_logging(level: str) -> dict[str, object]:
    return {"source": {"path": "board.xlsx"}, "logging": {"level": level}}


def test_the_configured_level_is_read_without_logging() -> None:
    cfg = parse_config(_with_logging("warning"))
    assert configured_level(cfg) == logging.WARNING
    assert configured_level(cfg, verbose=1) == logging.DEBUG
    with pytest.raises(ConfigError, match="level"):
        configured_level(parse_config(_with_logging("loud")))


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)


def test_a_logger_asked_for_after_set_up_logs_in_our_format() -> None:
    done = _run(
        "import sys\n"
        "from automations.core.log import event, get, setup_logging, LEVEL_NUMBERS\n"
        "setup_logging(None)\n"
        "print('logging' in sys.modules)\n"  # only noted so far
        "log = get('service')\n"
        "event(log, LEVEL_NUMBERS['info'], 'pass.finished', result='ok', sent=3)\n"
        "event(log, LEVEL_NUMBERS['debug'], 'hidden')\n"  # below the default level
    )
    assert done.stdout == "False\n"
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].split(" ", 1)[1] == "INFO coprod.service pass.finished result=ok sent=3"


def test_a_logger_asked_for_before_set_up_gets_the_set_up() -> None:
    """A module that takes its logger when imported (the service's do) and is imported before
    the command line sets the level: logging is loaded, so the set-up applies at once."""
    done = _run(
        "from automations.core.log import event, get, setup_logging, LEVEL_NUMBERS\n"
        "log = get('alerts')\n"
        "setup_logging(None, verbose=1)\n"
        "event(log, LEVEL_NUMBERS['debug'], 'alert.sent', to='co-chairs')\n"
    )
    assert [line.split(" ", 1)[1] for line in done.stderr.splitlines()] == [
        "DEBUG coprod.alerts alert.sent to=co-chairs"
    ]


def test_a_library_warning_goes_to_the_log_at_debug_level() -> None:
    done = _run(
        "import warnings\n"
        "from automations.core.log import capture_library_warnings, setup_logging\n"
        "setup_logging(None, verbose=1)\n"
        "capture_library_warnings()\n"
        "warnings.warn('Data Validation extension is not supported', UserWarning)\n"
    )
    assert [line.split(" ", 1)[1] for line in done.stderr.splitlines()] == [
        'DEBUG coprod.library library.warning kind=UserWarning '
        'text="Data Validation extension is not supported"'
    ]
