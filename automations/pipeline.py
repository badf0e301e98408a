"""One validation pass: source -> board -> rules -> report. The CLI, digests and the scheduler
all call this; nothing here prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .board import Board, build_board
from .config import Config
from .findings import Report, sort_findings
from .rules import run_rules
from .schema import load_schemas
from .sources import RawWorkbook, Source, open_source


@dataclass(frozen=True)
class Validation:
    board: Board
    report: Report
    source: Source


def check(raw: RawWorkbook, cfg: Config, today: dt.date) -> tuple[Board, Report]:
    """The pure part: raw tables in, board and findings out."""
    board, read_findings = build_board(raw, load_schemas(cfg.schema_dir), today)
    findings = sort_findings([*read_findings, *run_rules(board, cfg.tor, today)])
    return board, Report(today=today, source=raw.name, findings=tuple(findings))


def validate(cfg: Config, today: dt.date | None = None, source: Source | None = None) -> Validation:
    day = today or cfg.today_or(dt.date.today())
    src = source or open_source(cfg)
    board, report = check(src.read(), cfg, day)
    return Validation(board, report, src)
