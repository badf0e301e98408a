"""Approved answers written into a Google Sheet tracker, and the Updates tab beside them.

Calls (Sheets API v4, each through the source's retrying client):
1. ``spreadsheets.get`` for the tabs' ids and sizes;
2. ``values.batchGet`` of the Updates tab and of each row an answer changes, as stored
   (UNFORMATTED_VALUE, dates as serial numbers), to compare with what each answer saw;
3. ``values.batchGet`` of the same rows with FORMULA, made only when an answer is to be
   written: which of those cells hold a formula. A batchGet takes one valueRenderOption for
   all its ranges, so this cannot ride on call 2;
4. one ``values.batchUpdate`` with every approved change (on any of the tabs Actions are kept on,
   when several are read as one list: each at its own tab's row and columns), ``RAW``: text
   is stored as typed and never becomes a formula; a date goes in as its serial number, so the
   cell keeps the number format it has (a date column shows it as a date);
5. one ``spreadsheets.batchUpdate`` for the Updates tab: added when missing, its cells, and the
   Apply drop-down (setDataValidation, a list of Apply and Reject).

An answer is refused whole, as the .xlsx writer refuses it, when a cell it names holds a formula
(a person built it; it is changed by hand) or anything but what the answer saw (or what the
service wrote there last); the other answers are still written. Google Sheets has no "only if
unchanged" for values, so the comparison is made just before the write; a person typing in that
cell in the same second can still be overwritten (said in the README).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from automations.backends.google.source import GoogleSheetSource, quote_title
from automations.backends.updates import (
    APPLY_COLUMN,
    CHOICES,
    HEADER_ROW,
    UPDATES_COLUMNS,
    UPDATES_TAB,
    UPDATES_TITLE,
    RowChanges,
    UpdatesPlan,
    UpdatesResult,
    decisions,
    fits_a_cell,
    tab_values,
    with_outcomes,
)

EPOCH = dt.date(1899, 12, 30)  # Google Sheets' serial day 0, as in Excel
Json = dict[str, Any]


def read_updates_google(source: GoogleSheetSource) -> list[list[Any]]:
    """The Updates tab as it is now (officers' Apply choices), or [] without one."""
    with source._explained():
        tabs = _tabs(source)
        if UPDATES_TAB not in tabs:
            return []
        reply = source.http.values_batch_get(
            source.key, [quote_title(UPDATES_TAB)], params=dict(_AS_STORED)
        )
    return _values(reply, 0)


_AS_STORED = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}


def _tabs(source: GoogleSheetSource) -> dict[str, Json]:
    meta = source.http.fetch_sheet_metadata(
        source.key,
        params={"fields": "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)))"},
    )
    return {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}


def _values(reply: Json, index: int) -> list[list[Any]]:
    ranges = reply.get("valueRanges", [])
    return [list(r) for r in ranges[index].get("values", [])] if index < len(ranges) else []


def write_updates_google(
    source: GoogleSheetSource, plan: UpdatesPlan, today: dt.date
) -> UpdatesResult:
    result = UpdatesResult()
    with source._explained():
        tabs = _tabs(source)
        ranges = [quote_title(UPDATES_TAB)] if UPDATES_TAB in tabs else []
        # Each answer's row on its action's own tab (Actions on several tabs read as one list):
        # one batchGet takes ranges on any tabs of the spreadsheet.
        found = [rc for rc in plan.changes if rc.tab(plan) in tabs]
        rows = [
            f"{quote_title(rc.tab(plan))}!A{rc.row}:{column_letter(_last(rc))}{rc.row}"
            for rc in found
        ]
        ranges += rows
        reply = {}
        if ranges:
            reply = source.http.values_batch_get(source.key, ranges, params=dict(_AS_STORED))
        offset = 1 if UPDATES_TAB in tabs else 0
        tab_now = _values(reply, 0) if offset else []
        if tab_now and (not tab_now[0] or tab_now[0][0] != UPDATES_TITLE):
            from automations.core.errors import SourceError

            raise SourceError(
                f"{source.name} has a tab called {UPDATES_TAB} that the check did not write, so "
                "answers were not written. Rename that tab, and the check will add its own."
            )
        if tab_now and decisions(tab_now) != plan.choices:
            result.stale = True
            result.message = (
                f"{source.name}: the {UPDATES_TAB} tab changed while the answers were being "
                "worked out, so nothing was written; the next check writes them."
            )
            return result
        rows_now = {_at(plan, rc): _values(reply, i + offset) for i, rc in enumerate(found)}
        formulas: dict[tuple[str, int], list[list[Any]]] = {}
        if rows:
            as_typed = source.http.values_batch_get(
                source.key, rows, params={**_AS_STORED, "valueRenderOption": "FORMULA"}
            )
            formulas = {_at(plan, rc): _values(as_typed, i) for i, rc in enumerate(found)}
        data = _changes(plan, rows_now, formulas, set(tabs), result)
        wanted = tab_values(with_outcomes(plan, result, today))
        same_tab = _same(tab_now, wanted)
        if not data and same_tab:
            result.message = f"{source.name}: the {UPDATES_TAB} tab already shows every answer."
            return result
        with source.http.without_retries():
            if data:
                source.http.values_batch_update(
                    source.key, {"valueInputOption": "RAW", "data": data}
                )
            if not same_tab:
                source.http.batch_update(source.key, {"requests": _tab_requests(tabs, wanted)})
    result.changed = True
    result.message = (
        f"{source.name}: wrote {len(result.applied)} approved answers and the {UPDATES_TAB} tab."
    )
    return result


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _last(rc: RowChanges) -> int:
    return max(ch.column for ch in rc.cells)


def _at(plan: UpdatesPlan, rc: RowChanges) -> tuple[str, int]:
    """An answer's row: its tab and row number."""
    return rc.tab(plan), rc.row


def _changes(
    plan: UpdatesPlan,
    rows_now: dict[tuple[str, int], list[list[Any]]],
    formulas: dict[tuple[str, int], list[list[Any]]],
    tabs: set[str],
    result: UpdatesResult,
) -> list[Json]:
    """The value ranges to write; each answer's outcome in ``result``."""
    data: list[Json] = []
    # What this save writes, by (tab, row, column), for a second answer for the same action.
    written: dict[tuple[str, int, int], Any] = {}
    for rc in plan.changes:
        sheet = rc.tab(plan)
        if sheet not in tabs:
            result.refused[rc.answer] = f"the {sheet!r} tab was not found"
            continue
        row = (rows_now.get(_at(plan, rc)) or [[]])[0]
        typed = (formulas.get(_at(plan, rc)) or [[]])[0]
        mine: list[tuple[int, Any, str, str, str]] = []
        why = ""
        for ch in rc.cells:
            if (sheet, rc.row, ch.column) not in written and _formula(row, typed, ch.column):
                why = f"{ch.header} holds a formula now; change it by hand"  # as xlsx/values.py
                break
            date = isinstance(ch.value, dt.date)
            now = written.get(
                (sheet, rc.row, ch.column), row[ch.column - 1] if ch.column <= len(row) else ""
            )
            now_text = _as_text(now, date)
            if now_text.strip() not in {e.strip() for e in ch.expected}:
                why = (
                    f"{ch.header} was changed by a person since the answer came "
                    f"(it said {ch.expected[0] or 'nothing'}, it says {now_text or 'nothing'} now)"
                )
                break
            if isinstance(ch.value, dt.date):
                value: Any = (ch.value - EPOCH).days
                new_text = ch.value.isoformat()
            else:
                text = str(ch.value)
                if ch.append and now_text.strip():
                    text = f"{now_text.rstrip()}\n{text}"
                value = new_text = fits_a_cell(text)
            mine.append((ch.column, value, ch.header, now_text, new_text))
        if why:
            result.refused[rc.answer] = why
            continue
        for column, value, *_ in mine:
            written[(sheet, rc.row, column)] = value
            data.append({
                "range": f"{quote_title(sheet)}!{column_letter(column)}{rc.row}",
                "values": [[value]],
            })  # fmt: skip
        result.applied[rc.answer] = [(h, old, new) for _, _, h, old, new in mine]
    return data


def _formula(row: list[Any], typed: list[Any], column: int) -> bool:
    """Whether the cell holds a formula: read with FORMULA it is the formula ("=..."), read
    with UNFORMATTED_VALUE its result. A text that starts with "=" (stored RAW, or typed after
    an apostrophe) reads the same both ways, so it is never taken for a formula."""
    shown = typed[column - 1] if column <= len(typed) else ""
    value = row[column - 1] if column <= len(row) else ""
    return isinstance(shown, str) and shown.startswith("=") and shown != value


def _as_text(value: Any, date: bool) -> str:
    """A stored value in the form the answer recorded it: ISO for a date, else the text."""
    if value is None or value == "":
        return ""
    if date and isinstance(value, int | float) and not isinstance(value, bool):
        return (EPOCH + dt.timedelta(days=int(value))).isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _same(now: list[list[Any]], wanted: list[list[str]]) -> bool:
    def trimmed(rows: list[list[Any]]) -> list[list[str]]:
        out = [[("" if v is None else str(v)) for v in r] for r in rows]
        out = [r[: max((i + 1 for i, v in enumerate(r) if v), default=0)] for r in out]
        while out and not out[-1]:
            out.pop()
        return out

    return trimmed(now) == trimmed(wanted)


def _tab_requests(tabs: dict[str, Json], rows: list[list[str]]) -> list[Json]:
    """The Updates tab: added when missing, big enough, its cells (as text, never formulas),
    and the Apply drop-down on the answers' rows."""
    requests: list[Json] = []
    tab = tabs.get(UPDATES_TAB)
    need = len(rows) + 10
    if tab is None:
        sheet_id = max((t.get("sheetId", 0) for t in tabs.values()), default=0) + 1
        requests.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": UPDATES_TAB,
            "gridProperties": {"rowCount": max(1000, need), "columnCount": len(UPDATES_COLUMNS),
                               "frozenRowCount": HEADER_ROW},
        }}})  # fmt: skip
    else:
        sheet_id = tab["sheetId"]
        if tab.get("gridProperties", {}).get("rowCount", 0) < need:
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": {"rowCount": need}},
                "fields": "gridProperties.rowCount",
            }})  # fmt: skip
    width = len(UPDATES_COLUMNS)
    requests.append({"updateCells": {
        "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": len(rows),
                  "startColumnIndex": 0, "endColumnIndex": width},
        "rows": [{"values": [_text(v) for v in row]} for row in rows],
        "fields": "userEnteredValue",
    }})  # fmt: skip
    if len(rows) > HEADER_ROW:
        requests.append({"setDataValidation": {
            "range": {"sheetId": sheet_id, "startRowIndex": HEADER_ROW, "endRowIndex": len(rows),
                      "startColumnIndex": APPLY_COLUMN - 1, "endColumnIndex": APPLY_COLUMN},
            "rule": {"condition": {"type": "ONE_OF_LIST",
                                   "values": [{"userEnteredValue": c} for c in CHOICES]},
                     "strict": True, "showCustomUi": True},
        }})  # fmt: skip
    return requests


def _text(value: Any) -> Json:
    return {"userEnteredValue": {"stringValue": str(value)}} if value not in (None, "") else {}
