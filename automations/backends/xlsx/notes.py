"""Cell notes in a sheet's legacy comments part and the VML shapes that draw them.

A person's note keeps its words, runs and shape; the check only appends (or takes away) its own
block. A note that is only the check's is added and removed whole, with its shape. Cells that
hold a threaded comment (Excel for Microsoft 365's "New Comment") are never touched: their
legacy note is Excel's placeholder for the thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from lxml import etree

from automations.backends.marks import (
    AUTHOR,
    NOTE_BEGIN,
    NOTE_END,
    merge_note,
    our_note,
    person_note,
)
from automations.backends.xlsx.package import (
    NS_MAIN,
    REL_COMMENTS,
    REL_THREADED,
    REL_VML,
    TYPE_COMMENTS,
    TYPE_VML,
    XML_DECLARATION,
    Package,
    parse,
    serialise,
)
from automations.backends.xlsx.sheetxml import Chunk, SheetXml, column_letter, rc

M = f"{{{NS_MAIN}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
NOTE_WIDTH_PX = 320
NOTE_CHARS_PER_LINE = 46
NOTE_LINE_PX = 16
SHAPE = re.compile(
    rb"<(?P<p>[\w.-]+:)?shape\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>.*?</(?P=p)?shape>", re.S
)
SHAPE_ROW = re.compile(rb"<(?:[\w.-]+:)?Row>\s*(\d+)\s*<")
SHAPE_COLUMN = re.compile(rb"<(?:[\w.-]+:)?Column>\s*(\d+)\s*<")
SHAPE_ID = re.compile(rb"_x0000_s(\d+)")
IDMAP = re.compile(rb"<(?:[\w.-]+:)?idmap\b[^>]*\bdata=[\"']([\d,\s]*)[\"']")
NOTE_SHAPETYPE = (
    b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    b'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    b'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
VML_NAMESPACES = (
    b'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    b'xmlns:x="urn:schemas-microsoft-com:office:excel"'
)


@dataclass
class SheetNotes:
    """The notes of one sheet as the file holds them."""

    sheet_part: str
    comments_part: str | None
    root: etree._Element | None
    threaded: set[str] = field(default_factory=set)  # cells holding a threaded comment
    # The whole part as the check made it this run, when the sheet had no notes before: written
    # as it is, never parsed here (the after-save proof parses what was written).
    made: bytes | None = None

    def texts(self) -> dict[str, str]:
        if self.root is None and self.made is not None:
            self.root = parse(self.made)
        if self.root is None:
            return {}
        if next(self.root.iter(f"{M}rPh"), None) is None:  # no phonetic runs: the quick way
            return {
                c.get("ref", ""): "".join(c.itertext(f"{M}t", with_tail=False))
                for c in self.root.iter(f"{M}comment")
            }
        return {c.get("ref", ""): comment_text(c) for c in self.root.iter(f"{M}comment")}


def read_notes(pkg: Package, sheet_part: str,
               parsed: dict[str, etree._Element] | None = None) -> SheetNotes:
    """``parsed``: parts already parsed (part -> root), which are read from there and are not
    to be changed (the after-save proof parses each written part once)."""
    found = [p for p in pkg.related(sheet_part, REL_COMMENTS) if pkg.has(p)]
    part = found[0] if found else None
    if part is not None and parsed is not None and part in parsed:
        root: etree._Element | None = parsed[part]
    else:
        root = parse(pkg.read(part)) if part else None
    threaded: set[str] = set()
    for thread_part in pkg.related(sheet_part, REL_THREADED):
        if pkg.has(thread_part):
            threaded |= {
                el.get("ref", "") for el in parse(pkg.read(thread_part)).iter()
                if isinstance(el.tag, str) and etree.QName(el).localname == "threadedComment"
            }
    return SheetNotes(sheet_part, part, root, threaded)


def comment_text(comment: etree._Element) -> str:
    text = comment.find(f"{M}text")
    if text is None:
        return ""
    # Phonetic runs (rPh) are readings of the text, not part of it.
    return "".join(t.text or "" for t in text.iter(f"{M}t") if t.getparent().tag != f"{M}rPh")


# ---------------------------------------------------------------- changing the notes


@dataclass
class NoteChanges:
    added: dict[str, str] = field(default_factory=dict)  # cell -> text of a new note (ours)
    redrawn: dict[str, str] = field(default_factory=dict)  # our own note, new text
    removed: set[str] = field(default_factory=set)  # our own note, gone
    edited: bool = False  # a person's note gained, changed or lost our block

    def any(self) -> bool:
        """Whether the drawing (VML) changes: notes that are only ours come or go."""
        return bool(self.added or self.redrawn or self.removed)


def change_notes(notes: SheetNotes, wanted: dict[str, str]) -> NoteChanges:
    """Bring the comments tree in line with ``wanted`` (cell -> our block); returns what the
    VML must do. Cells with a threaded comment are left out by the caller."""
    changes = NoteChanges()
    root = notes.root
    existing = {} if root is None else {c.get("ref", ""): c for c in root.iter(f"{M}comment")}
    for ref, comment in existing.items():
        if ref in notes.threaded:
            continue
        text = comment_text(comment)
        merged = merge_note(text, wanted.get(ref))
        if merged == text:
            continue
        if merged is None:
            comment.getparent().remove(comment)
            changes.removed.add(ref)
        elif person_note(text) is None:
            _set_plain(comment, merged)
            changes.redrawn[ref] = merged
        elif our_note(text) is None:
            _append_run(comment, "\n\n" + wanted[ref])
            changes.edited = True
        else:
            _replace_ours(comment, text, merged)
            changes.edited = True
    for ref, ours in wanted.items():
        if ref not in existing and ref not in notes.threaded:
            changes.added[ref] = ours
    if changes.added and root is None:  # the sheet's first notes: the whole part as text
        ordered = sorted(changes.added.items(), key=lambda item: _cell_order(item[0]))
        notes.made = XML_DECLARATION + (
            f'<comments xmlns="{NS_MAIN}"><authors><author>{_escape(AUTHOR)}</author></authors>'
            f"<commentList>{_comments_text(ordered, 0)}</commentList></comments>".encode()
        )
    elif changes.added:
        comment_list = root.find(f"{M}commentList")
        author = _author_id(root)
        comment_list.extend(list(parse(f'<commentList xmlns="{NS_MAIN}">'
                                       f"{_comments_text(changes.added.items(), author)}"
                                       "</commentList>".encode())))
        _sort(comment_list)
    return changes


def _comments_text(added: Iterable[tuple[str, str]], author: int) -> str:
    """The check's new notes as XML text, to be parsed in one go (element by element is several
    times slower for a thousand notes). Each is one plain run, as _set_plain makes it."""
    return "".join([
        f'<comment ref="{_attr(ref)}" authorId="{author}"><text><t{_space(text)}>'
        f"{_escape(text)}</t></text></comment>"
        for ref, text in added
    ])


def _escape(text: str) -> str:
    # A carriage return is kept as one (a parser reads a bare one as a line feed).
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


def _space(text: str) -> str:
    return ' xml:space="preserve"' if text != text.strip() else ""


def _author_id(root: etree._Element) -> int:
    authors = root.find(f"{M}authors")
    if authors is None:
        authors = etree.Element(f"{M}authors")
        root.insert(0, authors)
    names = [a.text for a in authors.iter(f"{M}author")]
    if AUTHOR in names:
        return names.index(AUTHOR)
    etree.SubElement(authors, f"{M}author").text = AUTHOR
    return len(names)


def _sort(comment_list: etree._Element) -> None:
    """Notes in cell order (row, then column), as Excel writes them."""
    items = list(comment_list)
    keys = [_cell_order(c.get("ref", "A1")) if isinstance(c.tag, str) else (0, "") for c in items]
    if all(a <= b for a, b in pairwise(keys)):
        return  # moving a thousand nodes into the order they are already in is not free
    order = sorted(range(len(items)), key=keys.__getitem__)
    comment_list[:] = [items[i] for i in order]


def _cell_order(ref: str) -> tuple[int, str]:
    """(row, column letters right-aligned): sorts as (row, column) does, for a fraction of the
    cost of reading the reference (a thousand notes are sorted on every save)."""
    ref = ref.replace("$", "").upper()
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters):]
    return (int(digits) if digits.isdigit() else 0, letters.rjust(3))


def _t(text: str) -> etree._Element:
    t = etree.Element(f"{M}t")
    t.text = text
    if text != text.strip():
        t.set(XML_SPACE, "preserve")
    return t


def _set_plain(comment: etree._Element, text: str) -> None:
    for old in comment.findall(f"{M}text"):
        comment.remove(old)
    body = etree.SubElement(comment, f"{M}text")
    body.append(_t(text))


def _append_run(comment: etree._Element, text: str) -> None:
    body = comment.find(f"{M}text")
    if body is None or body.find(f"{M}r") is None:
        # A note of one plain run: the text simply grows.
        t = None if body is None else body.find(f"{M}t")
        _set_plain(comment, ((t.text or "") if t is not None else "") + text)
        return
    run = etree.Element(f"{M}r")
    run.append(_t(text))
    runs = body.findall(f"{M}r")
    runs[-1].addnext(run)


def _replace_ours(comment: etree._Element, text: str, merged: str) -> None:
    """Replace or remove our block. When it is the note's last run, as the check writes it, the
    person's runs (and their formatting) stay as they are; otherwise the words are kept as one
    plain run."""
    mine = person_note(text) or ""
    body = comment.find(f"{M}text")
    runs = [] if body is None else body.findall(f"{M}r")
    so_far = ""
    for i, run in enumerate(runs):
        run_text = "".join(t.text or "" for t in run.iter(f"{M}t"))
        at = run_text.find(NOTE_BEGIN)
        if at < 0:
            so_far += run_text
            continue
        ours_last = text.rstrip().endswith(NOTE_END) and text.count(NOTE_BEGIN) == 1
        if not run_text[:at].strip() and so_far.strip() == mine and ours_last:
            for old in runs[i:]:
                body.remove(old)
            new = our_note(merged)
            if new:
                _append_run(comment, "\n\n" + new)
            return
        break
    _set_plain(comment, merged)


# ---------------------------------------------------------------- the drawing of notes (VML)


def write_notes(pkg: Package, sheet: SheetXml, notes: SheetNotes, changes: NoteChanges) -> None:
    """Store the comments part and its VML shapes after ``change_notes``."""
    if not (changes.any() or changes.edited) or (notes.root is None and notes.made is None):
        return
    if notes.made is not None:
        left = len(changes.added)
    else:
        left = len(list(notes.root.iter(f"{M}comment")))
    part = notes.comments_part
    if part is None:
        part = pkg.free_name("xl/comments{}.xml")
        pkg.add_rel(notes.sheet_part, REL_COMMENTS, part)
        pkg.declare(part, TYPE_COMMENTS)
        notes.comments_part = part
    if left:
        pkg.put(part, notes.made if notes.made is not None else serialise(notes.root))
    else:
        _drop_comments(pkg, notes.sheet_part, part)
    _write_vml(pkg, sheet, notes.sheet_part, changes, keep_empty=bool(left))


def _drop_comments(pkg: Package, sheet_part: str, part: str) -> None:
    for rel in pkg.rels(sheet_part):
        if rel.type == REL_COMMENTS and rel.target == part:
            pkg.remove_rel(sheet_part, rel.id)
    pkg.remove(part)
    pkg.undeclare(part)


def _vml_part(pkg: Package, sheet: SheetXml, sheet_part: str) -> str | None:
    """The sheet's drawing of notes (VML), named by its legacyDrawing element."""
    for chunk in sheet.named("legacyDrawing"):
        rid = next((v for k, v in sheet.element(chunk).attrib.items() if k.endswith("}id")), None)
        for rel in pkg.rels(sheet_part):
            if rel.id == rid and rel.type == REL_VML and pkg.has(rel.target):
                return rel.target
    return None


def _write_vml(pkg: Package, sheet: SheetXml, sheet_part: str, changes: NoteChanges,
               keep_empty: bool) -> None:
    vml_part = _vml_part(pkg, sheet, sheet_part)
    if not changes.any():
        return
    data = pkg.read(vml_part) if vml_part else _empty_vml(_free_block(pkg))
    gone = changes.removed | set(changes.redrawn)
    kept = [m for m in SHAPE.finditer(data) if _shape_cell(m.group(0)) not in gone]
    shapes_left = len(kept)
    if gone:
        data = _without(data, [m for m in SHAPE.finditer(data) if _shape_cell(m.group(0)) in gone])
    new = {**changes.added, **changes.redrawn}
    if new:
        data = _with_shapes(pkg, data, new)
        shapes_left += len(new)
    if vml_part is None:
        vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        rid = pkg.add_rel(sheet_part, REL_VML, vml_part)
        pkg.declare(vml_part, TYPE_VML, extension="vml")
        sheet.insert(Chunk("legacyDrawing", _legacy_drawing_tag(sheet, rid)))
    if shapes_left or keep_empty:
        pkg.put(vml_part, data)
        return
    # Nothing left to draw: the drawing goes with the last note (ours), as if never added.
    for rel in pkg.rels(sheet_part):
        if rel.type == REL_VML and rel.target == vml_part:
            pkg.remove_rel(sheet_part, rel.id)
    pkg.remove(vml_part)
    sheet.chunks = [c for c in sheet.chunks if c.name != "legacyDrawing"]


def _legacy_drawing_tag(sheet: SheetXml, rid: str) -> bytes:
    r = sheet.r_prefix()
    if r:
        return f'<{sheet.tag("legacyDrawing")} {r}:id="{rid}"/>'.encode()
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return f'<{sheet.tag("legacyDrawing")} xmlns:r="{ns}" r:id="{rid}"/>'.encode()


def _shape_cell(shape: bytes) -> str | None:
    if b'ObjectType="Note"' not in shape and b"ObjectType='Note'" not in shape:
        return None
    row, col = SHAPE_ROW.search(shape), SHAPE_COLUMN.search(shape)
    if not row or not col:
        return None
    return f"{column_letter(int(col.group(1)) + 1)}{int(row.group(1)) + 1}"


def _without(data: bytes, spans: list[re.Match[bytes]]) -> bytes:
    out, last = [], 0
    for m in spans:
        out.append(data[last : m.start()])
        last = m.end()
    out.append(data[last:])
    return b"".join(out)


def _blocks_in(data: bytes) -> list[int]:
    return [int(n) for m in IDMAP.finditer(data) for n in re.split(rb"[,\s]+", m.group(1)) if n]


def _free_block(pkg: Package) -> int:
    """The first block of shape ids (Excel's idmap, 1,024 ids each) after every block another
    drawing of the workbook uses, this run's new drawings included."""
    names = {n for n in pkg.infos if n not in pkg.removed} | set(pkg.changes)
    used = {0}
    for name in names:
        if name.endswith(".vml"):
            used |= set(_blocks_in(pkg.read(name)))
    return max(used) + 1


def _empty_vml(block: int) -> bytes:
    return (
        b"<xml " + VML_NAMESPACES + b'><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" '
        b'data="' + str(block).encode() + b'"/></o:shapelayout>' + NOTE_SHAPETYPE + b"</xml>"
    )


def _with_shapes(pkg: Package, data: bytes, notes: dict[str, str]) -> bytes:
    end = data.rfind(b"</xml>")
    if end < 0:
        end = len(data)
    ids = _new_ids(pkg, data, len(notes))
    blocks = sorted({i // 1024 for i in ids} - set(_blocks_in(data)))
    if blocks:  # more notes than the drawing's blocks hold: claim free ones, as Excel does
        found = IDMAP.search(data)
        if found:
            listed = found.group(1) + b"," + b",".join(str(b).encode() for b in blocks)
            data = data[: found.start(1)] + listed.lstrip(b",") + data[found.end(1) :]
            end = data.rfind(b"</xml>") if data.rfind(b"</xml>") >= 0 else len(data)
    shapetype = b"" if b"_x0000_t202" in data[:end] else NOTE_SHAPETYPE
    declared = b'xmlns:v="urn:schemas-microsoft-com:vml"' in data
    namespaces = b"" if declared else b" " + VML_NAMESPACES
    named = namespaces.decode()
    shapes = "".join([
        _shape(shape_id, ref, text, named)
        for shape_id, (ref, text) in zip(ids, notes.items(), strict=True)
    ])
    return data[:end] + shapetype + shapes.encode() + data[end:]


def _new_ids(pkg: Package, data: bytes, count: int) -> list[int]:
    """Shape ids not yet used in this drawing: in its own blocks first, then in free blocks.
    Id 0 of each block is never used (Excel starts at 1,025)."""
    taken = {int(n) for n in SHAPE_ID.findall(data)}
    own = _blocks_in(data) or [1]
    blocks = list(own)
    out: list[int] = []
    fresh: int | None = None
    while len(out) < count:
        if not blocks:
            # After every other drawing's blocks and this one's (a new drawing is not yet
            # part of the package).
            fresh = max(_free_block(pkg), max(own) + 1) if fresh is None else fresh + 1
            blocks = [fresh]
        block = blocks.pop(0)
        out += [i for i in range(block * 1024 + 1, block * 1024 + 1024) if i not in taken]
    return out[:count]


# A hidden note box sized to its text, as the check drew notes before (openpyxl's form); one
# prepared text, filled in per note (a thousand notes are drawn on a first write): the
# namespaces, the shape id, its height, its row and column.
SHAPE_TEXT = (
    '<v:shape%s id="_x0000_s%d" type="#_x0000_t202" style="position:absolute; '
    "margin-left:59.25pt;margin-top:1.5pt;width:" + str(NOTE_WIDTH_PX) + "px;height:%dpx;"
    'z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill '
    'color2="#ffffe1"/><v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
    '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
    '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
    "<x:AutoFill>False</x:AutoFill><x:Row>%d</x:Row><x:Column>%d</x:Column>"
    "</x:ClientData></v:shape>"
)


def _shape(shape_id: int, ref: str, text: str, namespaces: str) -> str:
    row, col = rc(ref)
    # Lines of NOTE_CHARS_PER_LINE characters (a blank line is still one).
    lines = sum([(len(line) + NOTE_CHARS_PER_LINE - 1) // NOTE_CHARS_PER_LINE or 1
                 for line in text.split("\n")])
    return SHAPE_TEXT % (namespaces, shape_id, min(400, 12 + NOTE_LINE_PX * lines), row - 1,
                         col - 1)
