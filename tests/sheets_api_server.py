"""A small in-memory Google Sheets API v4 server (and OAuth token endpoint) for tests.

It speaks the JSON the real API speaks for the calls the service makes, so the real gspread
and google-auth clients can talk to it over HTTP on 127.0.0.1:

    GET  /v4/spreadsheets/{id}                      spreadsheets.get (fields, includeGridData)
    POST /v4/spreadsheets/{id}:batchUpdate          addSheet, updateCells, repeatCell,
         add/update/deleteConditionalFormatRule, updateSheetProperties, setBasicFilter,
         clearBasicFilter, updateSpreadsheetProperties, setDataValidation (all or nothing,
         like the real API)
    GET  /v4/spreadsheets/{id}/values:batchGet      valueRenderOption (FORMATTED_VALUE,
         UNFORMATTED_VALUE, FORMULA: see render), dateTimeRenderOption
    POST /v4/spreadsheets/{id}/values:batchUpdate   RAW / USER_ENTERED
    POST /v4/spreadsheets/{id}/values/{range}:clear
    POST /token                                     JWT-bearer grant, signature checked

Tests (and the benchmark in bench/) use the ``SheetsServer`` object: ``add_account`` writes a
service-account key file whose token_uri is this server, ``add_spreadsheet`` loads tabs of Python
values (dates become serial numbers, as Google stores them), ``counts`` counts calls by name,
``fail_next`` makes the next N API calls answer with an error status, and ``book(key)`` gives
the cells, notes and conditional-format rules for inspection.

It answers the way the real API does where that decides whether a client sees a change, with
the evidence for each (recordings of the real API in gspread's test cassettes, burnash/gspread
tests/cassettes/...; gspread-formatting's issues; the discovery document):
- a colour is stored and read back in both forms: written as ``backgroundColor`` it also reads
  back as ``backgroundColorStyle.rgbColor`` and the other way round, and the same for
  ``textFormat.foregroundColor(Style)`` (WorksheetTest.test_format.json: written without the
  Style fields, read back with both);
- colour components equal to 0 are left out and the others come back as 32-bit floats (black
  reads back as ``{}`` and 66/255 as 0.25882354: ClientTest.test_open_by_key_has_metadata.json;
  robin900/gspread-formatting issue #31: black in a conditional format rule read back as ``{}``);
- a GridRange on sheet 0 reads back without ``sheetId`` while its 0 indexes stay
  (WorksheetTest.test_basic_filters.json), and a new spreadsheet's first tab has sheetId 0;
- every call is checked against the Sheets API v4 discovery document (tests/sheets_discovery.py)
  and refused whole with 400 for an unknown field, a wrong type or a value outside an enum, as
  the real API does ("Invalid JSON payload received. Unknown name ...": nithinmurali/pygsheets
  issue #474);
- ``updateConditionalFormatRule`` takes ``rule`` or ``newIndex``, not both (a union field in the
  API reference), and ``newIndex`` moves the rule.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import json
import re
import secrets
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.local_http import serving

EPOCH = dt.date(1899, 12, 30)
# The spreadsheet key and service account that the Google tests use.
KEY = "1BoardTrackerKey_abcdefghij"
EMAIL = "coprod@board-test.iam.gserviceaccount.com"
Json = dict[str, Any]


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: str) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


# ---------------------------------------------------------------- the spreadsheet model


def serial(value: dt.date | dt.datetime) -> float | int:
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime(1899, 12, 30, tzinfo=value.tzinfo)
        return delta.days + delta.seconds / 86400
    return (value - EPOCH).days


def cell_data(value: object) -> Json:
    """A Python value as the CellData a person typing it would produce."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, dt.date):
        kind = "DATE_TIME" if isinstance(value, dt.datetime) else "DATE"
        return {"userEnteredValue": {"numberValue": serial(value)},
                "userEnteredFormat": {"numberFormat": {"type": kind}}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    cols: int = 26
    frozen_rows: int = 0
    cells: dict[tuple[int, int], Json] = field(default_factory=dict)  # 0-based -> CellData
    conditional_formats: list[Json] = field(default_factory=list)
    basic_filter: Json | None = None
    column_pixels: dict[int, int] = field(default_factory=dict)  # 0-based column -> width

    def cell(self, a1: str) -> Json:
        r, c = parse_cell(a1)
        return self.cells.get((r, c), {})

    def note(self, a1: str) -> str | None:
        return self.cell(a1).get("note")

    def value(self, a1: str) -> object:
        return effective(self.cell(a1))

    def properties(self) -> Json:
        grid: Json = {"rowCount": self.rows, "columnCount": self.cols}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index,
                "sheetType": "GRID", "gridProperties": grid}

    def extent(self) -> tuple[int, int]:
        """(rows, columns) up to the last cell holding anything."""
        used = [rc for rc, data in self.cells.items() if data]
        if not used:
            return 0, 0
        return max(r for r, _ in used) + 1, max(c for _, c in used) + 1


@dataclass
class Book:
    key: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)
    shared: dict[str, str] = field(default_factory=dict)  # email -> "reader" | "writer"
    next_id: int = 1000

    def sheet(self, title: str) -> Sheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise KeyError(title)

    def by_id(self, sheet_id: object) -> Sheet:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise bad_request(f"No grid with id: {sheet_id}")

    def titled(self, title: str) -> Sheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise bad_request(f"Unable to parse range: {title}")


def parse_cell(a1: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", a1)
    if not m:
        raise bad_request(f"Unable to parse range: {a1}")
    col = 0
    for ch in m[1].upper():
        col = col * 26 + ord(ch) - 64
    return int(m[2]) - 1, col - 1


def column_letter(index: int) -> str:
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_range(text: str) -> tuple[str, str | None]:
    """"'It''s'!A1:B2" -> ("It's", "A1:B2"); "Members" -> ("Members", None)."""
    if text.startswith("'"):
        m = re.fullmatch(r"'((?:[^']|'')*)'(?:!(.*))?", text)
        if not m:
            raise bad_request(f"Unable to parse range: {text}")
        return m[1].replace("''", "'"), m[2]
    name, _, rest = text.partition("!")
    return name, rest or None


def bounds(sheet: Sheet, part: str | None) -> tuple[int, int, int, int]:
    """A1 part -> (row0, row1, col0, col1), end-exclusive, clipped to the grid."""
    if not part:
        return 0, sheet.rows, 0, sheet.cols
    first, _, last = part.partition(":")
    r0, c0 = parse_cell(first)
    r1, c1 = parse_cell(last) if last else (r0, c0)
    return r0, min(r1 + 1, sheet.rows), c0, min(c1 + 1, sheet.cols)


_HYPERLINK = re.compile(r'=HYPERLINK\("(?:[^"]|"")*",\s*"((?:[^"]|"")*)"\)')


def effective(data: Json) -> object:
    if "effectiveValue" in data:
        return next(iter(data["effectiveValue"].values()), None)
    entered = data.get("userEnteredValue") or {}
    if "formulaValue" in entered:
        m = _HYPERLINK.fullmatch(entered["formulaValue"])
        return m[1].replace('""', '"') if m else "#NAME?"
    return next(iter(entered.values()), None)


def render(data: Json, value_option: str, date_option: str) -> object:
    """One cell as values.get / values.batchGet answer it for ``valueRenderOption``.

    FORMULA, as Google's reference for ValueRenderOption says ("Values will not be calculated.
    The reply will include the formulas. For example, if A1 is 1.23 and A2 is =A1 and formatted
    as currency, then A2 would return "=A1"", developers.google.com/sheets/api/reference/rest/
    v4/ValueRenderOption): a formula cell gives its formula, any other cell its value
    unformatted, as with UNFORMATTED_VALUE (A1 there is the number 1.23), and dates follow
    ``dateTimeRenderOption``, which the reference of DateTimeRenderOption says is ignored only
    with FORMATTED_VALUE. A text cell gives its text, one starting with "=" too (RAW stores it as
    a stringValue, not a formulaValue); google/values.py does not rely on that: it takes a cell
    for a formula only when its FORMULA and UNFORMATTED_VALUE readings differ."""
    value = effective(data)
    entered = data.get("userEnteredValue") or {}
    if value_option == "FORMULA" and "formulaValue" in entered:
        return entered["formulaValue"]
    kind = ((data.get("userEnteredFormat") or {}).get("numberFormat") or {}).get("type")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    is_date = kind in ("DATE", "DATE_TIME") and isinstance(value, int | float)
    if value_option in ("UNFORMATTED_VALUE", "FORMULA"):
        if is_date and date_option == "FORMATTED_STRING":
            return format_date(value)  # type: ignore[arg-type]
        return "" if value is None else value
    if is_date:
        return format_date(value)  # type: ignore[arg-type]
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "" if value is None else str(value)


def format_date(number: float) -> str:
    return (EPOCH + dt.timedelta(days=int(number))).strftime("%d/%m/%Y")


# ---------------------------------------------------------------- fields masks


def parse_fields(text: str) -> Json:
    """Google's partial-response syntax -> a tree: {"sheets": {"properties": {"title": None}}}."""
    pos = 0

    def parse_list() -> Json:
        nonlocal pos
        tree: Json = {}
        while pos < len(text):
            m = re.compile(r"\s*([A-Za-z_*][\w.*]*)\s*").match(text, pos)
            if not m:
                raise bad_request(f"Invalid field selection {text}")
            pos = m.end()
            path = m[1].split(".")
            sub: Json | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list()
                pos += 1  # ")"
            branch: Json | None = sub
            for name in reversed(path):
                branch = {name: branch}
            tree = merge(tree, branch) or {}
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            break
        return tree

    return parse_list()


def merge(a: Json | None, b: Json | None) -> Json | None:
    if a is None or b is None:
        return None
    out = dict(a)
    for k, v in b.items():
        out[k] = merge(out[k], v) if k in out else v
    return out


def apply_mask(obj: object, tree: Json | None) -> object:
    if tree is None or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [apply_mask(x, tree) for x in obj]
    if isinstance(obj, dict):
        return {k: apply_mask(obj[k], sub) for k, sub in tree.items() if k in obj}
    return obj


# ---------------------------------------------------------------- the API


@dataclass
class Account:
    email: str
    public_key: Any


class SheetsServer:
    """The state behind the HTTP server, and what tests use to set it up and inspect it."""

    API_CALLS = ("spreadsheets.get", "spreadsheets.batchUpdate", "values.batchGet",
                 "values.batchUpdate", "values.clear")

    def __init__(self) -> None:
        self.url = ""
        self.books: dict[str, Book] = {}
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.requests: list[tuple[str, Json]] = []  # (call name, JSON body) of every API call
        self.queries: list[tuple[str, dict[str, list[str]]]] = []  # and its query parameters
        self.lock = threading.Lock()
        self._failures = (0, 200)  # (calls still to fail, with this status)

    # --- set-up and inspection

    def add_account(self, directory: Path, email: str = "coprod@board-test.iam.gserviceaccount.com",
                    name: str = "key.json") -> Path:
        """Write a service-account key file for ``email``; this server trusts its key."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        self.accounts[email] = Account(email, key.public_key())
        info = {"type": "service_account", "project_id": "board-test",
                "private_key_id": secrets.token_hex(8), "private_key": pem,
                "client_email": email, "client_id": "1",
                "token_uri": f"{self.url}/token"}
        path = directory / name
        path.write_text(json.dumps(info), encoding="utf-8")
        return path

    def add_spreadsheet(self, key: str, tabs: dict[str, list[list[object]]], title: str = "Board",
                        shared: dict[str, str] | None = None) -> Book:
        book = Book(key, title, shared=dict(shared or {}))
        for index, (name, rows) in enumerate(tabs.items()):
            # A new Google Sheet's first tab has sheetId 0; tabs added later get other ids.
            sheet_id = 0 if index == 0 else book.next_id
            sheet = Sheet(sheet_id, name, index, rows=max(1000, len(rows) + 10),
                          cols=max(26, max((len(r) for r in rows), default=0)))
            book.next_id += index > 0
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if (data := cell_data(value)):
                        sheet.cells[(r, c)] = data
            book.sheets.append(sheet)
        self.books[key] = book
        return book

    def book(self, key: str) -> Book:
        return self.books[key]

    def fail_next(self, n: int, status: int = 429) -> None:
        """The next ``n`` API calls (not token requests) answer ``status``."""
        with self.lock:
            self._failures = (n, status)

    def fail_always(self, status: int = 500) -> None:
        self.fail_next(10**9, status)

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.requests.clear()
            self.queries.clear()

    def api_calls(self) -> int:
        return sum(self.counts[name] for name in self.API_CALLS)

    # --- dispatch

    def handle(self, method: str, url: str, headers: Any, body: bytes) -> tuple[int, Json]:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        path = parts.path
        with self.lock:
            try:
                if path == "/token" and method == "POST":
                    self.counts["token"] += 1
                    return 200, self._token(body)
                name, key, rest = self._route(method, path)
                self.counts[name] += 1
                payload = json.loads(body) if body else {}
                self.requests.append((name, payload))
                self.queries.append((name, query))
                _refuse_invalid(name, payload if method == "POST" else None, query)
                left, status = self._failures
                if left > 0:
                    self._failures = (left - 1, status)
                    return status, _error(status, "Injected failure", _STATUS.get(status, "X"))
                book = self._authorise(headers, key, writing=method == "POST")
                return 200, self._call(name, book, rest, query, payload)
            except ApiError as exc:
                return exc.code, _error(exc.code, exc.message, exc.status)
            except TokenError as exc:
                return 400, {"error": "invalid_grant", "error_description": str(exc)}

    def _route(self, method: str, path: str) -> tuple[str, str, str]:
        m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        if not m:
            raise ApiError(404, f"Not found: {path}", "NOT_FOUND")
        key, rest = m[1], unquote(m[2])
        routes = {("GET", ""): "spreadsheets.get", ("POST", ":batchUpdate"):
                  "spreadsheets.batchUpdate", ("GET", "/values:batchGet"): "values.batchGet",
                  ("POST", "/values:batchUpdate"): "values.batchUpdate"}
        if (method, rest) in routes:
            return routes[(method, rest)], key, rest
        if method == "POST" and rest.startswith("/values/") and rest.endswith(":clear"):
            return "values.clear", key, rest[len("/values/"):-len(":clear")]
        raise ApiError(404, f"Not found: {path}", "NOT_FOUND")

    def _authorise(self, headers: Any, key: str, writing: bool) -> Book:
        auth = headers.get("Authorization", "")
        email = self.tokens.get(auth.removeprefix("Bearer "))
        if not email:
            raise ApiError(401, "Request had invalid authentication credentials.",
                           "UNAUTHENTICATED")
        book = self.books.get(key)
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        role = book.shared.get(email)
        if role is None or (writing and role != "writer"):
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
        return book

    def _call(self, name: str, book: Book, rest: str, query: dict[str, list[str]],
              payload: Json) -> Json:
        if name == "spreadsheets.get":
            return self._get(book, query)
        if name == "values.batchGet":
            return self._batch_get(book, query)
        if name == "values.batchUpdate":
            return self._values_update(book, payload)
        if name == "values.clear":
            sheet_title, part = split_range(rest)
            sheet = book.titled(sheet_title)
            r0, r1, c0, c1 = bounds(sheet, part)
            for (r, c), data in sheet.cells.items():
                if r0 <= r < r1 and c0 <= c < c1:
                    data.pop("userEnteredValue", None)
                    data.pop("effectiveValue", None)
            return {"spreadsheetId": book.key, "clearedRange": rest}
        return self._batch_update(book, payload)

    # --- token endpoint

    def _token(self, body: bytes) -> Json:
        form = parse_qs(body.decode())
        assertion = form.get("assertion", [""])[0]
        try:
            head, claims, sig = assertion.split(".")
            payload = json.loads(_b64(claims))
            account = self.accounts[payload["iss"]]
            account.public_key.verify(_b64(sig), f"{head}.{claims}".encode(),
                                      padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            raise TokenError("Invalid JWT Signature.") from None
        token = "tok-" + secrets.token_urlsafe(12)
        self.tokens[token] = account.email
        return {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    # --- reads

    def _get(self, book: Book, query: dict[str, list[str]]) -> Json:
        fields = query.get("fields", [None])[0]
        tree = parse_fields(fields) if fields else None
        if tree is None:  # like the real API, includeGridData only counts without a mask
            wants_data = query.get("includeGridData", ["false"])[0] == "true"
        else:
            chosen = tree.get("sheets", {})
            wants_data = chosen is None or "data" in chosen or "*" in chosen
        sheets = []
        for s in book.sheets:
            entry: Json = {"properties": s.properties()}
            if s.conditional_formats:
                entry["conditionalFormats"] = [rule_as_read(r) for r in s.conditional_formats]
            if s.basic_filter:
                entry["basicFilter"] = {**copy.deepcopy(s.basic_filter),
                                        "range": range_as_read(s.basic_filter["range"])}
            if wants_data:
                entry["data"] = [_grid_data(s, formats=_wants_formats(tree))]
            sheets.append(entry)
        full = {"spreadsheetId": book.key,
                "properties": {"title": book.title, "locale": "en_GB",
                               "timeZone": "Europe/London"},
                "sheets": sheets,
                "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.key}/edit"}
        return apply_mask(full, tree)  # type: ignore[return-value]

    def _batch_get(self, book: Book, query: dict[str, list[str]]) -> Json:
        value_option = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        date_option = query.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0]
        out = []
        for text in query.get("ranges", []):
            title, part = split_range(text)
            sheet = book.titled(title)
            r0, r1, c0, c1 = bounds(sheet, part)
            rows_used, cols_used = sheet.extent()
            r1, c1 = min(r1, rows_used), min(c1, cols_used)
            values = []
            for r in range(r0, r1):
                row = [render(sheet.cells.get((r, c), {}), value_option, date_option)
                       for c in range(c0, c1)]
                while row and row[-1] == "":
                    row.pop()
                values.append(row)
            while values and not values[-1]:
                values.pop()
            a1 = f"'{title}'!{column_letter(c0)}{r0 + 1}:{column_letter(max(c1, c0 + 1) - 1)}"
            entry: Json = {"range": f"{a1}{max(r1, r0 + 1)}", "majorDimension": "ROWS"}
            if values:
                entry["values"] = values
            out.append(entry)
        return {"spreadsheetId": book.key, "valueRanges": out}

    # --- writes

    def _values_update(self, book: Book, payload: Json) -> Json:
        raw = payload.get("valueInputOption") == "RAW"
        for item in payload.get("data", []):
            title, part = split_range(item["range"])
            sheet = book.titled(title)
            r0, _, c0, _ = bounds(sheet, part)
            for dr, row in enumerate(item.get("values", [])):
                for dc, value in enumerate(row):
                    _check_grid(sheet, r0 + dr, c0 + dc)
                    data = sheet.cells.setdefault((r0 + dr, c0 + dc), {})
                    data.pop("effectiveValue", None)
                    if isinstance(value, str) and value.startswith("=") and not raw:
                        data["userEnteredValue"] = {"formulaValue": value}
                    elif value == "" or value is None:
                        data.pop("userEnteredValue", None)
                    else:
                        data["userEnteredValue"] = cell_data(value)["userEnteredValue"]
        return {"spreadsheetId": book.key}

    def _batch_update(self, book: Book, payload: Json) -> Json:
        requests = payload.get("requests") or []
        if not requests:
            raise bad_request("Must specify at least one request.")
        work = copy.deepcopy(book)  # all or nothing
        replies = [_apply(work, req) for req in requests]
        self.books[book.key] = work
        return {"spreadsheetId": book.key, "replies": replies}


class TokenError(Exception):
    pass


_STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
           429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
           504: "DEADLINE_EXCEEDED"}


def _error(code: int, message: str, status: str) -> Json:
    return {"error": {"code": code, "message": message, "status": status}}


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _wants_formats(tree: Json | None) -> bool:
    """Whether a fields mask can include cell formats (the metadata call asks for notes only,
    and converting every cell's format for nothing would slow the tests)."""
    node: Json | None = tree
    for name in ("sheets", "data", "rowData", "values", "userEnteredFormat"):
        if node is None or "*" in node:
            return True  # no mask below this point: everything is sent
        if name not in node:
            return False
        node = node[name]
    return True


def _grid_data(sheet: Sheet, formats: bool = True) -> Json:
    rows_used, _ = sheet.extent()
    widths: dict[int, int] = {}
    for (r, c), d in sheet.cells.items():
        if d:
            widths[r] = max(widths.get(r, 0), c + 1)
    row_data = []
    for r in range(rows_used):
        width = widths.get(r, 0)
        values = []
        for c in range(width):
            data = copy.deepcopy(sheet.cells.get((r, c), {}))
            if formats and "userEnteredFormat" in data:
                data["userEnteredFormat"] = format_as_read(data["userEnteredFormat"])
            if data.get("userEnteredValue"):
                data["effectiveValue"] = {"v": effective(data)}
            values.append(data)
        row_data.append({"values": values} if values else {})
    return {"startRow": 0, "startColumn": 0, "rowData": row_data}


def _check_grid(sheet: Sheet, r: int, c: int) -> None:
    if r >= sheet.rows or c >= sheet.cols:
        raise bad_request(
            f"Range ('{sheet.title}'!{column_letter(c)}{r + 1}) exceeds grid limits. "
            f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
        )


def _grid_range(book: Book, gr: Json) -> tuple[Sheet, int, int, int, int]:
    sheet = book.by_id(gr.get("sheetId", 0))
    r0, r1 = gr.get("startRowIndex", 0), gr.get("endRowIndex", sheet.rows)
    c0, c1 = gr.get("startColumnIndex", 0), gr.get("endColumnIndex", sheet.cols)
    if r1 > sheet.rows or c1 > sheet.cols:
        _check_grid(sheet, r1 - 1, c1 - 1)
    return sheet, r0, r1, c0, c1


def _set_fields(data: Json, new: Json, fields: str) -> None:
    names = ["userEnteredValue", "note", "userEnteredFormat"] if fields.strip() == "*" else [
        f.strip() for f in fields.split(",")]
    for name in names:
        if name not in ("userEnteredValue", "note", "userEnteredFormat"):
            raise bad_request(f"Invalid field mask for CellData: {name}")
        if name == "userEnteredValue":
            data.pop("effectiveValue", None)
        if new.get(name) not in (None, "", {}):
            data[name] = (format_as_read(new[name]) if name == "userEnteredFormat"
                          else copy.deepcopy(new[name]))
        else:
            data.pop(name, None)


def _apply(book: Book, req: Json) -> Json:
    (kind, body), = req.items()
    if kind == "addSheet":
        props = body.get("properties", {})
        title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
        if any(s.title == title for s in book.sheets):
            raise bad_request(f'A sheet with the name "{title}" already exists. '
                              "Please enter another name.")
        sheet_id = props.get("sheetId", book.next_id)
        if any(s.sheet_id == sheet_id for s in book.sheets):
            raise bad_request(f"Sheet ID {sheet_id} already exists")
        book.next_id = max(book.next_id, sheet_id) + 1
        grid = props.get("gridProperties", {})
        sheet = Sheet(sheet_id, title, props.get("index", len(book.sheets)),
                      rows=grid.get("rowCount", 1000), cols=grid.get("columnCount", 26),
                      frozen_rows=grid.get("frozenRowCount", 0))
        book.sheets.insert(sheet.index, sheet)
        for i, s in enumerate(book.sheets):
            s.index = i
        return {"addSheet": {"properties": sheet.properties()}}
    if kind == "updateCells":
        fields = body["fields"]
        if "range" in body:
            sheet, r0, r1, c0, c1 = _grid_range(book, body["range"])
            for (r, c), data in sheet.cells.items():  # cells the rows leave out are cleared
                if r0 <= r < r1 and c0 <= c < c1:
                    _set_fields(data, {}, fields)
        else:
            start = body["start"]
            sheet = book.by_id(start.get("sheetId", 0))
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        for dr, row in enumerate(body.get("rows", [])):
            for dc, new in enumerate(row.get("values", [])):
                _check_grid(sheet, r0 + dr, c0 + dc)
                _set_fields(sheet.cells.setdefault((r0 + dr, c0 + dc), {}), new, fields)
        return {}
    if kind == "repeatCell":
        sheet, r0, r1, c0, c1 = _grid_range(book, body["range"])
        for r in range(r0, r1):
            for c in range(c0, c1):
                _set_fields(sheet.cells.setdefault((r, c), {}), body["cell"], body["fields"])
        return {}
    if kind == "updateConditionalFormatRule" and "newIndex" in body:
        return _move_rule(book, body)
    if kind in ("addConditionalFormatRule", "updateConditionalFormatRule"):
        rule = rule_as_read(body["rule"])
        sheets = {_grid_range(book, gr)[0].sheet_id for gr in rule.get("ranges", [])}
        if len(sheets) != 1:
            raise bad_request("All ranges of a conditional format rule must be on one sheet.")
        sheet = book.by_id(sheets.pop())
        index = body.get("index", 0)
        if kind == "addConditionalFormatRule":
            sheet.conditional_formats.insert(index, rule)
            return {}
        if not 0 <= index < len(sheet.conditional_formats):
            raise bad_request(f"No conditional format on sheet at index {index}")
        old, sheet.conditional_formats[index] = sheet.conditional_formats[index], rule
        return {"updateConditionalFormatRule": {"newRule": rule, "oldRule": old,
                                                "newIndex": index, "oldIndex": index}}
    if kind == "deleteConditionalFormatRule":
        sheet = book.by_id(body.get("sheetId", 0))
        index = body.get("index", 0)
        if not 0 <= index < len(sheet.conditional_formats):
            raise bad_request(f"No conditional format on sheet: {sheet.sheet_id} at index: {index}")
        return {"deleteConditionalFormatRule": {"rule": sheet.conditional_formats.pop(index)}}
    if kind == "setDataValidation":
        # SetDataValidationRequest (spreadsheets/request#setdatavalidationrequest): the rule on
        # every cell of the range, or none when "rule" is left out; read back as the cell's
        # dataValidation.
        sheet, r0, r1, c0, c1 = _grid_range(book, body["range"])
        for r in range(r0, r1):
            for c in range(c0, c1):
                _check_grid(sheet, r, c)
                data = sheet.cells.setdefault((r, c), {})
                if "rule" in body:
                    data["dataValidation"] = copy.deepcopy(body["rule"])
                else:
                    data.pop("dataValidation", None)
        return {}
    if kind == "updateSheetProperties":
        props = body["properties"]
        sheet = book.by_id(props.get("sheetId", 0))
        for name in body["fields"].split(","):
            name = name.strip()
            grid = props.get("gridProperties", {})
            if name == "title":
                sheet.title = props["title"]
            elif name == "gridProperties.frozenRowCount":
                sheet.frozen_rows = grid.get("frozenRowCount", 0)
            elif name == "gridProperties.rowCount":
                sheet.rows = grid["rowCount"]
            elif name == "gridProperties.columnCount":
                sheet.cols = grid["columnCount"]
            else:
                raise bad_request(f"Unsupported field: {name}")
        return {}
    if kind == "updateDimensionProperties":
        # DimensionRange: startIndex inclusive, endIndex exclusive (the discovery document).
        rng = body["range"]
        sheet = book.by_id(rng.get("sheetId", 0))
        if rng.get("dimension") != "COLUMNS" or body.get("fields") != "pixelSize":
            raise bad_request("Unsupported dimension update")
        for c in range(rng.get("startIndex", 0), rng.get("endIndex", sheet.cols)):
            if c >= sheet.cols:
                raise bad_request(f"Invalid requests[0].updateDimensionProperties: column {c} "
                                  "is beyond the sheet")
            sheet.column_pixels[c] = body["properties"]["pixelSize"]
        return {}
    if kind == "setBasicFilter":
        rng = body["filter"]["range"]
        _grid_range(book, rng)
        book.by_id(rng.get("sheetId", 0)).basic_filter = copy.deepcopy(body["filter"])
        return {}
    if kind == "clearBasicFilter":
        book.by_id(body.get("sheetId", 0)).basic_filter = None
        return {}
    if kind == "updateSpreadsheetProperties":
        if "title" in body.get("fields", ""):
            book.title = body["properties"]["title"]
        return {}
    raise bad_request(f"Unsupported request: {kind}")


# ---------------------------------------------------------------- the form the real API reads back
# (evidence in the module docstring)


@functools.lru_cache(maxsize=4096)  # colours repeat: a tab of marks has a handful
def f32(number: float) -> float | int:
    """A number as the API sends a 32-bit float back: the shortest decimal that is the same
    float32, and a whole number without ".0" (0.25882354, 1)."""
    value = struct.unpack("f", struct.pack("f", float(number)))[0]
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if struct.pack("f", float(text)) == struct.pack("f", value):
            shown = float(text)
            return int(shown) if shown.is_integer() else shown
    return value  # pragma: no cover - nine digits always round-trip a float32


def colour_as_read(colour: Json) -> Json:
    out: Json = {}
    for name in ("red", "green", "blue"):
        if colour.get(name):  # 0 and left out read back the same: left out
            out[name] = f32(colour[name])
    if "alpha" in colour:  # a wrapped float: kept when given, even 0
        out["alpha"] = f32(colour["alpha"])
    return out


def format_as_read(fmt: Json) -> Json:
    """A CellFormat (or part of one) with every colour in both forms, as the API reads back."""
    return json.loads(_format_as_read(json.dumps(fmt, sort_keys=True)))  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=1024)  # the same few formats on thousands of cells
def _format_as_read(fmt_json: str) -> str:
    return json.dumps(_formats_as_read(json.loads(fmt_json)))


def _formats_as_read(fmt: Json) -> Json:
    out: Json = {}
    for key, value in fmt.items():
        if key.endswith("Style") and isinstance(value, dict) and (
                "rgbColor" in value or "themeColor" in value):
            continue  # folded in with its twin below
        if isinstance(value, dict) and (key.endswith("Color") or key == "color"):
            continue
        out[key] = _formats_as_read(value) if isinstance(value, dict) else copy.deepcopy(value)
    for key, value in fmt.items():
        plain, style = (key[:-5], key) if key.endswith("Style") else (key, key + "Style")
        if not isinstance(value, dict) or not (
                key.endswith(("Color", "ColorStyle")) or key in ("color", "colorStyle")):
            continue
        chosen = fmt.get(style)  # the Style field wins, as the discovery document says
        if isinstance(chosen, dict) and "themeColor" in chosen:
            out[style] = {"themeColor": chosen["themeColor"]}
            continue
        rgb = chosen.get("rgbColor", {}) if isinstance(chosen, dict) else fmt.get(plain, {})
        out[plain] = colour_as_read(rgb)
        out[style] = {"rgbColor": colour_as_read(rgb)}
    return out


def range_as_read(grid_range: Json) -> Json:
    return {k: v for k, v in grid_range.items() if not (k == "sheetId" and v == 0)}


def rule_as_read(rule: Json) -> Json:
    out = copy.deepcopy(rule)
    out["ranges"] = [range_as_read(gr) for gr in rule.get("ranges", [])]
    if "booleanRule" in out and "format" in out["booleanRule"]:
        out["booleanRule"]["format"] = format_as_read(out["booleanRule"]["format"])
    return out


def _refuse_invalid(call: str, body: Json | None, query: dict[str, list[str]]) -> None:
    """Refuse a call the real API would refuse before doing anything (its 400 wording).
    Only where google-api-python-client (a test dependency: the document's source) is
    installed: `pip install -e '.[bench]'` alone runs the benchmark without it, and
    tests/test_google_discovery.py fails when it is missing from a test install."""
    from tests.sheets_discovery import check_call, document_available

    if not document_available():
        return
    refused = [p for p in check_call(call, body, query) if p.refused]
    if refused:
        first = refused[0]
        if first.kind == "unknown":
            name = first.where.rsplit(".", 1)[-1]
            raise bad_request(f'Invalid JSON payload received. Unknown name "{name}" at '
                              f"'{first.where}': Cannot find field.")
        raise bad_request(f"Invalid value at '{first.where}': {first.detail}")


def _move_rule(book: Book, body: Json) -> Json:
    if "rule" in body:
        raise bad_request("Invalid value at 'requests.update_conditional_format_rule': "
                          "oneof field 'instruction' is already set; give rule or newIndex.")
    sheet = book.by_id(body.get("sheetId", 0))
    rules = sheet.conditional_formats
    index, new_index = body.get("index", 0), body["newIndex"]
    if not (0 <= index < len(rules) and 0 <= new_index < len(rules)):
        raise bad_request(f"No conditional format on sheet: {sheet.sheet_id} at index: {index}")
    rule = rules.pop(index)
    rules.insert(new_index, rule)
    return {"updateConditionalFormatRule": {"newRule": rule, "newIndex": new_index,
                                            "oldIndex": index}}


# ---------------------------------------------------------------- HTTP


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSheets/1"
    api: SheetsServer

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload = self.api.handle(method, self.path, self.headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running_server() -> Iterator[SheetsServer]:
    """A SheetsServer listening on 127.0.0.1 (a free port) for the duration of the block."""
    api = SheetsServer()
    handler = type("Handler", (_Handler,), {"api": api})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    api.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    with serving(httpd):
        yield api


def tabs_from_xlsx(path: Path) -> dict[str, list[list[object]]]:
    """Every tab of a real .xlsx as rows of values, ready for ``add_spreadsheet`` (dates
    become serial numbers there, as in a Google Sheet)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    try:
        return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets}
    finally:
        wb.close()


FAST_RETRY = {"retry_attempts": 4, "retry_first_wait_seconds": 0.01,
              "retry_max_wait_seconds": 0.05, "give_up_after_seconds": 5,
              "request_timeout_seconds": 10}


def google_config_data(api: SheetsServer, key_file: Path, spreadsheet: str,
                       today: dt.date | None = None, **google: object) -> Json:
    """A config (as parsed TOML) for the Google backend pointed at this server, with short
    retry waits so that tests stay quick."""
    data: Json = {
        "source": {"kind": "google", "spreadsheet": spreadsheet, "credentials": str(key_file)},
        "google": {"api_base": api.url, **FAST_RETRY, **google},
    }
    if today is not None:
        data["today"] = today.isoformat()
    return data


def tabs_from_tables(data: dict[str, list[dict[str, object]]],
                    names: dict[str, str] | None = None) -> dict[str, list[list[object]]]:
    """tests/builders.py tables (rows as dicts keyed by header) -> tabs for add_spreadsheet,
    without writing an .xlsx first (quicker for thousands of rows)."""
    titles = {"members": "Members", "projects": "Projects", "actions": "Actions",
              "meetings": "Meetings", **(names or {})}
    tabs = {}
    for key, rows in data.items():
        header = list(rows[0]) if rows else []
        tabs[titles.get(key, key)] = [header, *[[row.get(h) for h in header] for row in rows]]
    return tabs
