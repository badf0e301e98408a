"""Every kind of email the service sends, rendered from one board by the service's own
functions (nothing sent): the three digests (standard, DMT, easy read), the owner reminders
(standard, easy read, large print, the officers' copy) and the co-chairs' pack (standard, easy
read, large print). The sample board by default, with a year of recorded checks (so the digests
show their trends chart); ``actions`` adds that many open actions (the long-board tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from automations.core.config import Config
from automations.digests import pack, reminders
from automations.digests import send as digest
from automations.digests.reminder_settings import reminder_settings
from automations.digests.render import template_env
from automations.pipeline import Validation, validate
from automations.record import history
from tests.digest_setup import SAMPLE_MEETING, SAMPLE_NOW, SAMPLE_TODAY, example_config_data, sample
from tests.test_trends import history_year

# Who reads which format on the sample board (the Members tab's Format column).
FORMATS = {"M01": "Easy read", "M02": "Large print"}  # Grace and Daniel, the co-chairs
STANDARD_OWNER = "M09"  # Mohammed: the standard reminder and (as the pack's deputy) pack
OFFICERS_OWNER = "Sarah Whitfield"  # an owner not on the Members tab: the officers' copy
KINDS = (
    "digest-standard", "digest-dmt", "digest-easy-read",
    "reminder-standard", "reminder-easy-read", "reminder-large-print", "reminder-officers",
    "pack-standard", "pack-easy-read", "pack-large-print",
)  # fmt: skip


@dataclass(frozen=True)
class Email:
    kind: str
    html: str  # as sent (pictures are cid: references)
    browser_html: str  # pictures inside, for Chromium
    text: str
    size: int  # the whole message in bytes (MIME, pictures included)


def board(tmp_path: Path, actions: int = 0, words: int = 0) -> tuple[Config, Validation]:
    data = example_config_data()["digest"]
    data["audiences"][1]["enabled"] = True  # the DMT digest too
    cfg, _ = sample(tmp_path, digest=data, reminders={}, pack={})
    assert cfg.source.path is not None
    book = load_workbook(cfg.source.path)
    members = book["Members"]
    head = [c.value for c in members[1]]
    for row in members.iter_rows(min_row=2):
        if row[0].value in FORMATS:
            row[head.index("Format")].value = FORMATS[row[0].value]
    if actions:
        add_open_actions(book["Actions"], actions, words)
    book.save(cfg.source.path)
    validation = validate(cfg, SAMPLE_TODAY)
    # A year of recorded checks, so the digests carry their trends and 12-month chart too.
    history_year(cfg, history.snapshot(validation.board, validation.report))
    return cfg, validation


def add_open_actions(sheet: object, count: int, words: int = 0) -> None:
    """``count`` open actions, late by 1 to ``count`` days, shared among the co-chairs, the
    standard owner and the officers' copy, each with words near the longest an officer writes
    (or, with ``words``, an Action and an Update of about that many characters each)."""
    essay = "We met the carers' groups again and agreed the next steps. " * (words // 59 + 1)
    head = [c.value for c in sheet[1]]  # type: ignore[index]
    owners = ("M01", "M02", STANDARD_OWNER, OFFICERS_OWNER)
    for n in range(count):
        row: dict[str, object] = {
            "Action ID": f"B{n + 1:03d}",
            "Raised": SAMPLE_MEETING - dt.timedelta(days=60),
            "Action": f"Follow up item {n + 1} from the listening events with the carers' "
            "groups and report back to the Board with what was agreed",
            "Owner": owners[n % len(owners)],
            "Due": SAMPLE_TODAY - dt.timedelta(days=n + 1),
            "Status": "Open",
            "Last update": SAMPLE_MEETING - dt.timedelta(days=30),
            "Update": essay[:words] if words else "Asked the groups for dates; two replied so far",
            "Confidential": "No",
        }
        if words:  # the latest of all, so the most urgent: shown whatever else is cut
            row["Action"] = f"Follow up item {n + 1}: " + essay[:words]
            row["Due"] = SAMPLE_TODAY - dt.timedelta(days=100 + n)
        sheet.append([row.get(h) for h in head])  # type: ignore[attr-defined]


def every_email(tmp_path: Path, actions: int = 0, words: int = 0) -> dict[str, Email]:
    cfg, validation = board(tmp_path, actions, words)
    out: dict[str, Email] = {}
    names = {"senior-head": "digest-standard", "dmt": "digest-dmt", "hbp": "digest-easy-read"}
    for a in digest.digest_settings(cfg).audiences:
        d = digest.render_digest(cfg, validation, a, SAMPLE_MEETING, SAMPLE_NOW)
        out[names[a.slug]] = Email(names[a.slug], d.html, d.browser_html, d.text, d.size)
    out.update(_reminders(cfg, validation))
    out.update(_packs(cfg, validation))
    assert sorted(out) == sorted(KINDS), sorted(out)
    return out


def _reminders(cfg: Config, validation: Validation) -> dict[str, Email]:
    s, env, today = reminder_settings(cfg), template_env(cfg.templates_dir), SAMPLE_TODAY
    owners = reminders.owners_actions(validation.board, today, s)
    wanted = {
        "M01": "reminder-easy-read",
        "M02": "reminder-large-print",
        STANDARD_OWNER: "reminder-standard",
        OFFICERS_OWNER: "reminder-officers",
    }
    out = {}
    for key, kind in wanted.items():
        owner, actions = owners[key]
        triggers = tuple(t for a in actions for t in reminders.current_triggers(a, key, today, s))
        planned = reminders.Planned(owner, actions, today, triggers)
        r = reminders.make(cfg, validation, planned, SAMPLE_NOW, today, s, env)
        out[kind] = Email(kind, r.html, reminders._browser_html(r), r.text, r.size)
    return out


def _packs(cfg: Config, validation: Validation) -> dict[str, Email]:
    from automations.digests.render import inline_pictures

    meeting = pack.next_meeting(validation.board, SAMPLE_TODAY)
    assert meeting is not None
    p = pack.build_pack(cfg, validation, meeting, "Co-Production Board", 10)
    out = {}
    kinds = {"M01": "pack-easy-read", "M02": "pack-large-print", STANDARD_OWNER: "pack-standard"}
    for mid, kind in kinds.items():
        member = validation.board.member(mid)
        assert member is not None
        msg, html, _ = pack.render(cfg, p, member, (), SAMPLE_NOW)
        pictures = {
            part["Content-ID"].strip("<>"): part.get_content()
            for part in msg.walk()
            if part.get_content_type() == "image/png"
        }
        browser = inline_pictures(html, pictures)
        out[kind] = Email(kind, html, browser, msg.get_body(("plain",)).get_content(),
                          len(msg.as_bytes()))  # fmt: skip
    return out
