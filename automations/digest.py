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
import hashlib
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import css_inline
import jinja2

from . import ledger
from .config import Config, ConfigError, Section
from .digest_context import SECTIONS, build_context
from .mail import (
    MailError,
    PermanentMailError,
    TemporaryMailError,
    Transport,
    checked_address,
    mail_settings,
    make_transport,
    one_line,
)
from .pipeline import Validation
from .rules.dates import long_date, plural

DIGEST_KEYS = {
    "send_after_days",
    "send_time",
    "catch_up_days",
    "board_name",
    "subject",
    "top_findings",
    "audiences",
}
AUDIENCE_KEYS = {"name", "title", "recipients", "enabled", "easy_read", "sections"}
DEFAULT_SUBJECT = "{board}: action points from the meeting on {meeting}"


class DigestError(Exception):
    """A digest could not be rendered (for example a template mistake); names file and line."""


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Audience:
    name: str
    title: str
    recipients: tuple[Address, ...]
    enabled: bool
    easy_read: bool
    sections: tuple[str, ...]

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


@dataclass(frozen=True)
class DigestSettings:
    send_after_days: int
    send_time: dt.time
    timezone: ZoneInfo
    catch_up_days: int
    board_name: str
    subject: str
    top_findings: int
    audiences: tuple[Audience, ...]

    def audience(self, name: str) -> Audience:
        for a in self.audiences:
            if a.name.casefold() == name.casefold():
                return a
        known = ", ".join(a.name for a in self.audiences) or "none"
        raise ConfigError(f"digest.audiences: no audience called {name!r} (there are: {known})")


def timezone(cfg: Config) -> ZoneInfo:
    name = cfg.section("schedule").text("timezone", "Europe/London")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"schedule.timezone: {name!r} is not a time zone name like 'Europe/London'"
        ) from None


def digest_settings(cfg: Config) -> DigestSettings:
    section = cfg.section("digest")
    section.reject_unknown(DIGEST_KEYS)
    audiences = tuple(
        _audience(Section(f"digest.audiences[{i}]", _table(raw, i), section.base_dir))
        for i, raw in enumerate(section.items("audiences"), start=1)
    )
    slugs = [a.slug for a in audiences]
    for a in audiences:
        if slugs.count(a.slug) > 1:
            raise ConfigError(f"digest.audiences: two audiences are called {a.name!r}")
    return DigestSettings(
        send_after_days=section.integer("send_after_days", 1),
        send_time=section.time("send_time", "00:00"),  # type: ignore[arg-type]
        timezone=timezone(cfg),
        catch_up_days=section.integer("catch_up_days", 14, minimum=1),
        board_name=one_line(section.text("board_name", "Commissioning Co-Production Board")),
        subject=section.text("subject", DEFAULT_SUBJECT),
        top_findings=section.integer("top_findings", 5),
        audiences=audiences,
    )


def _table(raw: Any, index: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"digest.audiences[{index}]: expected a [[digest.audiences]] table")
    return raw


def _audience(s: Section) -> Audience:
    s.reject_unknown(AUDIENCE_KEYS)
    name = one_line(s.text("name", "") or "")
    if not name:
        raise ConfigError(f"{s.key('name')}: missing; give the audience a short name, e.g. 'HBP'")
    enabled = s.flag("enabled", True)
    recipients = tuple(
        checked_address(r, s.key("recipients")) if isinstance(r, str) else _not_text(s, r)
        for r in s.items("recipients")
    )
    if enabled and not recipients:
        raise ConfigError(f"{s.key('recipients')}: an enabled audience needs at least one address")
    sections = tuple(s.items("sections", list(SECTIONS)))
    for sec in sections:
        if sec not in SECTIONS:
            raise ConfigError(
                f"{s.key('sections')}: {sec!r} is not a section; choose from {', '.join(SECTIONS)}"
            )
    return Audience(
        name=name,
        title=one_line(s.text("title", name)),
        recipients=recipients,
        enabled=enabled,
        easy_read=s.flag("easy_read", False),
        sections=sections,
    )


def _not_text(s: Section, value: object) -> Address:
    raise ConfigError(f"{s.key('recipients')}: expected addresses in quotes, got {value!r}")


# ---------------------------------------------------------------- what is due


@dataclass(frozen=True)
class DigestJob:
    audience: Audience
    meeting: dt.date
    due_at: dt.datetime


def due_at(settings: DigestSettings, meeting: dt.date) -> dt.datetime:
    day = meeting + dt.timedelta(days=settings.send_after_days)
    return dt.datetime.combine(day, settings.send_time, tzinfo=settings.timezone)


def local(now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An aware time in ``tz``; a naive ``now`` is taken to be local time there already."""
    return now.astimezone(tz) if now.tzinfo else now.replace(tzinfo=tz)


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


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class RenderedDigest:
    message: EmailMessage
    text: str
    html: str
    content_hash: str

    @property
    def size(self) -> int:
        return len(self.message.as_bytes())


def message_id(
    settings: DigestSettings, sender: Address, audience: Audience, meeting: dt.date
) -> str:
    # From audience + meeting only, so a resend after a crash carries the same id.
    return f"<coprod-digest.{meeting.isoformat()}.{audience.slug}@{sender.domain}>"


def template_env(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        # HTML templates and the shared HTML macros escape; the plain-text ones must not.
        autoescape=lambda name: (
            bool(name) and (name.endswith((".html.j2", ".html")) or name == "_macros.j2")
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = lambda d: long_date(d) if d else "not set"
    env.filters["plural"] = plural
    return env


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise DigestError(
            f"{_where(exc.filename or exc.name or name)}, line {exc.lineno}: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise DigestError(f"template {exc.name!r} is missing from the templates folder") from None
    except Exception as exc:
        raise DigestError(f"{_template_frame(exc, name)}: {exc}") from None


def _where(path: str) -> str:
    p = Path(path)
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name


def _template_frame(exc: BaseException, name: str) -> str:
    """The template file and line where a render error happened (jinja maps its frames)."""
    tb = exc.__traceback__
    found = name
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"{_where(filename)}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return found


def render_digest(
    cfg: Config,
    validation: Validation,
    audience: Audience,
    meeting: dt.date,
    now: dt.datetime,
    settings: DigestSettings | None = None,
    env: jinja2.Environment | None = None,
) -> RenderedDigest:
    """One audience's digest for one meeting, as a ready-to-send multipart message."""
    settings = settings or digest_settings(cfg)
    mail = mail_settings(cfg)
    context = build_context(
        validation.board,
        validation.report,
        cfg.tor,
        board_name=settings.board_name,
        audience=audience.title,
        meeting=meeting,
        sections=audience.sections,
        top_findings=settings.top_findings,
    )
    subject = one_line(
        settings.subject.format(
            board=settings.board_name, meeting=long_date(meeting), audience=audience.title
        )
    )
    env = env or template_env(cfg.templates_dir)
    variables = {"d": context, "subject": subject}
    stem = "digest_easy_read" if audience.easy_read else "digest"
    text = _render(env, f"{stem}.txt.j2", variables)
    html = _inline(_render(env, f"{stem}.html.j2", variables))
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = mail.sender
    msg["To"] = audience.recipients
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    msg["Date"] = format_datetime(local(now, settings.timezone))
    msg["Message-ID"] = message_id(settings, mail.sender, audience, meeting)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    digest = hashlib.sha256(f"{text}\0{html}".encode()).hexdigest()
    return RenderedDigest(msg, text, html, digest)


def _inline(html: str) -> str:
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    return inliner.inline(html)


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
            f"on {sent.sent_at:%d %b %Y at %H:%M}",
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
        html.write_text(digest.html, encoding="utf-8")
        written += [eml, html]
    return written
