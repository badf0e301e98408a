"""Owner reminders through a real SMTP server on 127.0.0.1 (aiosmtpd): one email per owner per
reminder day listing all their open actions, never twice for the same action and reason, each
member in their own format, confidential actions only to their own owner."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from automations.core.config import Config
from automations.digests import reminders
from automations.pipeline import Validation, validate
from tests.builders import member, tables, write_workbook
from tests.digest_setup import LONDON, make_config, parse, parts
from tests.fault_matrix import mail_config
from tests.smtp_server import FaultServer, free_port

WED = dt.date(2024, 3, 6)  # due on Monday 11 March: three working days before is Wednesday 6th
DUE = dt.date(2024, 3, 11)
OFFICERS = "officers@example.org"
CONFIDENTIAL = ("Talk to the provider about a safeguarding worry", "Staffing problem at a home")


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=LONDON)


def action(aid: str, owner: str, text: str, due: dt.date, status: str = "Open",
           confidential: str = "No") -> dict[str, Any]:
    return {"Action ID": aid, "Raised": dt.date(2024, 2, 28), "Project ID": "P01",
            "Action": text, "Owner": owner, "Due": due, "Status": status,
            "Completed on": dt.date(2024, 3, 1) if status == "Done" else None,
            "Last update": dt.date(2024, 2, 28), "Update": "Started", "Confidential": confidential}


def board_tables() -> dict[str, list[dict[str, Any]]]:
    data = tables()
    members = data["members"]
    for row in members:
        row["Format"] = None
    by_id = {m["Member ID"]: m for m in members}
    by_id["M04"]["Easy read"] = "Yes"  # Dev: easy read through the old yes/no column
    by_id["M05"]["Email"] = None  # Eve: no email address -> the officers' copy
    by_id["M06"]["Format"] = "By post"  # Fay: no email, by post -> the officers' copy
    by_id["M07"]["Format"] = "Large print"  # Gus
    data["members"] = [*members, member("M16", "Pat Done", "Resident", "Self-representative")]
    data["actions"] = [
        action("A1", "M03", "Draft the survey questions", DUE),
        action("A2", "Cara Resident", "Book a room for the listening event", DUE),  # by name
        action("A3", "M03", "Write the summer newsletter", dt.date(2024, 4, 30)),  # not due yet
        action("A4", "M03", "Send the thank-you letters", DUE, status="Done"),
        action("A5", "M03", CONFIDENTIAL[0], DUE, confidential="Yes"),
        action("A6", "M04", "Try the new easy read leaflet", DUE),
        action("A7", "M05", "Ask the carers group about dates", DUE),
        action("A8", "M05", CONFIDENTIAL[1], DUE, confidential="Yes"),
        action("A9", "M06", "Check the bus route to the venue", DUE),
        action("A10", "M07", "Read the draft specification", DUE),
        action("A11", "M16", "Share the old minutes", DUE, status="Done"),
    ]
    return data


def make_board(tmp_path: Path, port: int, **reminders_cfg: Any) -> tuple[Config, Validation]:
    book = write_workbook(tmp_path / "board.xlsx", board_tables())
    cfg = make_config(
        tmp_path, book, WED, mail=mail_config(port),
        reminders={"officers_copy": f"Board officers <{OFFICERS}>", **reminders_cfg},
    )
    return cfg, validate(cfg, WED)


def received(server: FaultServer) -> list[tuple[tuple[str, ...], EmailMessage]]:
    return [(rcpts, parse(raw)) for (_, rcpts), raw in
            zip(server.handler.received, server.handler.messages, strict=True)]


def by_recipient(server: FaultServer) -> dict[str, list[EmailMessage]]:
    out: dict[str, list[EmailMessage]] = {}
    for rcpts, msg in received(server):
        for r in rcpts:
            out.setdefault(r, []).append(msg)
    return out


def words(msg: EmailMessage) -> str:
    text, html = parts(msg)
    return text + "\n" + html


def test_due_soon_one_email_per_owner_then_nothing_then_late_once(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg, validation = make_board(tmp_path, server.port)
        first = reminders.send_due(cfg, validation, at(WED))
        assert {o.status for o in first} == {"sent"}
        mail = by_recipient(server)
        # Cara, Dev and Gus by email; Eve (no email) and Fay (by post) through the officers.
        assert sorted(mail) == ["m03@example.org", "m04@example.org", "m07@example.org",
                                OFFICERS]
        assert [len(v) for k, v in sorted(mail.items())] == [1, 1, 1, 2]
        cara = words(mail["m03@example.org"][0])
        for listed in ("Draft the survey questions", "Book a room for the listening event",
                       "Write the summer newsletter"):
            assert listed in cara  # every open action of hers, in one email
        assert "Send the thank-you letters" not in cara  # done: not listed
        assert "[DUE SOON] A1" in cara and "[DUE SOON] A3" not in cara
        assert mail["m03@example.org"][0]["Reply-To"] is not None

        # The same day again, and the day after: every reminder already went.
        assert reminders.send_due(cfg, validation, at(WED, 15)) == []
        assert reminders.send_due(cfg, validation, at(WED + dt.timedelta(days=1))) == []
        assert len(server.handler.received) == 5

        # Tuesday 12th: the actions due on Monday are late, so one more email each.
        late_day = dt.date(2024, 3, 12)
        later = validate(cfg, late_day)
        second = reminders.send_due(cfg, later, at(late_day))
        assert {o.status for o in second} == {"sent"} and len(second) == 5
        assert reminders.send_due(cfg, later, at(late_day, 16)) == []
    mail = by_recipient(server)
    late = words(mail["m03@example.org"][1])
    assert "[LATE] A1" in late and "1 day late" in late
    assert mail["m03@example.org"][1]["Subject"] == "Board reminder: 3 actions late"
    ids = [m["Message-ID"] for m in mail["m03@example.org"]]
    assert ids == ["<coprod-reminder.2024-03-06.m03@example.org>",
                   "<coprod-reminder.2024-03-12.m03@example.org>"]
    # Pat's only action is done: Pat never hears.
    assert "m16@example.org" not in mail


def test_officers_copy_and_confidential_actions(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg, validation = make_board(tmp_path, server.port)
        reminders.send_due(cfg, validation, at(WED))
    copies = {m["Subject"]: words(m) for m in by_recipient(server)[OFFICERS]}
    assert set(copies) == {"For Eve Resident: Board reminder: 1 action due soon",
                           "For Fay Carer: Board reminder: 1 action due soon"}
    eve = copies["For Eve Resident: Board reminder: 1 action due soon"]
    assert "pass this on to Eve Resident" in eve
    assert "the Members tab has no email address for them" in eve
    assert "Ask the carers group about dates" in eve
    assert "Confidential actions are left out of this copy" in eve
    fay = copies["For Fay Carer: Board reminder: 1 action due soon"]
    assert "they asked for papers by post or phone" in fay
    # A confidential action reaches its own owner and nobody else.
    for rcpts, msg in received(server):
        body = words(msg)
        assert (CONFIDENTIAL[0] in body) == (rcpts == ("m03@example.org",)), rcpts
        assert CONFIDENTIAL[1] not in body  # its owner has no email: it stays in the tracker


def test_each_member_gets_their_own_format(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg, validation = make_board(tmp_path, server.port)
        reminders.send_due(cfg, validation, at(WED))
    mail = {k: v[0] for k, v in by_recipient(server).items() if k != OFFICERS}
    easy = mail["m04@example.org"]
    text, html = parts(easy)
    assert "This is an easy read email" in text and "Please do it by 11 March." in text
    related = easy.get_body(("html",))
    assert related is not None
    images = [p for p in easy.walk() if p.get_content_type() == "image/png"]
    assert len(images) >= 3  # the action's picture, "write to us" and "ask for help"
    for img in images:
        assert img["Content-ID"].strip("<>") in html  # every picture is shown in the HTML
        assert img.get_content_disposition() == "inline"
    assert 'alt="A calendar: this job is due soon"' in html
    standard = mail["m03@example.org"]
    assert not [p for p in standard.walk() if p.get_content_type() == "image/png"]
    assert "easy read" not in parts(standard)[0]
    assert "font-size: 30px" in parts(mail["m07@example.org"])[1]  # large print headings
    assert "font-size: 30px" not in parts(standard)[1]


def test_smtp_down_then_sent_on_the_next_run_and_nothing_lost(tmp_path: Path) -> None:
    port = free_port()  # nothing listens yet
    cfg, validation = make_board(tmp_path, port)
    down = reminders.send_due(cfg, validation, at(WED))
    assert {o.status for o in down} == {"retry-later"}
    assert "could not reach the mail server" in down[0].detail
    assert all("not tried" in o.detail for o in down[1:])  # no hammering a dead server
    thursday = WED + dt.timedelta(days=1)
    with FaultServer(port) as server:
        up = reminders.send_due(cfg, validate(cfg, thursday), at(thursday))
        assert {o.status for o in up} == {"sent"} and len(up) == 5
        assert reminders.send_due(cfg, validate(cfg, thursday), at(thursday, 14)) == []
    copies = by_recipient(server)
    assert [len(v) for _, v in sorted(copies.items())] == [1, 1, 1, 2]
    # Still Wednesday's email (its Message-ID), sent late, not a second one for Thursday.
    assert copies["m03@example.org"][0]["Message-ID"] == (
        "<coprod-reminder.2024-03-06.m03@example.org>"
    )


def test_no_reply_after_data_is_sent_once_more_with_the_same_id(tmp_path: Path) -> None:
    with FaultServer() as server:
        server.handler.only_for = "m03@example.org"
        server.handler.after_data = ["drop"]  # the server has it all but never answers
        cfg, validation = make_board(tmp_path, server.port)
        first = {o.owner: o for o in reminders.send_due(cfg, validation, at(WED))}
        assert first["Cara Resident"].status == "uncertain"
        again = reminders.send_due(cfg, validation, at(WED, 12))
        assert [(o.owner, o.status) for o in again] == [("Cara Resident", "sent")]
        assert reminders.send_due(cfg, validation, at(WED, 13)) == []
    cara = by_recipient(server)["m03@example.org"]
    assert len(cara) == 2 and cara[0]["Message-ID"] == cara[1]["Message-ID"]


@pytest.mark.parametrize(
    ("due", "settings", "reason", "expected"),
    [
        # Due Monday 30 December 2024: three working days before skips Boxing Day and Christmas.
        (dt.date(2024, 12, 30), {}, reminders.DUE_SOON, dt.date(2024, 12, 23)),
        # Counting calendar days, 28 December minus 3 is Christmas Day: the working day before.
        (dt.date(2024, 12, 28), {"working_days": False}, reminders.DUE_SOON, dt.date(2024, 12, 24)),
        # Due Tuesday 12 March minus 3 calendar days is a Saturday: Friday instead.
        (dt.date(2024, 3, 12), {"working_days": False}, reminders.DUE_SOON, dt.date(2024, 3, 8)),
        # Due Monday: three working days before is the Wednesday (the weekend is skipped).
        (dt.date(2024, 3, 11), {}, reminders.DUE_SOON, dt.date(2024, 3, 6)),
        # Late from Christmas Eve: not on Christmas or Boxing Day, the next working day.
        (dt.date(2024, 12, 24), {}, reminders.LATE, dt.date(2024, 12, 27)),
        # Easter Monday 2024 (1 April) is a bank holiday in England and Wales.
        (dt.date(2024, 4, 4), {}, reminders.DUE_SOON, dt.date(2024, 3, 28)),
        # With quiet days off, the calendar decides alone.
        (dt.date(2024, 12, 28), {"quiet_days": False}, reminders.DUE_SOON, dt.date(2024, 12, 25)),
    ],
)
def test_quiet_days_are_skipped(
    tmp_path: Path, due: dt.date, settings: dict[str, Any], reason: str, expected: dt.date
) -> None:
    cfg, _ = make_board(tmp_path, free_port(), **settings)
    s = reminders.reminder_settings(cfg)
    assert reminders.reminder_day(due, reason, s) == expected


def test_a_reminder_due_on_christmas_day_goes_on_christmas_eve(tmp_path: Path) -> None:
    data = board_tables()
    data["actions"] = [action("A1", "M03", "Draft the survey questions", dt.date(2024, 12, 28))]
    book = write_workbook(tmp_path / "board.xlsx", data)
    with FaultServer() as server:
        cfg = make_config(tmp_path, book, dt.date(2024, 12, 23), mail=mail_config(server.port),
                          reminders={"working_days": False})
        sent = {}
        for day in (dt.date(2024, 12, 23), dt.date(2024, 12, 24), dt.date(2024, 12, 25)):
            sent[day] = reminders.send_due(cfg, validate(cfg, day), at(day))
    assert sent[dt.date(2024, 12, 23)] == [] and sent[dt.date(2024, 12, 25)] == []
    assert [o.status for o in sent[dt.date(2024, 12, 24)]] == ["sent"]
    assert len(server.handler.received) == 1


def test_reminders_stay_off_without_a_reminders_section(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "board.xlsx", board_tables())
    with FaultServer() as server:
        cfg = make_config(tmp_path, book, WED, mail=mail_config(server.port), reminders=None)
        assert reminders.send_due(cfg, validate(cfg, WED), at(WED)) == []
    assert server.handler.received == []


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("days_before = 0", "reminders.days_before: must be from 1 to 30, got 0"),
        ("days_befor = 3", "reminders.days_befor: not a setting; did you mean 'days_before'?"),
        ('officers_copy = "not an address"', "reminders.officers_copy: 'not an address' is not"),
        ('send_time = "9am"', 'reminders.send_time: expected a time like "08:00"'),
        ("catch_up_days = 400", "reminders.catch_up_days: must be from 1 to 60"),
    ],
)
def test_reminder_settings_are_checked_when_the_config_loads(
    tmp_path: Path, line: str, says: str
) -> None:
    from automations.core.errors import ConfigError
    from automations.settings import load_settings

    path = tmp_path / "config.toml"
    path.write_text(f'[source]\nkind = "xlsx"\npath = "b.xlsx"\n\n[reminders]\n{line}\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert says in str(caught.value)


def test_a_refused_address_is_shown_by_status_and_not_sent_again(tmp_path: Path) -> None:
    from automations.service.status import render_status, status

    with FaultServer() as server:
        server.handler.reject = {"m04@example.org"}
        cfg, validation = make_board(tmp_path, server.port)
        first = {o.owner: o for o in reminders.send_due(cfg, validation, at(WED))}
        assert first["Dev Resident"].status == "failed"
        assert "550 5.1.1" in first["Dev Resident"].detail
        assert reminders.send_due(cfg, validation, at(WED, 12)) == []  # not hammered
    shown = status(cfg, at(WED, 13))
    assert [(p["audience"], p["state"]) for p in shown["reminder_problems"]] == [
        ("reminder:M04", "refused")
    ]
    assert shown["digest_problems"] == []  # a reminder never hides or fakes a digest problem
    assert "Reminders and packs that did not surely arrive:" in render_status(shown)
