"""What a format, range, note or text read back from Google Sheets means, for comparing.

The Sheets API does not hand back the bytes it was sent: a colour written as `backgroundColor`
reads back with a `backgroundColorStyle.rgbColor` twin (and the other way round), colour
components equal to 0 are left out, colours come back as 32-bit floats (0.25882354 for 66/255),
and a GridRange on sheet 0 comes back without its `sheetId`. Evidence: gspread's recordings of
the real API, burnash/gspread tests/cassettes/WorksheetTest.test_format.json (the twins),
ClientTest.test_open_by_key_has_metadata.json (black as `{}`, float32 components) and
WorksheetTest.test_basic_filters.json (sheetId 0 left out of a filter range); and
robin900/gspread-formatting issue #31 (black in a conditional format rule read back as `{}`).
Comparing what these functions return, not the JSON, is what lets a run that changes nothing
write nothing.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
_COMPONENTS = ("red", "green", "blue")


def colour_meaning(colour: Json) -> str:
    """A Color as "#RRGGBB" (8-bit, as people pick them; "+alpha" only when not opaque).
    A left-out component is 0; a left-out alpha is 1 (the Color docs in the discovery
    document: "If omitted, ... rendered as a solid color")."""
    hex_rgb = "".join(f"{round(float(colour.get(c, 0)) * 255):02X}" for c in _COMPONENTS)
    alpha = colour.get("alpha")
    return f"#{hex_rgb}" if alpha is None or round(float(alpha) * 255) == 255 else \
        f"#{hex_rgb}+{round(float(alpha) * 255):02X}"


def colour_style_meaning(style: Json) -> str:
    if "themeColor" in style:
        return f"theme:{style['themeColor']}"
    return colour_meaning(style.get("rgbColor") or {})


def format_meaning(fmt: Json | None) -> Json:
    """A CellFormat (or any part of one) with each colour and its twin folded into one key
    (`...ColorStyle` wins, as the API docs say), and empty parts dropped."""
    out: Json = {}
    for key, value in (fmt or {}).items():
        if key.endswith("ColorStyle") or key == "colorStyle":
            out[key] = colour_style_meaning(value or {})
        elif key.endswith("Color") or key == "color":
            out.setdefault(key + "Style", colour_meaning(value or {}))
        elif isinstance(value, dict):
            if inner := format_meaning(value):
                out[key] = inner
        else:
            out[key] = value
    return out


def range_meaning(grid_range: Json | None) -> tuple[int, int | None, int, int | None]:
    """(first row, end row, first column, end column) of a GridRange, sheet left aside.
    A left-out start is 0; a left-out end is None (unbounded)."""
    gr = grid_range or {}
    return (gr.get("startRowIndex", 0), gr.get("endRowIndex"),
            gr.get("startColumnIndex", 0), gr.get("endColumnIndex"))


def text_meaning(text: object) -> object:
    """A cell's text as shown: line endings as "\\n", an empty string as no value."""
    if isinstance(text, str):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text or None
    return text
