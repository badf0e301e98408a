"""The whole answers loop with the board's state in PostgreSQL (`[state] url`, a real server,
tests/pg_server.py): a reminder sent -> the owner's answer in the maildir -> a row on the
Updates tab -> an officer chooses Apply -> the value in the tracker -> one thank-you; a later
pass changes nothing. Each pass is the service's check job under the board's lock, as
`coprod run` does it; every record lands in the database and no state file is made."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pytest

from automations import app
from automations.backends.updates import UPDATES_TAB
from automations.core.store import STATE_FILE
from automations.pipeline import validate
from automations.service.due import load_schedule
from automations.service.lock import board_lock
from automations.service.loop import check_job
from automations.starter.sample import build_sample
from tests.conftest import PG_PASSWORD_ENV
from tests.digest_setup import SAMPLE_NOW, SAMPLE_TODAY, make_config, outbox_messages
from tests.inbox_helpers import first_press
from tests.test_inbox_loop import KEY, UPDATES, actions_row, every_cell, officer_chooses


def a_pass(cfg: Any, now: dt.datetime) -> dict[str, int]:
    """The check job as a pass runs it (mark the sheet, read, apply, thank), under the lock."""
    with board_lock(cfg, "coprod run --once (test)"):
        outcome = check_job(cfg, load_schedule(cfg), validate(cfg, SAMPLE_TODAY), now, now)
    assert outcome.ok, outcome.summary
    return outcome.counts


def reply_to_a_sent_reminder(cfg: Any, label: str, words: str) -> tuple[EmailMessage, str]:
    """A reminder from the outbox with its answer buttons; the button pressed; the email the
    owner's mail app sends."""
    return first_press(outbox_messages(cfg).values(), label, words)


def rows(pg_server: Any, url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, password=pg_server.password, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def thanks(cfg: Any) -> list[EmailMessage]:
    return [m for m in outbox_messages(cfg).values() if "update on" in m["Subject"]]


def test_the_answers_loop_with_the_state_in_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_server: Any, pg_url: str
) -> None:
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY)
    workbook = build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    (tmp_path / "mailbox").mkdir()
    state = {"url": pg_url, "password_env": PG_PASSWORD_ENV, "board": "cpb"}
    cfg = make_config(tmp_path, workbook, SAMPLE_TODAY, reminders={}, updates=UPDATES, state=state)

    # The owners' reminders go out, recorded in the database's ledger.
    with board_lock(cfg, "coprod remind --send (test)"):
        sent = app.send_reminders(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert sent and all(o.status == "sent" for o in sent)
    reminded = rows(pg_server, pg_url, "SELECT state FROM coprod_cpb.reminder_recipients")
    assert reminded and {r[0] for r in reminded} == {"sent"}

    # One owner presses "Done" and adds a sentence; the answer lands in the maildir.
    reply, action_id = reply_to_a_sent_reminder(cfg, "Done", "Sent to all providers.")
    (tmp_path / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    before = actions_row(workbook, action_id)

    # Pass 1: read into a waiting proposal on the Updates tab; the owner is thanked.
    counts = a_pass(cfg, SAMPLE_NOW)
    assert (counts["answers_read"], counts["answers_applied"], counts["answers_thanked"]) == (
        1,
        0,
        1,
    )
    [(pid, state_now)] = rows(
        pg_server, pg_url, "SELECT id, state FROM coprod_cpb.update_proposals"
    )
    assert state_now == "waiting"
    tab = openpyxl.load_workbook(workbook)[UPDATES_TAB]
    assert tab["A4"].value == str(pid) and tab["D4"].value == action_id and tab["H4"].value is None
    assert actions_row(workbook, action_id) == before  # nothing applied before an officer says
    [thank_you] = thanks(cfg)
    assert thank_you["In-Reply-To"] == reply["Message-ID"]

    # An officer chooses Apply and saves; pass 2 writes the value into the tracker.
    officer_chooses(workbook, pid, "Apply")
    counts = a_pass(cfg, SAMPLE_NOW + dt.timedelta(hours=1))
    assert (counts["answers_read"], counts["answers_applied"], counts["answers_thanked"]) == (
        0,
        1,
        0,
    )
    after = actions_row(workbook, action_id)
    assert after["Status"][0] == "Done" and before["Status"][0] != "Done"
    assert "Sent to all providers." in after["Update"][0]
    written = rows(
        pg_server, pg_url, 'SELECT answer, "column", new FROM coprod_cpb.update_changes ORDER BY id'
    )
    assert (pid, "Status", "Done") in written
    assert rows(pg_server, pg_url, "SELECT state FROM coprod_cpb.update_proposals") == [
        ("applied",)
    ]
    assert len(thanks(cfg)) == 1  # thanked once, not again when applied

    # Pass 3 changes nothing: no answer read again, nothing written, nobody mailed.
    cells = every_cell(workbook)
    tab_rows = [[c.value for c in r] for r in openpyxl.load_workbook(workbook)[UPDATES_TAB].rows]
    mail = sorted(outbox_messages(cfg))
    counts = a_pass(cfg, SAMPLE_NOW + dt.timedelta(hours=2))
    assert (counts["answers_read"], counts["answers_applied"], counts["answers_thanked"]) == (
        0,
        0,
        0,
    )
    assert every_cell(workbook) == cells
    assert [[c.value for c in r] for r in openpyxl.load_workbook(workbook)[UPDATES_TAB].rows] == (
        tab_rows
    )
    assert sorted(outbox_messages(cfg)) == mail
    assert rows(pg_server, pg_url, "SELECT count(*) FROM coprod_cpb.update_changes") == [
        (len(written),)
    ]
    [(thanked,)] = rows(pg_server, pg_url, "SELECT state FROM coprod_cpb.answer_recipients")
    assert thanked == "sent"
    assert not (cfg.state_dir / STATE_FILE).exists()  # nothing went to a state file
