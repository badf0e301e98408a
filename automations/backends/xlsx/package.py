"""An .xlsx (or .xlsm) package as its zip parts: read any part, replace or add the few the check
owns, and write a new zip in which every other part is copied byte for byte under its own name.

Knows the Open Packaging Conventions (content types, relationships) and which part is which
sheet; knows nothing about marks.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from automations.backends.xlsx.deflate import crc32, quick_packer, unpacked
from automations.core.errors import SourceError

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = f"{NS_R}/officeDocument"
REL_WORKSHEET = f"{NS_R}/worksheet"
REL_STYLES = f"{NS_R}/styles"
REL_SHARED_STRINGS = f"{NS_R}/sharedStrings"
REL_COMMENTS = f"{NS_R}/comments"
REL_VML = f"{NS_R}/vmlDrawing"
REL_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
TYPE_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TYPE_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
TYPE_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
TYPE_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CONTENT_TYPES = "[Content_Types].xml"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# An encrypted workbook (and an old .xls) is an OLE compound file, not a zip.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Secure parsing: no network, no entity expansion, large parts allowed (big sheets' tails).
BLOCK = 1 << 20


class StoredPart:
    """The first ``length`` bytes of a part, left in the zip and unpacked again, block by
    block, whenever they are needed: a large sheet's cells are never held in memory."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, length: int) -> None:
        self.zip, self.info, self.length = zf, info, length

    def __len__(self) -> int:
        return self.length

    def blocks(self) -> Iterator[bytes]:
        yield from unpacked(self.zip, self.info, BLOCK, self.length)


# A part's content is written from pieces, never joined first.
Piece = bytes | memoryview | StoredPart
Entry = tuple[str, int, int]  # a part as written: name, size, CRC-32


def blocks_of(pieces: Iterable[Piece]) -> Iterator[bytes | memoryview]:
    for piece in pieces:
        if isinstance(piece, StoredPart):
            yield from piece.blocks()
        else:
            for at in range(0, len(piece), BLOCK):
                yield piece[at : at + BLOCK]


def same_stream(a: Iterable[bytes | memoryview], b: Iterable[bytes | memoryview]) -> bool:
    """Whether two streams of blocks hold the same bytes, however they are cut. Compared in
    place (startswith at an offset, on views): copying half a megabyte of cells to compare it
    took longer than unpacking it."""
    left = iter(a)
    x: bytes | bytearray = b""
    at = 0  # how much of x is compared already
    for block in b:
        y = memoryview(block)
        done = 0
        while done < len(y):
            if at == len(x):
                nxt = next(left, None)
                if nxt is None:
                    return False
                x, at = (nxt if isinstance(nxt, (bytes, bytearray)) else bytes(nxt)), 0
            n = min(len(x) - at, len(y) - done)
            if not x.startswith(y[done : done + n], at):
                return False
            at += n
            done += n
    return at == len(x) and all(len(rest) == 0 for rest in left)


PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def parse(data: bytes | bytearray) -> etree._Element:
    return etree.fromstring(bytes(data) if isinstance(data, bytearray) else data, PARSER)


def serialise(root: etree._Element) -> bytes:
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8")


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str  # a part name ("xl/worksheets/sheet1.xml"), or the URL when external
    external: bool


@dataclass(frozen=True)
class SheetRef:
    name: str
    part: str  # "" when the workbook names a sheet whose part is missing
    kind: str  # the relationship type's last word: worksheet, chartsheet, dialogsheet...
    rel_id: str


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


class Package:
    """The parts of one workbook file. Changes are kept in memory until ``write``."""

    def __init__(self, path: Path, same_file: Package | None = None) -> None:
        """``same_file``: a package of the same file already open, whose parts this one reads
        as the file holds them (none of its changes), without opening the file again."""
        self.path = path
        self._owns_zip = same_file is None
        if same_file is not None:
            self.zip = same_file.zip
        else:
            refuse_unreadable(path)
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise SourceError(f"{path.name} is not a readable .xlsx file: {exc}") from None
        self.infos = {info.filename: info for info in self.zip.infolist()}
        self.changes: dict[str, list[Piece]] = {}  # part -> its new content, in pieces
        self.removed: set[str] = set()
        self._rels: dict[str, list[Rel]] = {}
        self.last: tuple[str, Callable[[list[Entry]], list[Piece]]] | None = None
        self.workbook_part = self._office_document()
        self.workbook = parse(self.read(self.workbook_part))
        refuse_strict(self.workbook, path)

    def close(self) -> None:
        if self._owns_zip:
            self.zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ reading
    def has(self, part: str) -> bool:
        if part in self.removed:
            return False
        return part in self.changes or part in self.infos

    def read(self, part: str) -> bytes:
        if part in self.changes:
            return b"".join(blocks_of(self.changes[part]))
        try:
            info = self.zip.getinfo(part)
            return self.zip.read(info) if info.file_size < LARGE_PART else self._unpack(info)
        except KeyError:
            raise SourceError(f"{self.path.name} is damaged: it has no part {part}.") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{self.path.name} could not be read ({part}): {exc}") from None

    def _unpack(self, info: zipfile.ZipInfo) -> bytearray:
        """A large part unpacked into one buffer of its final size (never twice its size, as
        zipfile's growing result briefly needs)."""
        buf = bytearray(info.file_size)
        view = memoryview(buf)
        at = 0
        for data in unpacked(self.zip, info, BLOCK):  # checks the size and checksum at the end
            view[at : at + len(data)] = data
            at += len(data)
        return buf

    def rels(self, part: str) -> list[Rel]:
        if part not in self._rels:
            self._rels[part] = self._read_rels(part)
        return self._rels[part]

    def _read_rels(self, part: str) -> list[Rel]:
        name = rels_name(part)
        if not self.has(name):
            return []
        out = []
        for el in parse(self.read(name)):
            if etree.QName(el).localname != "Relationship":
                continue
            external = el.get("TargetMode") == "External"
            target = el.get("Target", "")
            out.append(
                Rel(el.get("Id", ""), el.get("Type", ""),
                    target if external else resolve(part, target), external)
            )
        return out

    def related(self, part: str, rel_type: str) -> list[str]:
        return [r.target for r in self.rels(part) if r.type == rel_type and not r.external]

    def _office_document(self) -> str:
        # Any officeDocument relationship, Strict's too, so that a Strict file is named as such.
        found = [
            r.target for r in self.rels("")
            if r.type.endswith("/officeDocument") and not r.external
        ]
        if not found:
            raise SourceError(
                f"{self.path.name} is not an Excel workbook: it has no workbook part."
            )
        return found[0]

    def sheets(self) -> list[SheetRef]:
        by_id = {r.id: r for r in self.rels(self.workbook_part)}
        out = []
        for el in self.workbook.iter(f"{{{NS_MAIN}}}sheet"):
            rel = by_id.get(el.get(f"{{{NS_R}}}id", ""))
            part = rel.target if rel and not rel.external and self.has(rel.target) else ""
            kind = rel.type.rsplit("/", 1)[-1] if rel else ""
            out.append(SheetRef(el.get("name", ""), part, kind, rel.id if rel else ""))
        return out

    def free_name(self, pattern: str) -> str:
        """The first unused part name for a pattern such as "xl/comments{}.xml"."""
        n = 1
        while self.has(pattern.format(n)) or pattern.format(n) in self.infos:
            n += 1
        return pattern.format(n)

    # ------------------------------------------------------------ changing
    def put(self, part: str, data: bytes | list[Piece]) -> None:
        self.changes[part] = data if isinstance(data, list) else [data]
        self.removed.discard(part)

    def remove(self, part: str) -> None:
        self.changes.pop(part, None)
        if part in self.infos:
            self.removed.add(part)

    def add_rel(self, part: str, rel_type: str, target_part: str) -> str:
        """Add a relationship from ``part`` and return its new id."""
        name = rels_name(part)
        root = (
            parse(self.read(name)) if self.has(name)
            else etree.Element(f"{{{NS_PKG_RELS}}}Relationships", nsmap={None: NS_PKG_RELS})
        )
        taken = {el.get("Id") for el in root}
        n = len(taken) + 1
        while f"rId{n}" in taken:
            n += 1
        el = etree.SubElement(root, f"{{{NS_PKG_RELS}}}Relationship")
        el.set("Id", f"rId{n}")
        el.set("Type", rel_type)
        el.set("Target", relative(part, target_part))
        self.put(name, serialise(root))
        self._rels.pop(part, None)
        return f"rId{n}"

    def add_worksheet(self, name: str, data: bytes) -> str:
        """A new tab called ``name`` after the others, holding ``data``: its part, content
        type, relationship and entry in this object's workbook tree. The caller puts
        workbook.xml once it has changed all it changes there."""
        part = self.free_name("xl/worksheets/sheet{}.xml")
        self.put(part, data)
        self.declare(part, TYPE_WORKSHEET)
        rid = self.add_rel(self.workbook_part, REL_WORKSHEET, part)
        sheets = self.workbook.find(f"{{{NS_MAIN}}}sheets")
        ids = [int(s.get("sheetId", "0")) for s in sheets.iter(f"{{{NS_MAIN}}}sheet")]
        el = etree.SubElement(sheets, f"{{{NS_MAIN}}}sheet")
        el.set("name", name)
        el.set("sheetId", str(max(ids, default=0) + 1))
        el.set(f"{{{NS_R}}}id", rid)
        return part

    def remove_rel(self, part: str, rel_id: str) -> None:
        name = rels_name(part)
        root = parse(self.read(name))
        for el in list(root):
            if el.get("Id") == rel_id:
                root.remove(el)
        if len(root):
            self.put(name, serialise(root))
        else:
            self.remove(name)
        self._rels.pop(part, None)

    def declare(self, part: str, content_type: str | None = None, extension: str = "") -> None:
        """Give a new part its content type: an Override, or a Default for its extension."""
        root = parse(self.read(CONTENT_TYPES))
        if extension:
            if any(el.get("Extension", "").lower() == extension for el in root):
                return
            el = etree.Element(f"{{{NS_TYPES}}}Default")
            el.set("Extension", extension)
            el.set("ContentType", content_type or "")
            root.insert(0, el)  # Defaults come before Overrides by convention
        else:
            if any(el.get("PartName") == f"/{part}" for el in root):
                return
            el = etree.SubElement(root, f"{{{NS_TYPES}}}Override")
            el.set("PartName", f"/{part}")
            el.set("ContentType", content_type or "")
        self.put(CONTENT_TYPES, serialise(root))

    def undeclare(self, part: str) -> None:
        root = parse(self.read(CONTENT_TYPES))
        gone = [el for el in root if el.get("PartName") == f"/{part}"]
        for el in gone:
            root.remove(el)
        if gone:
            self.put(CONTENT_TYPES, serialise(root))

    def owned(self) -> set[str]:
        """Every part this run changes, adds or removes."""
        return set(self.changes) | self.removed

    # ------------------------------------------------------------ writing
    def write(self, target: Path) -> None:
        """Every original part in its original order (changed ones with their new content),
        then the new parts, then the sealed part (seal_last). A part not changed is copied as
        stored: its compressed bytes too."""
        last = self.last[0] if self.last else None
        with target.open("wb") as out:
            zip_out = ZipWriter(out)
            for name, info in self.infos.items():
                if name in self.removed or name == last:
                    continue
                if name in self.changes:
                    zip_out.add(name, self.changes[name], info.date_time)
                else:
                    zip_out.copy(info, self.stored(info))
            for name, pieces in self.changes.items():
                if name not in self.infos and name != last:
                    zip_out.add(name, pieces, NEW_PART_TIME)
            if self.last:
                part, make = self.last
                when = self.infos[part].date_time if part in self.infos else NEW_PART_TIME
                zip_out.add(part, make(list(zip_out.written)), when)
            zip_out.finish()

    def seal_last(self, part: str, make: Callable[[list[Entry]], list[Piece]]) -> None:
        """Write ``part`` after every other part, its content made from the (name, size,
        CRC-32) of all of them as written: a seal costs no second pass over a large sheet."""
        self.last = (part, make)

    def stored(self, info: zipfile.ZipInfo) -> bytes:
        """A part's bytes as stored in the zip (compressed), without unpacking them."""
        fp = self.zip.fp
        assert fp is not None
        fp.seek(info.header_offset)
        header = fp.read(LOCAL_HEADER.size)
        fields = LOCAL_HEADER.unpack(header)
        if fields[0] != LOCAL_SIGNATURE:
            raise SourceError(f"{self.path.name} is damaged: {info.filename} cannot be found.")
        fp.seek(info.header_offset + LOCAL_HEADER.size + fields[9] + fields[10])
        return fp.read(info.compress_size)


# The zip format's records (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16), little-endian.
LOCAL_SIGNATURE = 0x04034B50
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
END_RECORD = struct.Struct("<IHHHHIIH")
NEW_PART_TIME = (1980, 1, 1, 0, 0, 0)
UTF8_NAMES = 0x800
# Above this, a part is unpacked by the quick inflater (deflate.py) into one buffer of its final
# size: zipfile's own read is about a third as fast and grows its result piece by piece.
LARGE_PART = 64 << 10
# Above this, the quick compressor (deflate.py): it packs a sheet's XML, a drawing of notes or a
# comments part about ten times as fast as zlib's level 6, for a part about a quarter larger.
QUICK_PART = 16 << 10


class ZipWriter:
    """A plain zip writer that can also copy an entry's stored bytes as they are (zipfile can
    only recompress). Workbooks never need zip64; one that would is refused."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.central: list[bytes] = []
        self.written: list[Entry] = []

    def copy(self, info: zipfile.ZipInfo, data: bytes) -> None:
        if info.flag_bits & 0x1:
            raise SourceError(f"{info.filename} is encrypted inside the workbook.")
        self._entry(info.filename, info.compress_type, info.date_time, info.CRC,
                    data, info.file_size, info.external_attr)
        self.written.append((info.filename, info.file_size, info.CRC))

    def add(self, name: str, pieces: list[Piece], when: tuple[int, ...]) -> None:
        """A new or changed part, compressed straight into the file: its header is written
        first with blank sizes and filled in afterwards, so the compressed data is never held."""
        size = sum(len(p) for p in pieces)
        packer = quick_packer() if size > QUICK_PART else zlib.compressobj(6, zlib.DEFLATED, -15)
        start = self.out.tell()
        self._entry(name, zipfile.ZIP_DEFLATED, when, 0, b"", size, 0)
        crc, packed = 0, 0
        for block in blocks_of(pieces):
            crc = crc32(block, crc)
            packed += self.out.write(packer.compress(block))
        packed += self.out.write(packer.flush())
        end = self.out.tell()
        self.central.pop()
        self.out.seek(start)
        self._entry(name, zipfile.ZIP_DEFLATED, when, crc, None, size, 0, packed)
        self.out.seek(end)
        self.written.append((name, size, crc))

    def _entry(self, name: str, method: int, when: tuple[int, ...], crc: int,
               data: bytes | None, size: int, attrs: int, packed: int = 0) -> None:
        """A local header, then ``data`` (None: the data is already in the file after the
        header, ``packed`` bytes of it), and the entry's record for the central directory."""
        stored = packed if data is None else len(data)
        if max(size, stored, self.out.tell()) >= 0xFFFFFFFF or len(self.central) >= 0xFFFF:
            raise SourceError("The workbook is too large for the check to write (over 4 GB).")
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else UTF8_NAMES
        dos_time = (when[3] << 11) | (when[4] << 5) | (when[5] // 2)
        dos_date = ((max(when[0], 1980) - 1980) << 9) | (when[1] << 5) | when[2]
        offset = self.out.tell()
        self.out.write(LOCAL_HEADER.pack(LOCAL_SIGNATURE, 20, flags, method, dos_time, dos_date,
                                         crc, stored, size, len(encoded), 0))
        self.out.write(encoded)
        if data is not None:
            self.out.write(data)
        self.central.append(
            CENTRAL_HEADER.pack(0x02014B50, 20, 20, flags, method, dos_time, dos_date, crc,
                                stored, size, len(encoded), 0, 0, 0, 0, attrs, offset)
            + encoded
        )

    def finish(self) -> None:
        start = self.out.tell()
        for record in self.central:
            self.out.write(record)
        size = self.out.tell() - start
        count = len(self.central)
        self.out.write(END_RECORD.pack(0x06054B50, 0, 0, count, count, size, start, 0))


# ---------------------------------------------------------------- what is refused, and why


def refuse_unreadable(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            start = fh.read(8)
    except OSError as exc:
        raise SourceError(f"{path.name} could not be opened: {exc.strerror}.") from None
    if start == OLE_SIGNATURE:
        raise SourceError(
            f"{path.name} is protected with a password to open (encrypted), or is an old .xls "
            "file, so the check cannot mark it. Remove the password (Excel: File > Info > "
            "Protect Workbook > Encrypt with Password) or save it as an Excel Workbook (.xlsx)."
        )
    if not start.startswith(b"PK"):
        raise SourceError(
            f"{path.name} is not an .xlsx workbook, so the check cannot mark it. Save it as an "
            "Excel Workbook (.xlsx) and run again."
        )


def refuse_strict(workbook: etree._Element, path: Path) -> None:
    if etree.QName(workbook).namespace == NS_STRICT:
        raise SourceError(
            f"{path.name} is saved as 'Strict Open XML Spreadsheet', which the check does not "
            "write (Excel itself rarely uses it). Save it as 'Excel Workbook (.xlsx)' and run "
            "again."
        )
    if etree.QName(workbook).namespace != NS_MAIN:
        raise SourceError(f"{path.name} is not an Excel workbook the check can mark.")
