"""One validation pass: source -> board -> rules -> report. The CLI, digests and the scheduler
all call this; nothing here prints."""

from __future__ import annotations

import datetime as dt

from automations.backends import open_source
from automations.core.collector import collector_paused
from automations.core.config import Config
from automations.core.findings import Report, sort_findings
from automations.core.records import record
from automations.model.board import Board, build_board
from automations.model.raw import RawWorkbook
from automations.model.schema import load_schemas
from automations.rules import run_rules
from automations.rules.settings import rule_settings

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from automations.backends.base import Source


@record(frozen=True)
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
    with collector_paused():
        board, read_findings = build_board(raw, schemas, today)
        found = run_rules(board, cfg.tor, today, rules.local, rules.off)
    findings = sort_findings(rules.apply([*read_findings, *found]))
    return board, Report(today=today, source=raw.name, findings=tuple(findings))


def validate(cfg: Config, today: dt.date | None = None, source: Source | None = None) -> Validation:
    day = today or cfg.today_or(dt.date.today())
    src = source or open_source(cfg)
    with collector_paused():
        board, report = check(src.read(), cfg, day)
    return Validation(board, report, src)
