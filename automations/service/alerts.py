"""Never silent: an email to `[alerts] to` after a run of failed passes, and one when it recovers.

One alert per run of failures (not one per failed pass), sent when the run reaches
`alert_after_failures`; then one recovery email on the first pass that works. If the alert email
itself cannot be sent (the mail server is what is down), it is logged as an error and tried again
on the next failed pass, and `coprod status` shows the failure either way.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from automations.core.config import Config
from automations.core.errors import MailError
from automations.core.log import event, get
from automations.core.text import long_date, shown_time
from automations.mail.transport import (
    checked_address,
    mail_settings,
    make_transport,
    send_unrecorded,
)

if TYPE_CHECKING:  # the state store and the ledger (sqlite3) only when a pass runs, not when
    # the config is checked (alert_settings)
    from automations.digests import ledger
    from automations.service.state import Health, State

log = get("alerts")
KEYS = {"to", "alert_after_failures"}


@dataclass(frozen=True)
class AlertSettings:
    to: tuple[Address, ...]
    after: int


def alert_settings(cfg: Config) -> AlertSettings:
    s = cfg.section("alerts")
    s.reject_unknown(KEYS)
    raw = s.data.get("to", [])
    values = [raw] if isinstance(raw, str) else s.items("to")
    to = tuple(checked_address(str(v), "alerts.to") for v in values)
    return AlertSettings(to, s.integer("alert_after_failures", 3, minimum=1, maximum=1000))


def after_pass(
    cfg: Config, state: State, ok: bool, error: str | None, now: dt.datetime, tz: dt.tzinfo
) -> str | None:
    """Update the failure run after a pass that did work; send an alert or recovery if due.

    Returns "alert" or "recovery" when one was sent.
    """
    settings = alert_settings(cfg)
    if ok:
        before = state.health()
        state.pass_succeeded()
        if before.alert_sent_at is None:
            return None
        return _send(cfg, state, settings, "recovery", before, now, tz)
    health = state.pass_failed(error or "unknown error", now)
    event(
        log,
        logging.WARNING,
        "failure.counted",
        run=health.consecutive_failures,
        alert_after=settings.after,
    )
    if health.consecutive_failures < settings.after or health.alert_sent_at is not None:
        return None
    return _send(cfg, state, settings, "alert", health, now, tz)


def _send(
    cfg: Config,
    state: State,
    settings: AlertSettings,
    kind: str,
    health: Health,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> str | None:
    if not settings.to:
        event(
            log,
            logging.ERROR,
            f"{kind}.not_sent",
            reason="alerts.to is not set in the config",
            failures=health.consecutive_failures,
            error=health.last_error,
        )
        return None
    msg = (alert_message if kind == "alert" else recovery_message)(cfg, settings, health, now, tz)
    try:
        send_unrecorded(make_transport(cfg), msg)
    except MailError as exc:
        event(log, logging.ERROR, f"{kind}.not_sent", reason=str(exc), retry="next pass")
        return None
    state.alert_sent(kind, now, health.consecutive_failures, health.last_error or "")
    event(
        log,
        logging.WARNING if kind == "alert" else logging.INFO,
        f"{kind}.sent",
        to=", ".join(a.addr_spec for a in settings.to),
        failures=health.consecutive_failures,
    )
    return kind


def _when(t: dt.datetime | None, tz: dt.tzinfo) -> str:
    return shown_time(t, tz) if t else "an unknown time"


def _base(cfg: Config, settings: AlertSettings, subject: str, now: dt.datetime) -> EmailMessage:
    mail = mail_settings(cfg)
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = settings.to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=mail.sender.domain)
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    return msg


def alert_message(
    cfg: Config, settings: AlertSettings, health: Health, now: dt.datetime, tz: dt.tzinfo
) -> EmailMessage:
    msg = _base(cfg, settings, "Co-Production Board service: the automatic checks are failing", now)
    msg.set_content(
        "The automatic checks and emails for the Co-Production Board have not worked for the "
        f"last {health.consecutive_failures} attempts, since {_when(health.failing_since, tz)}."
        "\n\nThe last problem was:\n\n"
        f"    {health.last_error}\n\n"
        "Until it is fixed, the spreadsheet is not being checked and action-point emails are "
        "not going out. The service keeps trying; nothing is lost, and anything that falls due "
        "meanwhile will be sent once when it works again.\n\n"
        "What to do: fix the problem above (for example, make sure the spreadsheet can be "
        "opened, or that the mail server is working), then run `coprod status` to see the "
        "latest attempt. You will get one more email when it works again.\n"
    )
    return msg


def recovery_message(
    cfg: Config, settings: AlertSettings, health: Health, now: dt.datetime, tz: dt.tzinfo
) -> EmailMessage:
    msg = _base(cfg, settings, "Co-Production Board service: working again", now)
    if health.consecutive_failures:
        story = (
            f"They had failed {health.consecutive_failures} times in a row, from "
            f"{_when(health.failing_since, tz)}."
        )
    else:  # this email could not go when the checks first worked again; the run was reset
        sent = _when(health.alert_sent_at, tz)
        story = f"They had been failing when the alert was sent on {sent}."
    msg.set_content(
        "The automatic checks and emails for the Co-Production Board are working again "
        f"(since {_when(now, tz)}).\n\n"
        f"{story} The last problem was:\n\n"
        f"    {health.last_error}\n\n"
        "Anything that fell due while it was failing has now been done once. "
        "Nothing more needs doing.\n"
    )
    return msg


# ---------------------------------------------------------------- sending problems


def sending_problems(cfg: Config, now: dt.datetime, tz: dt.tzinfo) -> bool:
    """Tell `[alerts] to`, once each, about digests, owner reminders and co-chairs' packs
    refused with a 5xx reply (with the server's words) and sends left uncertain. True when an
    email went. A failed email is logged and the problems are told on the next pass."""
    from automations.digests import ledger
    from automations.digests.pack import TABLE as PACKS

    books = [ledger.connect(cfg, table) for table in (ledger.DIGESTS, ledger.REMINDERS, PACKS)]
    try:
        digests, reminders, packs = books
        found = [
            (digests, digests.problems(unreported_only=True)),
            (reminders, reminders.untold()),
            (packs, packs.untold()),
        ]
        if not any(rows for _, rows in found):
            return False
        lines = [_problem_line(r) for r in found[0][1]]
        lines += [_person_line(r, "reminder") for r in found[1][1]]
        lines += [_person_line(r, "pack") for r in found[2][1]]
        return _tell(cfg, found, lines, now, tz, only_digests=not (found[1][1] or found[2][1]))
    finally:
        for book in books:
            book.close()


def _tell(
    cfg: Config,
    found: list[tuple[ledger.Ledger, list[ledger.RecipientRecord]]],
    lines: list[str],
    now: dt.datetime,
    tz: dt.tzinfo,
    only_digests: bool,
) -> bool:
    settings = alert_settings(cfg)
    if not settings.to:
        event(
            log,
            logging.ERROR,
            "digest_problems.not_sent",
            reason="alerts.to is not set",
            problems=" | ".join(lines),
        )
        for book, rows in found:
            book.reported(rows, now)  # logged once is told: not again on every pass
        return False
    what = "some digests need a look" if only_digests else "some emails need a look"
    msg = _base(cfg, settings, f"Co-Production Board service: {what}", now)
    kinds = "action-point digest" if only_digests else "digest, reminder and pack"
    msg.set_content(
        f"On {_when(now, tz)} the service could not be sure that every {kinds} "
        "reached everyone:\n\n"
        + "".join(f"  - {line}\n" for line in lines)
        + "\nWhat to do: for an address the mail server refused, check it in the config "
        "(digest.audiences recipients) or, for a reminder or a pack, on the Members tab; a "
        "changed address gets the email on the next run, and `coprod digest --send` (or "
        "`coprod remind --send`, `coprod pack --send`) tries the same address again once its "
        "mailbox is fixed. An "
        "'uncertain' email most likely arrived: ask the person if unsure. `coprod status` "
        "lists these too.\n"
    )
    try:
        send_unrecorded(make_transport(cfg), msg)
    except MailError as exc:
        event(log, logging.ERROR, "digest_problems.not_sent", reason=str(exc), retry="next pass")
        return False
    for book, rows in found:
        book.reported(rows, now)
    event(log, logging.WARNING, "digest_problems.sent", problems=len(lines))
    return True


def _problem_line(r: ledger.RecipientRecord) -> str:
    from automations.digests import ledger

    head = f"{r.audience} digest of the meeting on {r.meeting:%d %B %Y}, to {r.address}:"
    if r.state == ledger.UNCERTAIN:
        return f"{head} uncertain - {r.reply}; {_again(r)}."
    return f"{head} refused by the mail server, which said: {r.reply}"


def _person_line(r: ledger.RecipientRecord, kind: str) -> str:
    """"The reminder to Jane Doe <jane@…> (6 March 2024) was refused by the mail server: …"."""
    from automations.digests import ledger

    who = r.who or r.audience.partition(":")[2] or r.audience  # rows from before ``who``
    what = (
        f"The reminder to {who} <{r.address}> ({long_date(r.meeting)})"
        if kind == "reminder"
        else f"The follow-up pack for the meeting on {long_date(r.meeting)} to {who} "
        f"<{r.address}>"
    )
    if r.state == ledger.UNCERTAIN:
        return f"{what} may not have arrived: {r.reply}; {_again(r)}."
    return f"{what} was refused by the mail server: {r.reply}"


def _again(r: ledger.RecipientRecord) -> str:
    from automations.digests import ledger

    if r.tries < ledger.MAX_UNCERTAIN_TRIES:
        return "it will be sent once more, with the same Message-ID, on the next run"
    return "it has been sent twice and will not be sent again by itself"
