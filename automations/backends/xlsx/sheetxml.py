"""One worksheet part, split where the check may write: everything up to the end of
``sheetData`` (every cell) is kept as bytes and never looked into; what follows is a short list
of top-level elements (conditional formats, merged cells, drop-down lists, page setup, drawings,
extLst...), each kept as its own bytes so that what the check does not own is written back as it
was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from automations.backends.xlsx.deflate import unpacked
from automations.backends.xlsx.package import (
    BLOCK,
    NS_MAIN,
    NS_R,
    Package,
    Piece,
    StoredPart,
    parse,
)
from automations.core.errors import SourceError

ROOT_TAG = re.compile(
    rb"<(?P<prefix>[A-Za-z_][\w.-]*:)?worksheet\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
)
SHEET_DATA_END = re.compile(
    rb"(?:</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>|<(?:[A-Za-z_][\w.-]*:)?sheetData\s*/>)$"
)
TAG = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|<(?P<close>/?)(?P<name>[^\s/>]+)(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(?P<empty>/?)>",
    re.S,
)
PRIORITY = re.compile(rb"<(?:[\w.-]+:)?cfRule\b[^>]*?\bpriority=[\"'](\d+)[\"']")
# The order of a worksheet's elements after sheetData (ECMA-376 Part 1, CT_Worksheet).
AFTER_SHEET_DATA = (
    "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
    "controls", "webPublishItems", "tableParts", "extLst",
)


@dataclass
class Chunk:
    name: str  # local name of a top-level element; "" for the text between elements
    data: bytes


@dataclass
class SheetXml:
    # The XML declaration, the root's start tag ... the end of sheetData: a view of the part as
    # read, or for a large part the part left in the zip (a large tracker's cells are tens of
    # megabytes); never copied.
    head: Piece
    root_tag: bytes
    prefix: str  # the prefix of the main namespace, "" when it is the default one
    chunks: list[Chunk] = field(default_factory=list)
    end: bytes = b""

    def pieces(self) -> list[Piece]:
        return [self.head, *(c.data for c in self.chunks), self.end]

    def element(self, chunk: Chunk) -> etree._Element:
        """A chunk parsed with the namespaces of the root it sits in."""
        close = f"</{self.prefix}worksheet>".encode()
        return parse(self.root_tag + chunk.data + close)[0]

    def named(self, name: str) -> list[Chunk]:
        return [c for c in self.chunks if c.name == name]

    def tag(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def r_prefix(self) -> str | None:
        """The prefix the root gives the relationships namespace, if it declares one."""
        found = re.search(rb'xmlns:([\w.-]+)="' + re.escape(NS_R.encode()) + b'"', self.root_tag)
        return found.group(1).decode() if found else None

    def insert(self, chunk: Chunk) -> None:
        """Put a new element where the schema orders it: after the last element that must come
        before it (or the same kind), before the first that must come after it."""
        rank = AFTER_SHEET_DATA.index(chunk.name)
        at = 0
        for i, existing in enumerate(self.chunks):
            if existing.name in AFTER_SHEET_DATA and AFTER_SHEET_DATA.index(existing.name) <= rank:
                at = i + 1
        self.chunks.insert(at, chunk)

    def top_priority(self) -> int:
        """The highest conditional-format priority of the sheet, Excel 2010 ones included."""
        return max((int(p) for c in self.chunks for p in PRIORITY.findall(c.data)), default=0)


# Above this a sheet's cells stay in the zip: unpacked once more to be written, and once more
# for the proof, but never held (a sheet of 100,000 actions is about 50 MB of XML). Below it
# they are held, which saves a whole unpacking of the sheet on every write.
STREAMED_SHEET = 16 << 20


def read_sheet(pkg: Package, part: str) -> SheetXml:
    """A sheet part, split. A large one is read as a stream that keeps only what follows the
    cells; its cells stay in the zip (StoredPart) until they are written."""
    info = pkg.zip.getinfo(part) if part in pkg.infos and part not in pkg.changes else None
    if info is None or info.file_size < STREAMED_SHEET:
        return split_sheet(pkg.read(part), part)
    start, carry, offset, head_len = b"", b"", 0, -1
    tail: list[bytes] = []
    for block in unpacked(pkg.zip, info, BLOCK):  # to the end, which checks the checksum
        if not start:
            start = block[: 1 << 16]
        if head_len >= 0:
            tail.append(block)
            continue
        window = carry + block
        found = _sheet_data_end(window)
        if found >= 0:
            head_len = offset + found
            tail.append(window[found:])
        else:
            carry = window[-64:]  # a tag cut across two blocks is still found
            offset += len(window) - len(carry)
    if head_len < 0:
        raise SourceError(f"The sheet part {part} is not laid out as Excel writes worksheets.")
    return _split(start, StoredPart(pkg.zip, info, head_len), b"".join(tail), part)


def split_sheet(data: bytes | bytearray, part: str) -> SheetXml:
    found = _sheet_data_end(data)
    if found < 0:
        raise SourceError(f"The sheet part {part} is not laid out as Excel writes worksheets.")
    return _split(data[: 1 << 16], memoryview(data)[:found], bytes(data[found:]), part)


def _split(start: bytes | bytearray, head: Piece, tail: bytes, part: str) -> SheetXml:
    """``start``: the part's first bytes (its root tag); ``tail``: all after the cells."""
    root = ROOT_TAG.search(start)
    end_at = tail.rfind(b"</")
    if root is None or end_at < 0:
        raise SourceError(f"The sheet part {part} is not laid out as Excel writes worksheets.")
    prefix = (root.group("prefix") or b"").decode()
    end = tail[end_at:]
    if not end.startswith(f"</{prefix}worksheet".encode()):
        raise SourceError(f"The sheet part {part} does not end as a worksheet does.")
    sheet = SheetXml(head, bytes(root.group(0)), prefix, end=end)
    sheet.chunks = list(_chunks(tail[:end_at], part))
    if etree.QName(parse(sheet.root_tag + sheet.end)).namespace != NS_MAIN:
        raise SourceError(f"The sheet part {part} is not an Excel 2007+ worksheet.")
    return sheet


def _sheet_data_end(data: bytes | bytearray) -> int:
    """Where sheetData ends. A literal "</sheetData>" can only be the tag itself: "<" is always
    escaped in text and attribute values."""
    at = len(data)
    while (at := data.rfind(b"sheetData", 0, at)) >= 0:
        close = data.find(b">", at)
        start = data.rfind(b"<", 0, at)
        if close >= 0 and start >= 0 and SHEET_DATA_END.search(data, start, close + 1):
            return close + 1
    return -1


def _chunks(tail: bytes, part: str) -> list[Chunk]:
    out: list[Chunk] = []
    depth, start, name, last = 0, 0, "", 0
    for m in TAG.finditer(tail):
        if m.group("name") is None:  # a comment or processing instruction
            continue
        local = m.group("name").split(b":")[-1].decode()
        if depth == 0:
            if m.start() > last:
                out.append(Chunk("", tail[last : m.start()]))
            start, name = m.start(), local
        if m.group("close"):
            depth -= 1
        elif not m.group("empty"):
            depth += 1
        if depth < 0:
            raise SourceError(f"The sheet part {part} is not well-formed XML.")
        if depth == 0:
            out.append(Chunk(name, tail[start : m.end()]))
            last = m.end()
    if depth:
        raise SourceError(f"The sheet part {part} is not well-formed XML.")
    if last < len(tail):
        out.append(Chunk("", tail[last:]))
    return out


def cells_of(sqref: str) -> set[str]:
    """Every cell of a space-separated list of references and ranges."""
    cells: set[str] = set()
    for ref in sqref.split():
        first, _, last = ref.replace("$", "").partition(":")
        (r1, c1), (r2, c2) = _rc(first), _rc(last or first)
        for row in range(min(r1, r2), max(r1, r2) + 1):
            for col in range(min(c1, c2), max(c1, c2) + 1):
                cells.add(f"{column_letter(col)}{row}")
    return cells


CELL = re.compile(r"([A-Za-z]{1,3})(\d+)$")


def _rc(ref: str) -> tuple[int, int]:
    m = CELL.match(ref)
    if not m:
        raise SourceError(f"{ref!r} is not a cell reference.")
    return int(m.group(2)), column_index(m.group(1))


def rc(ref: str) -> tuple[int, int]:
    """(row, column), both 1-based, of an A1 reference."""
    return _rc(ref.replace("$", ""))


def column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
