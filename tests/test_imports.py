"""What a run imports: `coprod validate` on an .xlsx board loads no library it does not use
(issue 27). A test of what is imported, never of time (timings are in bench/)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email

from automations.core.text import plain_address
from automations.starter.folder import init_directory

# Libraries a check of an .xlsx board never needs: Google and Microsoft 365 (and the HTTP,
# OAuth and crypto stacks under them), the PDF and image libraries, the spreadsheet writer
# (calamine reads), mail sending and templates, bank holidays, email_validator (the sample's
# addresses are plain ones).
ABSENT = (
    "google",
    "gspread",
    "google_auth_oauthlib",
    "requests",
    "requests_oauthlib",
    "urllib3",
    "oauthlib",
    "msal",
    "cryptography",
    "weasyprint",
    "PIL",
    "openpyxl",
    "holidays",
    "email_validator",
    "smtplib",
    "ssl",
    "jinja2",
    "css_inline",
    "lxml",
)

# Runs the CLI as `coprod validate` does, then writes the names of the loaded modules to a file
# (stdout carries the findings).
RUNNER = """
import gc, json, runpy, sys
out = sys.argv.pop(1)
try:
    runpy.run_module("automations", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    status = exc.code
with open(out, "w") as f:
    json.dump({"status": status, "modules": sorted(sys.modules), "collector": gc.isenabled(),
               "frozen": gc.get_freeze_count()}, f)
"""


# The package's own parts a check never uses, and standard modules it need not start with: the
# digests, mail, answers inbox, service, board record and charts (their settings are checked by
# the commands that use them), the time zones (only a command that tells the time), the email
# package (plain addresses), statistics and its random numbers, and the state database.
ABSENT_MODULES = (
    "automations.digests",
    "automations.mail",
    "automations.inbox",
    "automations.service",
    "automations.record",
    "automations.charts",
    "automations.starter",
    "zoneinfo",
    "email",
    "statistics",
    "sqlite3",
    "calendar",  # and the locale module under it: months are counted with datetime
    "difflib",  # "did you mean" hints, only when a name is wrong
    "logging",  # a check logs nothing: set up when the first logger is asked for (core/log.py)
)


def loaded_modules(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    data = _run(tmp_path, *args)
    return data["status"], set(data["modules"])


def _run(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", RUNNER, str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return json.loads(out.read_text())


def loaded_by(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    status, modules = loaded_modules(tmp_path, *args)
    return status, {name.split(".")[0] for name in modules}


def test_validate_on_an_xlsx_board_imports_no_heavy_library(tmp_path: Path) -> None:
    init_directory(tmp_path / "board", force=False, today=dt.date.today())
    config = tmp_path / "board" / "config.toml"
    status, loaded = loaded_by(tmp_path, "validate", "--config", str(config))
    assert status == 1  # the sample board has errors to find: the check really ran
    assert "python_calamine" in loaded  # and read the workbook
    assert sorted(set(ABSENT) & loaded) == []
    assert "click" not in loaded  # a plain check comes in by the quick door (launch.py)


def test_validate_leaves_out_the_parts_a_check_does_not_use(tmp_path: Path) -> None:
    init_directory(tmp_path / "board", force=False, today=dt.date.today())
    config = tmp_path / "board" / "config.toml"
    status, loaded = loaded_modules(tmp_path, "validate", "--config", str(config))
    assert status == 1 and "automations.rules.actions" in loaded  # the check really ran
    # The sample config has [digest], [mail], [reminders], [updates]...: still not imported.
    assert "[digest]" in config.read_text(encoding="utf-8")
    parts = tuple(f"{name}." for name in ABSENT_MODULES)
    assert sorted(m for m in loaded if m in ABSENT_MODULES or m.startswith(parts)) == []
    # The shipped checks.toml has every check commented out: the officers' checks' loader and
    # runner are not needed, and the marks are not written.
    assert {"automations.model.checks", "automations.rules.local"} & loaded == set()
    assert "automations.backends.marks" not in loaded


def test_a_plain_check_is_a_short_lived_process_for_the_collector(tmp_path: Path) -> None:
    """The quick door pauses the collector from the start and freezes what is left at the end
    (core/collector.short_lived_process); the full command line, which also starts `serve`,
    leaves the collector alone."""
    init_directory(tmp_path / "board", force=False, today=dt.date.today())
    quick = _run(tmp_path, "validate", "--config", str(tmp_path / "board" / "config.toml"))
    assert quick["status"] == 1 and "automations.rules.actions" in quick["modules"]
    assert quick["collector"] is False and quick["frozen"] > 10_000
    full = _run(tmp_path, "--help")
    assert full["status"] == 0 and full["collector"] is True and full["frozen"] == 0


def test_the_help_imports_no_heavy_library(tmp_path: Path) -> None:
    status, loaded = loaded_by(tmp_path, "--help")
    assert status == 0
    assert sorted((set(ABSENT) | {"python_calamine", "sqlite3"}) & loaded) == []


# Plain addresses are checked without email_validator: each must be one it accepts, written
# as it writes it; anything unusual goes to it.
ADDRESSES = [
    "a@b.org",
    "A.B@Example.ORG",
    "first.last+tag@sub.example.co.uk",
    "x_y-z@a-b.c-d.io",
    "a..b@x.org",
    ".a@x.org",
    "a.@x.org",
    "a@x",
    "a@x.c",
    "a@x.test",
    "a@sub.x.local",
    "a@-x.org",
    "a@x-.org",
    "a@x--y.org",
    "a@1.2.3.4",
    "a@x.123",
    "a@xn--p1ai.org",
    "ä@x.org",
    "a@bücher.de",
    "a b@x.org",
    '"a"@x.org',
    "a@[127.0.0.1]",
    "@x.org",
    "a@",
    "a" * 64 + "@x.org",
    "a" * 65 + "@x.org",
    "a@" + "b" * 63 + ".org",
    "a@" + "b" * 64 + ".org",
    "a@" + ".".join(["b" * 60] * 5) + ".org",
    "a@x.onion",
    "a@x.arpa",
    "a@x.invalid",
]


@pytest.mark.parametrize("addr", ADDRESSES)
def test_a_plain_address_is_one_email_validator_accepts_as_it_is_written(addr: str) -> None:
    try:
        expected: str | None = validate_email(addr, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    plain = plain_address(addr)
    assert plain is None or plain == expected


def test_ordinary_addresses_take_the_plain_path() -> None:
    assert plain_address("A.B@Example.ORG") == "A.B@example.org"
    assert plain_address("first.last+tag@sub.example.co.uk") is not None


def test_a_second_check_of_unchanged_files_parses_no_toml(tmp_path: Path) -> None:
    """The config and the schemas, unchanged since the last check, come from the cache of
    parsed files (core/filecache.py): the TOML parser is not even loaded, nor typing (which
    the parser uses; our own annotations are read only by type checkers)."""
    import os

    init_directory(tmp_path / "board", force=False, today=dt.date.today())
    an_hour_ago = (dt.datetime.now().timestamp() - 3600) * 1e9
    for path in (tmp_path / "board").rglob("*.toml"):
        os.utime(path, ns=(int(an_hour_ago), int(an_hour_ago)))
    config = tmp_path / "board" / "config.toml"
    first_status, first = loaded_modules(tmp_path, "validate", "--config", str(config))
    status, loaded = loaded_modules(tmp_path, "validate", "--config", str(config))
    assert first_status == status == 1 and "tomllib" in first
    assert "tomllib" not in loaded and "automations.rules.actions" in loaded
    assert "typing" in first and "typing" not in loaded
