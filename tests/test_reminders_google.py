"""Owner reminders from a Google Sheet link each action to its own row ("how to send an
update": Google Sheets only). Real gspread and google-auth talk to tests/sheets_api_server.py on
127.0.0.1; the reminders go through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from automations.digests import reminders
from automations.pipeline import validate
from tests.digest_setup import make_config, parts
from tests.fault_matrix import mail_config
from tests.sheets_api_server import EMAIL, KEY, SheetsServer, google_config_data, tabs_from_tables
from tests.smtp_server import FaultServer
from tests.test_reminders import OFFICERS, WED, at, board_tables, by_recipient, make_board, words

ACTIONS_GID = 1538476529  # a tab added after the first gets an id like this one in Google Sheets


def google_board(tmp_path: Path, api: SheetsServer, key_file: Path, port: int):
    tabs = tabs_from_tables(board_tables())
    tabs["Actions"].insert(0, ["Board action log"])  # a title row: the header is on row 2
    api.add_spreadsheet(KEY, tabs, title="Board tracker", shared={EMAIL: "writer"})
    api.book(KEY).sheet("Actions").sheet_id = ACTIONS_GID
    google = google_config_data(api, key_file, KEY)
    cfg = make_config(
        tmp_path, tmp_path / "unused.xlsx", WED, source=google["source"], google=google["google"],
        mail=mail_config(port), reminders={"officers_copy": f"Board officers <{OFFICERS}>"},
    )
    return cfg, validate(cfg, WED)


def row_link(row: int) -> str:
    return (f"https://docs.google.com/spreadsheets/d/{KEY}/edit?gid={ACTIONS_GID}"
            f"#gid={ACTIONS_GID}&range=A{row}")


def test_each_action_links_to_its_row_in_the_google_sheet(tmp_path, api, key_file) -> None:
    with FaultServer() as server:
        cfg, validation = google_board(tmp_path, api, key_file, server.port)
        sent = reminders.send_due(cfg, validation, at(WED))
        assert {o.status for o in sent} == {"sent"}
    mail = by_recipient(server)
    # Cara's actions A1, A2 and A3 are the sheet's rows 3, 4 and 5 (a title row, the header).
    text, body = parts(mail["m03@example.org"][0])
    for row in (3, 4, 5):
        assert f"Its row in the tracker: {row_link(row)}" in text
        assert f'href="{html.escape(row_link(row))}"' in body  # & written &amp; in HTML
    assert row_link(6) not in text  # A4 is done: not listed, not linked
    assert "the link under each action opens its row" in text
    # Dev reads easy read: the same link, in easy words. A6 is the sheet's row 8.
    easy_text, easy_html = parts(mail["m04@example.org"][0])
    assert f"See this job in the tracker: {row_link(8)}" in easy_text
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>See this job in the tracker</a>', easy_html)
    assert link is not None and html.unescape(link[1]) == row_link(8)


def test_a_file_tracker_has_no_row_links(tmp_path) -> None:
    with FaultServer() as server:
        cfg, validation = make_board(tmp_path, server.port)
        reminders.send_due(cfg, validation, at(WED))
    for copies in by_recipient(server).values():
        for msg in copies:
            assert "docs.google.com" not in words(msg)
            assert "in the tracker:" not in words(msg)
