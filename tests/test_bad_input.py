"""A corpus of bad input, tried from outside through the command line as a new user would: bad
workbooks, bad configs and awkward file states. Every case must end with a clear message naming
what to fix (or, for input that is odd but fine, a normal check) — never "unexpected error",
never a traceback, never a changed value or a bypassed file."""

from __future__ import annotations

import datetime as dt
import grp
import io
import json
import os
import pwd
import random
import shutil
import stat
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from automations.cli import cli
from automations.core.paths import data_path
from automations.settings import CHECK_SECTIONS
from tests.builders import TODAY, edit, tables, write_workbook

BASE_CONFIG = f"""\
today = {TODAY.isoformat()}

[source]
kind = "xlsx"
path = "board.xlsx"

[mail]
transport = "outbox"
outbox = "outbox"
from = "Co-Production Board <board@example.org>"

[[digest.audiences]]
name = "HBP"
title = "Haringey Borough Partnership (HBP)"
recipients = ["HBP <hbp@example.org>"]
"""


@dataclass(frozen=True)
class Outcome:
    status: int
    output: str


def coprod(folder: Path, *args: str) -> Outcome:
    result = CliRunner().invoke(cli, [*args, "--config", str(folder / "config.toml")])
    return Outcome(result.exit_code, result.output)


def board(folder: Path, data: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(BASE_CONFIG, encoding="utf-8")
    return write_workbook(folder / "board.xlsx", data or tables())


def assert_clear(outcome: Outcome, status: int | tuple[int, ...], says: str) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    assert outcome.status in statuses, outcome.output
    assert says in outcome.output, outcome.output
    assert "Traceback" not in outcome.output
    assert "unexpected error" not in outcome.output


def values_of(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path, data_only=False)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb if ws.title != "Validation"}


# ---------------------------------------------------------------- workbooks


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _truncated(share: float) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        whole = path.read_bytes()
        path.write_bytes(whole[: int(len(whole) * share)])

    return make


def _without(part: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        _rewrite(path, lambda name, data: None if name == part else data)

    return make


def _cut_short(part: str) -> Callable[[Path], None]:
    """The part's XML stops half way, as a copy interrupted inside the zip would leave it."""

    def make(path: Path) -> None:
        _rewrite(path, lambda name, data: data[: len(data) // 2] if name == part else data)

    return make


def _rewrite(path: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = [(i.filename, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            new = change(name, data)
            if new is not None:
                zf.writestr(name, new)


def _strict(path: Path) -> None:
    transitional = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strict = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    _rewrite(path, lambda name, data: data.replace(transitional, strict))


def _ods(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")


def _encrypted(path: Path) -> None:
    plain = io.BytesIO(path.read_bytes())
    office = OOXMLFile(plain)
    out = io.BytesIO()
    office.encrypt("board-password", out)
    path.write_bytes(out.getvalue())


def _old_xls(path: Path) -> None:
    out = path.parent / "xls"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{out}/profile",
            "--convert-to",
            "xls",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.copyfile(out / "board.xls", path)


def _openpyxl(change: Callable[[Workbook], None]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        wb = load_workbook(path)
        change(wb)
        wb.save(path)

    return make


def _chartsheet(wb: Workbook) -> None:
    wb.create_chartsheet("Chart")


def _wide_header(wb: Workbook) -> None:
    ws = wb["Members"]
    for column in range(ws.max_column + 1, 16_385):
        ws.cell(row=1, column=column, value=f"Extra {column}")


def _duplicate_header(wb: Workbook) -> None:
    ws = wb["Members"]
    ws.cell(row=1, column=ws.max_column + 1, value="Name ")


def _merged_header(wb: Workbook) -> None:
    ws = wb["Members"]
    ws["C1"] = None  # a merge keeps the first cell's text only
    ws.merge_cells("B1:C1")


def _formula_error(wb: Workbook) -> None:
    ws = wb["Actions"]
    due = [c.value for c in ws[1]].index("Due") + 1
    ws.cell(row=2, column=due, value="#N/A").data_type = "e"


def _uncalculated(wb: Workbook) -> None:
    ws = wb["Members"]
    ws["B2"] = '=CONCAT("Ada", " ", "Lovelace")'  # openpyxl saves no calculated value


def _stray_last_row(wb: Workbook) -> None:
    wb["Meetings"].cell(row=1_048_576, column=30, value="stray")


def _mac_1904(wb: Workbook) -> None:
    wb.epoch = CALENDAR_MAC_1904


def _data(**cells: object) -> Callable[[], dict]:
    tab, index, field = cells.pop("where")  # type: ignore[misc]
    return lambda: edit(tables(), tab, index, **{field: cells["value"]})


def _two_ids(value: str) -> Callable[[], dict]:
    def make() -> dict:
        data = edit(tables(), "members", 0, Member_ID=value)
        return edit(data, "members", 1, Member_ID=value)

    return make


@dataclass(frozen=True)
class BookCase:
    name: str
    status: int | tuple[int, ...]
    says: str
    damage: Callable[[Path], None] | None = None
    data: Callable[[], dict] | None = None


BOOKS = [
    BookCase("zero bytes", 2, "is empty (0 bytes)", _bytes(b"")),
    *(
        BookCase(
            f"random bytes {seed}",
            2,
            "is not an Excel workbook",
            _bytes(random.Random(seed).randbytes(5000)),
        )
        for seed in (1, 2, 3)
    ),
    BookCase("CSV renamed", 2, "CSV or text file", _bytes(b"Member ID,Name\nM01,Ada\n")),
    BookCase("HTML renamed", 2, "web page", _bytes(b"<!DOCTYPE html><html><table></table>")),
    BookCase("XML spreadsheet renamed", 2, "web page", _bytes(b'<?xml version="1.0"?><Workbook/>')),
    BookCase("ODS renamed", 2, "OpenDocument spreadsheet (.ods)", _ods),
    *(
        BookCase(f"truncated at {int(share * 100)}%", 2, "damaged or incomplete", _truncated(share))
        for share in (0.1, 0.5, 0.95)
    ),
    BookCase("no workbook part", 2, "has no workbook part", _without("xl/workbook.xml")),
    BookCase(
        "workbook part cut short", 2, "its workbook part is not valid XML (unclosed token",
        _cut_short("xl/workbook.xml"),
    ),
    BookCase(
        "tab list cut short", 2, "its workbook part is not valid XML (",
        _cut_short("xl/_rels/workbook.xml.rels"),
    ),
    BookCase(
        "a sheet part missing", 2, "lists a tab 'Members'", _without("xl/worksheets/sheet1.xml")
    ),
    BookCase("encrypted", 2, "protected with a password", _encrypted),
    BookCase("old .xls", 2, "Excel 97-2003", _old_xls),
    BookCase("Strict Open XML", 2, "Strict Open XML", _strict),
    BookCase("a chartsheet", 0, "No problems", _openpyxl(_chartsheet)),
    BookCase("16,384 header columns", 0, "No problems", _openpyxl(_wide_header)),
    BookCase("duplicate header", 1, "two columns headed 'Name'", _openpyxl(_duplicate_header)),
    BookCase("merged header", 1, "has no 'Email' column", _openpyxl(_merged_header)),
    BookCase("formula error", 1, "#N/A", _openpyxl(_formula_error)),
    BookCase(
        "formula with no calculated value",
        1,
        "formula that has not been calculated",
        _openpyxl(_uncalculated),
    ),
    BookCase("stray cell on the last row", 0, "No problems", _openpyxl(_stray_last_row)),
    BookCase("1904 date system", 0, "No problems", _openpyxl(_mac_1904)),
    # More than a cell holds (32,767): the readers take what Excel would show; nothing breaks.
    BookCase(
        "40,000-character cell",
        0,
        "No problems",
        data=_data(where=("members", 0, "Name"), value="x" * 40_000),
    ),
    BookCase("emoji id used twice", 1, "is used on row 2 and on row 3", data=_two_ids("M🙂")),
    BookCase(
        "right-to-left override in an id",
        1,
        "invisible character (text-direction",
        data=_data(where=("members", 0, "Member_ID"), value="M\u202e01"),
    ),
    BookCase(
        "zero-width space in an id",
        1,
        "invisible character (zero-width space",
        data=_data(where=("members", 2, "Member_ID"), value="M0\u200b3"),
    ),
    BookCase(
        "right-to-left name",
        0,
        "No problems",
        data=_data(where=("members", 0, "Name"), value="نور الهدى"),
    ),
    BookCase(
        "non-breaking spaces around a choice",
        0,
        "No problems",
        data=_data(where=("members", 3, "Category"), value="\u00a0Resident\u00a0"),
    ),
    *(
        BookCase(
            f"odd date {text!r}",
            1,
            f"{text}",
            data=_data(where=("members", 4, "Joined"), value=text),
        )
        for text in (
            "31/02/2024",
            "2024-13-01",
            "next Tuesday",
            "00/00/0000",
            "12/31/2024",
            "1.2.3.4",
        )
    ),
]


@pytest.mark.parametrize("case", BOOKS, ids=lambda c: c.name)
def test_bad_workbooks_get_a_clear_answer(tmp_path: Path, case: BookCase) -> None:
    path = board(tmp_path, case.data() if case.data else None)
    if case.damage:
        case.damage(path)
    before = path.read_bytes()
    assert_clear(coprod(tmp_path, "validate"), case.status, case.says)
    assert path.read_bytes() == before  # validate alone never writes


def test_a_folder_as_the_workbook(tmp_path: Path) -> None:
    board(tmp_path)
    (tmp_path / "config.toml").write_text(BASE_CONFIG.replace('"board.xlsx"', '"."'))
    assert_clear(coprod(tmp_path, "validate"), 2, "is a folder, not a workbook")


def test_a_system_file_as_the_workbook(tmp_path: Path) -> None:
    board(tmp_path)
    (tmp_path / "config.toml").write_text(BASE_CONFIG.replace('"board.xlsx"', '"/etc/passwd"'))
    assert_clear(coprod(tmp_path, "validate"), 2, "is not an Excel workbook")


def test_marks_on_a_workbook_with_an_uncalculated_formula_keep_the_formula(tmp_path: Path) -> None:
    path = board(tmp_path)
    _openpyxl(_uncalculated)(path)
    before = values_of(path)
    assert_clear(coprod(tmp_path, "validate", "--write-back"), 1, "not been calculated")
    assert values_of(path) == before


# ---------------------------------------------------------------- configs


def _config_case(name: str, text: str | bytes, status: int, says: str) -> tuple:
    return pytest.param(text, status, says, id=name)


def _with(section: str, line: str, drop: str | None = None) -> str:
    text = BASE_CONFIG
    if drop:
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(f"{drop} ="))
    if f"\n[{section}]\n" in text:
        return text.replace(f"\n[{section}]\n", f"\n[{section}]\n{line}\n", 1)
    if section == "digest.audiences":
        return text + line + "\n"
    return text + f"\n[{section}]\n{line}\n"


HUGE = "99999999999999999999999"
CONFIGS = [
    _config_case("syntax error", BASE_CONFIG + "\n[tor\nmax = 1\n", 2, "is not valid TOML"),
    _config_case(
        "unclosed string", BASE_CONFIG.replace('"outbox"\n', '"outbox\n', 1), 2, "is not valid TOML"
    ),
    _config_case("byte-order mark", "\ufeff" + BASE_CONFIG, 0, "No problems"),
    _config_case(
        "a Latin-1 byte in a comment",
        b"# caf\xe9\n" + BASE_CONFIG.encode(),
        2,
        "line 1: byte 0xe9 is not UTF-8",
    ),
    _config_case(
        "unknown section",
        _with("mial", 'smtp_host = "x"'),
        2,
        "[mial]: not a section; did you mean [mail]?",
    ),
    _config_case(
        "unknown top-level key",
        "todya = 2024-03-01\n" + BASE_CONFIG,
        2,
        "todya: not a setting at the top of the file",
    ),
    *(
        _config_case(
            f"unknown key in [{s}]", _with(s, "smtp_hots = 1"), 2, f"{s}.smtp_hots: not a setting"
        )
        for s in (
            "source",
            "tor",
            "paths",
            "schedule",
            "digest",
            "mail",
            "alerts",
            "google",
            "marks",
            "logging",
        )
    ),
    _config_case(
        "unknown key in an audience", _with("digest.audiences", "enabeld = true"), 2, "enabeld"
    ),
    *(
        _config_case(f"wrong type {s}.{k}", _with(s, f"{k} = {v}", drop=k), 2, f"{s}.{k}: expected")
        for s, k, v in (
            ("source", "path", "5"),
            ("tor", "max_members", '"twenty"'),
            ("paths", "state_dir", "[1]"),
            ("schedule", "check_every_minutes", '"often"'),
            ("digest", "board_name", "5"),
            ("mail", "retries", '"three"'),
            ("alerts", "alert_after_failures", "true"),
            ("google", "retry_attempts", "1.5"),
            ("marks", "backups", '"five"'),
            ("logging", "level", "5"),
        )
    ),
    *(
        _config_case(
            f"out of range {s}.{k}", _with(s, f"{k} = {v}", drop=k), 2, f"{s}.{k}: must be"
        )
        for s, k, v in (
            ("tor", "max_members", HUGE),
            ("tor", "max_members", "1"),
            ("tor", "stale_days", "-1"),
            ("tor", "meeting_hours", "1e308"),
            ("digest", "catch_up_days", HUGE),
            ("schedule", "check_every_minutes", HUGE),
            ("google", "retry_attempts", "1000000"),
            ("marks", "backups", HUGE),
            ("alerts", "alert_after_failures", "0"),
        )
    ),
    *(
        _config_case(f"{v} in {s}.{k}", _with(s, f"{k} = {v}", drop=k), 2, f"{s}.{k}: must be")
        for s, k, v in (
            ("tor", "meeting_hours", "nan"),
            ("tor", "meeting_hours", "inf"),
            ("mail", "retry_delay", "-inf"),
            ("google", "give_up_after_seconds", "nan"),
        )
    ),
    _config_case(
        "out of range mail.port",
        _with("mail", 'host = "mail.example.org"\nport = 70000', drop="transport").replace(
            "[mail]", '[mail]\ntransport = "smtp"'
        ),
        2,
        "mail.port: must be",
    ),
    _config_case(
        "a schema folder without schemas",
        _with("paths", 'schema_dir = "/etc"'),
        2,
        "missing schema files",
    ),
]


@pytest.mark.parametrize(("text", "status", "says"), CONFIGS)
def test_bad_configs_name_the_key(
    tmp_path: Path, text: str | bytes, status: int, says: str
) -> None:
    path = board(tmp_path)
    config = tmp_path / "config.toml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    before = path.read_bytes()
    outcome = coprod(tmp_path, "validate")
    if status == 2 and outcome.status in (0, 1):
        # validate checks the keys of the sections a check reads only (settings.CHECK_SECTIONS):
        # the key is in another section, which `coprod status` (every key) names.
        assert not any(says.startswith(f"{name}.") for name in CHECK_SECTIONS), outcome.output
        outcome = coprod(tmp_path, "status")
    assert_clear(outcome, status, says)
    assert path.read_bytes() == before


HEADER_INJECTION = [
    (
        "recipients",
        'recipients = ["HBP <hbp@example.org>\\r\\nBcc: all@example.org"]',
        "recipients",
    ),
    ("subject", 'subject = "Action points\\r\\nBcc: all@example.org"', "digest.subject"),
    ("board name", 'board_name = "Board\\nBcc: all@example.org"', "digest.board_name"),
    ("from", 'from = "Board <board@example.org>\\r\\nBcc: x@example.org"', "mail.from"),
]


@pytest.mark.parametrize(("where", "line", "says"), HEADER_INJECTION, ids=lambda v: str(v)[:20])
def test_line_breaks_in_email_settings_are_refused(
    tmp_path: Path, where: str, line: str, says: str
) -> None:
    board(tmp_path)
    key = line.split(" =")[0]
    section = {"recipients": "digest.audiences", "from": "mail"}.get(where, "digest")
    text = BASE_CONFIG
    if section == "digest.audiences":
        text = text.replace('recipients = ["HBP <hbp@example.org>"]', line)
    else:
        text = _with(section, line, drop=key)
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    outcome = coprod(tmp_path, "digest", "--preview", str(tmp_path / "preview"))
    assert_clear(outcome, 2, says)
    assert not (tmp_path / "preview").exists()


def test_a_folder_as_the_config(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--config", str(tmp_path)])
    assert_clear(Outcome(result.exit_code, result.output), 2, "is a folder, not a config file")


def test_no_config_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--config", str(tmp_path / "nope.toml")])
    assert_clear(Outcome(result.exit_code, result.output), 2, "No config file at")


# ---------------------------------------------------------------- file states


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's own temporary folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="coprod-states-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def nobody() -> tuple[int, int]:
    user = pwd.getpwnam("nobody")
    return user.pw_uid, user.pw_gid


def as_unprivileged(folder: Path, *args: str) -> Outcome:
    """Run the command in a child process as the unprivileged user `nobody` (as root), or as
    this user when the tests are not run as root: permissions then mean what they say."""
    _shipped_data_readable(folder)
    _warm_up(folder, *args)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, run, report, and leave at once
        try:
            os.close(read)
            if os.geteuid() == 0:
                uid, gid = nobody()
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            outcome = coprod(folder, *args)
            os.write(write, json.dumps([outcome.status, outcome.output]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as stream:
        data = stream.read()
    os.waitpid(pid, 0)
    status, output = json.loads(data)
    return Outcome(status, output)


def _shipped_data_readable(folder: Path) -> None:
    """Copies of the schemas and templates that the unprivileged user can read, named in
    [paths]: a checkout under /root (mode 700) is out of its reach, and the message saying so
    (tests/test_unreadable_folders.py) is not what these tests are about."""
    config = folder / "config.toml"
    text = config.read_text(encoding="utf-8")
    if "[paths]" in text:
        return
    for name in ("sheets_schema", "templates"):
        copy = folder / "shipped" / name
        shutil.copytree(data_path(name), copy)
        for path in [copy.parent, copy, *copy.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    paths = '[paths]\nschema_dir = "shipped/sheets_schema"\ntemplates_dir = "shipped/templates"\n'
    config.write_text(f"{text}\n{paths}", encoding="utf-8")


def _warm_up(folder: Path, *args: str) -> None:
    """Run the same command once, as this user, on a copy: Python imports some modules only
    when first used, and the unprivileged child could not read this interpreter's library
    folder (under /root) to import them."""
    with tempfile.TemporaryDirectory() as spare:
        copy = Path(spare) / "copy"
        shutil.copytree(folder, copy, symlinks=True)
        for path in [copy, *copy.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        coprod(copy, *args)


def _owned_by_nobody(folder: Path) -> None:
    if os.geteuid() == 0:
        uid, gid = nobody()
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, uid, gid)


def test_a_read_only_workbook_is_refused_not_replaced(shared: Path) -> None:
    path = board(shared)
    _owned_by_nobody(shared)
    path.chmod(0o444)
    before = path.read_bytes()
    outcome = as_unprivileged(shared, "validate", "--write-back")
    assert_clear(outcome, 2, "is read-only")
    assert "--report" in outcome.output
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_an_unreadable_workbook(shared: Path) -> None:
    path = board(shared)
    _owned_by_nobody(shared)
    path.chmod(0o000)
    assert_clear(as_unprivileged(shared, "validate"), 2, "permission denied")


def test_a_read_only_folder_is_refused_clearly(shared: Path) -> None:
    path = board(shared)
    _owned_by_nobody(shared)
    before = path.read_bytes()
    shared.chmod(0o555)
    try:
        outcome = as_unprivileged(shared, "validate", "--write-back")
    finally:
        shared.chmod(0o755)
    assert outcome.status == 2, outcome.output
    assert "Traceback" not in outcome.output and "unexpected error" not in outcome.output
    assert str(shared) in outcome.output or "folder" in outcome.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("lock", [".~lock.board.xlsx#", "~$board.xlsx"])
def test_a_workbook_open_in_a_spreadsheet_program(tmp_path: Path, lock: str) -> None:
    path = board(tmp_path)
    (tmp_path / lock).write_text("someone")
    before = path.read_bytes()
    assert_clear(coprod(tmp_path, "validate", "--write-back"), 2, "is open in Excel or LibreOffice")
    assert path.read_bytes() == before


def test_marks_go_through_a_symbolic_link_to_the_real_workbook(tmp_path: Path) -> None:
    (tmp_path / "shared-drive").mkdir()
    real = write_workbook(
        tmp_path / "shared-drive" / "board.xlsx", edit(tables(), "members", 0, Email="not-an-email")
    )
    (tmp_path / "config.toml").write_text(BASE_CONFIG, encoding="utf-8")
    (tmp_path / "board.xlsx").symlink_to(real)
    before = values_of(real)
    assert_clear(coprod(tmp_path, "validate", "--write-back"), 1, "Email")
    assert (tmp_path / "board.xlsx").is_symlink()
    assert "Validation" in load_workbook(real).sheetnames  # the real file got the marks
    assert values_of(real) == before


def test_a_link_to_nowhere(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(BASE_CONFIG, encoding="utf-8")
    (tmp_path / "board.xlsx").symlink_to(tmp_path / "moved-away.xlsx")
    assert_clear(coprod(tmp_path, "validate"), 2, "does not exist")


def test_a_group_shared_workbook_keeps_its_group_and_mode(tmp_path: Path) -> None:
    path = board(tmp_path, edit(tables(), "members", 0, Email="not-an-email"))
    # As root, a group the service is not in (root:daemon); otherwise one of the user's own.
    group = grp.getgrnam("daemon").gr_gid if os.geteuid() == 0 else os.getgroups()[-1]
    os.chown(path, 0, group)
    path.chmod(0o640)
    assert_clear(coprod(tmp_path, "validate", "--write-back"), 1, "Email")
    assert "Validation" in load_workbook(path).sheetnames
    assert path.stat().st_gid == group and stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_workbook_saved_while_being_checked_is_not_overwritten(tmp_path: Path) -> None:
    """A person saves between the check's read and its write: the marks wait for the next
    check; the person's save is kept."""
    from automations import app
    from automations.settings import load_settings

    path = board(tmp_path, edit(tables(), "members", 0, Email="not-an-email"))
    cfg = load_settings(tmp_path / "config.toml")
    validation = app.validate(cfg)
    wb = load_workbook(path)
    wb["Members"]["B2"] = "Changed meanwhile"
    wb.save(path)
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    saved = path.read_bytes()
    with pytest.raises(Exception, match="saved by someone else while it was being checked"):
        app.write_back(cfg, validation, dt.datetime(2024, 3, 1, 9, 0))
    assert path.read_bytes() == saved


def test_the_corpus_is_large_enough() -> None:
    files = 11  # the file-state and single-path tests above
    assert len(BOOKS) + len(CONFIGS) + len(HEADER_INJECTION) + files >= 80
