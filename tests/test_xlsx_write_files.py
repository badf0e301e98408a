"""Write-back and the file itself: a symbolic link is written through, mode and group are kept,
a read-only workbook is refused, and files the writer cannot handle are named with the reason."""

import os
import zipfile

import pytest

from automations.backends.xlsx.marks import write_xlsx_marks, write_xlsx_report
from automations.core.errors import SourceError
from tests.marked_workbook import board_with_findings, config, mark, our_rules, plan_with_messages
from tests.real_parts import board, rewrite


@pytest.fixture
def workbook(tmp_path):
    return board_with_findings(tmp_path / "board.xlsx")


def test_a_symbolic_link_is_written_through_and_stays_a_link(tmp_path, workbook):
    link = tmp_path / "shared" / "tracker.xlsx"
    link.parent.mkdir()
    link.symlink_to(workbook)
    os.chmod(workbook, 0o640)
    # Another group, as on a shared drive: any group this user may give (root: any at all).
    others = [g for g in {*os.getgroups(), 1} if g != workbook.stat().st_gid]
    group = others[0] if os.geteuid() == 0 or not others else workbook.stat().st_gid
    os.chown(workbook, -1, group)
    assert mark(link).changed
    assert link.is_symlink() and link.resolve() == workbook
    assert our_rules(workbook, "Members")
    st = workbook.stat()
    assert (st.st_mode & 0o777, st.st_gid) == (0o640, group)
    assert (link.parent / "backups").is_dir()  # beside the name people use


def test_a_read_only_workbook_is_refused(workbook):
    os.chmod(workbook, 0o444)
    before = workbook.read_bytes()
    with pytest.raises(SourceError, match=r"board\.xlsx is read-only: make it writable or use "
                                          r"--report"):
        mark(workbook)
    assert workbook.read_bytes() == before


def test_an_encrypted_workbook_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))  # what Excel writes
    with pytest.raises(SourceError, match="protected with a password"):
        write_xlsx_marks(path, plan_with_messages(["x"]), config(path))


def test_a_strict_open_xml_workbook_is_refused_with_the_reason(workbook):
    strict_main = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    with zipfile.ZipFile(workbook) as zf:
        xml = zf.read("xl/workbook.xml")
        rels = zf.read("_rels/.rels")
    rewrite(workbook, {
        "xl/workbook.xml": xml.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", strict_main),
        "_rels/.rels": rels.replace(
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
            b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"),
    })
    before = workbook.read_bytes()
    with pytest.raises(SourceError, match="Strict Open XML"):
        write_xlsx_marks(workbook, plan_with_messages(["x"]), config(workbook))
    assert workbook.read_bytes() == before


def test_the_report_of_an_xlsm_is_an_xlsm(tmp_path):
    path = board(tmp_path / "board", "xlsm")
    plan = plan_with_messages(["Not an email address."])
    with pytest.raises(SourceError, match=r"must end in \.xlsm"):
        write_xlsx_report(path, tmp_path / "copy.xlsx", plan, config(path))
    result = write_xlsx_report(path, tmp_path / "copy.xlsm", plan, config(path))
    assert result.report == tmp_path / "copy.xlsm"
    with zipfile.ZipFile(path) as a, zipfile.ZipFile(result.report) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
