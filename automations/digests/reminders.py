"""Personal reminders to action owners: one email per owner per reminder day, in their format.

When (settings in reminder_settings.py):
- "due soon": ``days_before`` working days before an action's due date (or calendar days, moved
  to the working day before when they land on a weekend or bank holiday);
- "late": once, on the first working day after the due date (never earlier: it is not late yet).

Each (action, reason, due date, owner) is a *trigger*, recorded in ``reminder_actions`` with the
day it was sent on, so it is never sent twice; a moved due date or a new owner is a new trigger.
One owner's triggers of one day make one email listing *all* their open actions. Its sending is
recorded per address in the send ledger's own ``reminder_recipients`` table (ledger.py), so the
digests' guarantees hold: SMTP down -> sent on the next run; a crash between hand-over and the
reply -> sent once more with the same Message-ID, never a third time.

Who gets it: the owner (Actions tab Owner -> Members tab, by Member ID, name or email). An owner
with no usable email, who left the Board, who is not on the Members tab, or whose Format is
"No email" gets it through the officers' copy, to pass on by post or phone; that copy leaves
confidential actions out (they reach their own owner only).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from automations.core.config import Config
from automations.core.errors import (
    ConfigError,
    DigestError,
    MailError,
    StateError,
    TemporaryMailError,
)
from automations.core.store import store_for
from automations.core.text import long_date, plural
from automations.digests import ledger
from automations.digests.quiet_days import (
    is_quiet,
    working_day_after,
    working_day_before,
    working_days_before,
)
from automations.digests.reminder_settings import ReminderSettings, reminder_settings
from automations.digests.render import (
    PICTURES,
    Pictures,
    _render,
    compose,
    html_part,
    inline_pictures,
    template_env,
)
from automations.digests.settings import local
from automations.inbox.buttons import Button, buttons, reply_address
from automations.inbox.settings import update_settings
from automations.mail.transport import (
    Transport,
    checked_address,
    mail_settings,
    make_transport,
    one_line,
)
from automations.model.board import Action, Board, Member
from automations.pipeline import Validation

DUE_SOON, LATE = "due_soon", "late"
STANDARD, EASY_READ, LARGE_PRINT, NO_EMAIL = "Standard", "Easy read", "Large print", "No email"

_TRIGGERS = """
CREATE TABLE IF NOT EXISTS reminder_actions (
    action_id  TEXT NOT NULL,
    reason     TEXT NOT NULL,   -- due_soon or late
    due        TEXT NOT NULL,   -- ISO date: a moved due date is a new reminder
    owner      TEXT NOT NULL,   -- the owner's key: a new owner hears too
    day        TEXT NOT NULL,   -- the reminder day whose email carries it (the ledger's date)
    PRIMARY KEY (action_id, reason, due, owner)
)
"""


# ---------------------------------------------------------------- when


def reminder_day(due: dt.date, reason: str, s: ReminderSettings) -> dt.date:
    if reason == LATE:
        late = due + dt.timedelta(days=1)
        return working_day_after(late) if s.quiet_days else late
    if s.working_days:
        return working_days_before(due, s.days_before)
    day = due - dt.timedelta(days=s.days_before)
    return working_day_before(day) if s.quiet_days else day


@dataclass(frozen=True)
class Trigger:
    action_id: str
    reason: str
    due: dt.date
    owner: str  # Owner key
    day: dt.date  # when the rule says it goes


def current_triggers(
    action: Action, owner: str, today: dt.date, s: ReminderSettings
) -> list[Trigger]:
    """The reminders this open action has due today (caught up when a run was missed): "due
    soon" until the due date itself; "late" for catch_up_days after its day."""
    if not (action.is_open and action.id and action.due):
        return []
    found = []
    if s.due_soon:
        day = reminder_day(action.due, DUE_SOON, s)
        if day <= today <= action.due:
            found.append(Trigger(action.id, DUE_SOON, action.due, owner, day))
    if s.on_overdue:
        day = reminder_day(action.due, LATE, s)
        if day <= today <= day + dt.timedelta(days=s.catch_up_days):
            found.append(Trigger(action.id, LATE, action.due, owner, day))
    return found


# ---------------------------------------------------------------- who


@dataclass(frozen=True)
class Owner:
    key: str  # the Member ID, or the Owner text when it names nobody on the Members tab
    name: str
    member: Member | None
    recipients: tuple[Address, ...]
    format: str  # Standard, Easy read or Large print: how the email is written
    via_officers: str = ""  # why the officers get it to pass on ("" when it goes to the owner)

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.key.casefold()).strip("-") or "owner"

    @property
    def audience(self) -> str:
        return f"reminder:{self.key}"


def member_format(m: Member | None) -> str:
    if m is not None and m.format in (EASY_READ, LARGE_PRINT, STANDARD):
        return m.format
    return EASY_READ if m is not None and m.easy_read else STANDARD


def find_owner(board: Board, ref: str, today: dt.date, s: ReminderSettings) -> Owner:
    m = board.member(ref)
    key = (m.id or m.label) if m is not None else " ".join(ref.split())
    name = m.label if m is not None else key
    why = _why_officers(m, today)
    fmt = member_format(m)
    if not why and m is not None:
        try:
            addr = checked_address(m.email or "", f"Members tab row {m.row}, Email")
        except ConfigError:
            why = "the email address on the Members tab could not be used"
        else:
            return Owner(key, name, m, (Address(one_line(name), addr.username, addr.domain),), fmt)
    return Owner(key, name, m, s.officers_copy, fmt, why)


def _why_officers(m: Member | None, today: dt.date) -> str:
    if m is None:
        return "they are not on the Members tab"
    if m.format == NO_EMAIL:
        return "they asked for papers by post or phone, not email"
    if not m.active_on(today):
        return "they are no longer on the Board"
    if not m.email:
        return "the Members tab has no email address for them"
    return ""


# ---------------------------------------------------------------- what


@dataclass(frozen=True)
class Item:
    """One open action as the reminder shows it."""

    id: str
    text: str
    due: dt.date | None
    project: str
    status: str
    days_late: int
    days_left: int | None
    why: str  # "due soon", "late", or "" (listed because it is open)
    last_update: dt.date | None
    update: str
    confidential: bool
    link: str = ""  # opens the action's row in the tracker (Google Sheets only), or ""


@dataclass(frozen=True)
class Reminder:
    owner: Owner
    day: dt.date
    items: tuple[Item, ...]
    triggers: tuple[Trigger, ...]
    withheld: int = 0  # confidential actions left out of an officers' copy
    cochairs: tuple[str, ...] = ()  # who else to ask for help
    message: EmailMessage | None = None
    text: str = ""
    html: str = ""
    content_hash: str = ""
    pictures: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.message.as_bytes()) if self.message is not None else 0


def owners_actions(
    board: Board, today: dt.date, s: ReminderSettings
) -> dict[str, tuple[Owner, list[Action]]]:
    """Every open action with an owner, by owner key."""
    out: dict[str, tuple[Owner, list[Action]]] = {}
    for a in board.actions.records:
        if not (a.is_open and a.owner and a.id):
            continue
        # Each person an Owner cell names ("JT/AD") is reminded; an action of the whole Board
        # ("All") is nobody's to be reminded of alone: the digest lists it.
        owners = board.owners(a.owner)
        for typed, _member in () if owners.whole_board else owners.people:
            owner = find_owner(board, typed, today, s)
            out.setdefault(owner.key, (owner, []))[1].append(a)
    return out


def _item(board: Board, a: Action, today: dt.date, why: str) -> Item:
    project = board.project(a.project_id)
    late = (today - a.due).days if a.due and a.due < today else 0
    return Item(
        id=a.id or "",
        text=a.action or "(no words in the Action column)",
        due=a.due,
        project=project.label if project else (a.project_id or ""),
        status=a.status or "",
        days_late=late,
        days_left=(a.due - today).days if a.due and a.due >= today else None,
        why=why,
        last_update=a.last_update,
        update=a.update or "",
        confidential=bool(a.confidential),
        link=_row_link(board, a),
    )


def _row_link(board: Board, a: Action) -> str:
    # Built by the backend from ids, not from a cell; still only an https: address gets out.
    link = board.actions.address(a.row)
    return link if link.startswith("https://") else ""


_WHY = {DUE_SOON: "due soon", LATE: "late"}


def build_reminder(
    board: Board,
    owner: Owner,
    actions: list[Action],
    triggers: Iterable[Trigger],
    day: dt.date,
    today: dt.date,
) -> Reminder:
    triggers = tuple(triggers)
    why = {t.action_id: _WHY[t.reason] for t in triggers}
    shown = [a for a in actions if not (owner.via_officers and a.confidential)]
    items = [_item(board, a, today, why.get(a.id or "", "")) for a in shown]
    # The reasons for writing first (late, then due soon), then the rest by due date.
    order = {"late": 0, "due soon": 1, "": 2}
    items.sort(key=lambda i: (order[i.why], i.due or dt.date.max, i.id))
    cochairs = tuple(
        m.label
        for m in board.members.records
        if m.is_cochair and m.active_on(today) and m is not owner.member
    )
    return Reminder(owner, day, tuple(items), triggers, len(actions) - len(shown), cochairs)


# ---------------------------------------------------------------- rendering


def subject(r: Reminder) -> str:
    late = sum(1 for i in r.items if i.why == "late")
    soon = sum(1 for i in r.items if i.why == "due soon")
    parts = []
    if late:
        parts.append(f"{plural(late, 'action')} late")
    if soon:
        parts.append(f"{plural(soon, 'action')} due soon")
    head = "For " + r.owner.name + ": " if r.owner.via_officers else ""
    return one_line(f"{head}Board reminder: {' and '.join(parts) or 'your actions'}")


def render(
    cfg: Config, r: Reminder, now: dt.datetime, s: ReminderSettings, env: Any = None
) -> Reminder:
    env = env or template_env(cfg.templates_dir)
    mail = mail_settings(cfg)
    pictures = Pictures(cfg.templates_dir / PICTURES)
    title = subject(r)
    variables = {
        "r": r,
        "subject": title,
        "picture": pictures,
        "board_name": s.board_name,
        "large": r.owner.format == LARGE_PRINT,
        "cochairs": r.cochairs,
        "answers": answer_buttons(cfg, r),
        "contact": {
            "name": s.reply_to.display_name or "the Board's officers",
            "address": s.reply_to.addr_spec,
        },
    }
    stem = "reminder_easy_read" if r.owner.format == EASY_READ else "reminder"
    text = _render(env, f"{stem}.txt.j2", variables)
    html = html_part(env, f"{stem}.html.j2", variables, pictures)
    msg, seal = compose(
        text,
        html,
        pictures.used,
        subject=title,
        sender=mail.sender,
        to=r.owner.recipients,
        reply_to=reply_to(cfg, r, s.reply_to),
        date=local(now, s.timezone),
        # From the owner and the day only, so a resend after a crash carries the same id.
        message_id=f"<coprod-reminder.{r.day.isoformat()}.{r.owner.slug}@{mail.sender.domain}>",
    )
    return replace(
        r,
        message=msg,
        text=text,
        html=html,
        content_hash=seal,
        pictures=dict(pictures.used),
    )


def reply_to(cfg: Config, r: Reminder, officers: Address) -> Address | tuple[Address, ...]:
    """The officers; with [updates], also the update address with the owner's reply code, so
    that a plain reply reaches the service as well as the officers."""
    u = update_settings(cfg)
    if not u.enabled or r.owner.via_officers or not r.owner.recipients:
        return officers
    local, _, domain = reply_address(u, r.owner.recipients[0].addr_spec, r.day).rpartition("@")
    return (Address("Board updates", local, domain), officers)


def answer_buttons(cfg: Config, r: Reminder) -> dict[str, tuple[Button, ...]]:
    """Each action's answer buttons ([updates]), by action id; none in an officers' copy (the
    owner answers through the officers) nor when [updates] is off."""
    u = update_settings(cfg)
    if not u.enabled or r.owner.via_officers or not r.owner.recipients:
        return {}
    owner = r.owner.recipients[0].addr_spec
    return {i.id: buttons(u, i.id, owner, r.day) for i in r.items if i.id}


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class ReminderOutcome:
    owner: str
    day: dt.date
    status: str  # sent | already-sent | uncertain | retry-later | failed
    recipients: tuple[str, ...] = ()
    actions: int = 0
    size: int = 0
    detail: str = ""
    via_officers: bool = False

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "already-sent")

    def describe(self) -> str:
        who = f"{self.owner} (officers' copy)" if self.via_officers else self.owner
        head = f"reminder to {who}, {long_date(self.day)}: {self.status}"
        return f"{head} ({self.detail})" if self.detail else head


class _Book:
    """The trigger table and the reminders' ledger, on one state file."""

    def __init__(self, cfg: Config) -> None:
        self.ledger = ledger.connect(cfg, ledger.REMINDERS)
        self.conn, self.store = self.ledger.conn, self.ledger.store
        self.store.create_tables(self.conn, _TRIGGERS)

    def close(self) -> None:
        self.ledger.close()

    def days(self, t: Trigger) -> str | None:
        with self.store.guarded():
            row = self.conn.execute(
                "SELECT day FROM reminder_actions WHERE action_id = ? AND reason = ? AND due = ? "
                "AND owner = ?",
                (t.action_id, t.reason, t.due.isoformat(), t.owner),
            ).fetchone()
        return row[0] if row else None

    def owner_days(self, owner: str, since: dt.date) -> dict[dt.date, list[tuple[str, str]]]:
        with self.store.guarded():
            rows = self.conn.execute(
                "SELECT day, action_id, reason FROM reminder_actions WHERE owner = ? AND day >= ?",
                (owner, since.isoformat()),
            ).fetchall()
        out: dict[dt.date, list[tuple[str, str]]] = {}
        for day, aid, reason in rows:
            out.setdefault(dt.date.fromisoformat(day), []).append((aid, reason))
        return out

    def assign(self, triggers: list[Trigger], day: dt.date) -> None:
        with self.store.guarded(), self.conn:
            self.conn.executemany(
                "INSERT INTO reminder_actions VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                [
                    (t.action_id, t.reason, t.due.isoformat(), t.owner, day.isoformat())
                    for t in triggers
                ],
            )

    def pending(self, owner: Owner, day: dt.date, by_hand: bool = False) -> tuple[str, ...]:
        records = self.ledger.for_audience(owner.audience, day)
        return tuple(
            a.addr_spec
            for a in owner.recipients
            if (rec := records.get(a.addr_spec)) is None or rec.needs_sending(by_hand)
        )


@dataclass(frozen=True)
class Planned:
    owner: Owner
    actions: list[Action]
    day: dt.date
    triggers: tuple[Trigger, ...]


def plan(
    cfg: Config, validation: Validation, now: dt.datetime, book: _Book, by_hand: bool = False
) -> list[Planned]:
    """The reminder emails to send now. New triggers join the owner's email that is still
    unsent (a retry after a failed day), else today's; recorded before anything is sent.
    ``by_hand`` (see send_due) also counts an email refused with 5xx as unsent."""
    s = reminder_settings(cfg)
    today = local(now, s.timezone).date()
    if not s.enabled or (s.quiet_days and is_quiet(today)):
        return []
    board = validation.board
    out = []
    for key, (owner, actions) in sorted(owners_actions(board, today, s).items()):
        visible = [a for a in actions if not (owner.via_officers and a.confidential)]
        new = [
            t for a in visible for t in current_triggers(a, key, today, s) if book.days(t) is None
        ]
        since = today - dt.timedelta(days=s.catch_up_days)
        days = book.owner_days(key, since)
        unsent = sorted(d for d in days if book.pending(owner, d, by_hand))
        if new:
            target = unsent[-1] if unsent else today
            book.assign(new, target)
            days = book.owner_days(key, since)
            unsent = sorted(d for d in days if book.pending(owner, d, by_hand))
        for day in unsent:
            ids = {aid for aid, _ in days[day]}
            triggers = tuple(
                Trigger(a.id or "", reason, a.due or day, key, day)
                for a in visible
                for aid, reason in days[day]
                if aid == a.id
            )
            if ids & {a.id for a in visible}:
                out.append(Planned(owner, actions, day, triggers))
    return out


def send_due(
    cfg: Config, validation: Validation, now: dt.datetime, by_hand: bool = False
) -> list[ReminderOutcome]:
    """Send every reminder due now. The caller holds the service's lock. Raises StateError
    (nothing more sent) when the state folder cannot record a send.

    ``by_hand`` is `coprod remind --send`: a person asked, so an address the mail server
    refused with 5xx (the mailbox may be fixed now) and an uncertain send already repeated once
    are tried again, as `coprod digest --send` does; the scheduled job never retries them."""
    s = reminder_settings(cfg)
    if not s.enabled:
        return []
    store_for(cfg).check_writable()
    book = _Book(cfg)
    try:
        book.ledger.settle_interrupted(now)
        planned = plan(cfg, validation, now, book, by_hand)
        if not planned:
            return []
        transport, env = make_transport(cfg), template_env(cfg.templates_dir)
        today = local(now, s.timezone).date()
        outcomes: list[ReminderOutcome] = []
        unreachable = ""
        for p in planned:
            if unreachable:
                outcomes.append(_outcome(p, "retry-later", f"not tried: {unreachable}"))
                continue
            outcome = _send_one(cfg, validation, p, now, today, s, env, transport, book, by_hand)
            outcomes.append(outcome)
            if outcome.status == "retry-later" and "could not reach" in outcome.detail:
                unreachable = outcome.detail
        return outcomes
    finally:
        book.close()


def _outcome(p: Planned, status: str, detail: str = "", **kw: Any) -> ReminderOutcome:
    return ReminderOutcome(
        p.owner.name, p.day, status, detail=detail, via_officers=bool(p.owner.via_officers), **kw
    )


def make(
    cfg: Config,
    validation: Validation,
    p: Planned,
    now: dt.datetime,
    today: dt.date,
    s: ReminderSettings,
    env: Any = None,
) -> Reminder:
    r = build_reminder(validation.board, p.owner, p.actions, p.triggers, p.day, today)
    return render(cfg, r, now, s, env)


def _send_one(
    cfg: Config,
    validation: Validation,
    p: Planned,
    now: dt.datetime,
    today: dt.date,
    s: ReminderSettings,
    env: Any,
    transport: Transport,
    book: _Book,
    by_hand: bool = False,
) -> ReminderOutcome:
    pending = book.pending(p.owner, p.day, by_hand)
    try:
        r = make(cfg, validation, p, now, today, s, env)
    except DigestError as exc:
        return _outcome(p, "failed", f"could not write the reminder: {exc}")
    assert r.message is not None
    status, detail, delivered = deliver(
        book.ledger,
        transport,
        r.message,
        r.content_hash,
        p.owner.audience,
        p.day,
        pending,
        now,
        f"{p.owner.name} (the officers' copy)" if p.owner.via_officers else p.owner.name,
    )
    return _outcome(p, status, detail, recipients=delivered, actions=len(r.items), size=r.size)


def deliver(
    book: ledger.Ledger,
    transport: Transport,
    message: EmailMessage,
    content_hash: str,
    audience: str,
    day: dt.date,
    pending: tuple[str, ...],
    now: dt.datetime,
    who: str,
) -> tuple[str, str, tuple[str, ...]]:
    """Send one message to ``pending``, recorded before DATA and after the reply, as the
    digests are; returns (status, detail, the addresses that have it). ``who`` (the person, in
    words) is kept in the ledger for the officers' alert."""
    attempt = ledger.Attempt(
        audience,
        day,
        str(message["Message-ID"]),
        content_hash,
        transport.name,
        now if now.tzinfo else now.astimezone(),
        who,
    )
    try:
        delivery = transport.send(message, pending, lambda ok: book.about_to_send(attempt, ok))
    except TemporaryMailError as exc:
        for addr in pending:
            book.refused(attempt, addr, str(exc), permanent=False)
        return "retry-later", str(exc), ()
    except MailError as exc:
        for addr in pending:
            book.refused(attempt, addr, f"not sent: {exc}", permanent=False)
        return "failed", str(exc), ()
    try:
        book.delivered(attempt, delivery.delivered)
        book.uncertain(attempt, delivery.uncertain, delivery.why_uncertain)
        for addr, refusal in delivery.refused.items():
            book.refused(attempt, addr, refusal.describe(), refusal.permanent)
    except StateError as exc:
        raise StateError(
            f"{exc} The email to {who} was just handed to the mail server; it is kept as "
            "'uncertain' and sent once more, with the same Message-ID, on the next run."
        ) from None
    if delivery.refused:
        words = "; ".join(f"{a}: {x.describe()}" for a, x in delivery.refused.items())
        permanent = all(x.permanent for x in delivery.refused.values())
        return ("failed" if permanent else "retry-later"), words, delivery.delivered
    if delivery.uncertain:
        return "uncertain", delivery.why_uncertain, delivery.delivered
    return "sent", "", delivery.delivered


# ---------------------------------------------------------------- preview


def preview(
    cfg: Config, validation: Validation, folder: Path, now: dt.datetime, everyone: bool = False
) -> list[Path]:
    """Write today's reminders (or, with ``everyone``, one for every owner of an open action)
    as .eml and .html into ``folder``. Sends nothing, records nothing."""
    s = reminder_settings(cfg)
    today = validation.report.today  # the day checked (`--today` or [today] replays one)
    env = template_env(cfg.templates_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key, (owner, actions) in sorted(owners_actions(validation.board, today, s).items()):
        visible = [a for a in actions if not (owner.via_officers and a.confidential)]
        triggers = tuple(t for a in visible for t in current_triggers(a, key, today, s))
        if not (triggers or (everyone and visible)):
            continue
        r = make(cfg, validation, Planned(owner, actions, today, triggers), now, today, s, env)
        assert r.message is not None
        stem = f"reminder-{today.isoformat()}-{owner.slug}"
        eml, html = folder / f"{stem}.eml", folder / f"{stem}.html"
        eml.write_bytes(r.message.as_bytes())
        html.write_text(_browser_html(r), encoding="utf-8")
        written += [eml, html]
    return written


def _browser_html(r: Reminder) -> str:
    return inline_pictures(r.html, r.pictures)
