"""What kind of file the workbook path holds, before any reader sees it. Each wrong kind gets a
message that says what it is and what to do (a folder, an empty file, an encrypted workbook, an
old .xls, CSV or HTML saved with an .xlsx name, an OpenDocument file, Strict Open XML, a damaged
package), and formula cells with no calculated value are found so that they are reported as such
rather than read as blank.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path
from xml.parsers import expat  # >= 2.4.1 refuses entity bombs; never fetches external ones

from automations.core.errors import SourceError
from automations.core.records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from automations.core.config import Config

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: old .xls, or an encrypted .xlsx
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
XmlError = expat.ExpatError  # says what and where, as ElementTree's ParseError did
SAVE_AS = "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)."


@record(frozen=True)
class ZipLimits:
    """How far a workbook's parts may unpack, checked in the zip's directory before anything is
    read (as Apache POI's ZipSecureFile does, with the same smallest ratio): a zip bomb, a few
    megabytes that unpack to gigabytes, would otherwise take all the memory. Set in [limits]."""

    max_part_bytes: int = 1_000_000_000  # 1 GB unpacked; a 100,000-action sheet is 55 MB
    min_ratio: float = 0.01  # packed / unpacked; real sheets are 0.1 to 0.4
    # A part this small cannot do harm, however well it packs.
    grace_bytes: int = 1 << 20

    @classmethod
    def from_config(cls, cfg: Config | None) -> ZipLimits:
        if cfg is None:
            return cls()
        section = cfg.section("limits")
        section.reject_unknown({"max_part_megabytes", "min_compression_ratio"})
        mb = section.number("max_part_megabytes", cls.max_part_bytes / 1e6, minimum=0.001)
        ratio = section.number("min_compression_ratio", cls.min_ratio, minimum=0, maximum=1)
        return cls(max_part_bytes=int(mb * 1e6), min_ratio=float(ratio))


def check_zip_sizes(path: Path, zf: zipfile.ZipFile, limits: ZipLimits) -> None:
    """Refuse a workbook with a part that would unpack too far (a zip bomb), from the sizes
    in the zip's directory: nothing is unpacked to find out."""
    for info in zf.infolist():
        size, packed = info.file_size, info.compress_size
        too_big = size > limits.max_part_bytes
        if not too_big and (size <= limits.grace_bytes or packed >= size * limits.min_ratio):
            continue
        why = (
            f"more than the {limits.max_part_bytes / 1e6:,g} MB a part may unpack to"
            if too_big
            else f"{size / max(packed, 1):,.0f} times its packed size of {packed:,} bytes, "
            f"where a workbook's parts are at most {1 / limits.min_ratio:,.0f} times"
        )
        raise SourceError(
            f"{path.name} was not read: its part {info.filename} would unpack to "
            f"{size:,} bytes, {why}. This is how a zip bomb (a file made to exhaust memory) "
            "looks. If it really is the Board's workbook, open it in Excel or LibreOffice and "
            "save it again; the limits are [limits] max_part_megabytes and "
            "min_compression_ratio in the config."
        )


def check_workbook_file(path: Path, limits: ZipLimits | None = None) -> None:
    """Raise SourceError when ``path`` is not a workbook the readers can take."""
    if path.is_dir():
        raise SourceError(f"{path} is a folder, not a workbook. Give the .xlsx file inside it.")
    if not path.exists():
        raise SourceError(f"The workbook {path} does not exist. Check [source] path in the config.")
    try:
        with path.open("rb") as f:
            head = f.read(8)
            size = path.stat().st_size
    except PermissionError:
        raise SourceError(
            f"The workbook {path} cannot be opened: permission denied. Give the service's "
            "user read access to it (and write access, to mark it)."
        ) from None
    except OSError as exc:
        raise SourceError(f"The workbook {path} cannot be read: {exc.strerror}.") from None
    if size == 0:
        raise SourceError(f"{path.name} is empty (0 bytes): it may not have finished copying.")
    if head.startswith(OLE_MAGIC):
        raise SourceError(_ole_message(path))
    if not head.startswith(b"PK"):
        raise SourceError(f"{path.name} is not an Excel workbook: {_what_text(path)} {SAVE_AS}")
    _check_package(path, limits or ZipLimits())


def _ole_message(path: Path) -> str:
    with path.open("rb") as f:
        data = f.read(1 << 20)  # the directory of streams is near the start
    if ENCRYPTED_STREAM in data:
        return (
            f"{path.name} is protected with a password (encrypted), so the check cannot read "
            "it. Save an unprotected copy (File > Info > Protect Workbook > Encrypt with "
            "Password: clear it) and point [source] path at that copy."
        )
    return f"{path.name} is an old-style Excel 97-2003 workbook (.xls). {SAVE_AS}"


def _what_text(path: Path) -> str:
    with path.open("rb") as f:
        start = f.read(2048).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return "it is a web page (HTML or XML) saved with an .xlsx name."
    if b"," in start or b";" in start or b"\t" in start:
        return "it looks like a CSV or text file saved with an .xlsx name."
    return "it is not a file Excel or LibreOffice writes as .xlsx."


def _check_package(path: Path, limits: ZipLimits) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip_sizes(path, zf, limits)
            names = set(zf.namelist())
            if "mimetype" in names and b"opendocument" in zf.read("mimetype"):
                raise SourceError(f"{path.name} is an OpenDocument spreadsheet (.ods). {SAVE_AS}")
            if "xl/workbook.xml" not in names:
                raise SourceError(
                    f"{path.name} is damaged: it has no workbook part (xl/workbook.xml). "
                    "Open it in Excel or LibreOffice (which may repair it) and save it again."
                )
            workbook = zf.read("xl/workbook.xml")
            if STRICT_MAIN in workbook[:4096]:
                raise SourceError(
                    f"{path.name} is saved as 'Strict Open XML Spreadsheet', which the check "
                    "cannot read. In Excel, use File > Save As > 'Excel Workbook (.xlsx)'."
                )
            for title, part in sheet_parts(zf).items():
                if part not in names:
                    raise SourceError(
                        f"{path.name} is damaged: it lists a tab {title!r}, but that tab's data "
                        f"({part}) is missing. Open it in Excel or LibreOffice and save it again."
                    )
    except zipfile.BadZipFile as exc:
        raise SourceError(
            f"{path.name} is damaged or incomplete ({exc}): it may not have finished copying. "
            "Copy it again, or open it in Excel and save it again."
        ) from None
    except XmlError as exc:
        raise SourceError(
            f"{path.name} is damaged: its workbook part is not valid XML ({exc})."
        ) from None


def xml_elements(data: bytes, tag: str, first: bool = False) -> list[dict[str, str]]:
    """The attributes of each `tag` element in a part (names as ElementTree writes them:
    "{namespace}name"), or of its first element whatever its tag. The few small parts a check
    reads (the workbook's tab list, relationships, tables) need no tree, and expat alone loads
    in a fifth of ElementTree's time (about 2 ms less at every start)."""
    found: list[dict[str, str]] = []
    parser = expat.ParserCreate(namespace_separator="}")

    def start(name: str, attrs: dict[str, str]) -> None:
        if (first and not found) or _named(name) == tag:
            found.append({_named(k): v for k, v in attrs.items()})

    parser.StartElementHandler = start
    parser.Parse(data, True)
    return found[:1] if first else found


def _named(name: str) -> str:
    return "{" + name if "}" in name else name


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet tab's title -> its part name (chartsheets are left out)."""
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in zf.namelist():
        return {}
    targets = {}
    for rel in xml_elements(zf.read(rels_name), f"{PKG_REL}Relationship"):
        if rel.get("Type", "").endswith("/worksheet"):
            target = rel.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[rel.get("Id")] = posixpath.normpath(full)
    sheets = xml_elements(zf.read("xl/workbook.xml"), f"{MAIN}sheet")
    ids = ((s.get("name", ""), s.get(f"{REL}id")) for s in sheets)
    return {name: targets[rid] for name, rid in ids if rid in targets}


# The check's own Validation tab starts with this comment (tab.py); a program that saves the
# workbook drops it. That tab holds no board data, up to a row per finding: it is not read.
OUR_TAB = b"<!--coprod:"


def our_tabs(path: Path) -> dict[str, str]:
    """Title -> part of each tab the check wrote itself and nobody has saved since."""
    try:
        with zipfile.ZipFile(path) as zf:
            out = {}
            for title, part in sheet_parts(zf).items():
                with zf.open(part) as stream:
                    if OUR_TAB in stream.read(512):
                        out[title] = part
            return out
    except (zipfile.BadZipFile, OSError, KeyError, XmlError):
        return {}  # the readers say what is wrong with the file


# A cell's formula element: <f>, <f t="shared" ...> or <f .../>. Not <formula>, which is how a
# conditional format (ours among them) writes its rule, so a marked tab is not scanned for it.
FORMULA = re.compile(rb"<f[ >/]")  # a formula (read by source.scan_sheets too)
_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')


def uncalculated_formulas(path: Path, skip: Collection[str] = ()
                          ) -> dict[str, set[tuple[int, int]]]:
    """Tab title -> (row, column) of each cell that holds a formula but no calculated value:
    a workbook written by a script and never opened in a spreadsheet program. ``skip``: tabs
    not to look at (our_tabs)."""
    found: dict[str, set[tuple[int, int]]] = {}
    with zipfile.ZipFile(path) as zf:
        for title, part in sheet_parts(zf).items():
            if title in skip:
                continue
            cells = set(uncalculated_cells(zf.read(part)))
            if cells:
                found[title] = cells
    return found


def uncalculated_cells(data: bytes) -> Iterator[tuple[int, int]]:
    """Only the cells around each formula are looked at: most sheets hold few or none."""
    for match in FORMULA.finditer(data):
        start = data.rfind(b"<c ", 0, match.start())
        head_end = data.find(b">", start)
        end = data.find(b"</c>", match.end())
        if start < 0 or head_end < 0 or end < 0:
            continue
        attributes, body = data[start + 2 : head_end], data[head_end + 1 : end]
        if _no_value(attributes, body) and (where := _position(attributes)) is not None:
            yield where


def _no_value(attributes: bytes, body: bytes) -> bool:
    if _VALUE.search(body) or b"<is>" in body:
        return False
    # A text formula whose answer is "" is stored as t="str" with an empty value: calculated.
    return b't="str"' not in attributes or b"<v" not in body


_VALUE = re.compile(rb"<v>[^<]")


def _position(attributes: bytes) -> tuple[int, int] | None:
    ref = _REF.search(attributes)
    if ref is None:
        return None
    column = 0
    for letter in ref.group(1):
        column = column * 26 + letter - 64
    return int(ref.group(2)), column
