"""The quick deflate (ISA-L) for large parts: what it packs opens in zipfile, openpyxl and
LibreOffice, and what it unpacks is checked against the zip's size and checksum."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from automations.backends.xlsx import deflate, package
from automations.backends.xlsx.deflate import unpacked
from automations.backends.xlsx.source import read_xlsx
from tests.marked_workbook import EMAIL_CELL, board_with_findings, features, mark, our_rules
from tests.test_libreoffice import tabs_as_csv

DATA = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(20000))


@pytest.fixture
def stored(tmp_path):
    path = tmp_path / "parts.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", DATA)
        zf.writestr("plain.bin", DATA[:5000], compress_type=zipfile.ZIP_STORED)
    return path


def test_the_quick_level_is_isal_on_this_machine():
    # pyproject.toml asks for isal; a fallback to zlib here would hide a broken install.
    assert deflate._quick.__name__ == "isal.isal_zlib"


def test_unpacked_gives_the_part_in_blocks_and_a_prefix_when_asked(stored):
    with zipfile.ZipFile(stored) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        blocks = list(unpacked(zf, info, 4096))
        assert b"".join(blocks) == DATA
        assert max(len(b) for b in blocks) <= 4096
        assert b"".join(unpacked(zf, info, 1000, limit=12345)) == DATA[:12345]
        plain = zf.getinfo("plain.bin")
        assert b"".join(unpacked(zf, plain, 777)) == DATA[:5000]


def test_unpacked_refuses_a_part_whose_checksum_or_size_is_wrong(stored):
    with zipfile.ZipFile(stored) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        bad_crc = _copy(info, CRC=info.CRC ^ 1)
        with pytest.raises(zipfile.BadZipFile, match="checksum"):
            list(unpacked(zf, bad_crc, 4096))
        bad_size = _copy(info, file_size=info.file_size + 1)
        with pytest.raises(zipfile.BadZipFile):
            list(unpacked(zf, bad_size, 4096))


def _copy(info, **changes):
    clone = zipfile.ZipInfo(info.filename, info.date_time)
    for name in ("compress_type", "flag_bits", "header_offset", "compress_size", "file_size",
                 "CRC"):
        setattr(clone, name, getattr(info, name))
    for name, value in changes.items():
        setattr(clone, name, value)
    return clone


def test_quick_packed_workbook_opens_everywhere(tmp_path, monkeypatch):
    """Every part the writer writes packed by ISA-L (the threshold set to nothing): zipfile
    finds every checksum right, openpyxl and LibreOffice read every value where it was."""
    monkeypatch.setattr(package, "QUICK_PART", 0)
    board = board_with_findings(tmp_path / "board.xlsx")
    made = features(board)
    assert mark(board).changed
    with zipfile.ZipFile(board) as zf:
        assert zf.testzip() is None
    assert features(board) == made
    assert EMAIL_CELL in next(iter(our_rules(board, "Members").values()))[0]
    tabs = tabs_as_csv(tmp_path, board)
    assert tabs["Members"][5][:3] == ["M05", "Eve Resident", "amina at example"]
    assert tabs["Validation"][4][3] == EMAIL_CELL


def test_the_checks_own_validation_tab_is_not_read_back_as_board_data(tmp_path):
    board = board_with_findings(tmp_path / "board.xlsx")
    mark(board)
    assert "Validation" not in read_xlsx(board).tables
    # Once a program has saved the file (the tab's mark is gone), the tab is read like any
    # other, which is slower but still right: it is not a board tab.
    wb = load_workbook(board)
    wb.save(board)
    assert "Validation" in read_xlsx(board).tables


def test_a_persons_own_tab_called_validation_is_read(tmp_path):
    board = board_with_findings(tmp_path / "board.xlsx")
    wb = load_workbook(board)
    wb.create_sheet("Validation")["A1"] = "Our own list of checks"
    buffer = io.BytesIO()
    wb.save(buffer)
    board.write_bytes(buffer.getvalue())
    assert read_xlsx(board).tables["Validation"].header[0] == "Our own list of checks"


def test_two_streams_are_compared_however_their_blocks_are_cut():
    """The proof compares a sheet as written with the sheet as meant, block by block: equal
    bytes cut differently are the same, one changed, missing or extra byte is not."""
    import os
    import random

    from automations.backends.xlsx.package import same_stream

    def cut(data, most):
        out, at = [], 0
        while at < len(data):
            n = random.randint(1, most)
            out.append(data[at:at + n] if random.random() < 0.5 else memoryview(data)[at:at + n])
            at += n
        return out

    random.seed(12)
    outcomes = set()
    for _ in range(300):
        data = os.urandom(random.randint(0, 3000))
        other = bytearray(data)
        roll = random.random()
        if roll < 0.4 and other:
            other[random.randrange(len(other))] ^= 1
        elif roll < 0.6:
            other = other[:-1] if other else other + b"x"
        elif roll < 0.7:
            other += b"x"
        same = bytes(other) == data
        outcomes.add(same)
        assert same_stream(cut(data, 200), cut(bytes(other), 300)) is same
        assert same_stream(cut(bytes(other), 50), [b"", *cut(data, 70), b""]) is same
    assert outcomes == {True, False}
