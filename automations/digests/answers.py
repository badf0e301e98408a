"""One short acknowledgement to an owner who answered with a button, in their own format:
"Thank you. The officers will check it and update the tracker", or, when the answer is already
in the tracker ([updates] apply = "auto"), "Your update is in the tracker".

Sent once per answer through the send ledger (its own ``answer_recipients`` table, the same
guarantees as the reminders: recorded before the hand-over and after the reply). An answer that
could not be matched, and automatic mail, get nothing back: the first may be forged, the second
could start a mail loop. The acknowledgement carries ``Auto-Submitted: auto-generated`` (compose)
so that an out-of-office does not answer it either.
"""

from __future__ import annotations

import datetime as dt
import re
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from automations.core.config import Config
from automations.core.errors import DigestError
from automations.core.paths import data_path
from automations.digests import ledger
from automations.digests.reminder_settings import reminder_settings
from automations.digests.reminders import (
    EASY_READ,
    LARGE_PRINT,
    ReminderOutcome,
    deliver,
    member_format,
)
from automations.digests.render import PICTURES, Pictures, _inline, _render, compose, template_env
from automations.digests.settings import local
from automations.inbox.proposals import Proposals, Stored
from automations.inbox.settings import update_settings
from automations.mail.transport import mail_settings, make_transport, one_line
from automations.pipeline import Validation

ANSWERS = "answer_recipients"
THANKED = ("waiting", "shown", "applied")  # matched answers; never unmatched or ignored
RECENT_DAYS = 7  # an older answer is not thanked any more (a state file restored, say)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


def send_acknowledgements(
    cfg: Config, validation: Validation, now: dt.datetime
) -> list[ReminderOutcome]:
    u = update_settings(cfg)
    if not u.enabled:
        return []
    with Proposals(cfg) as book:
        stored = book.all(THANKED)
    if not stored:
        return []
    s = reminder_settings(cfg)
    today = local(now, s.timezone).date()
    led = ledger.connect(cfg, ANSWERS)
    outcomes: list[ReminderOutcome] = []
    try:
        led.settle_interrupted(now)
        transport, env = None, None
        for item in stored:
            p = item.proposal
            day = p.received.date()
            if not p.sender or (today - day).days > RECENT_DAYS:
                continue
            audience = f"answer:{item.id}"
            record = led.for_audience(audience, day).get(p.sender)
            if record is not None and not record.needs_sending():
                continue
            transport = transport or make_transport(cfg)
            env = env or template_env(_templates(cfg))
            try:
                msg, seal = acknowledgement(cfg, validation, item, now, env)
            except DigestError as exc:
                outcomes.append(ReminderOutcome(p.sender, day, "failed", detail=str(exc)))
                continue
            status, detail, sent = deliver(
                led, transport, msg, seal, audience, day, (p.sender,), now,
                f"{p.sender_name or p.sender} (thanks for an answer)",
            )  # fmt: skip
            outcomes.append(
                ReminderOutcome(p.sender_name or p.sender, day, status, sent, 1, detail=detail)
            )
    finally:
        led.close()
    return outcomes


def _templates(cfg: Config) -> Path:
    """The Board's templates folder, or the shipped one when that folder was copied before
    the thank-you existed (its other templates still come from the Board's folder)."""
    if (cfg.templates_dir / "answer_thanks.html.j2").is_file():
        return cfg.templates_dir
    return data_path("templates")


def acknowledgement(
    cfg: Config, validation: Validation, item: Stored, now: dt.datetime, env: Any
) -> tuple[Any, str]:
    p = item.proposal
    s = reminder_settings(cfg)
    mail = mail_settings(cfg)
    board = validation.board
    member = board.member(p.sender)
    fmt = member_format(member)
    action = next((a for a in board.actions.records if a.id == p.action_id), None)
    pictures = Pictures(cfg.templates_dir / PICTURES)
    in_tracker = p.state == "applied"
    subject = one_line(
        f"Your update on {p.action_id} is in the tracker" if in_tracker
        else f"Thank you for your update on {p.action_id}"
    )  # fmt: skip
    variables = {
        "subject": subject,
        "name": member.label if member is not None else (p.sender_name or "there"),
        "action_id": p.action_id,
        "action_text": (action.action if action is not None else "") or p.action_id,
        "kind": p.kind,
        "in_tracker": in_tracker,
        "easy": fmt == EASY_READ,
        "large": fmt == LARGE_PRINT,
        "board_name": s.board_name,
        "picture": pictures,
    }
    text = _render(env, "answer_thanks.txt.j2", variables)
    html = _inline(_render(env, "answer_thanks.html.j2", variables))
    local_part, _, domain = p.sender.rpartition("@")
    msg, seal = compose(
        text, html, pictures.used, subject=subject, sender=mail.sender,
        to=(Address(one_line(p.sender_name), local_part, domain),), reply_to=s.reply_to,
        date=local(now, s.timezone),
        message_id=f"<coprod-answer.{item.id}@{mail.sender.domain}>",
    )  # fmt: skip
    # Threaded under the person's own message, when its id is a plain one (it is untrusted).
    if _MESSAGE_ID.fullmatch(p.message_id):
        msg["In-Reply-To"] = p.message_id
        msg["References"] = p.message_id
    return msg, seal
