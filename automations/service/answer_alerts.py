"""The officers' alert about owners' answers ([updates]), once for each thing to tell:

- an answer that could not be matched (with the reason): it may be forged, so it got no answer
  and nothing was applied, and only an officer can follow it up;
- an answer still waiting for Apply or Reject after `alert_waiting_days`;
- the answers mailbox failing `[alerts] alert_after_failures` readings in a row (told again
  only after it has worked once since).

Sent to `[alerts] to` as plain text, like the other alerts; words from mail are cleaned to one
line each (listing.clean), and never become a header.
"""

from __future__ import annotations

import datetime as dt
import logging

from automations.core.config import Config
from automations.core.errors import MailError
from automations.core.log import event, get
from automations.core.text import shown_time
from automations.inbox.listing import KINDS, clean
from automations.inbox.proposals import Proposals, Stored
from automations.inbox.settings import update_settings
from automations.mail.transport import make_transport, send_unrecorded
from automations.service.alerts import AlertSettings, _base, alert_settings

log = get("alerts")


def tell_officers(cfg: Config, now: dt.datetime, tz: dt.tzinfo) -> bool:
    """True when an email went."""
    u = update_settings(cfg)
    if not u.enabled:
        return False
    settings = alert_settings(cfg)
    with Proposals(cfg) as book:
        stored = book.all(("unmatched", "waiting"))
        by_id = {s.id: s for s in stored}
        unmatched = book.untold(
            "unmatched", [s.id for s in stored if s.proposal.state == "unmatched"]
        )
        old = now - dt.timedelta(days=u.alert_waiting_days)
        waiting = book.untold(
            "waiting",
            [s.id for s in stored if s.proposal.state == "waiting" and s.proposal.received < old],
        )
        failures, error, since = book.mailbox_health()
        mailbox = bool(failures >= settings.after and book.untold("mailbox", [0]))
        if not (unmatched or waiting or mailbox):
            return False
        lines = _lines([by_id[i] for i in unmatched], [by_id[i] for i in waiting], tz)
        if mailbox:
            lines.append(
                f"The answers mailbox could not be read {failures} times in a row (since "
                f"{shown_time(dt.datetime.fromisoformat(since), tz) if since else 'a while'}): "
                f"{clean(error, 400)}"
            )
        sent = settings.to and _send(cfg, settings, lines, now, tz)
        if not settings.to:
            event(log, logging.ERROR, "answers.not_told", reason="alerts.to is not set",
                  problems=" | ".join(lines))  # fmt: skip
        if sent or not settings.to:  # logged once is told: not again on every pass
            book.told("unmatched", unmatched, now)
            book.told("waiting", waiting, now)
            if mailbox:
                book.told("mailbox", [0], now)
        return bool(sent)


def _lines(unmatched: list[Stored], waiting: list[Stored], tz: dt.tzinfo) -> list[str]:
    lines = []
    for s in unmatched:
        p = s.proposal
        who = clean(p.sender or "(no sender)", 100)
        lines.append(
            f"Answer #{s.id} from {who}, {shown_time(p.received, tz)}, could not be matched: "
            f"{clean(p.reason, 300)}. Nothing was applied and no answer was sent."
        )
    for s in waiting:
        p = s.proposal
        lines.append(
            f"Answer #{s.id} from {clean(p.sender_name or p.sender, 100)} on "
            f"{clean(p.action_id, 40)} ({KINDS.get(p.kind, '')}) has waited since "
            f"{shown_time(p.received, tz)}: choose Apply or Reject on the Updates tab."
        )
    return lines


def _send(
    cfg: Config, settings: AlertSettings, lines: list[str], now: dt.datetime, tz: dt.tzinfo
) -> bool:
    msg = _base(cfg, settings, "Co-Production Board service: owners' answers need a look", now)
    msg.set_content(
        f"On {shown_time(now, tz)}, about the answers action owners sent to their reminders:\n\n"
        + "".join(f"  - {line}\n" for line in lines)
        + "\n`coprod updates` lists every answer with what became of it.\n"
    )
    try:
        send_unrecorded(make_transport(cfg), msg)
    except MailError as exc:
        event(log, logging.ERROR, "answers.not_told", reason=str(exc), retry="next pass")
        return False
    event(log, logging.WARNING, "answers.told", problems=len(lines))
    return True
