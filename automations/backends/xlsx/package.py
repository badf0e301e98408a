"""An .xlsx (or .xlsm) package as its zip parts: read any part, replace or add the few the check
owns, and write a new zip in which every other part is copied byte for byte under its own name.

Knows the Open Packaging Conventions (content types, relationships) and which part is which
sheet; knows nothing about marks.
"""

from __future__ import annotations

import posixpath
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

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
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


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

    def __init__(self, path: Path) -> None:
        self.path = path
        refuse_unreadable(path)
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{path.name} is not a readable .xlsx file: {exc}") from None
        self.infos = {info.filename: info for info in self.zip.infolist()}
        self.changes: dict[str, list[bytes]] = {}  # part -> its new content, in pieces
        self.removed: set[str] = set()
        self._rels: dict[str, list[Rel]] = {}
        self.workbook_part = self._office_document()
        self.workbook = parse(self.read(self.workbook_part))
        refuse_strict(self.workbook, path)

    def close(self) -> None:
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
            return b"".join(self.changes[part])
        try:
            return self.zip.read(part)
        except KeyError:
            raise SourceError(f"{self.path.name} is damaged: it has no part {part}.") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{self.path.name} could not be read ({part}): {exc}") from None

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
    def put(self, part: str, data: bytes | list[bytes]) -> None:
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
        then the new parts. Parts not changed are streamed across unaltered."""
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            for name, info in self.infos.items():
                if name in self.removed:
                    continue
                if name in self.changes:
                    _write_pieces(out, _like(info), self.changes[name])
                    continue
                with self.zip.open(info) as src, out.open(_like(info), "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            for name, pieces in self.changes.items():
                if name not in self.infos:
                    _write_pieces(out, _new_info(name), pieces)


def _like(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.external_attr = info.external_attr
    new.file_size = info.file_size  # lets zipfile choose zip64 for very large parts
    return new


def _new_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_pieces(out: zipfile.ZipFile, info: zipfile.ZipInfo, pieces: Iterable[bytes]) -> None:
    pieces = list(pieces)
    info.file_size = sum(len(p) for p in pieces)
    with out.open(info, "w", force_zip64=info.file_size > zipfile.ZIP64_LIMIT) as dst:
        for piece in pieces:
            dst.write(piece)


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
