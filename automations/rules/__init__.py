"""The rule catalogue: every rule has a stable id, a default severity and a one-line summary.

A rule is a pure function ``(board, tor, today) -> iterable of Finding``: it reads no files and
no clocks. Rules that need a tab or column the workbook lacks are skipped (the missing tab or
column is itself reported), so one missing header does not flood the report.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.records import record
from automations.model.board import Board

RuleFn = Callable[[Board, TorConfig, dt.date], Iterable[Finding]]


@record(frozen=True)
class Rule:
    """A rule of the catalogue: its stable id, severity, summary and the function that checks it.
    """

    id: str
    severity: Severity
    summary: str
    needs: tuple[str, ...] = ()  # "table.field" (or "table") the rule cannot run without
    fn: RuleFn | None = None  # None for rules applied while reading the workbook
    module: str = "schema"  # the rules module that defines it, for the catalogue's order
    source: Path | None = None  # the checks file that defines a local check


CATALOGUE: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.id in CATALOGUE:
        raise ValueError(f"rule {rule.id} registered twice")
    CATALOGUE[rule.id] = rule
    return rule


def rule(
    rule_id: str, severity: Severity, summary: str, needs: tuple[str, ...] = ()
) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function. Its findings leave the id out; the rule stamps its own id on
    them, so the id is written once, here."""

    def wrap(fn: RuleFn) -> RuleFn:
        @functools.wraps(fn)
        def stamped(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
            for f in fn(board, tor, today):
                yield f if f.rule else replace(f, rule=rule_id)

        register(Rule(rule_id, severity, summary, needs, stamped, fn.__module__.rsplit(".", 1)[-1]))
        return stamped

    return wrap


def _runnable(r: Rule, board: Board) -> bool:
    for need in r.needs:
        table_name, _, field_name = need.partition(".")
        table = getattr(board, table_name)
        # A tab whose header row was not found is present but cannot be read.
        if not table.present or table.match is None:
            return False
        if field_name and not table.can_read(field_name):
            return False
    return True


def run_rules(
    board: Board,
    tor: TorConfig,
    today: dt.date,
    extra: Iterable[Rule] = (),
    off: Collection[str] = (),
) -> list[Finding]:
    """Every built-in rule, then ``extra`` (the officers' own checks), except those ``off``."""
    from automations.rules.schema import missing_columns

    wanted = [r for r in [*catalogue(), *extra] if r.id not in off]
    out: list[Finding] = list(missing_columns(board, wanted))
    for r in wanted:
        if r.fn is not None and _runnable(r, board):
            out.extend(r.fn(board, tor, today))
    return out  # pipeline.check sorts these together with the reading findings


def catalogue() -> list[Rule]:
    """Every rule, by module in MODULES order, then as each module lists them."""
    _load()
    return sorted(CATALOGUE.values(), key=lambda r: MODULES.index(r.module))


MODULES = (
    "schema", "members", "meetings", "actions", "projects",
    # The co-production record (issue 31).
    "subgroups", "engagement", "feedback", "recognition",
)


def _load() -> None:
    # Importing the modules registers their rules (other modules may have imported some first).
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
