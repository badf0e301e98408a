"""The co-chairs' follow-up pack: ``[pack] days_before`` working days before the next scheduled
meeting (Meetings tab), both co-chairs and the meeting's deputy (if recorded) get every open
action grouped by owner with its history, what needs a decision at the meeting, and the other
findings a co-chair should raise. The same pack is written as a printable HTML page into the
outbox folder; that page leaves confidential actions out, as a printout can leave the room.

Once per meeting and recipient, recorded like the digests (ledger.py, table ``pack_recipients``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from automations.core.config import Config
from automations.core.errors import ConfigError, DigestError
from automations.core.findings import Finding, Severity
from automations.core.store import store_for
from automations.core.text import add_months, long_date
from automations.digests import ledger
from automations.digests.pack_answers import WaitingAnswer, waiting_answers
from automations.digests.pack_chart import PackTrend, chart_source, pack_trend
from automations.digests.pack_easy import easy_decisions, year_ending
from automations.digests.pack_pdf import write_pdf
from automations.digests.pack_record import PackRecord, pack_record
from automations.digests.pack_settings import KEYS, PackSettings, pack_settings  # noqa: F401
from automations.digests.quiet_days import is_quiet, working_days_before
from automations.digests.reminder_settings import reminder_settings
from automations.digests.reminders import EASY_READ, LARGE_PRINT, deliver, member_format
from automations.digests.render import (
    PICTURES,
    Pictures,
    _inline,
    _render,
    compose,
    html_part,
    template_env,
)
from automations.digests.settings import local
from automations.mail.transport import (
    checked_address,
    mail_section,
    mail_settings,
    make_transport,
    one_line,
)
from automations.model.board import Board, Member
from automations.pipeline import Validation

TABLE = "pack_recipients"
# Findings that are a decision for the meeting, by topic; the rest are "to raise".
DECISIONS = {
    "tor.cochairs.term": "Co-chair terms ending",
    "tor.members.review_due": "Membership review due",
    "tor.members.balance": "Balance of the membership",
    "tor.projects.stage_duties": "Project stage duties due",
    "tor.projects.current_duties": "Project stage duties due",
}
# Open actions are listed in full already; these findings would only repeat them.
LISTED = ("tor.actions.overdue", "tor.actions.due_soon", "tor.actions.stale")


# ---------------------------------------------------------------- when and who


def next_meeting(board: Board, today: dt.date) -> dt.date | None:
    ahead = sorted(m.date for m in board.meetings.records if m.date and m.date >= today)
    return ahead[0] if ahead else None


def pack_day(meeting: dt.date, s: PackSettings) -> dt.date:
    return working_days_before(meeting, s.days_before)


def recipients(board: Board, meeting: dt.date, today: dt.date) -> list[tuple[Member, Address]]:
    """Both co-chairs, then the deputy recorded for this meeting; only those with an email."""
    people = [m for m in board.members.records if m.is_cochair and m.active_on(today)]
    row = next((m for m in board.meetings.records if m.date == meeting), None)
    deputy = board.member(row.deputy) if row is not None else None
    if deputy is not None and deputy not in people:
        people.append(deputy)
    out = []
    for m in people:
        try:
            addr = checked_address(m.email or "", f"Members tab row {m.row}, Email")
        except ConfigError:
            continue  # the Members tab check already names the missing or bad address
        out.append((m, Address(one_line(m.label), addr.username, addr.domain)))
    return out


# ---------------------------------------------------------------- content


@dataclass(frozen=True)
class PackAction:
    id: str
    text: str
    project: str
    raised: dt.date | None
    due: dt.date | None
    status: str
    last_update: dt.date | None
    update: str
    days_late: int
    confidential: bool


@dataclass(frozen=True)
class Pack:
    meeting: dt.date
    board_name: str
    groups: tuple[tuple[str, tuple[PackAction, ...]], ...]  # owner -> their open actions
    decisions: tuple[tuple[str, tuple[str, ...]], ...]  # topic -> lines
    to_raise: tuple[str, ...]
    easy_decisions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the same, in easy read
    trend: PackTrend | None = None  # open and overdue actions at the last meetings (a chart)
    record: PackRecord | None = None  # to tell back, sub-groups to report (pack_record.py)
    answers: tuple[WaitingAnswer, ...] = ()  # owners' answers waiting (pack_answers.py)

    @property
    def open_count(self) -> int:
        return sum(len(a) for _, a in self.groups)


def build_pack(
    cfg: Config, validation: Validation, meeting: dt.date, board_name: str, top: int
) -> Pack:
    board, today = validation.board, validation.report.today
    groups: dict[str, list[PackAction]] = {}
    for a in board.actions.records:
        if not a.is_open:
            continue
        name = board.owners(a.owner).label or "No owner recorded"
        project = board.project(a.project_id)
        groups.setdefault(name, []).append(
            PackAction(
                a.id or f"row {a.row}",
                a.action or "",
                project.label if project else "",
                a.raised,
                a.due,
                a.status or "",
                a.last_update,
                a.update or "",
                (today - a.due).days if a.due and a.due < today else 0,
                bool(a.confidential),
            )
        )
    ordered = tuple(
        (name, tuple(sorted(acts, key=lambda x: (-x.days_late, x.due or dt.date.max))))
        for name, acts in sorted(groups.items(), key=lambda g: g[0].casefold())
    )
    return Pack(
        meeting,
        board_name,
        ordered,
        _decisions(cfg, validation, meeting),
        tuple(_to_raise(validation.report.findings, top)),
        easy_decisions(board, cfg.tor, validation.report.findings, meeting, today),
        pack_trend(cfg, validation),
        pack_record(validation, meeting, cfg.tor),
        waiting_answers(cfg, board, today),
    )


def _decisions(cfg: Config, validation: Validation, meeting: dt.date) -> tuple:
    topics: dict[str, list[str]] = {t: [] for t in dict.fromkeys(DECISIONS.values())}
    for f in validation.report.findings:
        if f.rule in DECISIONS:
            topics[DECISIONS[f.rule]].append(f.message)
    topics["Membership review due"].append(_review_line(cfg, validation.board, meeting))
    topics["Members whose joining year is up"] = _year_up(cfg, validation.board, meeting)
    return tuple((t, tuple(lines)) for t, lines in topics.items())


def _review_line(cfg: Config, board: Board, meeting: dt.date) -> str:
    reviewed = sorted(m.date for m in board.meetings.records if m.membership_reviewed and m.date)
    if not reviewed:
        return "The Meetings tab records no membership review yet: agree when to hold one."
    due = add_months(reviewed[-1], cfg.tor.membership_review_months)
    when = "is due at this meeting" if due <= meeting else f"is next due by {long_date(due)}"
    return f"Membership was last reviewed on {long_date(reviewed[-1])}; the review {when}."


def _year_up(cfg: Config, board: Board, meeting: dt.date) -> list[str]:
    out = []
    for m in year_ending(board, cfg.tor, meeting):
        assert m.joined is not None
        ends = add_months(m.joined, cfg.tor.minimum_membership_months)
        out.append(
            f"{m.label} joined on {long_date(m.joined)}; their first year ends on "
            f"{long_date(ends)}. Ask whether they will stay on."
        )
    return out


def _to_raise(findings: tuple[Finding, ...], top: int) -> list[str]:
    keep = [
        f
        for f in findings
        if f.rule not in DECISIONS
        and f.rule not in LISTED
        and f.severity in (Severity.ERROR, Severity.WARNING)
    ]
    return [f.message for f in keep[:top]]


# ---------------------------------------------------------------- rendering


def render(
    cfg: Config,
    pack: Pack,
    member: Member | None,
    to: tuple[Address, ...],
    now: dt.datetime,
    printable: bool = False,
    env: Any = None,
) -> tuple[Any, str, str]:
    """(message, html, content hash). ``printable``: the page for the outbox (no confidential
    actions, no email headers)."""
    env = env or template_env(cfg.templates_dir)
    pictures = Pictures(cfg.templates_dir / PICTURES)
    digest = reminder_settings(cfg)
    subject = one_line(f"Follow-up pack for the Board meeting on {long_date(pack.meeting)}")
    variables = {
        "p": pack,
        "subject": subject,
        "picture": pictures,
        "printable": printable,
        "trend": pack.trend,
        "large": member_format(member) == LARGE_PRINT,
        "name": member.label if member else "",
        "contact": {
            "name": digest.reply_to.display_name or "the Board's officers",
            "address": digest.reply_to.addr_spec,
        },
    }
    # The printable page is for anyone at the meeting: the standard pack.
    easy = not printable and member_format(member) == EASY_READ
    stem = "pack_easy_read" if easy else "pack"
    # The standard pack's chart (_pack_chart.*.j2); only drawn for the pack that shows it.
    variables["trend_chart"] = "" if easy else chart_source(pack.trend, pictures, printable)
    text = _render(env, f"{stem}.txt.j2", variables)
    if printable:  # a page to print, not an email: every action, however long
        return (
            None,
            _inline(_render(env, f"{stem}.html.j2", {**variables, "limit": None, "brief": None})),
            "",
        )
    html = html_part(env, f"{stem}.html.j2", variables, pictures)
    mail = mail_settings(cfg)
    slug = re.sub(r"[^a-z0-9]+", "-", (member.id or member.label).casefold()) if member else "x"
    msg, seal = compose(
        text,
        html,
        pictures.used,
        subject=subject,
        sender=mail.sender,
        to=to,
        reply_to=digest.reply_to,
        date=local(now, digest.timezone),
        message_id=f"<coprod-pack.{pack.meeting.isoformat()}.{slug}@{mail.sender.domain}>",
    )
    return msg, html, seal


def printable_path(cfg: Config, meeting: dt.date) -> Path:
    folder = mail_section(cfg).path("outbox", "outbox") or cfg.base_dir / "outbox"
    return folder / f"pack-{meeting.isoformat()}.html"


def write_printable(cfg: Config, pack: Pack, now: dt.datetime, path: Path) -> list[Path]:
    """The printable page at ``path`` (.html) and, where WeasyPrint can run, the same as a
    .pdf beside it (pack_pdf.py)."""
    _, html, _ = render(cfg, pack, None, (), now, printable=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(html, encoding="utf-8")
    partial.replace(path)  # atomic: a printer never gets half a page
    pdf = write_pdf(html, path.with_suffix(".pdf"))
    return [path, pdf] if pdf else [path]


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class PackOutcome:
    name: str
    meeting: dt.date
    status: str
    detail: str = ""
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "already-sent")

    def describe(self) -> str:
        head = f"pack for {long_date(self.meeting)} to {self.name}: {self.status}"
        return f"{head} ({self.detail})" if self.detail else head


def due_meeting(cfg: Config, validation: Validation, now: dt.datetime) -> dt.date | None:
    s = pack_settings(cfg)
    today = local(now, reminder_settings(cfg).timezone).date()
    meeting = next_meeting(validation.board, today)
    if not s.enabled or meeting is None or is_quiet(today):
        return None
    return meeting if pack_day(meeting, s) <= today < meeting else None


def send_due(
    cfg: Config, validation: Validation, now: dt.datetime, by_hand: bool = False
) -> list[PackOutcome]:
    """Send the pack to whoever still needs it for the next meeting. The caller holds the
    service's lock. ``by_hand`` is `coprod pack --send`: a person asked, so an address refused
    with 5xx (the mailbox may be fixed) is tried again, as `coprod digest --send` does."""
    meeting = due_meeting(cfg, validation, now)
    if meeting is None:
        return []
    s, board = pack_settings(cfg), validation.board
    today = local(now, reminder_settings(cfg).timezone).date()
    people = recipients(board, meeting, today)
    store_for(cfg).check_writable()
    book = ledger.connect(cfg, TABLE)
    try:
        book.settle_interrupted(now)
        todo = []
        for m, addr in people:
            rec = book.for_audience(f"pack:{m.id}", meeting).get(addr.addr_spec)
            if rec is None or rec.needs_sending(by_hand):
                todo.append((m, addr))
        if not todo:
            return []
        pack = build_pack(
            cfg, validation, meeting, reminder_settings(cfg).board_name, s.top_findings
        )
        write_printable(cfg, pack, now, printable_path(cfg, meeting))
        transport, env = make_transport(cfg), template_env(cfg.templates_dir)
        outcomes = []
        for m, addr in todo:
            try:
                msg, _, seal = render(cfg, pack, m, (addr,), now, env=env)
            except DigestError as exc:
                outcomes.append(PackOutcome(m.label, meeting, "failed", str(exc)))
                continue
            status, detail, _ = deliver(
                book, transport, msg, seal, f"pack:{m.id}", meeting, (addr.addr_spec,), now, m.label
            )
            outcomes.append(PackOutcome(m.label, meeting, status, detail, len(msg.as_bytes())))
        return outcomes
    finally:
        book.close()


def preview(cfg: Config, validation: Validation, folder: Path, now: dt.datetime) -> list[Path]:
    """The pack for the next meeting, due or not: one .eml per recipient and the printable
    page, into ``folder``. Sends nothing, records nothing."""
    today = validation.report.today  # the day checked (`--today` or [today] replays one)
    meeting = next_meeting(validation.board, today)
    if meeting is None:
        raise ConfigError("The Meetings tab has no meeting today or later, so there is no pack.")
    s = pack_settings(cfg)
    pack = build_pack(cfg, validation, meeting, reminder_settings(cfg).board_name, s.top_findings)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_printable(cfg, pack, now, folder / f"pack-{meeting.isoformat()}.html")
    for m, addr in recipients(validation.board, meeting, today):
        msg, _, _ = render(cfg, pack, m, (addr,), now)
        path = folder / f"pack-{meeting.isoformat()}-{(m.id or 'member').lower()}.eml"
        path.write_bytes(msg.as_bytes())
        written.append(path)
    return written
