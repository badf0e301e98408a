"""The people-readable form of a report: grouped by tab, fits an 80-column terminal."""

from __future__ import annotations

import textwrap
from itertools import groupby

from automations.core.findings import Finding, Report
from automations.core.text import long_date, plural

WIDTH = 80
INDENT = " " * 11
LABEL = {"error": "ERROR", "warning": "warning", "info": "note"}


def summary(counts: dict[str, int]) -> str:
    return (
        f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{plural(counts['info'], 'note')} for information"
    )


def render_table(report: Report) -> str:
    lines = [
        f"{report.source}: checked against the Terms of Reference on {long_date(report.today)}",
        "",
    ]
    if not report.findings:
        lines.append("No problems found.")
    for sheet, group in groupby(report.findings, key=lambda f: f.sheet or f.tab or "Workbook"):
        items = list(group)
        lines.append(f"{sheet} ({plural(len(items), 'finding')})")
        lines.append("-" * min(WIDTH, len(lines[-1])))
        for f in items:
            lines.extend(_finding(f))
        lines.append("")
    lines.append(f"Summary: {summary(report.counts)}.")
    return "\n".join(lines)


def _finding(f: Finding) -> list[str]:
    where = f.cell or (f"column {f.column}" if f.column else "whole tab")
    head = f"{where:<9}  {LABEL[f.severity.value]:<7}  [{f.rule}]"
    body = textwrap.wrap(f.message, WIDTH - len(INDENT), break_on_hyphens=False)
    return [head if len(head) <= WIDTH else head[:WIDTH], *(INDENT + b for b in body)]
