"""Google Sheets API calls per run, counted on the local Sheets API server from the tests.

The real gspread and google-auth clients talk HTTP to tests/sheets_api_server.py on 127.0.0.1,
so the counts are what Google would see. The naive figure is what a straightforward gspread
script would make: one read per tab, then one call per marked cell (fill and note together),
then one call for the Validation tab.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from automations.app import write_back
from automations.backends.marks import plan_marks
from automations.core.config import parse_config
from automations.pipeline import validate

KEY = "1BenchBoardKey_abcdefghijkl"
EMAIL = "coprod@board-bench.iam.gserviceaccount.com"
TABS = 4


@dataclass(frozen=True)
class GoogleCalls:
    rows: int
    first_reads: int  # API calls (not counting the one token request) to read
    first_writes: int  # API calls to write the marks on a first run
    again: int  # API calls for a second run that finds the same (read + write)
    marked: int  # cells marked on the first run
    naive: int  # a naive gspread approach, first run

    @property
    def first_total(self) -> int:
        return self.first_reads + self.first_writes


def available() -> str | None:
    """None when the local server can be used, else why not."""
    try:
        import tests.sheets_api_server  # noqa: F401
    except ImportError as exc:
        return f"tests/sheets_api_server.py cannot be imported ({exc})"
    return None


def count_calls(path: Path, rows: int, today: dt.date, now: dt.datetime) -> GoogleCalls:
    """Load the workbook at ``path`` into a local Sheet, validate and mark it twice."""
    from tests.sheets_api_server import google_config_data, running_server, tabs_from_xlsx

    tabs = tabs_from_xlsx(path)
    with running_server() as api, tempfile.TemporaryDirectory() as tmp:
        key_file = api.add_account(Path(tmp), EMAIL)
        api.add_spreadsheet(KEY, tabs, shared={EMAIL: "writer"})
        cfg = parse_config(google_config_data(api, key_file, KEY, today), None)

        api.reset_counts()
        first = validate(cfg, today)
        reads = api.api_calls()
        api.reset_counts()
        write_back(cfg, first, now)
        writes = api.api_calls()

        api.reset_counts()
        second = validate(cfg, today)
        write_back(cfg, second, now + dt.timedelta(hours=1))
        again = api.api_calls()

    marked = len(plan_marks(first.report, now).cells)
    return GoogleCalls(rows, reads, writes, again, marked, naive=TABS + marked + 1)
