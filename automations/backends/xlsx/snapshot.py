"""The after-save proof: a written workbook holds everything people made, unchanged.

Every part the writer does not own is the same, byte for byte, under the same name. In each
sheet the writer edited, every cell (all of sheetData) is the same bytes and every other element
a person made (their conditional formats, drop-down lists, links, drawings, page setup, extLst)
is the same bytes in the same order; the person's part of every note is the same; the tabs are
the same. Every part the writer did write is well-formed XML.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from automations.backends.marks import person_note, rule_severity
from automations.backends.xlsx.deflate import unpacked
from automations.backends.xlsx.notes import SheetNotes, read_notes
from automations.backends.xlsx.package import (
    BLOCK,
    NS_MAIN,
    Package,
    blocks_of,
    parse,
    same_stream,
)
from automations.backends.xlsx.sheetxml import SheetXml, read_sheet
from automations.core.errors import SourceError

M = f"{{{NS_MAIN}}}"


def differences(
    package: Package, written: Path, people_sheets: dict[str, str],
    as_read: dict[str, SheetXml] | None = None, edited: dict[str, SheetXml] | None = None,
) -> list[str]:
    """What differs between the file ``package`` was read from and ``written``, in words (empty
    when the written file keeps everything). Only the parts ``package`` changed may differ.
    ``people_sheets``: tab name -> sheet part, for every tab but the Validation tab.
    ``as_read``: sheet parts already split as they were read (saves unpacking them again);
    ``edited``: the same sheets as the writer meant to write them."""
    owned = package.owned()
    with Package(package.path, same_file=package) as original:
        return _differences(original, owned, written, people_sheets, as_read or {}, edited or {})


def _differences(
    original: Package, owned: set[str], written: Path, people_sheets: dict[str, str],
    as_read: dict[str, SheetXml], edited: dict[str, SheetXml],
) -> list[str]:
    problems: list[str] = []
    try:
        with Package(written) as after:
            for name, info in original.infos.items():
                if name in owned:
                    continue
                if name not in after.infos:
                    problems.append(f"{name} (missing)")
                elif not _same(original, after, info, after.infos[name]):
                    problems.append(name)
            parsed: dict[str, etree._Element] = {}
            for name in owned:
                if name in after.infos:
                    _well_formed(after, name, problems, parsed)
            problems += _sheets(original, after, people_sheets, owned, as_read, edited, parsed)
    except (zipfile.BadZipFile, OSError, SourceError, etree.XMLSyntaxError) as exc:
        problems.append(f"the file itself ({exc})")
    return problems


def _same(a: Package, b: Package, ia: zipfile.ZipInfo, ib: zipfile.ZipInfo) -> bool:
    """The same part, stored the same way: the same compressed bytes, sizes and checksum."""
    same_record = (ia.file_size, ia.CRC, ia.compress_type) == (ib.file_size, ib.CRC,
                                                               ib.compress_type)
    return same_record and a.stored(ia) == b.stored(ib)


def _well_formed(pkg: Package, name: str, problems: list[str],
                 parsed: dict[str, etree._Element]) -> None:
    """Kept in ``parsed`` when it is: the notes are compared from the same tree."""
    if name.endswith((".xml", ".rels")) and not name.startswith("xl/worksheets/sheet"):
        try:
            parsed[name] = parse(pkg.read(name))
        except Exception:
            problems.append(f"{name} (not well-formed)")


def _sheets(
    before: Package, after: Package, people: dict[str, str], owned: set[str],
    as_read: dict[str, SheetXml], edited: dict[str, SheetXml],
    parsed: dict[str, etree._Element],
) -> list[str]:
    problems = []
    tabs_after = {s.name: s.part for s in after.sheets()}
    if any(tabs_after.get(name) != part for name, part in people.items()):
        problems.append("the list of tabs")
    for name, part in people.items():
        if not part or part not in owned:
            continue
        old = as_read.get(part) or read_sheet(before, part)
        meant = edited.get(part)
        if meant is not None and meant.head is old.head and _stored_as(after, part, meant):
            # The file holds exactly the cells as read (the very same bytes) and the new tail.
            new = meant
        else:
            new = read_sheet(after, part)
            if not same_stream(blocks_of([old.head]), blocks_of([new.head])):
                problems.append(f"{name}: cells")
        if _people_elements(old) != _people_elements(new):
            problems.append(f"{name}: conditional formats, lists, links or layout")
        notes_after = read_notes(after, part, parsed)
        if _people_notes(read_notes(before, part)) != _people_notes(notes_after):
            problems.append(f"{name}: notes")
    return problems


def _stored_as(pkg: Package, part: str, sheet: SheetXml) -> bool:
    """Whether the part in the written file unpacks to exactly ``sheet``'s pieces. Streamed,
    so a large sheet is never held in memory."""
    written = unpacked(pkg.zip, pkg.infos[part], BLOCK)  # to the end: checks the checksum
    return same_stream(written, blocks_of(sheet.pieces()))


def _people_elements(sheet: SheetXml) -> list[object]:
    """Every element after the cells but the check's: its conditional formats and the link to
    the drawing of notes (which the check adds when it gives a sheet its first note)."""
    out: list[object] = []
    for chunk in sheet.chunks:
        if chunk.name in ("", "legacyDrawing"):
            continue
        if chunk.name == "conditionalFormatting" and b"coprod:" in chunk.data:
            el = sheet.element(chunk)
            rules = [
                (r.get("type"), r.get("priority"), r.findtext(f"{M}formula"))
                for r in el.iter(f"{M}cfRule")
                if rule_severity(r.findtext(f"{M}formula") or "") is None
            ]
            if rules:
                out.append((el.get("sqref"), rules))
            continue
        out.append(chunk.data)
    return out


def _people_notes(notes: SheetNotes) -> dict[str, object]:
    texts, threaded = notes.texts(), notes.threaded
    return {
        ref: (text if ref in threaded else person_note(text))
        for ref, text in texts.items()
        if ref in threaded or person_note(text)
    }


def refuse(problems: list[str], name: str, hint: str) -> None:
    if problems:
        raise SourceError(
            f"{name} was NOT changed: a trial save would have altered "
            f"{'; '.join(problems[:5])}. Please report this. {hint}"
        )
