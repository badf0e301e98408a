"""Many boards, one service: `coprod run --once|serve|status --boards DIR`.

DIR holds one config per board: ``DIR/<board>.toml`` files, or ``DIR/<board>/config.toml``
folders (each with its workbook, state and outbox beside it), or both. Board files side by side
each name their own state ([paths] state_dir, or [state] url with the board's name): two boards
sharing one state both fail, named. Each board keeps its own
lock, ledger, history and schedule; a board whose config is broken, whose sheet cannot be read
or whose state cannot be used fails alone, named, and the others run.

A board already being done by another copy (another machine on the same PostgreSQL, or the
previous cron run still going) is left to it: each board's pass runs on one copy at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from automations.core.config import Config
from automations.core.errors import ConfigError, CoprodError, LockHeld
from automations.core.log import event, get
from automations.core.store import board_name, store_for
from automations.service.lock import board_lock, command_line
from automations.service.loop import PassResult, run_once
from automations.service.state import open_state

log = get("service")
Loader = Callable[[Path], Config]

OK, FAILED, BUSY, BROKEN = "ok", "failed", "busy", "broken"


@dataclass(frozen=True)
class Board:
    name: str
    path: Path
    cfg: Config | None = None
    error: str | None = None  # the config could not be used: why


@dataclass(frozen=True)
class BoardPass:
    name: str
    outcome: str  # ok, failed, busy (another copy has it), broken (config or state unusable)
    detail: str
    result: PassResult | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (OK, BUSY)

    def line(self) -> str:
        return (
            f"{self.name}: {self.outcome.upper() if not self.ok else self.outcome} - {self.detail}"
        )


def config_files(folder: Path) -> list[Path]:
    """The boards' configs in ``folder``: ``*.toml`` and ``*/config.toml``, by name."""
    if not folder.is_dir():
        raise ConfigError(f"--boards: {folder} is not a folder of board configs")
    files = sorted(p for p in folder.glob("*.toml") if p.is_file())
    files += sorted(p for p in folder.glob("*/config.toml") if p.is_file())
    if not files:
        raise ConfigError(
            f"--boards: {folder} holds no board configs (give each board a <name>.toml there, "
            "or a <name>/config.toml folder)"
        )
    return files


def load_boards(folder: Path, load: Loader) -> list[Board]:
    """Every board in ``folder``; one that cannot be loaded carries its error instead."""
    boards: list[Board] = []
    for path in config_files(folder):
        name = path.parent.name if path.name == "config.toml" else path.stem
        try:
            cfg = load(path)
            name = board_name(cfg)
        except CoprodError as exc:
            boards.append(Board(name, path, error=str(exc)))
            continue
        boards.append(Board(name, path, cfg))
    return _unique(boards)


def _state_key(cfg: Config) -> str:
    section = cfg.section("state")
    url = section.text("url")
    return f"{url} {board_name(cfg)}" if url else str(cfg.state_dir.resolve())


def _unique(boards: list[Board]) -> list[Board]:
    """Two boards sharing one state would share a ledger and a lock: both fail, named, with
    the fix (board files side by side default to the same state/ folder beside them)."""
    seen: dict[str, list[Board]] = {}
    for b in boards:
        if b.cfg is not None:
            seen.setdefault(_state_key(b.cfg), []).append(b)
    out = []
    for b in boards:
        twins = seen.get(_state_key(b.cfg), []) if b.cfg is not None else []
        if len(twins) > 1:
            files = " and ".join(str(t.path) for t in twins)
            b = Board(
                b.name,
                b.path,
                error=f"{files} would share one state ({store_for(twins[0].cfg).where()}): give "
                "each board its own [paths] state_dir, or its own [state] board name",
            )
        out.append(b)
    return out


def run_board(board: Board, now: dt.datetime | None = None) -> BoardPass:
    """One board's pass under its own lock; nothing it raises reaches the other boards."""
    if board.cfg is None:
        return BoardPass(
            board.name, BROKEN, f"its config {board.path} cannot be used: {board.error}"
        )
    try:
        with board_lock(board.cfg, command_line()):
            result = run_once(board.cfg, now)
    except LockHeld as exc:
        who = exc.holder.describe() if exc.holder else "a copy that has not said who it is"
        return BoardPass(board.name, BUSY, f"left to the copy already doing it: {who}")
    except CoprodError as exc:
        return BoardPass(board.name, BROKEN, f"this pass stopped: {exc}")
    except Exception as exc:  # a bug in one board's pass must not stop the others
        log.error("unexpected error in the pass of board %s", board.name, exc_info=exc)
        return BoardPass(board.name, FAILED, f"unexpected problem ({type(exc).__name__}: {exc})")
    if result.nothing_due:
        return BoardPass(board.name, OK, "nothing was due", result)
    jobs = "; ".join(f"{j.job}: {'done' if j.ok else 'FAILED'} ({j.summary})" for j in result.jobs)
    return BoardPass(board.name, OK if result.ok else FAILED, jobs, result)


def run_boards(boards: list[Board], now: dt.datetime | None = None) -> list[BoardPass]:
    passes = []
    for board in boards:
        done = run_board(board, now)
        level = logging.INFO if done.ok else logging.ERROR
        event(log, level, "board.pass", board=board.name, outcome=done.outcome, detail=done.detail)
        passes.append(done)
    return passes


def serve_boards(folder: Path, load: Loader, stop: threading.Event | None = None) -> int:
    """A pass over every board at the start of each minute until SIGTERM or Ctrl-C. The configs
    are read again each minute, so a fixed or added board joins without a restart. No lock is
    held between passes: other copies (other machines) may serve the same boards."""
    from automations.service.loop import _on_stop_signals

    stop = stop or threading.Event()
    restore = _on_stop_signals(stop)
    try:
        event(log, logging.INFO, "serve.started", boards=folder)
        while not stop.is_set():
            run_boards(load_boards(folder, load))
            now = dt.datetime.now()
            stop.wait(timeout=60 - now.second - now.microsecond / 1e6)
    finally:
        restore()
    event(log, logging.INFO, "serve.stopped", boards=folder)
    return 0


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class BoardHealth:
    name: str
    ok: bool  # the board's last pass succeeded
    line: str


def board_health(board: Board) -> BoardHealth:
    """One line: the last pass and its result, failures in a row, the lock."""
    from automations.service.status import status

    if board.cfg is None:
        return BoardHealth(board.name, False, f"{board.name}: CONFIG BROKEN - {board.error}")
    try:
        s = status(board.cfg)
        ok = last_pass_ok(board.cfg)
    except CoprodError as exc:
        return BoardHealth(board.name, False, f"{board.name}: STATE UNUSABLE - {exc}")
    last = s["last_pass"]
    said = "no pass yet" if last is None else f"last pass {last['started']}: {last['result']}"
    if s["failures_in_a_row"]:
        said += f", {s['failures_in_a_row']} failed in a row ({s['last_error']})"
    lock = s["lock"]
    if lock["held"]:
        holder = lock["holder"] or {}
        said += f"; running now ({holder.get('command', '?')} on {holder.get('host', '?')})"
    return BoardHealth(board.name, ok, f"{board.name}: {'ok' if ok else 'NOT OK'} - {said}")


def last_pass_ok(cfg: Config) -> bool:
    """True when the board's latest pass finished and succeeded. A newest pass with no result
    stopped half way (a crash, a lost database) unless it is running now: then the one before
    it is judged."""
    from automations.service.lock import board_holder

    with open_state(cfg) as state:
        latest = state.passes(limit=2)
    if latest and latest[-1].outcome is None and board_holder(cfg)[0]:
        latest = latest[:-1]
    return bool(latest) and latest[-1].outcome == "ok"
