"""Score `coprod adopt` + `coprod validate` on one tracker of the corpus against its ground
truth: mapping accuracy, planted problems found at their row, false alarms, whether a digest
preview is written and whether `run --once` left every typed value as it was.

    python -m tests.corpus.measure            # every tracker, one line each; exit status 1
                                              # when one falls short of the issue's bar
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from automations.backends.marks import VALIDATION_TAB
from automations.core.findings import Finding, Severity
from tests.corpus import TRACKERS, build, truth

# The address an officer fills in for the audience adopt writes commented out.
AUDIENCE = """
[[digest.audiences]]
name = "Board"
title = "Board members"
recipients = ["Board members <board@example.org>"]
"""


@dataclass
class Figures:
    name: str
    right: int = 0
    headers: int = 0
    wrong: list[str] = field(default_factory=list)  # "sheet!C 'Co-chair': Term start, not -"
    found: int = 0
    planted: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[Finding] = field(default_factory=list)
    digest: bool = False
    digest_output: str = ""
    values_kept: bool = False

    @property
    def accuracy(self) -> float:
        return self.right / self.headers if self.headers else 1.0

    @property
    def found_share(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    def line(self) -> str:
        return (
            f"{self.name:15} mapping {self.right}/{self.headers} ({self.accuracy:.0%}), "
            f"planted found {self.found}/{self.planted}, false alarms "
            f"{len(self.false_alarms)}, digest {'yes' if self.digest else 'NO'}, values "
            f"{'kept' if self.values_kept else 'CHANGED'}"
        )


def shortfalls(fig: Figures) -> list[str]:
    """What keeps a tracker from issue 26's bar: mapping >= 90%, >= 80% of the planted problems
    found at their row, at most 3 false alarms, a digest preview written, no value changed.
    The planted problems and the digests of trackers without a Meetings tab also need the
    reading half of the issue (rows that are not records, status without a Status column...)."""
    out = []
    if fig.accuracy < 0.9:
        out.append(f"mapping {fig.accuracy:.0%}")
    if fig.found_share < 0.8:
        out.append(f"planted found {fig.found}/{fig.planted}")
    if len(fig.false_alarms) > 3:
        out.append(f"{len(fig.false_alarms)} false alarms")
    if not fig.digest:
        out.append("no digest preview")
    if not fig.values_kept:
        out.append("a typed value changed")
    return out


def adopted_columns(tabs: list[Any]) -> dict[tuple[str, str], str]:
    """(sheet, column letter) -> the board column adopt mapped it to."""
    out = {}
    for tab in tabs:
        for sheet, mapped in tab.sheet_mappings():
            for m in mapped:
                out[(sheet, get_column_letter(m.position + 1))] = m.column.name
    return out


def score_mapping(fig: Figures, t: dict[str, Any], got: dict[tuple[str, str], str]) -> None:
    for sheet in t["sheet"]:
        for letter, meant in sheet["columns"].items():
            fig.headers += 1
            have = got.get((sheet["name"], letter), "")
            if have == meant:
                fig.right += 1
            else:
                fig.wrong.append(f"{sheet['name']}!{letter}: {have or '-'}, not {meant or '-'}")


def _key(item: dict[str, Any] | Finding) -> tuple[str, str, int | None, str | None]:
    """(rule, sheet, row, column): a planted or expected item names a column only when the
    finding must be about that column (a missing column has no row)."""
    if isinstance(item, Finding):
        return item.rule, item.sheet or "", item.row, item.column
    return item["rule"], item["sheet"], item.get("row"), item.get("column")


def _matches(f: Finding, items: list[dict[str, Any]]) -> bool:
    rule, sheet, row, column = _key(f)
    return any(
        (k[0], k[1], k[2]) == (rule, sheet, row) and k[3] in (None, column)
        for k in map(_key, items)
    )


def score_findings(fig: Figures, t: dict[str, Any], findings: list[Finding]) -> None:
    planted = t.get("planted", [])
    allowed = [*planted, *t.get("expected", [])]
    fig.planted = len(planted)
    found = [p for p in planted if any(_matches(f, [p]) for f in findings)]
    fig.found = len(found)
    fig.missed = [f"{p['rule']} {p['sheet']} row {p.get('row')}" for p in planted if p not in found]
    fig.false_alarms = [
        f for f in findings if f.severity != Severity.INFO and not _matches(f, allowed)
    ]


def typed_values(path: Path) -> dict[tuple[str, str], object]:
    wb = load_workbook(path)
    try:
        return {
            (ws.title, c.coordinate): c.value
            for ws in wb.worksheets
            if ws.title != VALIDATION_TAB
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        }
    finally:
        wb.close()


def prepared_config(config: Path, today: dt.date) -> None:
    """As the officer would: the day to check on, and an address for the audience."""
    text = config.read_text(encoding="utf-8")
    config.write_text(f"today = {today.isoformat()}\n{text}{AUDIENCE}", encoding="utf-8")


def measure(name: str, folder: Path) -> Figures:
    from automations.cli import cli
    from automations.pipeline import validate
    from automations.settings import load_settings
    from automations.starter.adopt import adopt

    t = truth(name)
    fig = Figures(name)
    workbook = build(name, folder)
    before = typed_values(workbook)
    _, tabs = adopt(workbook, folder / "adopted")
    score_mapping(fig, t, adopted_columns(tabs))
    config = folder / "adopted" / "config.toml"
    prepared_config(config, t["today"])
    score_findings(fig, t, validate(load_settings(config)).report.findings)
    preview = folder / "preview"
    result = CliRunner().invoke(
        cli,
        [
            "digest",
            "--config",
            str(config),
            "--preview",
            str(preview),
            "--meeting",
            t["meeting"].isoformat(),
        ],
    )
    fig.digest = result.exit_code == 0 and any(preview.glob("digest-*.html"))
    fig.digest_output = result.output
    ran = CliRunner().invoke(cli, ["run", "--once", "--config", str(config)])
    fig.values_kept = ran.exit_code == 0 and typed_values(workbook) == before
    return fig


def main() -> int:
    """Exit status 1 when a tracker falls short of the issue's bar (see shortfalls)."""
    short = 0
    for name in sys.argv[1:] or TRACKERS:
        with tempfile.TemporaryDirectory() as tmp:
            fig = measure(name, Path(tmp))
        print(fig.line())
        short += bool(shortfalls(fig))
        for line in fig.wrong:
            print("   mapped", line)
        for line in fig.missed:
            print("   missed", line)
        for f in fig.false_alarms:
            print(f"   false alarm {f.rule} {f.sheet} row {f.row}: {f.message[:110]}")
        if not fig.digest:
            print("   digest:", fig.digest_output.strip()[-200:])
    return 1 if short else 0


if __name__ == "__main__":
    raise SystemExit(main())
