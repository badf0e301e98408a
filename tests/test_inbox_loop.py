"""The whole loop on the sample board (an .xlsx tracker): a reminder's button -> the owner's
answer in the mailbox -> a row on the Updates tab -> an officer chooses Apply and saves -> the
values in the Actions tab. A second pass changes nothing, and every cell a person typed that the
answer does not name reads the same before and after."""

from __future__ import annotations

import datetime as dt
import secrets
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from automations import app
from automations.backends.updates import UPDATES_COLUMNS, UPDATES_TAB, UPDATES_TITLE
from automations.digests import reminders
from automations.inbox.proposals import Proposals
from automations.pipeline import validate
from automations.starter.sample import build_sample
from tests.digest_setup import (
    SAMPLE_NOW,
    SAMPLE_TODAY,
    make_config,
    outbox_messages,
    parse,
    parts,
)
from tests.inbox_helpers import first_press

KEY = secrets.token_urlsafe(32)
UPDATES = {"address": "board-updates@example.org", "officers": ["officer@example.org"]}
SKIP_TABS = (UPDATES_TAB, "Validation")


def every_cell(path: Path) -> dict[tuple[str, str], Any]:
    book = openpyxl.load_workbook(path)
    out = {}
    for ws in book.worksheets:
        if ws.title in SKIP_TABS:
            continue
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out[(ws.title, c.coordinate)] = (c.value, c.number_format)
    return out


@pytest.fixture
def loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Path]:
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY)
    workbook = build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    (tmp_path / "mailbox").mkdir()
    cfg = make_config(tmp_path, workbook, SAMPLE_TODAY, reminders={}, updates=UPDATES)
    return cfg, workbook


def answer_listed(cfg: Any, label: str, words: str) -> str:
    """An owner presses ``label`` and writes ``words``; a pass reads the answer and lists it on
    the Updates tab, waiting for an officer. The action's id."""
    reply, action_id = answer_from_reminder(cfg, label, words)
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    app.read_answers(cfg, validation, SAMPLE_NOW)
    app.apply_updates(cfg, validation, SAMPLE_NOW)
    return action_id


def answer_from_reminder(cfg: Any, label: str, words: str) -> tuple[EmailMessage, str]:
    """The first standard reminder with buttons; the button pressed; the email sent."""
    validation = validate(cfg, SAMPLE_TODAY)
    written = reminders.preview(cfg, validation, cfg.base_dir / "out", SAMPLE_NOW, everyone=True)
    return first_press((parse(p.read_bytes()) for p in written if p.suffix == ".eml"), label,
                       words)  # fmt: skip


def actions_row(path: Path, action_id: str) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path)["Actions"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == action_id:
            return {h: (c.value, c.number_format) for h, c in zip(header, row, strict=False)}
    raise AssertionError(action_id)


def officer_chooses(path: Path, answer: int, choice: str) -> None:
    """What an officer does in Excel: the drop-down on the answer's row, then Save."""
    book = openpyxl.load_workbook(path)
    ws = book[UPDATES_TAB]
    for row in ws.iter_rows(min_row=4):
        if str(row[0].value) == str(answer):
            row[UPDATES_COLUMNS.index("Apply")].value = choice
    book.save(path)


def test_answer_to_tracker_on_the_sample_board(loop) -> None:
    cfg, workbook = loop
    reply, action_id = answer_from_reminder(cfg, "Done", "Sent to all providers on Monday.")
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    before_row = actions_row(workbook, action_id)

    # Pass 1: the answer is read and listed on the Updates tab, waiting; nothing else changes.
    validation = validate(cfg, SAMPLE_TODAY)
    assert len(app.read_answers(cfg, validation, SAMPLE_NOW).proposals) == 1
    cells_before = every_cell(workbook)
    first = app.apply_updates(cfg, validation, SAMPLE_NOW)
    assert first is not None and first.changed and not first.applied
    assert every_cell(workbook) == cells_before
    book = openpyxl.load_workbook(workbook)
    ws = book[UPDATES_TAB]
    assert ws["A1"].value == UPDATES_TITLE
    assert [c.value for c in ws[3]] == list(UPDATES_COLUMNS)
    row = [c.value for c in ws[4]]
    assert row[3] == action_id and row[4] == "Done" and row[7] is None
    assert "Sent to all providers" in row[5] and "Status: Done" in row[6]
    [rule] = ws.data_validations.dataValidation
    assert rule.type == "list" and rule.formula1 == '"Apply,Reject"' and "H4" in str(rule.sqref)

    # The owner hears once that the officers will check it (through the send ledger).
    [thanks] = app.acknowledge_answers(cfg, validation, SAMPLE_NOW)
    assert thanks.status == "sent" and app.acknowledge_answers(cfg, validation, SAMPLE_NOW) == []
    [(_, ack)] = [(n, m) for n, m in outbox_messages(cfg).items() if "update on" in m["Subject"]]
    assert ack["To"].addresses[0].addr_spec == reply["From"].addresses[0].addr_spec
    assert ack["In-Reply-To"] == reply["Message-ID"] and ack["Auto-Submitted"] == "auto-generated"
    assert "The officers will check it and update the tracker." in parts(ack)[0]

    # The check marks the workbook as every pass does: the Updates tab is left as it is.
    tab_bytes = openpyxl.load_workbook(workbook)[UPDATES_TAB]["D4"].value
    assert app.write_back(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW).changed
    assert openpyxl.load_workbook(workbook)[UPDATES_TAB]["D4"].value == tab_bytes

    # An officer chooses Apply and saves; the next pass writes the answer into the tracker.
    assert app.preview_updates(cfg, validation, SAMPLE_NOW) == []
    officer_chooses(workbook, 1, "Apply")
    [would] = app.preview_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert would.startswith(f"Would write answer #1 into {action_id}: Status -> Done")
    assert "Update -> its note added" in would
    cells_before = every_cell(workbook)
    validation = validate(cfg, SAMPLE_TODAY)
    second = app.apply_updates(cfg, validation, SAMPLE_NOW)
    assert second is not None and list(second.applied) == [1], second.refused
    after_row = actions_row(workbook, action_id)
    assert after_row["Status"][0] == "Done"
    completed, fmt = after_row["Completed on"]
    assert completed.date() == SAMPLE_TODAY and fmt == before_row["Due"][1]
    assert after_row["Last update"][0].date() == SAMPLE_TODAY
    old_note = before_row["Update"][0] or ""
    new_note = after_row["Update"][0]
    assert new_note.startswith(old_note)
    assert "Sent to all providers on Monday." in new_note and "07 Mar 2024" in new_note
    named = {"Status", "Completed on", "Last update", "Update"}
    ws = openpyxl.load_workbook(workbook)["Actions"]
    header = [c.value for c in ws[1]]
    cells_after = every_cell(workbook)
    changed = {
        k for k in set(cells_before) | set(cells_after) if cells_before.get(k) != cells_after.get(k)
    }
    allowed = {
        (
            "Actions",
            f"{openpyxl.utils.get_column_letter(header.index(h) + 1)}"
            f"{next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == action_id)}",
        )
        for h in named
    }
    assert changed and changed <= allowed
    tab = openpyxl.load_workbook(workbook)[UPDATES_TAB]
    assert tab["I4"].value == f"Applied on {SAMPLE_TODAY.isoformat()}"
    assert tab["H4"].value == "Apply"

    # `coprod updates` shows each cell written, old and new, and how it was approved.
    [listed] = [s.as_json() for s in app.list_updates(cfg)]
    assert {w["column"] for w in listed["written"]} == {
        "Status",
        "Completed on",
        "Last update",
        "Update",
    }
    status = next(w for w in listed["written"] if w["column"] == "Status")
    assert (status["old"], status["new"]) == (before_row["Status"][0], "Done")

    # The state records each change (old and new) and who approved it.
    with Proposals(cfg) as book_state:
        changes = book_state.changes()
        assert {c["column"] for c in changes} == named
        assert all(c["asked_by"] and "officer" in c["approved_by"] for c in changes)
        assert book_state.counts() == {"applied": 1}

    # A second pass changes nothing: the file is not even rewritten.
    data = workbook.read_bytes()
    validation = validate(cfg, SAMPLE_TODAY)
    assert app.read_answers(cfg, validation, SAMPLE_NOW).proposals == []
    third = app.apply_updates(cfg, validation, SAMPLE_NOW)
    assert third is not None and not third.changed
    assert workbook.read_bytes() == data


def test_a_cell_a_person_changed_meanwhile_is_not_overwritten(loop) -> None:
    cfg, workbook = loop
    action_id = answer_listed(cfg, "Done", "Finished.")
    # An officer types a new Status by hand, and (later) approves the answer.
    book = openpyxl.load_workbook(workbook)
    ws = book["Actions"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == action_id:
            status_col = [c.value for c in ws[1]].index("Status") + 1
            ws.cell(r, status_col).value = "Dropped"
    book.save(workbook)
    officer_chooses(workbook, 1, "Apply")
    cells_before = every_cell(workbook)
    result = app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert result is not None and not result.applied
    assert "Status was changed by a person" in result.refused[1]
    assert every_cell(workbook) == cells_before
    tab = openpyxl.load_workbook(workbook)[UPDATES_TAB]
    assert tab["I4"].value.startswith("Not applied: Status was changed by a person")
    with Proposals(cfg) as state:
        assert state.counts() == {"refused": 1}


def test_reject_and_show(loop) -> None:
    cfg, workbook = loop
    reply, _ = answer_from_reminder(cfg, "I need more time", "By 30 April, sorry.")
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    app.read_answers(cfg, validation, SAMPLE_NOW)
    app.apply_updates(cfg, validation, SAMPLE_NOW)
    officer_chooses(workbook, 1, "Reject")
    cells_before = every_cell(workbook)
    result = app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert result is not None and not result.applied and every_cell(workbook) == cells_before
    with Proposals(cfg) as state:
        assert state.counts() == {"rejected": 1}
    assert openpyxl.load_workbook(workbook)[UPDATES_TAB]["I4"].value == "Rejected by an officer"


def test_apply_auto_writes_at_once(loop, tmp_path: Path) -> None:
    cfg, workbook = loop
    cfg = make_config(
        tmp_path, workbook, SAMPLE_TODAY, reminders={}, updates={**UPDATES, "apply": "auto"}
    )
    reply, action_id = answer_from_reminder(cfg, "I need more time", "I can do it by 30/04/2024")
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    app.read_answers(cfg, validation, SAMPLE_NOW)
    result = app.apply_updates(cfg, validation, SAMPLE_NOW)
    assert result is not None and list(result.applied) == [1]
    due = actions_row(workbook, action_id)["Due"][0]
    assert due.date() == dt.date(2024, 4, 30)
    [thanks] = app.acknowledge_answers(cfg, validation, SAMPLE_NOW)
    acks = [m for m in outbox_messages(cfg).values() if "update on" in m["Subject"]]
    assert thanks.status == "sent" and len(acks) == 1
    assert acks[0]["Subject"] == f"Your update on {action_id} is in the tracker"


def test_an_answer_that_could_not_be_matched_gets_no_answer(loop) -> None:
    cfg, _ = loop
    reply, _ = answer_from_reminder(cfg, "Done", "Done.")
    reply.replace_header("From", "Someone Else <someone@example.net>")
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    [p] = app.read_answers(cfg, validation, SAMPLE_NOW).proposals
    assert p.state == "unmatched"
    assert app.acknowledge_answers(cfg, validation, SAMPLE_NOW) == []
    assert not [m for m in outbox_messages(cfg).values() if "update on" in m["Subject"]]


def test_two_answers_for_one_action_approved_in_order_both_go_in(loop) -> None:
    cfg, workbook = loop
    started, action_id = answer_from_reminder(cfg, "Started", "Halfway there.")
    done, same = answer_from_reminder(cfg, "Done", "All finished now.")
    assert same == action_id
    (cfg.base_dir / "mailbox" / "1.eml").write_bytes(started.as_bytes())
    (cfg.base_dir / "mailbox" / "2.eml").write_bytes(done.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    got = app.read_answers(cfg, validation, SAMPLE_NOW).proposals
    assert sorted(p.kind for p in got) == ["done", "started"]
    app.apply_updates(cfg, validation, SAMPLE_NOW)
    before = actions_row(workbook, action_id)["Update"][0] or ""
    officer_chooses(workbook, 1, "Apply")
    officer_chooses(workbook, 2, "Apply")
    result = app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert result is not None and sorted(result.applied) == [1, 2], result.refused
    row = actions_row(workbook, action_id)
    assert row["Status"][0] == "Done"  # the later answer wins
    note = row["Update"][0]
    assert note.startswith(before) and note.index("Halfway there.") < note.index("All finished")
    tab = openpyxl.load_workbook(workbook)[UPDATES_TAB]
    assert [tab["D4"].value, tab["D5"].value] == [action_id, action_id]  # the tab shows both


def test_an_action_deleted_since_is_not_applied(loop) -> None:
    cfg, workbook = loop
    action_id = answer_listed(cfg, "Done", "Done.")
    book = openpyxl.load_workbook(workbook)
    ws = book["Actions"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == action_id)
    ws.delete_rows(row)
    book.save(workbook)
    officer_chooses(workbook, 1, "Apply")
    result = app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert result is not None and not result.applied
    tab = openpyxl.load_workbook(workbook)[UPDATES_TAB]
    assert tab["I4"].value == f"Not applied: {action_id} is no longer on the Actions tab"


def test_a_workbook_saved_by_libreoffice_calc(loop, tmp_path: Path) -> None:
    """The officer chooses Apply in LibreOffice Calc (its own way of writing every part); the
    answer is written into the Calc-saved file, which Calc then opens again."""
    from tests.office import convert

    cfg, workbook = loop
    action_id = answer_listed(cfg, "Done", "Finished it today.")
    officer_chooses(workbook, 1, "Apply")
    saved = convert(workbook, "xlsx:Calc MS Excel 2007 XML", tmp_path / "calc")
    workbook.write_bytes(saved.read_bytes())
    cells_before = every_cell(workbook)
    result = app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert result is not None and list(result.applied) == [1], result.refused
    row = actions_row(workbook, action_id)
    assert row["Status"][0] == "Done" and "Finished it today." in row["Update"][0]
    changed = {k for k, v in every_cell(workbook).items() if cells_before.get(k) != v}
    assert changed and {sheet for sheet, _ in changed} == {"Actions"} and len(changed) <= 4
    again = convert(workbook, "xlsx:Calc MS Excel 2007 XML", tmp_path / "calc-again")
    assert actions_row(again, action_id)["Status"][0] == "Done"
    assert openpyxl.load_workbook(again)[UPDATES_TAB]["I4"].value.startswith("Applied on")


def test_apply_show_lists_and_never_writes(loop, tmp_path: Path) -> None:
    cfg, workbook = loop
    cfg = make_config(
        tmp_path, workbook, SAMPLE_TODAY, reminders={}, updates={**UPDATES, "apply": "show"}
    )
    reply, _ = answer_from_reminder(cfg, "Done", "Done.")
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    [p] = app.read_answers(cfg, validation, SAMPLE_NOW).proposals
    assert p.state == "shown"
    app.apply_updates(cfg, validation, SAMPLE_NOW)
    officer_chooses(workbook, 1, "Apply")
    cells_before = every_cell(workbook)
    result = app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert result is not None and not result.applied and every_cell(workbook) == cells_before
    assert openpyxl.load_workbook(workbook)[UPDATES_TAB]["I4"].value.startswith("Shown only")


def test_choices_saved_while_the_answers_are_worked_out_are_never_lost(loop) -> None:
    from automations.backends.updates import UpdatesPlan, decisions
    from automations.backends.xlsx.values import read_updates_tab, write_updates
    from automations.inbox.approve import tab_rows

    cfg, workbook = loop
    reply, _ = answer_from_reminder(cfg, "Done", "Done.")
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    app.read_answers(cfg, validation, SAMPLE_NOW)
    app.apply_updates(cfg, validation, SAMPLE_NOW)
    choices = decisions(read_updates_tab(workbook))  # the check reads the tab: nothing chosen
    officer_chooses(workbook, 1, "Reject")  # ... and an officer saves a choice meanwhile
    with Proposals(cfg) as book:
        rows = tab_rows(book.all(), choices)
    plan = UpdatesPlan("Actions", rows, (), SAMPLE_NOW, choices)
    result = write_updates(workbook, plan, cfg, SAMPLE_TODAY)
    assert result.stale and not result.changed
    assert openpyxl.load_workbook(workbook)[UPDATES_TAB]["H4"].value == "Reject"
    app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)  # the next check
    with Proposals(cfg) as book:
        assert book.counts() == {"rejected": 1}


def test_a_templates_folder_copied_before_the_thank_you_still_thanks(loop, tmp_path: Path) -> None:
    import shutil

    from automations.core.paths import data_path

    cfg, workbook = loop
    old = tmp_path / "my-templates"
    shutil.copytree(data_path("templates"), old)
    for name in ("answer_thanks.html.j2", "answer_thanks.txt.j2"):
        (old / name).unlink()
    cfg = make_config(
        tmp_path,
        workbook,
        SAMPLE_TODAY,
        reminders={},
        updates=UPDATES,
        paths={"templates_dir": str(old)},
    )
    reply, _ = answer_from_reminder(cfg, "Done", "Done.")
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    app.read_answers(cfg, validation, SAMPLE_NOW)
    [thanks] = app.acknowledge_answers(cfg, validation, SAMPLE_NOW)
    assert thanks.status == "sent", thanks.detail


def test_words_that_look_like_a_formula_stay_text(loop) -> None:
    cfg, workbook = loop
    evil = '=HYPERLINK("https://evil.example/","click") +1 @SUM(A1)'
    action_id = answer_listed(cfg, "Done", evil)
    officer_chooses(workbook, 1, "Apply")
    app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    book = openpyxl.load_workbook(workbook)
    said = book[UPDATES_TAB]["F4"]
    assert said.data_type == "s" and said.value.startswith('=HYPERLINK("https://evil')
    note = actions_row(workbook, action_id)["Update"][0]
    assert evil in note
    import zipfile

    with zipfile.ZipFile(workbook) as z:
        assert not any(
            b"<f>" in z.read(n) and b"HYPERLINK" in z.read(n)
            for n in z.namelist()
            if n.startswith("xl/worksheets/")
        )


def test_an_action_given_to_someone_else_since_is_not_applied(loop) -> None:
    cfg, workbook = loop
    reply, action_id = answer_from_reminder(cfg, "Done", "Done.")
    (cfg.base_dir / "mailbox" / "answer.eml").write_bytes(reply.as_bytes())
    validation = validate(cfg, SAMPLE_TODAY)
    [p] = app.read_answers(cfg, validation, SAMPLE_NOW).proposals
    app.apply_updates(cfg, validation, SAMPLE_NOW)
    book = openpyxl.load_workbook(workbook)
    ws = book["Actions"]
    owner_col = [c.value for c in ws[1]].index("Owner") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == action_id)
    others = {ws.cell(r, owner_col).value for r in range(2, ws.max_row + 1)}
    ws.cell(row, owner_col).value = next(
        o for o in sorted(others, key=str) if o and o != ws.cell(row, owner_col).value
    )
    book.save(workbook)
    officer_chooses(workbook, 1, "Apply")
    result = app.apply_updates(cfg, validate(cfg, SAMPLE_TODAY), SAMPLE_NOW)
    assert result is not None and not result.applied
    tab = openpyxl.load_workbook(workbook)[UPDATES_TAB]
    assert tab["I4"].value == "Not applied: the action's owner has changed since the answer came"
    assert p.sender not in UPDATES["officers"]
