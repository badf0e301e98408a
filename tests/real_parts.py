"""Board workbooks holding the parts councils' trackers really have, made here the way Excel,
openpyxl and LibreOffice make them: pictures, charts, Excel 2010 cross-tab drop-down lists and
data bars (extLst), threaded comments with their persons part and legacy placeholders, and an
.xlsm with its macros. Plus small helpers that read a package with zipfile and lxml only.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from lxml import etree
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from PIL import Image as PILImage

from tests.marked_workbook import OWNER_CELL, board_with_findings

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
THREADED_NS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
PERSON_ID = "{6A3F7C2E-1D4B-4C8E-9F00-2B1D5E7A9C11}"
THREAD_ID = "{0B6E1A77-5C2D-4F3A-8E19-7D4C2A9B6E55}"
THREAD_TEXT = "Who owns this now? Ben left in January."
# The placeholder Excel writes in the legacy note of a cell with a threaded comment.
PLACEHOLDER = (
    "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; "
    "however, any edits to it will get removed if the file is opened in a newer version of "
    "Excel. Learn more: https://go.microsoft.com/fwlink/?linkid=870924\n\nComment:\n    "
    + THREAD_TEXT
)
VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8  # a compound file's bytes


def board(path: Path, kind: str) -> Path:
    """The marked-workbook board with the parts of ``kind`` added."""
    base = board_with_findings(path.with_suffix(".xlsx"))
    if kind in ("pictures", "everything"):
        _picture(base)
    if kind in ("chart", "everything"):
        _chart(base)
    if kind in ("threaded", "everything"):
        _placeholder_note(base)
        _threaded(base)
    if kind in ("excel2010", "everything"):
        _excel_2010(base)
    if kind == "xlsm":
        _macros(base)
        base.rename(path.with_suffix(".xlsm"))
        return path.with_suffix(".xlsm")
    return base


def _picture(path: Path) -> None:
    png = io.BytesIO()
    PILImage.new("RGB", (40, 20), (200, 30, 60)).save(png, format="PNG")
    wb = load_workbook(path)
    wb["Notes"].add_image(Image(io.BytesIO(png.getvalue())), "E2")
    wb.save(path)


def _chart(path: Path) -> None:
    wb = load_workbook(path)
    ws = wb["Notes"]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=6, max_row=7))
    ws.add_chart(chart, "E10")
    wb.save(path)


def _placeholder_note(path: Path) -> None:
    wb = load_workbook(path)
    wb["Actions"][OWNER_CELL].comment = Comment(PLACEHOLDER, f"tc={THREAD_ID}")
    wb.save(path)


def _threaded(path: Path) -> None:
    """The threaded comment and its person, as Excel for Microsoft 365 writes them."""
    thread = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments '
        f'xmlns="{THREADED_NS}" xmlns:x="{MAIN}"><threadedComment ref="{OWNER_CELL}" '
        f'dT="2024-02-20T10:00:00.00" personId="{PERSON_ID}" id="{THREAD_ID}"><text>'
        f"{THREAD_TEXT}</text></threadedComment></ThreadedComments>"
    ).encode()
    persons = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList '
        f'xmlns="{THREADED_NS}" xmlns:x="{MAIN}"><person displayName="Priya Officer" '
        f'id="{PERSON_ID}" userId="priya@example.org" providerId="None"/></personList>'
    ).encode()
    sheet = sheet_part(path, "Actions")
    edits = {
        "xl/threadedComments/threadedComment1.xml": thread,
        "xl/persons/person.xml": persons,
    }
    with zipfile.ZipFile(path) as zf:
        rels = rels_of(sheet)
        edits[rels] = _add_rel(zf.read(rels), "rIdT1",
                               "http://schemas.microsoft.com/office/2017/10/relationships/"
                               "threadedComment", "../threadedComments/threadedComment1.xml")
        edits["xl/_rels/workbook.xml.rels"] = _add_rel(
            zf.read("xl/_rels/workbook.xml.rels"), "rIdP1",
            "http://schemas.microsoft.com/office/2017/10/relationships/person",
            "persons/person.xml")
        types = zf.read("[Content_Types].xml")
    edits["[Content_Types].xml"] = types.replace(
        b"</Types>",
        b'<Override PartName="/xl/threadedComments/threadedComment1.xml" '
        b'ContentType="application/vnd.ms-excel.threadedcomments+xml"/>'
        b'<Override PartName="/xl/persons/person.xml" '
        b'ContentType="application/vnd.ms-excel.person+xml"/></Types>')
    rewrite(path, edits)


EXT_LIST = (
    f'<extLst><ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
    f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" '
    'allowBlank="1" showInputMessage="1" showErrorMessage="1"><x14:formula1>'
    "<xm:f>Members!$A$2:$A$40</xm:f></x14:formula1><xm:sqref>E2:E40</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext>"
    f'<ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="{X14}">'
    f'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="{XM}">'
    '<x14:cfRule type="dataBar" id="{1F6B3C2A-9E4D-4B7A-8C21-5D0E9F3A7B64}">'
    '<x14:dataBar minLength="0" maxLength="100" gradient="0"><x14:cfvo type="autoMin"/>'
    '<x14:cfvo type="autoMax"/><x14:negativeFillColor rgb="FFFF0000"/>'
    '<x14:axisColor rgb="FF000000"/></x14:dataBar></x14:cfRule><xm:sqref>A2:A40</xm:sqref>'
    '</x14:conditionalFormatting><x14:conditionalFormatting xmlns:xm="{XM}">'
    '<x14:cfRule type="iconSet" priority="10" id="{2A7C4D3B-0F5E-4C8B-9D32-6E1F0A4B8C75}">'
    '<x14:iconSet iconSet="3Triangles"><x14:cfvo type="percent"><xm:f>0</xm:f></x14:cfvo>'
    '<x14:cfvo type="percent"><xm:f>33</xm:f></x14:cfvo><x14:cfvo type="percent">'
    "<xm:f>67</xm:f></x14:cfvo></x14:iconSet></x14:cfRule><xm:sqref>B2:B40</xm:sqref>"
    "</x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>"
).replace('xmlns:xm="{XM}"', f'xmlns:xm="{XM}"').encode()
DATA_BAR = (
    b'<conditionalFormatting sqref="A2:A40"><cfRule type="dataBar" priority="3"><dataBar>'
    b'<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst>'
    b'<ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" xmlns:x14="' + X14.encode() + b'">'
    b"<x14:id>{1F6B3C2A-9E4D-4B7A-8C21-5D0E9F3A7B64}</x14:id></ext></extLst></cfRule>"
    b"</conditionalFormatting>"
)


def _excel_2010(path: Path) -> None:
    """A cross-tab drop-down list, data bars and an icon set, written as Excel 2010+ does."""
    part = sheet_part(path, "Actions")
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(part)
    last_cf = xml.rindex(b"</conditionalFormatting>") + len(b"</conditionalFormatting>")
    xml = xml[:last_cf] + DATA_BAR + xml[last_cf:]
    xml = xml.replace(b"</worksheet>", EXT_LIST + b"</worksheet>")
    rewrite(path, {part: xml})


def _macros(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        types = zf.read("[Content_Types].xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(b"<Default ", b'<Default Extension="bin" '
              b'ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
    rels = _add_rel(rels, "rIdV1", "http://schemas.microsoft.com/office/2006/relationships/"
                    "vbaProject", "vbaProject.bin")
    rewrite(path, {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels,
                   "xl/vbaProject.bin": VBA})


# ---------------------------------------------------------------- reading packages plainly


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rewrite(path: Path, edits: dict[str, bytes]) -> None:
    """The package with some parts replaced or added (as any program saving it would)."""
    old = parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in {**old, **edits}.items():
            zf.writestr(name, data)


def rels_of(part: str) -> str:
    folder, name = part.rsplit("/", 1)
    return f"{folder}/_rels/{name}.rels"


def _add_rel(rels: bytes, rid: str, rel_type: str, target: str) -> bytes:
    return rels.replace(
        b"</Relationships>",
        f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/></Relationships>'.encode(),
    )


def _targets(path: Path, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, part name) of one part's relationships."""
    with zipfile.ZipFile(path) as zf:
        try:
            root = etree.fromstring(zf.read(rels_of(part)))
        except KeyError:
            return {}
    folder = part.rsplit("/", 1)[0]
    out = {}
    for el in root.iter(f"{{{RELS}}}Relationship"):
        target = el.get("Target")
        if target.startswith("/"):
            name = target[1:]
        else:
            bits = [*folder.split("/"), *target.split("/")]
            stack: list[str] = []
            for b in bits:
                if b == "..":
                    stack.pop()
                elif b and b != ".":
                    stack.append(b)
            name = "/".join(stack)
        out[el.get("Id")] = (el.get("Type"), name)
    return out


def sheet_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as zf:
        workbook = etree.fromstring(zf.read("xl/workbook.xml"))
    rels = _targets(path, "xl/workbook.xml")
    for el in workbook.iter(f"{{{MAIN}}}sheet"):
        if el.get("name") == name:
            return rels[el.get(f"{{{R}}}id")][1]
    raise KeyError(name)


def check_owns(path: Path, marked_tabs: tuple[str, ...]) -> set[str]:
    """The parts the check may change: the marked tabs with their relationships, notes and
    drawings of notes, the styles, the workbook's list of tabs, and the Validation tab."""
    owned = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
             "xl/styles.xml", "docProps/app.xml"}
    for tab in (*marked_tabs, "Validation"):
        try:
            part = sheet_part(path, tab)
        except KeyError:
            continue
        owned |= {part, rels_of(part)}
        owned |= {name for kind, name in _targets(path, part).values()
                  if kind.endswith(("/comments", "/vmlDrawing"))}
    return owned


def extension_list(path: Path, tab: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(sheet_part(path, tab))
    # The sheet's own extLst comes after every conditional format (one holds its own extLst).
    start = xml.find(b"<extLst", max(0, xml.rfind(b"</conditionalFormatting>")))
    end = xml.rfind(b"</worksheet>")
    return xml[start:end] if start >= 0 else b""


def peoples_conditional_formats(path: Path, tab: str) -> list[bytes]:
    """A person's conditionalFormatting blocks, as bytes (the check's are tagged coprod:)."""
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(sheet_part(path, tab))
    blocks = re.findall(rb"<conditionalFormatting\b.*?</conditionalFormatting>", xml, re.S)
    return [b for b in blocks if b"coprod:" not in b]


def retype(path: Path, old: str, new: str) -> None:
    """A person retypes a cell's text: only the part that holds the text changes (the shared
    strings, or the sheet itself for inline text)."""
    found = {n: d for n, d in parts(path).items()
             if n.startswith("xl/") and f">{old}<".encode() in d and n.endswith(".xml")}
    found = {n: d for n, d in found.items()
             if n == "xl/sharedStrings.xml" or n.startswith("xl/worksheets/sheet")}
    assert len(found) == 1, found.keys()
    rewrite(path, {n: d.replace(f">{old}<".encode(), f">{new}<".encode())
                   for n, d in found.items()})
