"""The Validation tab as its own worksheet part: written whole by the check, read back to tell
whether it already says what it should. Text is written as inline strings, so the workbook's
shared strings (a part people own) are never touched, and a message that starts like a formula
stays text.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from lxml import etree

from automations.backends.marks import (
    HEADER_ROW,
    VALIDATION_COLUMNS,
    VALIDATION_PRINT,
    VALIDATION_WIDTHS,
    WRAPPED_COLUMNS,
)
from automations.backends.xlsx.digest import plain_bytes
from automations.backends.xlsx.package import NS_MAIN, NS_R, XML_DECLARATION, parse
from automations.backends.xlsx.sheetxml import column_letter, rc
from automations.backends.xlsx.styles import CellStyle, Styles

M = f"{{{NS_MAIN}}}"
TAB_WIDTHS = tuple(VALIDATION_WIDTHS[name] for name in VALIDATION_COLUMNS)
LINK_COLUMN = VALIDATION_COLUMNS.index("Link") + 1  # 1-based, like the c of a cell
WRAPPED = frozenset(VALIDATION_COLUMNS.index(name) + 1 for name in WRAPPED_COLUMNS)
# ECMA-376 Part 1, 18.18.43 ST_PaperSize: 9 is A4.
PAPER_SIZE = {"A4": 9}
RISKY_START = ("=", "+", "-", "@")
RISKY_FIRST = frozenset(RISKY_START)
HEADER_FILL = "1F4E79"
# A comment before the root: what the tab's rows (without the stamp) hash to.
FINGERPRINT = re.compile(rb"<!--coprod:([0-9a-f]{64})-->")
LINK_COLOUR = "0563C1"


class TabRow(NamedTuple):  # a named tuple: made once per finding, and quicker to make
    values: list[str]
    fill: str | None = None  # the severity's colour on column A (finding rows)
    link: str | None = None  # where the last column's "Go to" text leads


def fingerprint(rows: object) -> str:
    return hashlib.sha256(plain_bytes(rows)).hexdigest()


def fingerprint_of(data: bytes) -> str | None:
    """The fingerprint the check left in a tab part it wrote (any program that saves the
    workbook rewrites the part without it)."""
    found = FINGERPRINT.search(data, 0, 512)
    return found.group(1).decode() if found else None


def tab_part(rows: list[TabRow], styles: Styles, print_: str) -> bytes:
    columns = len(VALIDATION_COLUMNS)
    style = _Styles(styles)
    out = [XML_DECLARATION, f"<!--coprod:{print_}-->".encode(),
           f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'.encode(),
           # Fit to one page wide (pageSetup below says how many pages across and down).
           b'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
           _views(), b'<sheetFormatPr defaultRowHeight="15"/><cols>']
    out += [f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'.encode()
            for i, w in enumerate(TAB_WIDTHS, start=1)]
    out.append(b"</cols><sheetData>")
    links: list[str] = []
    letters = [column_letter(c) for c in range(1, columns + 1)]
    xml: list[str] = []  # encoded once at the end: quicker than row by row
    for r, row in enumerate(rows, start=1):
        if r > HEADER_ROW and row.fill is not None:
            xml.append(_finding_row(r, row, style, letters, links))
        else:
            xml.append(_other_row(r, row, style, letters))
    out += ["".join(xml).encode(), b"</sheetData>"]
    findings = sum(1 for row in rows if row.fill)
    last = f"{column_letter(columns)}{HEADER_ROW + findings}"
    out.append(f'<autoFilter ref="A{HEADER_ROW}:{last}"/>'.encode())
    if links:
        out.append(("<hyperlinks>" + "".join(links) + "</hyperlinks>").encode())
    out.append(b'<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
               b'footer="0.5"/>')
    out += [_page_setup(), b"</worksheet>"]
    return b"".join(out)


def _finding_row(r: int, row: TabRow, style: _Styles, letters: list[str], links: list[str]
                 ) -> str:
    """A finding's row: every column, the severity's fill on the first, a link in Link."""
    values = row.values
    if len(values) < len(letters):
        values = values + [""] * (len(letters) - len(values))
    firsts = [v[:1] for v in values]
    if "" in firsts or not RISKY_FIRST.isdisjoint(firsts):
        cells = _cells(r, row, values, style, letters)
    else:  # the usual row: no blank cell, nothing that starts like a formula
        at = str(r)
        cells = "".join([f'<c r="{letter}{at}{middle}{text}</t></is></c>' for letter, middle, text
                         in zip(letters, style.finding(row), _escaped(values), strict=True)])
    link = values[LINK_COLUMN - 1]
    if row.link and link:
        links.append(f'<hyperlink ref="{letters[LINK_COLUMN - 1]}{r}" '
                     f'location="{_attr(row.link)}" display="{_attr(link)}"/>')
    # Set heights: LibreOffice does not grow rows for wrapped text in a file it opens.
    return f'<row r="{r}" ht="{15 * _lines(values)}" customHeight="1">{cells}</row>'


def _cells(r: int, row: TabRow, values: list[str], style: _Styles, letters: list[str],
           body: bool = True) -> str:
    """A row's cells one by one (a blank one only when it has a format of its own)."""
    cells = []
    for c, value in enumerate(values, start=1):
        xf = style.of(r, c, value, row, body)
        if value == "":
            if xf:
                cells.append(f'<c r="{letters[c - 1]}{r}" s="{xf}"/>')
            continue
        cells.append(f'<c r="{letters[c - 1]}{r}" s="{xf}" t="inlineStr"><is><t '
                     f'xml:space="preserve">{escape(value)}</t></is></c>')
    return "".join(cells)


def _escaped(values: list[str]) -> list[str]:
    """Every value escaped in one pass over the row. The rows are cleaned of characters XML
    cannot hold, so the joining NUL is never in a value (if it were: one by one)."""
    out = escape("\0".join(values)).split("\0")
    return out if len(out) == len(values) else [escape(v) for v in values]


def _other_row(r: int, row: TabRow, style: _Styles, letters: list[str]) -> str:
    """The title, counts, stamp and header rows, and "nothing needs attention"."""
    return f'<row r="{r}">{_cells(r, row, row.values, style, letters, body=False)}</row>'


def _lines(values: list[str]) -> int:
    """Lines the tallest wrapped cell of a row needs, roughly (1.1 characters per unit of
    column width in the default font)."""
    return max([1] + [
        math.ceil(len(values[c - 1]) / (TAB_WIDTHS[c - 1] * 1.1))
        for c in WRAPPED if c <= len(values) and values[c - 1]
    ])


def _page_setup() -> bytes:
    """Landscape, one page wide and as many down as it takes (the header row repeats on each:
    a Print_Titles name in workbook.xml, see marks.py)."""
    p = VALIDATION_PRINT
    orientation = "landscape" if p.landscape else "portrait"
    return (
        f'<pageSetup paperSize="{PAPER_SIZE[p.paper]}" orientation="{orientation}" '
        f'fitToWidth="{p.fit_to_width}" fitToHeight="{p.fit_to_height}"/>'
    ).encode()


def print_titles(sheet: str) -> str:
    """The rows repeated at the top of each printed page, as a Print_Titles name holds them."""
    first, last = VALIDATION_PRINT.repeat_rows
    return "'{}'!${}:${}".format(sheet.replace("'", "''"), first, last)


class _Styles:
    """The cell format of each kind of cell, worked out once per kind, not once per cell."""

    def __init__(self, styles: Styles) -> None:
        self.styles = styles
        self.known: dict[tuple[object, ...], int] = {}
        self.rows: dict[tuple[str | None, bool], list[str]] = {}

    def finding(self, row: TabRow) -> list[str]:
        """For each column of a finding's row that has a value which does not start like a
        formula, the text between the row number and the value (its format, found once per
        fill and link rather than once per cell)."""
        kind = (row.fill, bool(row.link))
        if kind not in self.rows:
            self.rows[kind] = [
                f'" s="{self.of(HEADER_ROW + 1, c, "x", row, True)}" t="inlineStr"><is><t '
                'xml:space="preserve">'
                for c in range(1, len(VALIDATION_COLUMNS) + 1)
            ]
        return self.rows[kind]

    def of(self, r: int, c: int, value: str, row: TabRow, body: bool) -> int:
        quote = value[:1] in RISKY_FIRST
        kind = (r if r <= HEADER_ROW else HEADER_ROW + 1, c, quote, body,
                row.fill if c == 1 else None, bool(row.link))
        if kind not in self.known:
            self.known[kind] = self.styles.xf(_style(r, c, value, row, body))
        return self.known[kind]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _views() -> bytes:
    first = f"A{HEADER_ROW + 1}"
    return (
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{HEADER_ROW}" '
        f'topLeftCell="{first}" activePane="bottomLeft" state="frozen"/><selection '
        f'pane="bottomLeft" activeCell="{first}" sqref="{first}"/></sheetView></sheetViews>'
    ).encode()


def _style(r: int, c: int, value: str, row: TabRow, body: bool) -> CellStyle:
    quote = value.startswith(RISKY_START)
    if r == 1 and c == 1:
        return CellStyle(bold=True, size=14, quote=quote)
    if r == 2 and c == 1:
        return CellStyle(bold=True, quote=quote)
    if r == HEADER_ROW:
        return CellStyle(bold=True, colour="FFFFFF", fill=HEADER_FILL)
    if not body:
        return CellStyle(quote=quote)
    if c == 1:
        return CellStyle(fill=row.fill, top=True, quote=quote)
    if c == LINK_COLUMN and row.link:
        return CellStyle(colour=LINK_COLOUR, underline=True, top=True, quote=quote)
    return CellStyle(wrap=c in WRAPPED, top=True, quote=quote)


# ---------------------------------------------------------------- reading it back


def read_tab(data: bytes, shared: Callable[[], list[str]]) -> list[list[Any]]:
    """The tab's values row by row from row 1, each row without its empty cells at the end."""
    grid: dict[int, dict[int, Any]] = {}
    row_no = 0
    for _, el in etree.iterparse(io.BytesIO(data), events=("end",), tag=(f"{M}c", f"{M}row"),
                                 huge_tree=True, resolve_entities=False, no_network=True):
        if el.tag == f"{M}row":
            row_no = int(el.get("r") or row_no + 1)
            el.clear()
            continue
        ref = el.get("r")
        row, col = rc(ref) if ref else (row_no or 1, len(grid.get(row_no or 1, {})) + 1)
        value = cell_value(el, shared)
        if value is not None:
            grid.setdefault(row, {})[col] = value
    rows: list[list[Any]] = []
    for r in range(1, max(grid, default=0) + 1):
        cells = grid.get(r, {})
        row = [cells.get(c) for c in range(1, max(cells, default=0) + 1)]
        while row and row[-1] in (None, ""):
            row.pop()
        rows.append(row)
    return rows


def cell_value(cell: etree._Element, shared: Callable[[], list[str]]) -> Any:
    """A cell's value as written in the sheet's XML (``shared``: the shared strings, read
    only when a cell uses them)."""
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(f"{M}is")
        return None if inline is None else _text(inline)
    v = cell.find(f"{M}v")
    if v is None or v.text is None:
        return None
    if kind == "s":
        return shared()[int(v.text)]
    if kind in ("str", "e"):
        return v.text
    if kind == "b":
        return v.text == "1"
    number = float(v.text)
    return int(number) if number.is_integer() else number


def _text(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(f"{M}t") if t.getparent().tag != f"{M}rPh")


def shared_strings(data: bytes) -> list[str]:
    return [_text(si) for si in parse(data).iter(f"{M}si")]


def first_cell(data: bytes, shared: Callable[[], list[str]]) -> Any:
    """A1 of a sheet part, without reading the rest of it."""
    for _, el in etree.iterparse(io.BytesIO(data), events=("end",), tag=f"{M}c",
                                 huge_tree=True, resolve_entities=False, no_network=True):
        if el.get("r") in (None, "A1"):
            return cell_value(el, shared)
        return None
    return None
