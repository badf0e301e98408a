"""The use cases, one function each: the CLI and the service call these and nothing below them.

Everything here takes a checked Config (settings.load_settings) and raises only CoprodError
children for problems a person can fix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automations.backends.access import check_access as _check_access
from automations.core.config import Config, board_timezone
from automations.core.errors import ConfigError, DigestError, SourceError
from automations.core.text import add_months
from automations.pipeline import Validation, validate
from automations.rules import catalogue

if TYPE_CHECKING:
    from automations.backends.marks import WriteResult
    from automations.backends.updates import UpdatesResult
    from automations.digests.send import SendOutcome
    from automations.inbox.proposals import Stored
    from automations.inbox.read import Reading
    from automations.record.report import BoardReport

__all__ = ["check_access", "preview_digests", "send_digests", "validate", "write_back"]


def board_now(cfg: Config, now: dt.datetime | None = None) -> dt.datetime:
    """The time on the Board's clock ([schedule] timezone), to the second. A time without a
    zone is taken as already on that clock."""
    tz = board_timezone(cfg)
    when = now or dt.datetime.now(dt.UTC)
    when = when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)
    return when.replace(microsecond=0)


def write_back(
    cfg: Config, validation: Validation, now: dt.datetime | None = None, report: Path | None = None
) -> WriteResult:
    """Mark the source (or, given ``report``, write a marked .xlsx copy and leave the source
    alone), stamped in the Board's time zone. The one write path of the CLI and the service."""
    from automations.backends.marks import plan_marks

    about = {rule.id: rule.summary for rule in catalogue()}  # plain words for the Validation tab
    plan = plan_marks(validation.report, board_now(cfg, now), about)
    if report is None:
        return validation.source.write_marks(plan)
    if cfg.source.kind not in ("xlsx", "microsoft365") or (
            cfg.source.kind == "xlsx" and cfg.source.path is None):
        raise SourceError("--report FILE.xlsx makes a marked copy of an .xlsx workbook only.")
    from automations.backends.workbooks import BoardSource

    source = validation.source
    if isinstance(source, BoardSource):  # a copy of the main workbook: its findings
        plan = source.plan_for(plan, source.parts[0])
        source = source.parts[0].source
    if cfg.source.kind == "microsoft365":
        return source.write_report(report, plan)  # type: ignore[attr-defined, no-any-return]
    from automations.backends.xlsx.marks import write_xlsx_report

    assert cfg.source.path is not None
    return write_xlsx_report(cfg.source.path, report, plan, cfg)


def preview_digests(
    cfg: Config,
    validation: Validation,
    folder: Path,
    meeting: dt.date | None = None,
    audience: str | None = None,
    now: dt.datetime | None = None,
) -> list[Path]:
    """Write the digests of one meeting as .eml and .html into ``folder``; send nothing.
    Every enabled audience, or the one named (even when it is switched off)."""
    from automations.digests.send import manual_jobs, preview

    jobs = manual_jobs(cfg, validation, meeting, audience, include_disabled=audience is not None)
    if not jobs:
        # Writing nothing and saying nothing looked like success (issue 26).
        raise ConfigError(
            "digest.audiences: there is no audience to preview, so no digest was written. Add "
            "a [[digest.audiences]] table with its recipients to the config (coprod adopt "
            "writes one commented out: remove the # signs and fill in the addresses), or "
            "switch one on (enabled = true)."
        )
    try:
        return preview(cfg, validation, jobs, folder, board_now(cfg, now))
    except DigestError as exc:
        raise DigestError(f"could not render the digest: {exc}") from None


def send_digests(
    cfg: Config,
    validation: Validation,
    meeting: dt.date | None = None,
    audience: str | None = None,
    now: dt.datetime | None = None,
) -> list[SendOutcome]:
    """Send one meeting's digests by hand (each audience at most once per meeting). The caller
    holds the service's lock (service.loop.send_by_hand)."""
    from automations.digests.send import manual_jobs, send_jobs

    jobs = manual_jobs(cfg, validation, meeting, audience)
    return send_jobs(cfg, validation, jobs, board_now(cfg, now))


def check_access(cfg: Config) -> tuple[bool, str]:
    """(can write, one line for people). Raises SourceError when the sheet cannot be read.
    For Microsoft 365 one line each for read, write and send-as (all must work for True)."""
    can_write, lines = _check_access(cfg)
    if cfg.source.kind != "microsoft365":
        return can_write, lines
    can_send, send_line = _send_as(cfg)
    return can_write and can_send, f"{lines}\n{send_line}"


def _send_as(cfg: Config) -> tuple[bool, str]:
    """Whether the digests can leave as mail.from, checked without sending anything."""
    from automations.mail.graph import graph_send_as_line
    from automations.mail.transport import SmtpTransport, mail_settings, make_transport
    from automations.mail.xoauth2 import XOAuth2Login, xoauth2_send_as_line

    sender = mail_settings(cfg).sender.addr_spec
    if cfg.section("mail").text("transport", "outbox") == "graph":
        return graph_send_as_line(cfg, sender)
    transport = make_transport(cfg)
    if isinstance(transport, SmtpTransport) and isinstance(transport.login, XOAuth2Login):
        return xoauth2_send_as_line(transport.login, transport._connect, transport.host)
    where = (f"through {transport.host} with a password" if isinstance(transport, SmtpTransport)
             else "to the outbox folder")
    return True, f"Send-as: not checked (mail goes {where})."


def board_report(
    cfg: Config, validation: Validation, start: dt.date, end: dt.date, out: Path | None = None
) -> list[Path]:
    """The activity report for HBP and the JPB: ``out`` (.xlsx, default in [report] folder)
    and the same name with .html."""
    if end < start:
        raise ConfigError(f"--to {end} is before --from {start}: give the period's first day first")
    if out is not None and out.suffix.lower() != ".xlsx":
        raise ConfigError(f"--out {out.name}: give a file name ending in .xlsx")
    return _write_report(cfg, _build_report(cfg, validation, start, end), out)


def _build_report(cfg: Config, validation: Validation, start: dt.date, end: dt.date) -> BoardReport:
    from automations.digests.settings import digest_settings
    from automations.record import history
    from automations.record.report import build_report

    return build_report(
        validation.board,
        validation.report,
        history.load(cfg, until=end),  # older records tell "none in the period" from "none yet"
        start,
        end,
        digest_settings(cfg).board_name,
        cfg.tor.balance_tolerance,
    )


def _write_report(cfg: Config, report: BoardReport, out: Path | None) -> list[Path]:
    from automations.record.report_html import write_html
    from automations.record.report_xlsx import write_xlsx
    from automations.record.settings import report_settings

    out = out or report_settings(cfg).folder / f"report-{report.start}-{report.end}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    html = out.with_suffix(".html")
    return [write_xlsx(report, out), write_html(report, cfg.templates_dir, html)]


def publish(cfg: Config, validation: Validation, out: Path) -> list[Path]:
    """The public "You said, we did" page and its easy-read version, written into ``out``."""
    from automations.digests.settings import digest_settings
    from automations.record.publish import public_page, write_pages

    day = validation.report.today
    page = public_page(validation.board, digest_settings(cfg).board_name, day)
    return write_pages(page, cfg.templates_dir, out)


def yearly_period(due: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve whole months before the month the yearly report falls due in."""
    first = due.replace(day=1)
    return add_months(first, -12), first - dt.timedelta(days=1)


def send_yearly_report(
    cfg: Config, validation: Validation, due: dt.date, now: dt.datetime | None = None
) -> str:
    """Write the yearly report into [report] folder and email it to [report] audience; one
    line for people. Raises MailError (the scheduled job then tries again on the next pass)."""
    from automations.mail.transport import mail_settings, make_transport, send_unrecorded
    from automations.record.report_mail import report_message
    from automations.record.settings import report_settings

    settings = report_settings(cfg)
    start, end = yearly_period(due)
    report = _build_report(cfg, validation, start, end)
    files = _write_report(cfg, report, None)
    sender = mail_settings(cfg).sender
    message = report_message(report, files, sender, settings.audience, board_now(cfg, now))
    send_unrecorded(make_transport(cfg), message)
    to = ", ".join(a.addr_spec for a in settings.audience)
    return f"sent the report for {start} to {end} to {to} ({files[0].name} and {files[1].name})"


def preview_reminders(
    cfg: Config, validation: Validation, folder: Path, everyone: bool = False,
    now: dt.datetime | None = None,
) -> list[Path]:
    """Write today's owner reminders (or one per owner of an open action, with ``everyone``)
    as .eml and .html into ``folder``; send nothing, record nothing."""
    from automations.digests.reminders import preview as preview_owner_reminders

    try:
        return preview_owner_reminders(cfg, validation, folder, board_now(cfg, now), everyone)
    except DigestError as exc:
        raise DigestError(f"could not write the reminders: {exc}") from None


def send_reminders(
    cfg: Config, validation: Validation, now: dt.datetime | None = None, by_hand: bool = False
) -> list:
    """Send the owner reminders due now (each action and reason once); ``by_hand`` also tries
    again addresses refused with 5xx (reminders.send_due). The caller holds the service's lock
    (service.loop.remind_by_hand). `--today` (or [today]) replays that day, as the preview does."""
    from automations.digests.reminder_settings import reminder_settings
    from automations.digests.reminders import send_due

    if not reminder_settings(cfg).enabled:
        raise ConfigError(
            "reminders: switched off. They need a [reminders] section in the config (see "
            "config.example.toml) without enabled = false, and due_soon or on_overdue on."
        )
    return send_due(cfg, validation, _on_day_checked(cfg, validation, now), by_hand)


def _on_day_checked(cfg: Config, validation: Validation, now: dt.datetime | None) -> dt.datetime:
    """Now, on the day the check ran for: `--today` (or [today]) replays that day for a send
    by hand, at the current time of day, as the previews do."""
    when = board_now(cfg, now)
    if when.date() != validation.report.today:
        when = dt.datetime.combine(validation.report.today, when.timetz())
    return when


def send_pack(cfg: Config, validation: Validation, now: dt.datetime | None = None) -> list:
    """`coprod pack --send`: the pack for the next meeting to whoever does not have it yet,
    when it is due (pack.due_meeting), trying again addresses refused with 5xx. The caller holds
    the service's lock (service.loop.pack_by_hand). `--today` replays that day."""
    from automations.digests.pack import pack_settings
    from automations.digests.pack import send_due as send_the_pack

    if not pack_settings(cfg).enabled:
        raise ConfigError(
            "pack: switched off. It needs a [pack] section in the config (see "
            "config.example.toml) without enabled = false."
        )
    return send_the_pack(cfg, validation, _on_day_checked(cfg, validation, now), by_hand=True)


def preview_pack(
    cfg: Config, validation: Validation, folder: Path, now: dt.datetime | None = None
) -> list[Path]:
    """The follow-up pack for the next meeting (due or not): the printable page and one .eml
    per recipient, into ``folder``; sends nothing, records nothing."""
    from automations.digests.pack import preview as preview_the_pack

    try:
        return preview_the_pack(cfg, validation, folder, board_now(cfg, now))
    except DigestError as exc:
        raise DigestError(f"could not write the pack: {exc}") from None


def read_answers(
    cfg: Config, validation: Validation, now: dt.datetime | None = None, record: bool = True
) -> Reading:
    """Read the answers mailbox ([updates]) into recorded proposals (``record=False``: only
    say what the next pass would find; nothing recorded, nothing moved)."""
    from automations.inbox.read import read_answers as read

    return read(cfg, validation.board, _on_day_checked(cfg, validation, now), record)


def list_updates(cfg: Config) -> list[Stored]:
    """Every recorded answer, oldest first, with what became of it."""
    from automations.inbox.proposals import Proposals

    with Proposals(cfg) as book:
        return book.all()


def _updates_writer(cfg: Config, validation: Validation) -> tuple[Any, Any]:
    """How this tracker's Updates tab is read and written: (read the tab, write a plan). For a
    board kept in several workbooks or spreadsheets ([source.tabs]), the one that keeps the
    Actions tab: the Updates tab goes beside the cells it changes, and none of the answers goes
    into the others (the members' spreadsheet, often restricted, gets only its own marks)."""
    source = validation.source
    if cfg.source.kind in ("google", "microsoft365"):
        from automations.backends.workbooks import BoardSource, home_of

        if isinstance(source, BoardSource):
            source = home_of(source, "Actions")
    if cfg.source.kind == "google":
        from automations.backends.google.source import GoogleSheetSource
        from automations.backends.google.values import read_updates_google, write_updates_google

        if isinstance(source, GoogleSheetSource):
            google = source
            return (lambda: read_updates_google(google),
                    lambda plan, today: write_updates_google(google, plan, today))  # fmt: skip
    elif cfg.source.kind == "microsoft365":
        from automations.backends.microsoft365.source import Microsoft365Source
        from automations.backends.microsoft365.values import M365Updates

        if isinstance(source, Microsoft365Source):
            m365 = M365Updates(source)
            return m365.read_tab, m365.write
    elif cfg.source.kind == "xlsx":
        from automations.backends.xlsx.values import read_updates_tab, write_updates

        tab = cfg.source.tabs.get("Actions")
        path = tab.path if tab is not None and tab.path else cfg.source.path
        assert path is not None  # an xlsx source always has its path (config.py)
        return (lambda: read_updates_tab(path),
                lambda plan, today: write_updates(path, plan, cfg, today))  # fmt: skip
    # Every source the config can name is handled above; said rather than left silent, so that
    # answers never wait unwritten without anyone being told.
    raise SourceError(
        f"answers cannot be written into {getattr(source, 'name', None) or 'this tracker'} "
        f'([source] kind = "{cfg.source.kind}"); they stay recorded (coprod updates).'
    )


def preview_updates(
    cfg: Config, validation: Validation, now: dt.datetime | None = None
) -> list[str]:
    """What the next check would do with the recorded answers (nothing written): one line per
    answer it would write, reject or refuse."""
    from automations.backends.updates import decisions
    from automations.inbox.approve import decide
    from automations.inbox.listing import clean
    from automations.inbox.proposals import Proposals
    from automations.inbox.settings import update_settings

    s = update_settings(cfg)
    if not s.enabled:
        return []
    writer = _updates_writer(cfg, validation)
    when = _on_day_checked(cfg, validation, now)
    with Proposals(cfg) as book:
        plan = decide(book.all(), decisions(writer[0]()), validation.board, s,
                      when.date(), book.last_written)  # fmt: skip
    lines = []
    for rc in plan.changes:
        what = "; ".join(f"{c.header} -> {_shown(c.value, c.append)}" for c in rc.cells)
        lines.append(f"Would write answer #{rc.answer} into {clean(rc.action_id, 40)}: {what}")
    lines += [f"Would mark answer #{pid} rejected" for pid in plan.rejected]
    lines += [f"Would not write answer #{pid}: {why}" for pid, why in plan.refused.items()]
    return lines


def _shown(value: object, append: bool) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "its note added" if append else str(value)


def apply_updates(
    cfg: Config, validation: Validation, now: dt.datetime | None = None
) -> UpdatesResult | None:
    """The Updates tab and the approved answers ([updates]): read the officers' Apply / Reject
    choices, write what was approved into the Actions tab, and write the tab again with every
    answer and its outcome, in one save; each outcome recorded in the state. A board kept in
    several workbooks or spreadsheets has both in the one that keeps the Actions tab. None when
    [updates] is off."""
    from automations.backends.updates import UpdatesPlan, decisions
    from automations.inbox.approve import decide, tab_rows
    from automations.inbox.proposals import Proposals
    from automations.inbox.settings import update_settings

    s = update_settings(cfg)
    if not s.enabled:
        return None
    read_tab, write_tab = _updates_writer(cfg, validation)
    when = _on_day_checked(cfg, validation, now)
    board = validation.board
    with Proposals(cfg) as book:
        stored = book.all()
        choices = decisions(read_tab())
        plan = decide(stored, choices, board, s, when.date(), book.last_written)
        for pid in plan.rejected:
            book.decide(pid, "rejected", "rejected by an officer in the Updates tab", when)
        for pid, why in plan.refused.items():
            book.decide(pid, "refused", why, when)
        stored = book.all()
        updates = UpdatesPlan(board.actions.title or "Actions", tab_rows(stored, choices),
                              plan.changes, when, choices)  # fmt: skip
        result = write_tab(updates, when.date())
        if result.stale:  # an officer saved other choices meanwhile: decide again next time
            for pid in (*plan.rejected, *plan.refused):
                book.decide(pid, "waiting", "", when)
            return result
        by_id = {item.id: item for item in stored}
        how = "automatically ([updates] apply = auto)" if s.apply == "auto" else (
            "by an officer in the Updates tab"
        )  # fmt: skip
        book.record_all([(by_id[pid], ch) for pid, ch in result.applied.items()], how, when)
        for pid, why in result.refused.items():
            book.decide(pid, "refused", why, when)
    return result


def acknowledge_answers(
    cfg: Config, validation: Validation, now: dt.datetime | None = None
) -> list[Any]:
    """One short thank-you to each owner whose answer was matched, once (the send ledger)."""
    from automations.digests.answers import send_acknowledgements

    return send_acknowledgements(cfg, validation, _on_day_checked(cfg, validation, now))
