"""Action-point digests: what is due, rendering (jinja2 + css-inline), sending once per meeting.

Due-ness comes from the data and the send ledger, never from the clock alone. For each held
meeting a digest falls due ``send_after_days`` after it at ``send_time`` (local time in
``[schedule] timezone``, default Europe/London), once per enabled audience.

Cut-off (so a new install does not mail a year of old meetings): only the most recent meeting
whose digest has fallen due is considered, and only while that due time is less than
``catch_up_days`` (default 14) ago. A digest that fell due while the service was stopped is
therefore sent on the next pass; a newer meeting's digest supersedes an older unsent one.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from automations.core.config import Config
from automations.core.errors import (
    ConfigError,
    DigestError,
    MailError,
    PermanentMailError,
    TemporaryMailError,
)
from automations.core.text import long_date, shown_time
from automations.digests import ledger
from automations.digests.render import RenderedDigest, render_digest, template_env
from automations.digests.settings import Audience, DigestSettings, digest_settings, local
from automations.mail.transport import Transport, mail_settings, make_transport
from automations.pipeline import Validation

# ---------------------------------------------------------------- what is due


@dataclass(frozen=True)
class DigestJob:
    audience: Audience
    meeting: dt.date
    due_at: dt.datetime


def due_at(settings: DigestSettings, meeting: dt.date) -> dt.datetime:
    day = meeting + dt.timedelta(days=settings.send_after_days)
    return dt.datetime.combine(day, settings.send_time, tzinfo=settings.timezone)


def meeting_dates(validation: Validation) -> list[dt.date]:
    return sorted({m.date for m in validation.board.meetings.records if m.date is not None})


def due_digests(cfg: Config, validation: Validation, now: dt.datetime) -> list[DigestJob]:
    """The digests to send now (see the module docstring for the cut-off)."""
    settings = digest_settings(cfg)
    current = local(now, settings.timezone)
    fallen_due = [d for d in meeting_dates(validation) if due_at(settings, d) <= current]
    if not fallen_due:
        return []
    meeting = fallen_due[-1]
    when = due_at(settings, meeting)
    if current - when > dt.timedelta(days=settings.catch_up_days):
        return []
    conn = ledger.connect(cfg)
    try:
        return [
            DigestJob(a, meeting, when)
            for a in settings.audiences
            if a.enabled and ledger.find_sent(conn, a.name, meeting) is None
        ]
    finally:
        conn.close()


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class SendOutcome:
    audience: str
    meeting: dt.date
    status: str  # sent | already-sent | partly-sent | retry-later | failed
    message_id: str = ""
    recipients: tuple[str, ...] = ()
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
    """Render and send every digest that is due now; failures come back as outcomes."""
    return send_jobs(cfg, validation, due_digests(cfg, validation, now), now)


def send_jobs(
    cfg: Config,
    validation: Validation,
    jobs: list[DigestJob],
    now: dt.datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> list[SendOutcome]:
    if not jobs:
        return []
    settings = digest_settings(cfg)
    mail = mail_settings(cfg)
    transport = make_transport(cfg)
    env = template_env(cfg.templates_dir)
    conn = ledger.connect(cfg)
    outcomes: list[SendOutcome] = []
    unreachable: str | None = None
    try:
        for job in jobs:
            if unreachable:
                # The server could not be reached for the last message; do not hammer it.
                outcomes.append(_outcome(job, "retry-later", f"not tried: {unreachable}"))
                continue
            outcome = _send_one(
                cfg,
                validation,
                job,
                now,
                settings,
                env,
                transport,
                conn,
                mail.retries,
                mail.retry_delay,
                sleep,
            )
            outcomes.append(outcome)
            if outcome.unreachable:
                unreachable = outcome.detail
    finally:
        conn.close()
    return outcomes


def _outcome(job: DigestJob, status: str, detail: str = "", **kw: Any) -> SendOutcome:
    return SendOutcome(job.audience.name, job.meeting, status, detail=detail, **kw)


def _send_one(
    cfg: Config,
    validation: Validation,
    job: DigestJob,
    now: dt.datetime,
    settings: DigestSettings,
    env: jinja2.Environment,
    transport: Transport,
    conn: sqlite3.Connection,
    retries: int,
    delay: float,
    sleep: Callable[[float], None],
) -> SendOutcome:
    sent = ledger.find_sent(conn, job.audience.name, job.meeting)
    if sent is not None:
        return _outcome(
            job,
            "already-sent",
            f"on {shown_time(sent.sent_at, settings.timezone)}",
            message_id=sent.message_id,
            recipients=sent.recipients,
        )
    try:
        digest = render_digest(cfg, validation, job.audience, job.meeting, now, settings, env)
    except DigestError as exc:
        return _outcome(job, "failed", f"could not render the digest: {exc}")
    to = tuple(a.addr_spec for a in job.audience.recipients)
    ids = {"message_id": str(digest.message["Message-ID"]), "size": digest.size}
    for attempt in range(1, retries + 1):
        try:
            transport.send(digest.message)
        except TemporaryMailError as exc:
            if attempt < retries and not exc.delivered_to:
                sleep(delay * 2 ** (attempt - 1))  # bounded: retries is a small number
                continue
            return _failure(conn, job, digest, transport, exc, now, to, ids)
        except MailError as exc:
            return _failure(conn, job, digest, transport, exc, now, to, ids)
        _record(conn, job, digest, transport, to, now)
        return _outcome(job, "sent", recipients=to, **ids)
    raise AssertionError("unreachable: the loop always returns")


def _failure(
    conn: sqlite3.Connection,
    job: DigestJob,
    digest: RenderedDigest,
    transport: Transport,
    exc: MailError,
    now: dt.datetime,
    to: tuple[str, ...],
    ids: dict[str, Any],
) -> SendOutcome:
    if exc.delivered_to:
        # Some recipients have it: record it, or every later pass would send them a duplicate.
        _record(conn, job, digest, transport, exc.delivered_to, now)
        return _outcome(job, "partly-sent", str(exc), recipients=exc.delivered_to, **ids)
    if isinstance(exc, TemporaryMailError):
        return _outcome(
            job, "retry-later", str(exc), recipients=to, unreachable=exc.unreachable, **ids
        )
    assert isinstance(exc, PermanentMailError)
    who = ", ".join(exc.recipients or to)
    return _outcome(job, "failed", f"not delivered to {who}: {exc}", recipients=to, **ids)


def _record(
    conn: sqlite3.Connection,
    job: DigestJob,
    digest: RenderedDigest,
    transport: Transport,
    to: tuple[str, ...],
    now: dt.datetime,
) -> None:
    ledger.record_sent(
        conn,
        ledger.SentDigest(
            audience=job.audience.name,
            meeting=job.meeting,
            message_id=str(digest.message["Message-ID"]),
            recipients=to,
            sent_at=now if now.tzinfo else now.astimezone(),
            content_hash=digest.content_hash,
            transport=transport.name,
        ),
    )


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
        raise ConfigError(
            f"--meeting {day.isoformat()}: there is no meeting on that date in the Meetings tab"
        )
    chosen = [settings.audience(audience)] if audience else list(settings.audiences)
    if audience and not chosen[0].enabled and not include_disabled:
        raise ConfigError(
            f"digest.audiences: {chosen[0].name} is switched off (enabled = false); "
            "switch it on in the config to send to it"
        )
    when = due_at(settings, day)
    return [DigestJob(a, day, when) for a in chosen if a.enabled or include_disabled]


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
