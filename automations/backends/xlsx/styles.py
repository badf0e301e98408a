"""The few entries of styles.xml the check needs: one differential format (dxf) per severity for
its conditional formats, and the cell formats of the Validation tab.

An entry is found by what it says, so a second run reuses the first run's entries and a run that
needs nothing new leaves the part as it was. Entries are only ever added, never removed or
reordered: people's formats refer to theirs by position.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property

from lxml import etree

from automations.backends.marks import BORDER, FILL, TEXT
from automations.backends.xlsx.package import NS_MAIN, parse, serialise
from automations.core.findings import Severity

M = f"{{{NS_MAIN}}}"
# The order of a styleSheet's children (ECMA-376 Part 1, CT_Stylesheet).
STYLESHEET_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                    "cellStyles", "dxfs", "tableStyles", "colors", "extLst")
FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign",
              "sz", "color", "name", "family", "charset", "scheme")
# What Excel itself writes in a new workbook's styles part.
EMPTY_STYLES = (
    f'<styleSheet xmlns="{NS_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
    '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border>'
    '<left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/></styleSheet>'
).encode()


@dataclass(frozen=True)
class CellStyle:
    """A Validation-tab cell format: the workbook's default font with these changes."""

    bold: bool = False
    size: float | None = None
    colour: str | None = None  # RRGGBB
    underline: bool = False
    fill: str | None = None  # RRGGBB, a solid fill
    wrap: bool = False
    top: bool = False
    quote: bool = False  # "text that only looks like a formula"


class Styles:
    def __init__(self, data: bytes | None) -> None:
        self.root = parse(data or EMPTY_STYLES)
        self.changed = data is None
        self._xfs: dict[CellStyle, int] = {}  # the Validation tab asks once per cell
        # Per list (fonts, fills, cellXfs, dxfs): each entry's shape -> its index, worked out
        # once: comparing every new entry with every existing one was most of a small save.
        self._shapes: dict[str, dict[tuple[object, ...], int]] = {}

    def to_bytes(self) -> bytes:
        return serialise(self.root)

    # ------------------------------------------------------------ conditional formats
    def dxf(self, severity: Severity) -> int:
        """The index of the severity's dxf (dxf_of), added when missing."""
        return self._find_or_add("dxfs", dxf_of(severity))

    def has_dxf(self, index: int, severity: Severity) -> bool:
        """Whether the dxf at ``index`` says what the severity's dxf says (read-only)."""
        dxfs = self.root.find(f"{M}dxfs")
        entries = [] if dxfs is None else [e for e in dxfs if isinstance(e.tag, str)]
        return 0 <= index < len(entries) and _same_dxf(entries[index], dxf_of(severity))

    # ------------------------------------------------------------ cell formats
    def xf(self, style: CellStyle) -> int:
        if style not in self._xfs:
            self._xfs[style] = self._xf(style)
        return self._xfs[style]

    def _xf(self, style: CellStyle) -> int:
        font = self._find_or_add("fonts", self._font(style))
        fill = self._find_or_add("fills", _fill(style.fill)) if style.fill else 0
        xf = etree.Element(f"{M}xf")
        for key, value in (("numFmtId", "0"), ("fontId", str(font)), ("fillId", str(fill)),
                           ("borderId", "0"), ("xfId", "0"), ("applyFont", "1")):
            xf.set(key, value)
        if style.fill:
            xf.set("applyFill", "1")
        if style.wrap or style.top:
            xf.set("applyAlignment", "1")
        if style.quote:
            xf.set("quotePrefix", "1")
        if style.wrap or style.top:
            align = etree.SubElement(xf, f"{M}alignment")
            if style.top:
                align.set("vertical", "top")
            if style.wrap:
                align.set("wrapText", "1")
        return self._find_or_add("cellXfs", xf)

    @cached_property
    def _base_font(self) -> dict[str, etree._Element]:
        """The workbook's default font (the first), by part, without bold, underline or
        colour: each Validation-tab font is a copy of it with its own changes."""
        fonts = self._list("fonts")
        parts = {_local(c.tag): c for c in (fonts[0] if len(fonts) else [])
                 if isinstance(c.tag, str)}
        return {k: v for k, v in parts.items() if k not in ("b", "u", "color")}

    def _font(self, style: CellStyle) -> etree._Element:
        parts = {k: copy.deepcopy(v) for k, v in self._base_font.items()}
        if style.bold:
            parts["b"] = etree.Element(f"{M}b")
        if style.underline:
            parts["u"] = etree.Element(f"{M}u")
        if style.size:
            parts["sz"] = etree.Element(f"{M}sz", val=f"{style.size:g}")
        if style.colour:
            parts["color"] = etree.Element(f"{M}color", rgb=f"FF{style.colour}")
        font = etree.Element(f"{M}font")
        for name in FONT_ORDER:
            if name in parts:
                font.append(parts[name])
        return font

    # ------------------------------------------------------------ lists of entries
    def _list(self, name: str) -> etree._Element:
        found = self.root.find(f"{M}{name}")
        if found is not None:
            return found
        el = etree.Element(f"{M}{name}", count="0")
        rank = STYLESHEET_ORDER.index(name)
        at = 0
        for i, child in enumerate(self.root):
            local = etree.QName(child).localname
            if local in STYLESHEET_ORDER and STYLESHEET_ORDER.index(local) < rank:
                at = i + 1
        self.root.insert(at, el)
        self.changed = True
        return el

    def _find_or_add(self, name: str, el: etree._Element) -> int:
        entries = self._list(name)
        if name not in self._shapes:
            shapes: dict[tuple[object, ...], int] = {}
            for i, existing in enumerate(e for e in entries if isinstance(e.tag, str)):
                shapes.setdefault(_shape(existing), i)  # the first of equal entries, as before
            self._shapes[name] = shapes
        wanted = _shape(el)
        if wanted in self._shapes[name]:
            return self._shapes[name][wanted]
        entries.append(el)
        entries.set("count", str(sum(1 for e in entries if isinstance(e.tag, str))))
        self.changed = True
        self._shapes[name][wanted] = int(entries.get("count")) - 1
        return self._shapes[name][wanted]


def dxf_of(severity: Severity) -> etree._Element:
    """A severity's conditional format: its fill and near-black text, the fill in the form
    openpyxl wrote for the first marks, and a border in the severity's line style and colour
    (bold text for errors), so the mark does not rest on colour alone. Children in the order
    of CT_Dxf (ECMA-376 Part 1, 18.8.14): font, numFmt, fill, alignment, protection, border."""
    fill, cue = FILL[severity], BORDER[severity]
    side = f'style="{cue.xlsx_border}"><color rgb="FF{cue.colour}"/>'
    return etree.fromstring(
        f'<dxf xmlns="{NS_MAIN}"><font>{"<b/>" if cue.bold else ""}<color rgb="00{TEXT}"/>'
        f'</font><fill><patternFill patternType="solid"><fgColor rgb="00{fill}"/><bgColor '
        f'rgb="00{fill}"/></patternFill></fill><border><left {side}</left><right {side}</right>'
        f"<top {side}</top><bottom {side}</bottom></border></dxf>"
    )


def _dxf_meaning(dxf: etree._Element) -> tuple[object, ...]:
    """What a dxf shows, however the program that saved it wrote it: LibreOffice writes the
    fill as a bgColor alone with an FF alpha, bold as <b val="1"/>, and drops the colour of
    each border side (so a side's colour counts only where one is given)."""
    def rgb(el: etree._Element | None) -> str | None:
        value = None if el is None else el.get("rgb")
        return value[-6:].upper() if value else None

    pattern = dxf.find(f"{M}fill/{M}patternFill")
    fill = None if pattern is None else (rgb(pattern.find(f"{M}bgColor"))
                                         or rgb(pattern.find(f"{M}fgColor")))
    bold = dxf.find(f"{M}font/{M}b")
    is_bold = bold is not None and bold.get("val", "1") in ("1", "true")
    sides = []
    for name in ("left", "right", "top", "bottom"):
        side = dxf.find(f"{M}border/{M}{name}")
        colour = None if side is None else rgb(side.find(f"{M}color"))
        sides.append((None if side is None else side.get("style"), colour))
    return (fill, rgb(dxf.find(f"{M}font/{M}color")), is_bold, tuple(sides))


def _same_dxf(have: etree._Element, want: etree._Element) -> bool:
    (*looks, sides), (*wanted, wanted_sides) = _dxf_meaning(have), _dxf_meaning(want)
    return looks == wanted and all(
        style == w_style and colour in (None, w_colour)
        for (style, colour), (w_style, w_colour) in zip(sides, wanted_sides, strict=True)
    )


def _fill(colour: str) -> etree._Element:
    return etree.fromstring(
        f'<fill xmlns="{NS_MAIN}"><patternFill patternType="solid"><fgColor rgb="FF{colour}"/>'
        '<bgColor indexed="64"/></patternFill></fill>'
    )


def _local(name: str) -> str:
    return name[name.rfind("}") + 1 :]  # "{namespace}name" or "name"


def _shape(el: etree._Element) -> tuple[object, ...]:
    """What an entry says, whatever prefixes or attribute order the file uses."""
    attrs = el.items()
    if any("}" in k for k, _ in attrs):  # a namespaced attribute, which styles rarely have
        attrs = [(_local(k), v) for k, v in attrs]
    children = tuple([_shape(c) for c in el if isinstance(c.tag, str)])
    return (_local(el.tag), tuple(sorted(attrs)), children)
