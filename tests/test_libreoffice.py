"""Workbooks saved by LibreOffice are read and marked correctly, and our marked files open again
in LibreOffice with every value where it was."""

import csv
import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.backends.marks import rule_formula
from automations.backends.xlsx.marks import write_xlsx_marks
from automations.core.findings import Severity
from automations.pipeline import validate
from tests.builders import TODAY
from tests.marked_workbook import (
    EMAIL_CELL,
    OWNER_CELL,
    PERSON_NOTE,
    board_with_findings,
    config,
    features,
    mark,
    our_rules,
    plan_with_messages,
)

# Every tab to its own file, UTF-8, comma-separated, formulas as their results.
CSV_ALL_TABS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def soffice(tmp_path: Path, source: Path, to: str, outdir: Path) -> None:
    """Convert with LibreOffice headless, with a private profile so parallel runs don't clash."""
    outdir.mkdir(exist_ok=True)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def resaved(tmp_path: Path, path: Path) -> Path:
    """``path`` opened and saved again as .xlsx by LibreOffice (as a person would)."""
    outdir = tmp_path / f"lo-{path.stem}"
    soffice(tmp_path, path, "xlsx", outdir)
    result = outdir / path.name
    assert result.exists()
    return result


def tabs_as_csv(tmp_path: Path, path: Path) -> dict[str, list[list[str]]]:
    outdir = tmp_path / f"csv-{path.stem}"
    soffice(tmp_path, path, CSV_ALL_TABS, outdir)
    tabs = {}
    for file in outdir.glob(f"{path.stem}-*.csv"):
        with file.open(encoding="utf-8", newline="") as fh:
            tabs[file.stem.removeprefix(f"{path.stem}-")] = list(csv.reader(fh))
    return tabs


def findings_of(path: Path) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule, f.sheet, f.cell) for f in validate(config(path), TODAY).report.findings]


def test_a_libreoffice_workbook_is_read_marked_and_opens_again(tmp_path):
    original = board_with_findings(tmp_path / "board.xlsx")
    board = resaved(tmp_path, original)
    assert (
        findings_of(board)
        == findings_of(original)
        == [("schema.email", "Members", EMAIL_CELL), ("tor.actions.owner", "Actions", OWNER_CELL)]
    )
    made = features(board)

    assert mark(board).changed
    assert features(board) == made
    assert list(our_rules(board, "Members")) == [rule_formula(Severity.ERROR)]
    assert load_workbook(board)["Members"][EMAIL_CELL].comment.text.startswith(PERSON_NOTE)

    tabs = tabs_as_csv(tmp_path, board)
    assert set(tabs) == {"Members", "Projects", "Actions", "Meetings", "Notes", "Validation",
                         # the co-production record's tabs (issue 31)
                         "Sub-groups", "Engagement", "You said, we did", "Recognition"}
    assert tabs["Members"][5][:3] == ["M05", "Eve Resident", "amina at example"]
    assert tabs["Actions"][1][4] == "Nobody Known"
    assert tabs["Notes"][4][1] == "3"  # the formula still calculates
    assert tabs["Validation"][4][:4] == ["Error", "schema.email", "Members", EMAIL_CELL]


def test_marks_survive_a_save_in_libreoffice_and_are_not_rewritten(tmp_path):
    board = board_with_findings(tmp_path / "board.xlsx")
    mark(board)
    saved = resaved(tmp_path, board)  # a co-chair opens the marked file and saves it
    before = saved.read_bytes()
    result = mark(saved, at=dt.datetime(2024, 3, 2, 9, 0))
    assert not result.changed
    assert saved.read_bytes() == before


def test_formula_like_text_stays_text_in_libreoffice(tmp_path):
    board = board_with_findings(tmp_path / "board.xlsx")
    risky = ["=1+2", "+1+2", "-1+2", "@SUM(1,2)"]
    plan = plan_with_messages(risky)
    write_xlsx_marks(board, plan, config(board))
    rows = tabs_as_csv(tmp_path, board)["Validation"]
    assert [r[4] for r in rows[4:8]] == risky


@pytest.fixture(autouse=True)
def _needs_soffice():
    # .ci/run installs LibreOffice; a missing one is a broken machine, not a reason to skip.
    assert shutil.which("soffice"), "LibreOffice (soffice) is needed: .ci/run installs it"


def test_libreoffice_prints_the_validation_tab_as_written(tmp_path):
    """LibreOffice reads the tab's print setup (converted to .ods, where Calc writes what it
    understood): landscape A4, one page wide, the header row repeated on every page."""
    from lxml import etree

    from automations.backends.marks import HEADER_ROW, VALIDATION_COLUMNS

    board = board_with_findings(tmp_path / "board.xlsx")
    mark(board)
    soffice(tmp_path, board, "ods", tmp_path / "ods")
    ns = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
          "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
          "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
          "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0"}
    with zipfile.ZipFile(tmp_path / "ods" / "board.ods") as ods:
        content, styles = (etree.fromstring(ods.read(n)) for n in ("content.xml", "styles.xml"))
    table = content.find(".//table:table[@table:name='Validation']", ns)
    header = table.find("table:table-header-rows", ns)
    assert header is not None
    cells = ["".join(c.itertext()) for c in header.iterfind(".//table:table-cell", ns)]
    assert cells[: len(VALIDATION_COLUMNS)] == list(VALIDATION_COLUMNS)
    before = [r for r in table.iterfind("table:table-row", ns)
              if r.getparent() is table and _precedes(r, header)]
    assert sum(int(r.get(f"{{{ns['table']}}}number-rows-repeated", "1")) for r in before) == \
        HEADER_ROW - 1  # the repeated row is the header row itself
    style = table.get(f"{{{ns['table']}}}style-name")
    master = content.find(f".//style:style[@style:name='{style}']", ns).get(
        f"{{{ns['style']}}}master-page-name")
    layout = styles.find(f".//style:master-page[@style:name='{master}']", ns).get(
        f"{{{ns['style']}}}page-layout-name")
    page = styles.find(f".//style:page-layout[@style:name='{layout}']/"
                       "style:page-layout-properties", ns)
    assert page.get(f"{{{ns['style']}}}print-orientation") == "landscape"
    assert page.get(f"{{{ns['style']}}}scale-to-X") == "1"
    assert round(_mm(page.get(f"{{{ns['fo']}}}page-width"))) == 297  # A4 across


def _mm(length: str) -> float:
    """An ODF length (Calc writes inches or centimetres, by locale) in millimetres."""
    for unit, mm in (("in", 25.4), ("cm", 10.0), ("mm", 1.0)):
        if length.endswith(unit):
            return float(length[: -len(unit)]) * mm
    raise AssertionError(f"unexpected length {length}")


def _precedes(a, b) -> bool:
    parent = a.getparent()
    return list(parent).index(a) < list(parent).index(b)
