"""Action-point digests: what is due, rendering (jinja2 + css-inline), sending once per meeting.

Due-ness comes from the data and the send ledger, never from the clock alone. For each held
meeting a digest falls due ``send_after_days`` after it at ``send_time`` (local time in
``[schedule] timezone``, default Europe/London), once per enabled audience.

Cut-off (so a new install does not mail a year of old meetings): only the most recent meeting
whose digest has fallen due is considered, and only while that due time is less than
``catch_up_days`` (default 14) ago. A digest that fell due while the service was stopped is
therefore sent on the next pass; a newer meeting's digest supersedes an older unsent one.

Sending is per recipient: delivered, refused or uncertain (mail/outcome.py), recorded before
the DATA command and after the reply (ledger.py says what is sent again, and when).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2

from automations.core.config import Config
from automations.core.errors import (
    ConfigError,
    DigestError,
    MailError,
    StateError,
    TemporaryMailError,
)
from automations.core.store import store_for
from automations.core.text import long_date, shown_time
from automations.digests import ledger
from automations.digests.render import RenderedDigest, render_digest, template_env
from automations.digests.settings import Audience, DigestSettings, digest_settings, local
from automations.mail.transport import Delivery, Transport, mail_settings, make_transport
from automations.pipeline import Validation

# ---------------------------------------------------------------- what is due


@dataclass(frozen=True)
class DigestJob:
    audience: Audience
    meeting: dt.date
    due_at: dt.datetime
    # `coprod digest --send`: a person asked, so recipients refused with 5xx (the mailbox may
    # be fixed now) and uncertain sends already repeated once are tried again too.
    by_hand: bool = False


def due_at(settings: DigestSettings, meeting: dt.date) -> dt.datetime:
    day = meeting + dt.timedelta(days=settings.send_after_days)
    return dt.datetime.combine(day, settings.send_time, tzinfo=settings.timezone)


def meeting_dates(validation: Validation) -> list[dt.date]:
    return sorted({m.date for m in validation.board.meetings.records if m.date is not None})


def due_digests(cfg: Config, validation: Validation, now: dt.datetime) -> list[DigestJob]:
    """The digests to send now (see the module docstring for the cut-off): an audience is due
    while one of its recipients still needs this meeting's digest (ledger.needs_sending)."""
    settings = digest_settings(cfg)
    current = local(now, settings.timezone)
    fallen_due = [d for d in meeting_dates(validation) if due_at(settings, d) <= current]
    if not fallen_due:
        return []
    meeting = fallen_due[-1]
    when = due_at(settings, meeting)
    if current - when > dt.timedelta(days=settings.catch_up_days):
        return []
    book = ledger.connect(cfg)
    try:
        return [
            DigestJob(a, meeting, when)
            for a in settings.audiences
            if a.enabled and _pending(a, book.for_audience(a.name, meeting), by_hand=False)
        ]
    finally:
        book.close()


def _pending(
    audience: Audience, records: dict[str, ledger.RecipientRecord], by_hand: bool
) -> tuple[str, ...]:
    """The audience's addresses (as configured now) that still need this digest."""
    return tuple(
        addr
        for a in audience.recipients
        if (rec := records.get(addr := a.addr_spec)) is None or rec.needs_sending(by_hand)
    )


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class SendOutcome:
    audience: str
    meeting: dt.date
    status: str  # sent | already-sent | uncertain | retry-later | failed
    message_id: str = ""
    recipients: tuple[str, ...] = ()  # the addresses that have it (or, if uncertain, may)
    detail: str = ""
    size: int = 0
    unreachable: bool = False  # the mail server could not be reached at all

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "already-sent")

    def describe(self) -> str:
        head = f"{self.audience}, meeting of {long_date(self.meeting)}: {self.status}"
        return f"{head} ({self.detail})" if self.detail else head


def send_due(cfg: Config, validation: Validation, now: dt.datetime) -> list[SendOutcome]:
    """Render and send every digest that is due now; failures come back as outcomes.
    The caller holds the service's lock."""
    return send_jobs(cfg, validation, due_digests(cfg, validation, now), now)


def send_jobs(
    cfg: Config,
    validation: Validation,
    jobs: list[DigestJob],
    now: dt.datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> list[SendOutcome]:
    """Send ``jobs``, each recipient at most once (see ledger.py). Raises StateError, with
    nothing more sent, when the state folder cannot record a send."""
    if not jobs:
        return []
    settings = digest_settings(cfg)
    mail = mail_settings(cfg)
    transport = make_transport(cfg)
    env = template_env(cfg.templates_dir)
    # Before anything goes out: a read-only folder or a full disk stops the run here.
    store_for(cfg).check_writable()
    book = ledger.connect(cfg)
    # Sends an earlier run left between "about to send" and the reply become uncertain.
    book.settle_interrupted(now)
    outcomes: list[SendOutcome] = []
    unreachable: str | None = None
    try:
        for job in jobs:
            if unreachable:
                # The server could not be reached for the last message; do not hammer it.
                outcomes.append(_outcome(job, "retry-later", f"not tried: {unreachable}"))
                continue
            sender = _Sender(cfg, validation, job, now, settings, env, transport, book)
            outcome = sender.send(mail.retries, mail.retry_delay, sleep)
            outcomes.append(outcome)
            if outcome.unreachable:
                unreachable = outcome.detail
    finally:
        book.close()
    return outcomes


def _outcome(job: DigestJob, status: str, detail: str = "", **kw: Any) -> SendOutcome:
    return SendOutcome(job.audience.name, job.meeting, status, detail=detail, **kw)


@dataclass
class _Sender:
    """One audience's digest: sent to the recipients that still need it, each attempt recorded
    before the DATA command and after the reply."""

    cfg: Config
    validation: Validation
    job: DigestJob
    now: dt.datetime
    settings: DigestSettings
    env: jinja2.Environment
    transport: Transport
    book: ledger.Ledger
    delivered_now: set[str] = field(default_factory=set)
    blocked: str | None = None  # a problem with the mail settings, not with a recipient

    def send(self, retries: int, delay: float, sleep: Callable[[float], None]) -> SendOutcome:
        job = self.job
        pending = _pending(job.audience, self._records(), job.by_hand)
        if not pending:
            return self._summary()
        try:
            digest = render_digest(
                self.cfg,
                self.validation,
                job.audience,
                job.meeting,
                self.now,
                self.settings,
                self.env,
            )
        except DigestError as exc:
            return _outcome(job, "failed", f"could not render the digest: {exc}")
        attempt = ledger.Attempt(
            job.audience.name,
            job.meeting,
            str(digest.message["Message-ID"]),
            digest.content_hash,
            self.transport.name,
            self.now if self.now.tzinfo else self.now.astimezone(),
        )
        unreachable = False
        for number in range(1, retries + 1):
            unreachable, pending = self._attempt(digest, attempt, pending)
            if not pending or number == retries:
                break
            # Only refusals (nothing was handed over) are tried again within the run.
            sleep(delay * 2 ** (number - 1))  # bounded: retries is a small number
        outcome = self._summary(digest.size, attempt.message_id)
        if self.blocked:
            outcome = replace(outcome, status="failed", detail=f"not sent: {self.blocked}")
        return replace(outcome, unreachable=unreachable and outcome.status == "retry-later")

    def _attempt(
        self, digest: RenderedDigest, attempt: ledger.Attempt, pending: tuple[str, ...]
    ) -> tuple[bool, tuple[str, ...]]:
        """One try; returns (unreachable, the recipients worth trying again now)."""
        try:
            delivery = self.transport.send(
                digest.message, pending, lambda accepted: self._about_to_send(attempt, accepted)
            )
        except TemporaryMailError as exc:
            for addr in pending:
                self.book.refused(attempt, addr, str(exc), permanent=False)
            return exc.unreachable, pending
        except MailError as exc:
            # A bad login or certificate is not the recipients' fault: keep them due, and let
            # the failed pass tell someone; trying again now will not help.
            for addr in pending:
                self.book.refused(attempt, addr, f"not sent: {exc}", permanent=False)
            self.blocked = str(exc)
            return False, ()
        self._record(attempt, delivery)
        again = tuple(a for a, r in delivery.refused.items() if not r.permanent)
        return False, again

    def _about_to_send(self, attempt: ledger.Attempt, accepted: tuple[str, ...]) -> None:
        self.book.about_to_send(attempt, accepted)

    def _record(self, attempt: ledger.Attempt, delivery: Delivery) -> None:
        try:
            self.book.delivered(attempt, delivery.delivered)
            self.delivered_now.update(delivery.delivered)
            self.book.uncertain(attempt, delivery.uncertain, delivery.why_uncertain)
            for addr, refusal in delivery.refused.items():
                self.book.refused(attempt, addr, refusal.describe(), refusal.permanent)
        except StateError as exc:
            raise StateError(
                f"{exc} The {self.job.audience.name} digest was just handed to the mail "
                "server; it is kept as 'uncertain' and sent once more, with the same "
                "Message-ID, on the next run."
            ) from None

    def _records(self) -> dict[str, ledger.RecipientRecord]:
        return self.book.for_audience(self.job.audience.name, self.job.meeting)

    def _summary(self, size: int = 0, message_id: str = "") -> SendOutcome:
        """The audience's state across all its recipients, from the ledger."""
        job = self.job
        records = self._records()
        rows = [records.get(a.addr_spec) for a in job.audience.recipients]
        by_state: dict[str, list[ledger.RecipientRecord]] = {}
        for r in rows:
            if r is not None:
                by_state.setdefault(r.state, []).append(r)
        have = tuple(r.address for r in by_state.get(ledger.SENT, []))
        mid = message_id or next((r.message_id for r in rows if r is not None), "")
        kw: dict[str, Any] = {"message_id": mid, "size": size}
        if len(have) == len(rows):
            if self.delivered_now:
                return _outcome(job, "sent", recipients=have, **kw)
            last = max(r.sent_at or r.updated_at for r in rows if r)
            when = f"on {shown_time(last, self.settings.timezone)}"
            return _outcome(job, "already-sent", when, recipients=have, **kw)
        parts = [
            *(f"refused for {r.address}: {r.reply}" for r in by_state.get(ledger.REFUSED, [])),
            *(
                f"{r.address}: not sent yet, tried again on the next run ({r.reply})"
                for r in by_state.get(ledger.DEFERRED, [])
            ),
            *(_uncertain_words(r) for r in by_state.get(ledger.UNCERTAIN, [])),
        ]
        if have:
            parts.append(f"delivered to {', '.join(have)}")
        status = (
            "failed"
            if ledger.REFUSED in by_state
            else "retry-later"
            if ledger.DEFERRED in by_state or None in rows
            else "uncertain"
        )
        maybe = tuple(r.address for r in by_state.get(ledger.UNCERTAIN, []))
        return _outcome(job, status, "; ".join(parts), recipients=have + maybe, **kw)


def _uncertain_words(r: ledger.RecipientRecord) -> str:
    then = (
        "it is sent once more, with the same Message-ID, on the next run"
        if r.tries < ledger.MAX_UNCERTAIN_TRIES
        else "it was already sent twice, so it is not sent again"
    )
    return f"{r.address}: uncertain - {r.reply}; {then}"


# ---------------------------------------------------------------- by hand


def latest_held_meeting(validation: Validation) -> dt.date:
    held = [d for d in meeting_dates(validation) if d < validation.report.today]
    if not held:
        raise ConfigError(
            "The Meetings tab has no meeting before today, so there are no action points to send."
        )
    return held[-1]


def manual_jobs(
    cfg: Config,
    validation: Validation,
    meeting: dt.date | None,
    audience: str | None,
    include_disabled: bool = False,
) -> list[DigestJob]:
    """Jobs for `coprod digest`: a chosen (or the latest held) meeting, due or not."""
    settings = digest_settings(cfg)
    day = meeting or latest_held_meeting(validation)
    if day not in meeting_dates(validation):
        where = validation.board.meetings.derived_from or "the Meetings tab"
        raise ConfigError(
            f"--meeting {day.isoformat()}: there is no meeting on that date in {where}"
        )
    chosen = [settings.audience(audience)] if audience else list(settings.audiences)
    if audience and not chosen[0].enabled and not include_disabled:
        raise ConfigError(
            f"digest.audiences: {chosen[0].name} is switched off (enabled = false); "
            "switch it on in the config to send to it"
        )
    when = due_at(settings, day)
    return [DigestJob(a, day, when, by_hand=True) for a in chosen if a.enabled or include_disabled]


def preview(
    cfg: Config, validation: Validation, jobs: list[DigestJob], folder: Path, now: dt.datetime
) -> list[Path]:
    """Write each digest as .eml and .html into ``folder``; sends nothing, records nothing."""
    settings = digest_settings(cfg)
    env = template_env(cfg.templates_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for job in jobs:
        digest = render_digest(cfg, validation, job.audience, job.meeting, now, settings, env)
        stem = f"digest-{job.meeting.isoformat()}-{job.audience.slug}"
        eml, html = folder / f"{stem}.eml", folder / f"{stem}.html"
        eml.write_bytes(digest.message.as_bytes())
        html.write_text(digest.browser_html, encoding="utf-8")  # pictures inside, for a browser
        written += [eml, html]
    return written
