"""Bounded retries against the local Sheets server: rate limits, server errors, lost servers.

Waits are configured to hundredths of a second so the tests stay quick; what is asserted is the
number of tries the server saw and the message people read, never how long it took.
"""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest

from automations.app import write_back
from automations.backends.google.source import GoogleSheetSource
from automations.backends.marks import rule_severity
from automations.core.config import parse_config
from automations.core.errors import SourceError
from automations.core.findings import Severity
from automations.core.retry import GaveUp, RetryPolicy, call_with_retry
from automations.pipeline import validate
from tests.builders import TODAY, D, edit, tables
from tests.sheets_api_server import (
    EMAIL,
    KEY,
    SheetsServer,
    google_config_data,
    tabs_from_tables,
)


def cfg(api: SheetsServer, key_file: Path, **google: object):
    return parse_config(google_config_data(api, key_file, KEY, TODAY, **google), None)


def board(api: SheetsServer) -> None:
    data = edit(tables(), "actions", 0, Due=D(2024, 2, 20))
    api.add_spreadsheet(KEY, tabs_from_tables(data), shared={EMAIL: "writer"})


def test_three_rate_limits_then_success(api, key_file):
    board(api)
    api.fail_next(3, status=429)
    report = validate(cfg(api, key_file, retry_attempts=4), TODAY).report
    assert [f.rule for f in report.findings] == ["tor.actions.overdue"]
    assert api.counts["spreadsheets.get"] == 4  # three refused, the fourth answered
    assert api.counts["values.batchGet"] == 1


def test_server_error_forever_gives_up_with_a_clear_message(api, key_file):
    board(api)
    api.fail_always(500)
    with pytest.raises(SourceError) as err:
        GoogleSheetSource.from_config(cfg(api, key_file, retry_attempts=4)).read()
    message = str(err.value)
    assert "Google Sheets had a problem on its side (status 500)" in message
    assert "Gave up after 4 tries" in message and "Try again later" in message
    assert api.counts["spreadsheets.get"] == 4


def test_time_limit_ends_retries_before_the_tries_run_out(api, key_file):
    board(api)
    api.fail_always(503)
    settings = {"retry_attempts": 50, "retry_first_wait_seconds": 0.05,
                "retry_max_wait_seconds": 0.05, "give_up_after_seconds": 0.2}
    with pytest.raises(SourceError, match=r"and the 0\.2 seconds allowed"):
        GoogleSheetSource.from_config(cfg(api, key_file, **settings)).read()
    assert 1 < api.counts["spreadsheets.get"] < 1000


def test_no_server_at_all(api, key_file):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(SourceError, match=r"Could not connect to Google Sheets.*Gave up after 4"):
        GoogleSheetSource.from_config(cfg(api, key_file, api_base=dead)).read()


def test_failed_write_is_re_planned_not_repeated(api, key_file):
    """A write that failed may have been applied: we read again and send only what is left,
    so a person's rule is never deleted by replaying an index-based delete."""
    board(api)
    config = cfg(api, key_file)
    result = validate(config, TODAY)
    api.reset_counts()
    api.fail_next(1, status=500)
    written = write_back(config, result, dt.datetime(2024, 3, 1, 9))
    assert written.changed
    assert api.counts["spreadsheets.batchUpdate"] == 2  # the failed one and the retry
    assert api.counts["spreadsheets.get"] == 1  # the fresh state the retry was planned on
    rules = api.book(KEY).sheet("Actions").conditional_formats
    formulas = [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in rules]
    assert [rule_severity(f) for f in formulas] == [Severity.WARNING]


def test_a_key_problem_is_not_retried(api, key_file):
    api.add_spreadsheet(KEY, {"Members": [["Name"]]}, shared={})
    with pytest.raises(SourceError, match="share the sheet"):
        GoogleSheetSource.from_config(cfg(api, key_file)).read()
    assert api.counts["spreadsheets.get"] == 1


def test_backoff_doubles_with_jitter_and_respects_the_deadline():
    policy = RetryPolicy(attempts=10, first_wait=1, max_wait=8, give_up_after=20)
    assert [policy.wait_before(n, rng=lambda: 0.0) for n in (2, 3, 4, 5, 6)] == \
        [0.5, 1, 2, 4, 4]
    assert [policy.wait_before(n, rng=lambda: 1.0) for n in (2, 3, 4, 5, 6)] == [1, 2, 4, 8, 8]
    clock, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    def always_busy() -> None:
        raise ConnectionError("busy")

    # Jitter in the middle (waits 0.75, 1.5, 3, 6, 6): the sixth wait would pass the 20 s.
    with pytest.raises(GaveUp, match=r"busy\. Gave up after 6 tries and the 20 seconds") as err:
        call_with_retry(always_busy, policy=policy, transient=lambda e: True, sleep=sleep,
                        clock=lambda: clock[0], rng=lambda: 0.5)
    assert err.value.attempts == 6 and sum(slept) <= 20
