"""What people made in a workbook, as plain comparable data, so a save can be proven harmless.

Everything except the service's own marks (our conditional-format rules, our block of a note, the
Validation tab): cell values and formulas, number formats, fills and fonts, hyperlinks, the
person's part of every note, drop-down lists, the person's conditional formats, merged ranges,
column widths, hidden rows and columns, frozen panes, filters, tabs and named ranges.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from automations.backends.marks import VALIDATION_TAB, person_note, rule_severity

Snapshot = dict[str, Any]


def snapshot(wb: Workbook) -> Snapshot:
    sheets = [ws for ws in wb.worksheets if ws.title != VALIDATION_TAB]
    return {
        "tabs": [(ws.title, ws.sheet_state) for ws in sheets],
        "names": sorted((n, str(d.attr_text)) for n, d in wb.defined_names.items()),
        **{f"{ws.title}: {part}": value for ws in sheets for part, value in _sheet(ws).items()},
    }


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """The parts that differ, in words (empty when the two are the same)."""
    keys = list(dict.fromkeys([*before, *after]))
    return [_describe(k) for k in keys if before.get(k) != after.get(k)]


def _describe(key: str) -> str:
    return {"tabs": "the list of tabs", "names": "named ranges"}.get(key, key)


def _sheet(ws: Worksheet) -> dict[str, Any]:
    return {
        "cell values and formulas": _cells(ws, _value),
        "cell formats": _cells(ws, _style),
        "links": _cells(ws, _link),
        "notes": _cells(ws, lambda c: person_note(c.comment.text) if c.comment else None),
        "drop-down lists": sorted(_validation(dv) for dv in ws.data_validations.dataValidation),
        "conditional formats": sorted(_person_rules(ws)),
        "merged cells": sorted(str(r) for r in ws.merged_cells.ranges),
        "column widths and hidden columns": _dimensions(ws.column_dimensions),
        "row heights and hidden rows": _dimensions(ws.row_dimensions),
        "frozen panes": ws.freeze_panes,
        "filters": _filter(ws),
    }


def _cells(ws: Worksheet, part: Any) -> dict[str, Any]:
    values = {}
    for cell in ws._cells.values():  # only cells that exist in the file; never creates any
        value = part(cell)
        if value is not None:
            values[cell.coordinate] = value
    return values


def _value(cell: Any) -> Any:
    value = cell.value
    text = getattr(value, "text", None)  # array formulas keep their formula in .text
    return repr(text if text is not None else value) if value is not None else None


def _style(cell: Any) -> Any:
    if not cell.has_style:
        return None
    fill, font = cell.fill, cell.font
    return (
        cell.number_format,
        fill.fill_type,
        _colour(fill.fgColor),
        bool(font.b),  # LibreOffice writes an explicit "false" where openpyxl writes nothing
        bool(font.i),
        _colour(font.color),
        bool(cell.alignment.wrap_text),
    )


def _colour(colour: Any) -> Any:
    if colour is None:
        return None
    return (colour.type, colour.value if colour.type != "theme" else colour.theme, colour.tint)


def _link(cell: Any) -> Any:
    link = cell.hyperlink
    return (link.target, link.location) if link is not None else None


def _validation(dv: Any) -> tuple[Any, ...]:
    return (
        str(dv.sqref),
        dv.type,
        dv.formula1,
        dv.formula2,
        dv.operator,
        dv.allow_blank,
        dv.showDropDown,
        dv.showErrorMessage,
        dv.error,
        dv.prompt,
    )


def _person_rules(ws: Worksheet) -> list[tuple[Any, ...]]:
    rules = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            formula = rule.formula[0] if rule.formula else ""
            if rule_severity(formula) is None:
                dxf = rule.dxf
                fill = _colour(dxf.fill.bgColor) if dxf and dxf.fill else None
                rules.append(
                    (
                        str(cf.sqref),
                        rule.type,
                        tuple(rule.formula or ()),
                        rule.operator,
                        rule.priority,
                        rule.stopIfTrue,
                        fill,
                    )
                )
    return rules


def _dimensions(dims: Any) -> dict[str, Any]:
    out = {}
    for key, dim in dims.items():
        size = dim.width if hasattr(dim, "width") else dim.height
        span = (dim.min, dim.max) if hasattr(dim, "width") else None
        out[str(key)] = (size, span, dim.hidden, dim.outlineLevel)
    return out


def _filter(ws: Worksheet) -> Any:
    af = ws.auto_filter
    columns = [(c.colId, repr(c.filters), repr(c.customFilters)) for c in af.filterColumn]
    return (af.ref, columns, repr(af.sortState))
