"""The drop-down lists of an .xlsx workbook (list data validation) and which tabs are hidden:
`coprod adopt` takes the values a drop-down offers as evidence of what a column holds and means.

Neither reader gives them (calamine reads values only; openpyxl's read-only mode skips them), so
they are read from the parts: each sheet's <dataValidations> (and Excel 2010's
<x14:dataValidations>, where lists fed from another tab are kept), resolved against the values
already read: a list typed in the rule ("Yes,No"), a range on a tab ("Lists!$B$2:$B$6") or a
defined name. Only adopt calls this, so a check pays nothing for it.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils.cell import range_boundaries

from automations.backends.xlsx.sniff import XmlError
from automations.backends.xlsx.source import _MAIN, _REL, _targets
from automations.model.raw import DropDown, RawTable, RawWorkbook

_X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
_XM = "http://schemas.microsoft.com/office/excel/2006/main"
# The two places a sheet keeps its validations; each is cut out and parsed alone, so a sheet of
# 100,000 rows is searched as bytes rather than parsed as XML.
_BLOCKS = re.compile(rb"<(x14:)?dataValidations\b.*?</(x14:)?dataValidations>", re.DOTALL)
_WRAP = (
    f'<w xmlns="{_MAIN[1:-1]}" xmlns:x14="{_X14}" xmlns:xm="{_XM}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)
_MAX_VALUES = 200  # a list longer than this is a lookup table, not a set of words


def with_drop_downs(path: Path, raw: RawWorkbook) -> RawWorkbook:
    """``raw`` with each tab's drop-down lists and hidden flag; unchanged when the parts cannot
    be read (the drop-downs are evidence, never needed)."""
    try:
        found = _read(path, raw)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, ElementTree.ParseError, XmlError):
        return raw
    for title, (hidden, downs) in found.items():
        if title in raw.tables:
            raw.tables[title] = replace(raw.tables[title], hidden=hidden, drop_downs=downs)
    return raw


def _read(path: Path, raw: RawWorkbook) -> dict[str, tuple[bool, tuple[DropDown, ...]]]:
    out = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        book = _xml(zf, "xl/workbook.xml")
        defined = {
            d.get("name", "").casefold(): (d.text or "") for d in book.iter(f"{_MAIN}definedName")
        }
        rels = _targets(zf, "xl/workbook.xml", names)
        for sheet in book.iter(f"{_MAIN}sheet"):
            title = sheet.get("name", "")
            part = rels.get(sheet.get(f"{_REL}id", ""), ("", ""))[1]
            hidden = sheet.get("state", "visible") != "visible"
            rules = _rules(zf.read(part)) if part in names else []
            downs = tuple(
                d
                for sqref, formula in rules
                if (d := _drop_down(sqref, formula, title, raw, defined))
            )
            out[title] = (hidden, downs)
    return out


def _xml(zf: zipfile.ZipFile, name: str) -> ElementTree.Element:
    with zf.open(name) as stream:
        return ElementTree.parse(stream).getroot()


def _rules(xml: bytes) -> list[tuple[str, str]]:
    """(cells, formula) of each list validation in a sheet part."""
    out = []
    for block in _BLOCKS.finditer(xml):
        root = ElementTree.fromstring(_WRAP.encode() + block.group(0) + b"</w>")
        for dv in root.iter():
            if not dv.tag.endswith("}dataValidation") or dv.get("type") != "list":
                continue
            # Excel 2010's form keeps the formula in <x14:formula1><xm:f>; the plain form in
            # <formula1> itself.
            formula = next(
                (e.text for e in dv.iter() if e.tag in (f"{_MAIN}formula1", f"{{{_XM}}}f")),
                None,
            )
            if not formula:
                continue
            sqref = dv.get("sqref") or next(
                (e.text or "" for e in dv.iter() if e.tag == f"{{{_XM}}}sqref"), ""
            )
            out.append((sqref, formula))
    return out


def _drop_down(
    sqref: str, formula: str, title: str, raw: RawWorkbook, defined: dict[str, str]
) -> DropDown | None:
    boxes = [range_boundaries(ref) for ref in sqref.split() if ref]
    if not boxes:
        return None
    columns = frozenset(c for b in boxes for c in range(b[0] or 1, (b[2] or b[0] or 1) + 1))
    first = min(b[1] or 1 for b in boxes)
    last = max(b[3] or b[1] or 1 for b in boxes)
    values, source = _values(formula.strip().lstrip("="), title, raw, defined)
    return DropDown(columns, first, last, values, source)


def _values(
    formula: str, title: str, raw: RawWorkbook, defined: dict[str, str]
) -> tuple[tuple[str, ...], str]:
    if formula.startswith('"') and formula.endswith('"'):
        words = [w.strip() for w in formula[1:-1].split(",")]
        return tuple(w for w in words if w), "typed in the rule"
    target = defined.get(formula.casefold(), formula).lstrip("=")
    sheet, _, ref = target.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'") or title
    table = raw.tables.get(sheet)
    try:
        box = range_boundaries(ref.replace("$", ""))
    except ValueError:
        return (), formula  # INDIRECT(...), OFFSET(...): not worked out
    if table is None or None in box:
        return (), formula
    return _cells(table, box), f"{sheet}!{ref}"


def _cells(table: RawTable, box: tuple[int, int, int, int]) -> tuple[str, ...]:
    first_col, first_row, last_col, last_row = box
    out: list[str] = []
    for row in table.grid[first_row - 1 : last_row]:
        for value in row[first_col - 1 : last_col]:
            text = "" if value is None else str(value).strip()
            if text and text not in out:
                out.append(text)
            if len(out) >= _MAX_VALUES:
                return tuple(out)
    return tuple(out)
