"""One validation pass: source -> board -> rules -> report. The CLI, digests and the scheduler
all call this; nothing here prints."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from automations.backends import open_source
from automations.backends.base import Source
from automations.core.config import Config
from automations.core.findings import Report, sort_findings
from automations.model.board import Board, build_board
from automations.model.raw import RawWorkbook
from automations.model.schema import load_schemas
from automations.rules import run_rules
from automations.rules.settings import rule_settings


@dataclass(frozen=True)
class Validation:
    """One check's outcome: the board as read, its findings and the source it came from."""

    board: Board
    report: Report
    source: Source


def check(raw: RawWorkbook, cfg: Config, today: dt.date) -> tuple[Board, Report]:
    """The pure part: raw tables in, board and findings out."""
    schemas = load_schemas(cfg.schema_dir)
    # Read on every pass, like the schemas: an officer's edit applies from the next pass.
    rules = rule_settings(cfg, schemas)
    with _no_collection():
        board, read_findings = build_board(raw, schemas, today)
        found = run_rules(board, cfg.tor, today, rules.local, rules.off)
    findings = sort_findings(rules.apply([*read_findings, *found]))
    return board, Report(today=today, source=raw.name, findings=tuple(findings))


def validate(cfg: Config, today: dt.date | None = None, source: Source | None = None) -> Validation:
    day = today or cfg.today_or(dt.date.today())
    src = source or open_source(cfg)
    with _no_collection():
        board, report = check(src.read(), cfg, day)
    return Validation(board, report, src)


@contextmanager
def _no_collection() -> Iterator[None]:
    """Reading a tracker makes a value per cell and a record per row, all kept and none in a
    reference cycle; the garbage collector's passes meanwhile go over the whole growing heap
    again and again and free nothing. On 100,000 actions they were a quarter of the check
    (bench/README.md, issue 27), so they wait until the pass is done (as marks.py does). Used
    by validate around the reading and the check, and by check alone (already read)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
