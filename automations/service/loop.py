"""The scheduled service: `run_once` does one pass of everything due now; `serve` repeats it.

Three jobs, each with its own slots in `[schedule]` (see due.py):
- check: read the board, run the rules, record the day's history, mark the sheet (every N
  minutes in working hours);
- digests: send the action-point digests that are due (once a day at `digest_time`); which
  digests are due, and whether one was already sent, comes from the data and the send ledger;
- reminders: personal reminders to action owners (once a day at `[reminders] send_time`;
  digests/reminders.py and its ledger decide what is due and what was already sent);
- pack: the co-chairs' follow-up pack before each meeting (`[pack]`, digests/pack.py);
- report: the yearly report to HBP and the JPB, on `[report]` month and day at `digest_time`
  (only with `[report] schedule = "yearly"`).

A failed job keeps its slot open, so the next pass (the next tick, or the next cron run) tries it
again; the state file counts consecutive failed passes and alerts.py emails someone about them.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import schedule

from automations import app
from automations.core.config import Config
from automations.core.errors import CoprodError, LockHeld, StateError
from automations.core.log import event, get
from automations.core.store import store_for
from automations.core.text import plural
from automations.digests.send import SendOutcome
from automations.pipeline import Validation, validate
from automations.record import history
from automations.service import alerts, answer_alerts
from automations.service.due import (
    CHECK,
    DIGESTS,
    JOBS,
    PACK,
    REMINDERS,
    REPORT,
    Schedule,
    due_slot,
    load_schedule,
)
from automations.service.lock import board_lock, command_line
from automations.service.state import State, open_state

log = get("service")


@dataclass(frozen=True)
class JobOutcome:
    job: str
    slot: dt.datetime
    ok: bool
    summary: str  # one plain-English line
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class PassResult:
    started_at: dt.datetime
    finished_at: dt.datetime
    jobs: tuple[JobOutcome, ...] = ()
    notice: str | None = None  # "alert" or "recovery" when one was emailed this pass

    @property
    def nothing_due(self) -> bool:
        return not self.jobs

    @property
    def ok(self) -> bool:
        return all(j.ok for j in self.jobs)

    @property
    def outcome(self) -> str:
        return "nothing due" if self.nothing_due else "ok" if self.ok else "failed"

    @property
    def error(self) -> str | None:
        errors = [f"{j.job}: {j.error}" for j in self.jobs if j.error]
        return "; ".join(errors) or None

    def summary(self) -> dict[str, Any]:
        return {
            j.job: {
                "ok": j.ok,
                "summary": j.summary,
                "counts": j.counts,
                "slot": j.slot.isoformat(),
            }
            for j in self.jobs
        }


# ---------------------------------------------------------------- one pass


def run_once(cfg: Config, now: dt.datetime | None = None) -> PassResult:
    """One pass of every job due at `now` (an aware time; default the real time)."""
    sc = load_schedule(cfg)
    alerts.alert_settings(cfg)  # a bad [alerts] section stops the run before any work
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("run_once needs an aware time (with a time zone)")
    began = time.monotonic()
    with open_state(cfg) as state:
        state.touch("last_tick_at", now)
        due = [
            (job, slot)
            for job in JOBS
            if (slot := due_slot(job, now, state.job(job).done_slot, sc))
        ]
        if not due:
            event(log, logging.DEBUG, "pass.nothing_due", at=sc.local(now))
            return PassResult(now, now)
        pass_id = state.begin_pass(now)
        event(log, logging.INFO, "pass.started", at=sc.local(now), jobs=",".join(j for j, _ in due))
        outcomes = tuple(_run_jobs(cfg, sc, state, due, now))
        alerts.sending_problems(cfg, now, sc.tz)
        answer_alerts.tell_officers(cfg, now, sc.tz)
        finished = now + dt.timedelta(seconds=time.monotonic() - began)
        result = PassResult(now, finished, outcomes)
        state.finish_pass(pass_id, finished, result.outcome, result.summary(), result.error)
        notice = alerts.after_pass(cfg, state, result.ok, result.error, finished, sc.tz)
    level = logging.INFO if result.ok else logging.ERROR
    event(
        log,
        level,
        "pass.finished",
        result=result.outcome,
        error=result.error,
        seconds=round((finished - now).total_seconds(), 2),
        notice=notice,
    )
    return PassResult(now, finished, outcomes, notice)


def _run_jobs(
    cfg: Config, sc: Schedule, state: State, due: list[tuple[str, dt.datetime]], now: dt.datetime
) -> list[JobOutcome]:
    try:
        # One read of the board serves every job in the pass. The service follows the clock:
        # "today" is the date in the configured time zone, whatever [today] says.
        validation = validate(cfg, sc.local(now).date())
    except StateError:
        raise  # the state folder cannot record anything: stop the pass, say which folder
    except Exception as exc:  # a failing job must never stop the loop
        error = _describe(exc, "reading the board")
        outcomes = [
            JobOutcome(job, slot, False, f"could not read the board: {error}", error=error)
            for job, slot in due
        ]
    else:
        outcomes = [_run_job(cfg, sc, validation, job, slot, now) for job, slot in due]
    for o in outcomes:
        if o.ok:
            state.job_done(o.job, o.slot, now)
        else:
            state.job_failed(o.job, o.error or o.summary, now)
        event(
            log,
            logging.INFO if o.ok else logging.ERROR,
            f"job.{o.job}",
            ok=o.ok,
            slot=sc.local(o.slot),
            summary=o.summary,
            **o.counts,
        )
    return outcomes


def _run_job(
    cfg: Config, sc: Schedule, validation: Validation, job: str, slot: dt.datetime, now: dt.datetime
) -> JobOutcome:
    run: Callable[..., JobOutcome] = {
        CHECK: check_job,
        DIGESTS: digests_job,
        REPORT: report_job,
        REMINDERS: reminders_job,
        PACK: pack_job,
    }[job]
    try:
        return run(cfg, sc, validation, slot, now)
    except StateError:
        raise  # nothing more may be sent once a send cannot be recorded
    except Exception as exc:  # a failing job must never stop the loop
        error = _describe(exc, job)
        return JobOutcome(job, slot, False, f"failed: {error}", error=error)


def check_job(
    cfg: Config, sc: Schedule, validation: Validation, slot: dt.datetime, now: dt.datetime
) -> JobOutcome:
    """Mark the sheet with the findings; the Validation tab gets the time of this check."""
    report = validation.report
    history.record_check(cfg, validation.board, report, now)  # only the day's first check writes
    written = app.write_back(cfg, validation, now)
    counts = {
        "errors": report.counts.get("error", 0),
        "warnings": report.counts.get("warning", 0),
        "info": report.counts.get("info", 0),
        "cells_marked": written.cells_marked,
        "cells_cleared": written.cells_cleared,
        "rewritten": int(written.changed),
    }
    summary = (
        f"checked {report.source}: {plural(counts['errors'], 'error')}, "
        f"{plural(counts['warnings'], 'warning')}, {counts['info']} for information. "
        f"{written.message}"
    )
    try:
        answers = _answers(cfg, validation, now, counts)
    except StateError:
        raise
    except CoprodError as exc:  # the sheet is marked: the answers' problem is said, not fatal
        counts["answers_failed"] = 1
        answers = f"Owners' answers were not handled: {exc}"
    return JobOutcome(CHECK, slot, True, f"{summary.strip()} {answers}".strip(), counts)


def _answers(cfg: Config, validation: Validation, now: dt.datetime, counts: dict) -> str:
    """Read the owners' answers ([updates]) after marking, write the Updates tab and what was
    approved, thank the owners; a mailbox that cannot be read is said in the summary."""
    reading = app.read_answers(cfg, validation, now)
    counts["answers_read"] = len(reading.proposals)
    said = f"{plural(len(reading.proposals), 'answer')} read." if reading.proposals else ""
    if reading.error:
        said = f"The answers mailbox could not be read: {reading.error}"
    written = app.apply_updates(cfg, validation, now)
    if written is not None:
        counts["answers_applied"] = len(written.applied)
        counts["answers_refused"] = len(written.refused)
        said = f"{said} {written.message if written.changed else ''}".strip()
    thanked = app.acknowledge_answers(cfg, validation, now)
    counts["answers_thanked"] = sum(o.status == "sent" for o in thanked)
    return said


def read_answers_by_hand(cfg: Config, validation: Validation) -> Any:
    """`coprod updates --read`: read the mailbox, then write the Updates tab and what officers
    approved, as a pass does; under the service's lock, so a pass never does it meanwhile."""
    with board_lock(cfg, command_line()):
        reading = app.read_answers(cfg, validation)
        reading.written = app.apply_updates(cfg, validation)
        reading.thanked = app.acknowledge_answers(cfg, validation)
        return reading


def digests_job(
    cfg: Config, sc: Schedule, validation: Validation, slot: dt.datetime, now: dt.datetime
) -> JobOutcome:
    """Send the digests that are due; the ledger sends each recipient one copy (two at most,
    and only when the first was handed over with no reply)."""
    from automations.digests.send import send_due

    return _sent(DIGESTS, slot, send_due(cfg, validation, now), "no digest is due")


def reminders_job(
    cfg: Config, sc: Schedule, validation: Validation, slot: dt.datetime, now: dt.datetime
) -> JobOutcome:
    """Send the action owners' reminders that are due; each (action, reason) goes once."""
    from automations.digests.reminders import send_due as send_reminders

    return _sent(REMINDERS, slot, send_reminders(cfg, validation, now), "no reminder is due")


def pack_job(
    cfg: Config, sc: Schedule, validation: Validation, slot: dt.datetime, now: dt.datetime
) -> JobOutcome:
    """The co-chairs' follow-up pack, once per meeting and recipient."""
    from automations.digests.pack import send_due as send_pack

    return _sent(PACK, slot, send_pack(cfg, validation, now), "no pack is due")


def _sent(job: str, slot: dt.datetime, outcomes: Sequence[Any], nothing: str) -> JobOutcome:
    """One sending job's outcome: what went, and what failed (the next pass tries again)."""
    failed = [o for o in outcomes if not o.ok]
    counts = {"sent": sum(o.status == "sent" for o in outcomes), "failed": len(failed)}
    if not outcomes:
        return JobOutcome(job, slot, True, nothing, counts)
    lines = "; ".join(o.describe() for o in outcomes)
    error = "; ".join(o.describe() for o in failed) or None
    return JobOutcome(job, slot, not failed, lines, counts, error)


def report_job(
    cfg: Config, sc: Schedule, validation: Validation, slot: dt.datetime, now: dt.datetime
) -> JobOutcome:
    """The yearly report ([report] schedule = "yearly") to [report] audience."""
    return JobOutcome(
        REPORT, slot, True, app.send_yearly_report(cfg, validation, sc.local(slot).date(), now)
    )


def _describe(exc: BaseException, doing: str) -> str:
    """A message for people: ours are already plain English; anything else is a bug, logged."""
    if isinstance(exc, CoprodError):
        return str(exc)
    log.error("unexpected error while %s", doing, exc_info=exc)
    return f"unexpected problem while {doing} ({type(exc).__name__}: {exc})"


# ---------------------------------------------------------------- the loop


def tick(cfg: Config) -> PassResult | None:
    """One scheduled pass; nothing it raises may stop the loop."""
    try:
        return run_once(cfg)
    except Exception as exc:  # logged; the next tick tries again
        event(log, logging.ERROR, "pass.crashed", error=_describe(exc, "running a pass"))
        return None


def build_scheduler(cfg: Config) -> schedule.Scheduler:
    """A tick at the start of every minute. What runs on a tick is decided by due.py on the
    configured wall clock, not by `schedule`'s own time-zone handling, so a clock change can
    delay a tick but never makes a job fire twice or at the wrong hour."""
    scheduler = schedule.Scheduler()
    scheduler.every().minute.at(":00").do(tick, cfg)
    return scheduler


def serve(cfg: Config, stop: threading.Event | None = None) -> int:
    """Run passes until SIGTERM or Ctrl-C; the pass under way finishes, then the lock is freed.

    Raises LockHeld when another copy is running.
    """
    load_schedule(cfg)
    alerts.alert_settings(cfg)
    _say_today_is_ignored(cfg)
    stop = stop or threading.Event()
    if store_for(cfg).kind != "sqlite":
        return _serve_shared(cfg, stop)
    with board_lock(cfg, command_line()) as me:
        restore = _on_stop_signals(stop)
        try:
            event(log, logging.INFO, "serve.started", pid=me.pid, state=cfg.state_dir)
            with open_state(cfg) as state:
                state.touch("serving_since", dt.datetime.now(dt.UTC))
            scheduler = build_scheduler(cfg)
            tick(cfg)  # catch up at once: anything missed while stopped is due now
            _run_until_stopped(scheduler, stop)
        finally:
            restore()
    event(log, logging.INFO, "serve.stopped", pid=me.pid)
    return 0


def _run_until_stopped(scheduler: schedule.Scheduler, stop: threading.Event) -> None:
    """Run what is due, then sleep until the next job (at most a second, so a stop is heard
    at once), until ``stop`` is set."""
    while not stop.is_set():
        scheduler.run_pending()
        idle = scheduler.idle_seconds
        stop.wait(timeout=min(max(idle if idle is not None else 1.0, 0.05), 1.0))


def _serve_shared(cfg: Config, stop: threading.Event) -> int:
    """`serve` on PostgreSQL state: other machines may serve the same board, so the lock is
    taken for each pass, not held between them, and a lost database connection costs one pass,
    not the rest of the service's life."""
    scheduler = schedule.Scheduler()
    scheduler.every().minute.at(":00").do(locked_tick, cfg)
    restore = _on_stop_signals(stop)
    try:
        event(log, logging.INFO, "serve.started", state=store_for(cfg).where())
        locked_tick(cfg)
        _run_until_stopped(scheduler, stop)
    finally:
        restore()
    event(log, logging.INFO, "serve.stopped")
    return 0


def locked_tick(cfg: Config) -> PassResult | None:
    """One pass under the board's lock; a board another copy is doing is left to it."""
    try:
        with board_lock(cfg, command_line()):
            return tick(cfg)
    except LockHeld as exc:
        event(log, logging.DEBUG, "pass.skipped", reason=str(exc))
    except Exception as exc:  # the lock could not be taken (the database is down): next minute
        event(log, logging.ERROR, "pass.crashed", error=_describe(exc, "taking the lock"))
    return None


def _on_stop_signals(stop: threading.Event) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals can only be caught on the main thread

    def handler(signum: int, frame: object) -> None:
        event(
            log,
            logging.INFO,
            "serve.stopping",
            signal=signal.Signals(signum).name,
            note="finishing the current pass",
        )
        stop.set()

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    return lambda: [signal.signal(s, h) for s, h in old.items()] and None


def send_by_hand(
    cfg: Config, validation: Validation, meeting: dt.date | None, audience: str | None
) -> list[SendOutcome]:
    """`coprod digest --send`: under the service's lock, so a hand send never races a
    scheduled one (raises LockHeld when the service is busy)."""
    with board_lock(cfg, command_line()):
        return app.send_digests(cfg, validation, meeting, audience)


# The commands that replay [today] (each also takes --today); the service never does.
REPLAYED_BY = "validate, digest, remind, pack and report"


def _say_today_is_ignored(cfg: Config) -> None:
    """The service follows the clock: a digest or reminder sent for a replayed day would go to
    real people as if it were that day. A [today] left in the config is said to be ignored."""
    if cfg.today is not None:
        event(
            log,
            logging.WARNING,
            "today.ignored",
            today=cfg.today,
            why=f"the service follows the clock; [today] replays a day for {REPLAYED_BY} only",
        )


def run_once_locked(cfg: Config, now: dt.datetime | None = None) -> PassResult:
    """`coprod run --once`: one pass under the lock (raises LockHeld if another copy runs)."""
    load_schedule(cfg)
    _say_today_is_ignored(cfg)
    with board_lock(cfg, command_line()):
        return run_once(cfg, now)


def remind_by_hand(
    cfg: Config, validation: Validation, now: dt.datetime | None = None
) -> list[Any]:
    """`coprod remind --send`: under the service's lock, like `coprod digest --send`, and like
    it trying again the addresses a mail server refused (a person asked: it may be fixed)."""
    with board_lock(cfg, command_line()):
        return app.send_reminders(cfg, validation, now, by_hand=True)


def pack_by_hand(cfg: Config, validation: Validation, now: dt.datetime | None = None) -> list[Any]:
    """`coprod pack --send`: under the service's lock, like `coprod remind --send`."""
    with board_lock(cfg, command_line()):
        return app.send_pack(cfg, validation, now)
