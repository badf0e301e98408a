"""`coprod status`: what the service last did and what it will do next, read from the state file.

Nothing here runs a job or reads the board; every line comes from what a pass recorded, the
schedule in config and the kernel's view of the lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from automations.core.config import Config
from automations.core.text import shown_time
from automations.digests import ledger
from automations.service.alerts import alert_settings
from automations.service.due import JOBS, due_slot, load_schedule, next_slot
from automations.service.lock import board_holder
from automations.service.state import open_state

JOB_NAMES = {
    "check": "check and mark the sheet",
    "digests": "send any digests that are due",
    "report": "send the yearly report",
    "reminders": "send action owners their reminders",
    "pack": "send the co-chairs their follow-up pack",
}


def status(cfg: Config, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything `coprod status` shows, as plain data (times as ISO text in the local zone)."""
    sc = load_schedule(cfg)
    settings = alert_settings(cfg)
    now = now or dt.datetime.now(dt.UTC)

    def local(t: dt.datetime | None) -> str | None:
        return sc.local(t).isoformat(timespec="seconds") if t else None

    held, holder = board_holder(cfg)
    with open_state(cfg) as state:
        last = state.last_pass(with_work=True)
        health = state.health()
        jobs = {}
        for job in JOBS:
            rec = state.job(job)
            due_now = due_slot(job, now, rec.done_slot, sc)
            jobs[job] = {
                "what": JOB_NAMES[job],
                "last_done": local(rec.last_success_at),
                "due_now": due_now is not None,
                "next": local(due_now or next_slot(job, now, sc)),
                "last_error": rec.last_error,
                "last_error_at": local(rec.last_error_at),
            }
        alerts = state.alerts()
        book = ledger.connect(cfg)
        try:
            problems = [_problem(r, local) for r in book.problems()]
        finally:
            book.close()
        return {
            "digest_problems": problems,
            "reminder_problems": _other_problems(cfg, local),
            "timezone": str(sc.tz),
            "now": local(now),
            "last_tick": local(state.time_of("last_tick_at")),
            "last_pass": None
            if last is None
            else {
                "started": local(last.started_at),
                "finished": local(last.finished_at),
                "result": last.outcome,
                "jobs": last.summary,
                "error": last.error,
            },
            "jobs": jobs,
            "failures_in_a_row": health.consecutive_failures,
            "alert_after_failures": settings.after,
            "alert_open_since": local(health.alert_sent_at),
            "last_alert": None
            if not alerts
            else {"kind": alerts[-1].kind, "sent": local(alerts[-1].sent_at)},
            "last_error": health.last_error,
            "last_error_at": local(health.last_error_at),
            "lock": {"held": held, "holder": holder.__dict__ if holder else None},
            "answers": _answers(cfg),
        }


def _answers(cfg: Config) -> dict[str, int] | None:
    """Owners' answers by what became of them ([updates]; None when it is off)."""
    from automations.inbox.proposals import Proposals
    from automations.inbox.settings import update_settings

    if not update_settings(cfg).enabled:
        return None
    with Proposals(cfg) as book:
        return book.counts()


def _other_problems(cfg: Config, local: Any) -> list[dict[str, Any]]:
    """Owner reminders and co-chairs' packs (their own ledger tables) not surely delivered."""
    from automations.digests.answers import ANSWERS
    from automations.digests.pack import TABLE as PACKS

    found = []
    for table in (ledger.REMINDERS, PACKS, ANSWERS):
        book = ledger.connect(cfg, table)
        try:
            found += [_problem(r, local) for r in book.problems()]
        finally:
            book.close()
    return found


def _problem(r: ledger.RecipientRecord, local: Any) -> dict[str, Any]:
    return {
        "audience": r.audience,
        "meeting": r.meeting.isoformat(),
        "address": r.address,
        "state": r.state,
        "tries": r.tries,
        "reply": r.reply,
        "message_id": r.message_id,
        "since": local(r.updated_at),
        "retried": r.needs_sending(),
        "who": r.who,
    }


_STATE_WORDS = {
    ledger.UNCERTAIN: "uncertain",
    ledger.SENDING: "being sent now, or the run sending it stopped before the answer",
    ledger.DEFERRED: "not sent yet: the mail server asked to try later",
    ledger.REFUSED: "refused by the mail server",
}


def _problem_lines(
    problems: list[dict[str, Any]], head: str = "Digests that did not surely reach everyone:"
) -> list[str]:
    if not problems:
        return []
    lines = ["", head]
    for p in problems:
        lines.append(
            f"  {p['audience']}{', ' + p['who'] if p.get('who') else ''} ({p['meeting']}) to "
            f"{p['address']}: {_STATE_WORDS[p['state']]} - {p['reply'] or 'no details'}; "
            f"{_then(p)}."
        )
    return lines


def _then(p: dict[str, Any]) -> str:
    """What happens next to a problem row, with the command that sends it by hand."""
    if p["retried"]:
        return "sent again on the next run, with the same Message-ID"
    kind = p["audience"].partition(":")[0]
    where, command = {
        "reminder": ("on the Members tab", "`coprod remind --send`"),
        "pack": ("on the Members tab", "`coprod pack --send`"),
    }.get(kind, ("in the config", "`coprod digest --send`"))
    if p["state"] == ledger.REFUSED:
        return f"sent when the address is changed {where}, or by {command}"
    return f"not sent again by itself ({command} sends it once more)"


def _when(text: str | None) -> str:
    if not text:
        return "never"
    t = dt.datetime.fromisoformat(text)
    return shown_time(t)


def render_status(s: dict[str, Any]) -> str:
    lines = [f"Times are {s['timezone']} time. Now: {_when(s['now'])}.", ""]
    last = s["last_pass"]
    if last is None:
        lines.append("Last pass: none yet (the service has not done any work).")
    else:
        lines.append(f"Last pass: {_when(last['started'])}, result: {last['result']}.")
        for job, info in last["jobs"].items():
            lines.append(f"  {job}: {'ok' if info['ok'] else 'FAILED'} - {info['summary']}")
    lines.append(f"Last tick (the service looked for work): {_when(s['last_tick'])}.")
    lines.append("")
    lines.append("Next:")
    for info in s["jobs"].values():
        when = "due now (the next pass does it)" if info["due_now"] else _when(info["next"])
        lines.append(f"  {info['what']}: {when}; last done {_when(info['last_done'])}.")
    lines.append("")
    if s["last_error"]:
        lines.append(f"Last error ({_when(s['last_error_at'])}): {s['last_error']}")
    else:
        lines.append("Last error: none.")
    lines.append(
        f"Failed passes in a row: {s['failures_in_a_row']} "
        f"(an alert is emailed after {s['alert_after_failures']})."
    )
    if s["alert_open_since"]:
        lines.append(
            f"An alert was emailed on {_when(s['alert_open_since'])}; "
            "a recovery email follows when a pass works."
        )
    lock = s["lock"]
    if not lock["held"]:
        lines.append("Lock: free (no copy of the service is running a pass).")
    else:
        h = lock["holder"]
        who = (
            (f"{h['command']} (process {h['pid']} on {h['host']}, since {_when(h['started_at'])})")
            if h
            else "a copy that has not said who it is"
        )
        lines.append(f"Lock: held by {who}.")
    lines += _problem_lines(s.get("digest_problems", []))
    lines += _problem_lines(
        s.get("reminder_problems", []), "Reminders and packs that did not surely arrive:"
    )
    if s.get("answers") is not None:
        counts = s["answers"]
        words = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "none yet"
        lines += ["", f"Owners' answers (coprod updates lists them): {words}."]
    return "\n".join(lines)


def render_pass(cfg: Config, result: Any, now: dt.datetime | None = None) -> str:
    """What one `run --once` did, then when each job is next due."""
    sc = load_schedule(cfg)
    lines = []
    if result.nothing_due:
        lines.append("Nothing was due: every job's latest time slot is already done.")
        lines += _last_pass_lines(cfg)
    for job in result.jobs:
        lines.append(
            f"{JOB_NAMES[job.job].capitalize()}: {'done' if job.ok else 'FAILED'}. {job.summary}"
        )
    if result.notice == "alert":
        lines.append("An alert email went to [alerts] to: the service keeps failing.")
    elif result.notice == "recovery":
        lines.append("A recovery email went to [alerts] to: the service works again.")
    after = now or result.finished_at
    failed = {j.job for j in result.jobs if not j.ok}
    for job in JOBS:
        nxt = next_slot(job, after, sc)
        when = f"{shown_time(sc.local(nxt))} ({sc.tz} time)" if nxt else "not scheduled"
        if job in failed:
            when = "tried again on the next pass"
        lines.append(f"Next {job}: {when}.")
    return "\n".join(lines)


def _last_pass_lines(cfg: Config) -> list[str]:
    sc = load_schedule(cfg)
    with open_state(cfg) as state:
        last = state.last_pass(with_work=True)
    if last is None:
        return []
    lines = [f"The last pass, on {shown_time(sc.local(last.started_at))}:"]
    lines += [
        f"  {job}: {'ok' if info['ok'] else 'FAILED'} - {info['summary']}"
        for job, info in last.summary.items()
    ]
    return lines
