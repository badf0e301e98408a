"""The co-chairs' follow-up pack for the sample board, through a real SMTP server on 127.0.0.1:
sent once per meeting to both co-chairs (and the deputy recorded for it) N working days before,
with every open action and every decision item; a printable page in the outbox."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from automations.core.config import Config
from automations.digests import pack
from automations.pipeline import Validation, validate
from automations.service.loop import run_once
from automations.starter.sample import ACTIONS
from tests.digest_setup import LONDON, parse, parts, sample
from tests.fault_matrix import mail_config
from tests.smtp_server import FaultServer, free_port

MEETING = dt.date(2024, 4, 3)  # the sample's next meeting
# Five working days before Wednesday 3 April 2024 skips Easter Monday and Good Friday.
PACK_DAY = dt.date(2024, 3, 25)
COCHAIRS = ("daniel.okafor@example.org", "grace.adebayo@example.org")


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=LONDON)


def board(tmp_path: Path, port: int, **changes: Any) -> Config:
    cfg, _ = sample(tmp_path, mail=mail_config(port), pack={"days_before": 5}, **changes)
    return cfg


def on(cfg: Config, day: dt.date) -> Validation:
    return validate(cfg, day)


def open_action_ids(day: dt.date) -> list[str]:
    return [f"A{i:03d}" for i, a in enumerate(ACTIONS, start=1) if a[5] in ("Open", "In progress")]


def test_the_pack_day_skips_easter() -> None:
    assert pack.pack_day(MEETING, pack.PackSettings(True, 5, dt.time(9), 10)) == PACK_DAY


def test_sent_once_to_both_cochairs_n_working_days_before(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg = board(tmp_path, server.port)
        friday = dt.date(2024, 3, 22)
        assert pack.send_due(cfg, on(cfg, friday), at(friday)) == []  # not yet
        sent = pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY))
        assert sorted(o.status for o in sent) == ["sent", "sent"]
        assert pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY, 15)) == []  # once
        tuesday = PACK_DAY + dt.timedelta(days=1)
        assert pack.send_due(cfg, on(cfg, tuesday), at(tuesday)) == []
        assert pack.send_due(cfg, on(cfg, MEETING), at(MEETING)) == []  # the day itself: no
    got = sorted((rcpts, mid) for mid, rcpts in server.handler.received)
    assert [r for r, _ in got] == [(COCHAIRS[0],), (COCHAIRS[1],)]
    assert [m for _, m in got] == ["<coprod-pack.2024-04-03.m02@example.org>",
                                   "<coprod-pack.2024-04-03.m01@example.org>"]
    assert (tmp_path / "outbox" / "pack-2024-04-03.html").is_file()


def test_the_pack_holds_every_open_action_and_every_decision(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg = board(tmp_path, server.port)
        pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY))
    text, html = parts(parse(server.handler.messages[0]))
    text = text.replace("\r\n", "\n")
    expected = open_action_ids(PACK_DAY)
    assert len(expected) == 15
    listed = re.findall(r"^\* (A\d{3}) ", text.split("FOR A DECISION")[0], flags=re.M)
    assert sorted(listed) == expected  # every open action, once
    for done in ("A001", "A004", "A021"):  # done or dropped: not in the pack
        assert done not in listed
    assert "Sarah Whitfield\n* A016" in text  # grouped by owner, even one not on the Members tab
    assert "(73 days late)" in text and "Last update: none recorded" in text  # history
    decisions = text.split("FOR A DECISION AT THIS MEETING")[1].split("OTHER FINDINGS")[0]
    for topic, words in [
        ("Co-chair terms ending", "Grace Adebayo's term as resident co-chair ends on 22 April"),
        ("Membership review due", "last reviewed on 20 September 2023"),
        ("Balance of the membership", "5 residents, 3 carers or advocates"),
        ("Project stage duties due", "P02 Carers' breaks and respite is at stage 'Initiation'"),
        ("Members whose joining year is up", "Priya Shah joined on 12 April 2023"),
    ]:
        assert topic in decisions and words in decisions, topic
    raise_ = text.split("OTHER FINDINGS TO RAISE")[1]
    assert "Noah Green has not agreed to follow the Terms of Reference" in raise_
    assert "Sarah Whitfield', who is not on the Members tab" in raise_
    listed_already = [f.message for f in on(cfg, PACK_DAY).report.findings
                      if f.rule in pack.LISTED]
    assert listed_already and not any(m in raise_ for m in listed_already)  # not repeated
    assert "<table" in html and "Open actions, by owner" in html


def test_the_deputy_of_the_meeting_gets_it_too_and_the_printout_keeps_confidences(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    with FaultServer() as server:
        cfg = board(tmp_path, server.port)
        book = load_workbook(cfg.source.path)
        meetings = book["Meetings"]
        head = [c.value for c in meetings[1]]
        for row in meetings.iter_rows(min_row=2):
            if row[head.index("Date")].value.date() == MEETING:
                row[head.index("Deputy")].value = "M16"
        actions = book["Actions"]
        head = [c.value for c in actions[1]]
        actions.cell(row=21, column=head.index("Confidential") + 1).value = "Yes"  # A020
        book.save(cfg.source.path)
        sent = pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY))
    assert sorted(o.name for o in sent) == ["Ahmed Ali", "Daniel Okafor", "Grace Adebayo"]
    emailed = parts(parse(server.handler.messages[0]))[0]
    assert "A020 Arrange easy-read training for members [Confidential]" in emailed
    page = (tmp_path / "outbox" / "pack-2024-04-03.html").read_text()
    assert "Arrange easy-read training" not in page and "A019" in page
    assert "confidential actions are left out" in page


def test_smtp_down_then_the_service_sends_it_on_the_next_pass(tmp_path: Path) -> None:
    port = free_port()
    cfg = board(tmp_path, port)
    first = run_once(cfg, at(PACK_DAY, 10))
    job = next(j for j in first.jobs if j.job == "pack")
    assert not job.ok and "retry-later" in job.summary
    with FaultServer(port) as server:
        second = run_once(cfg, at(PACK_DAY, 11))
        assert next(j for j in second.jobs if j.job == "pack").ok
        third = run_once(cfg, at(PACK_DAY, 12))
        assert "pack" not in [j.job for j in third.jobs]  # the day's slot is done
    packs = [m for m, _ in server.handler.received if m.startswith("<coprod-pack.")]
    assert sorted(packs) == ["<coprod-pack.2024-04-03.m01@example.org>",
                             "<coprod-pack.2024-04-03.m02@example.org>"]


def test_coprod_pack_preview_writes_the_page_and_the_emails(tmp_path: Path) -> None:
    import subprocess

    from automations.starter.sample import build_sample
    from tests.digest_setup import SAMPLE_TODAY
    from tests.test_service_support import coprod

    build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    (tmp_path / "config.toml").write_text(
        'today = 2024-03-25\n[source]\nkind = "xlsx"\npath = "board.xlsx"\n[pack]\n'
    )
    done = subprocess.run(coprod("pack", "--preview", "out", "--config", "config.toml"),
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "pack-2024-04-03-m01.eml", "pack-2024-04-03-m02.eml", "pack-2024-04-03.html",
        "pack-2024-04-03.pdf"]
    assert not (tmp_path / "outbox").exists()  # a preview sends and records nothing


def test_the_resident_cochair_gets_it_in_their_own_format(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    with FaultServer() as server:
        cfg = board(tmp_path, server.port)
        book = load_workbook(cfg.source.path)
        members = book["Members"]
        head = [c.value for c in members[1]]
        members.cell(row=2, column=head.index("Easy read") + 1).value = "Yes"  # Grace, M01
        book.save(cfg.source.path)
        pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY))
    by_to = {rcpts[0]: parse(raw) for (_, rcpts), raw in
             zip(server.handler.received, server.handler.messages, strict=True)}
    grace = by_to["grace.adebayo@example.org"]
    text, html = parts(grace)
    assert "This is an easy read pack" in text
    assert "Draft the day opportunities service specification" in text
    assert "A018" not in text  # easy read leaves out action numbers
    images = [p for p in grace.walk() if p.get_content_type() == "image/png"]
    assert images and all(i["Content-ID"].strip("<>") in html for i in images)
    daniel = parts(by_to["daniel.okafor@example.org"])[0]
    assert "easy read pack" not in daniel and "A018" in daniel  # the other co-chair: standard
    page = (tmp_path / "outbox" / "pack-2024-04-03.html").read_text()
    assert "Open actions, by owner" in page  # the printout stays the standard pack
