"""The Board's report for HBP and the JPB, for the sample board: every section, figures checked
against the workbook (read here with openpyxl, not through the service's reader), the .xlsx
opened by LibreOffice, the HTML held to the digests' accessibility checks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from automations.cli import cli
from automations.core.errors import ConfigError
from automations.pipeline import validate
from automations.record import history
from automations.record.settings import report_settings
from tests.digest_setup import CONFIDENTIAL_TEXTS, MEMBER_EMAILS, SAMPLE_TODAY, make_config, sample
from tests.test_digest import ColourPairs, config_toml, contrast
from tests.test_libreoffice import tabs_as_csv

START, END = dt.date(2023, 4, 1), dt.date(2024, 3, 31)
STAGES = ["Pre-initiation", "Initiation", "During", "After completion", "Conclusion", "Closed"]
TABS = ["About", "Meetings", "Members", "Projects", "Actions", "ToR duties",
        # the co-production record (issue 31)
        "Sub-groups", "Engagement", "You said we did", "Recognition",
        "Limiting factors", "History"]
CHECK_DAYS = (dt.date(2024, 1, 10), dt.date(2024, 2, 7), dt.date(2024, 3, 6))
FORMULA = "=1+1 looks like a sum"


def rows_of(path: Path, tab: str) -> list[dict[str, Any]]:
    ws = load_workbook(path, data_only=True)[tab]
    values = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, r, strict=False)) for r in values[1:] if any(r)]


def day(value: Any) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("report")
    cfg, _ = sample(folder)
    wb = load_workbook(folder / "board.xlsx")
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("Action") + 1).value = FORMULA  # typed text, never a formula
    ws.cell(2, header.index("Action") + 1).data_type = "s"
    ws.cell(3, header.index("Action") + 1).value = "Ask jo.bloggs@example.org for the figures"
    wb.save(folder / "board.xlsx")
    for d in CHECK_DAYS:  # the service's daily records (three here)
        v = validate(cfg, d)
        history.record_check(cfg, v.board, v.report)
    (folder / "config.toml").write_text(config_toml(folder), encoding="utf-8")
    out = folder / "out" / "report.xlsx"
    result = CliRunner().invoke(cli, [
        "report", "--config", str(folder / "config.toml"), "--today", SAMPLE_TODAY.isoformat(),
        "--from", START.isoformat(), "--to", END.isoformat(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output and f"Wrote {out.with_suffix('.html')}" in result.output
    csv_tabs = tabs_as_csv(folder, out)
    return {"folder": folder, "out": out, "csv": csv_tabs, "board": folder / "board.xlsx",
            "html": out.with_suffix(".html").read_text(encoding="utf-8")}


def figure(made: dict[str, Any], tab: str, label: str) -> str:
    """A figure as LibreOffice reads it from the report: the row whose first cell is ``label``."""
    rows = [r for r in made["csv"][tab] if r and r[0] == label]
    assert rows, f"{label!r} is not in the {tab} tab"
    return rows[0][1]


def test_every_section_is_in_both_forms(made: dict[str, Any]) -> None:
    assert list(load_workbook(made["out"]).sheetnames) == TABS
    assert sorted(made["csv"]) == sorted(TABS)  # LibreOffice opened every tab
    html = made["html"]
    titles = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert len(titles) == len(TABS)
    for tab, title in zip(TABS, titles, strict=True):
        assert made["csv"][tab][0][0] == title.replace("&#39;", "'")
    for needed in ("Meetings held", "Members by group", "co-production", "ToR", "Limiting"):
        assert any(needed.lower() in (t + tab).lower() for t, tab in zip(titles, TABS,
                                                                          strict=True))


def test_every_figure_says_where_it_comes_from(made: dict[str, Any]) -> None:
    for tab, rows in made["csv"].items():
        header = next(i for i, r in enumerate(rows) if r[:3] == ["Figure", "Value",
                                                                   "Where it comes from"])
        figures = []
        for r in rows[header + 1:]:
            if not r or not r[0]:
                break
            figures.append(r)
        assert figures, tab
        assert all(r[2].strip() for r in figures), tab
        sources = [r for r in rows if r and r[0].startswith("Source: ") and len(r[0]) > 20]
        assert sources or tab == "About", tab  # each table is under its source
    html = made["html"]
    assert html.count("Where it comes from") == len(TABS)
    assert len(re.findall(r">Source: [^<]+\.</p>", html)) >= len(TABS) - 1


def test_meetings_and_co_chairs_match_the_workbook(made: dict[str, Any]) -> None:
    held = [r for r in rows_of(made["board"], "Meetings")
            if START <= day(r["Date"]) <= END and day(r["Date"]) < SAMPLE_TODAY]
    n = len(held)
    assert n >= 6
    assert figure(made, "Meetings", "Meetings held") == str(n)
    resident = sum(r["Resident co-chair present"] == "Yes" for r in held)
    commissioner = sum(r["Commissioner co-chair present"] == "Yes" for r in held)
    assert commissioner < n  # the sample has a meeting without the commissioner co-chair
    assert figure(made, "Meetings", "Resident co-chair present") == f"{resident} of {n}"
    assert figure(made, "Meetings", "Commissioner co-chair present") == f"{commissioner} of {n}"
    assert figure(made, "Meetings", "A deputy stood in") == f"{sum(bool(r['Deputy']) for r in held)} of {n}"  # noqa: E501


def test_members_by_group_match_the_workbook(made: dict[str, Any]) -> None:
    members = rows_of(made["board"], "Members")

    def active(on: dt.date) -> list[dict[str, Any]]:
        return [m for m in members if day(m["Joined"]) <= on
                and (m["Left"] is None or day(m["Left"]) > on)]

    end = active(SAMPLE_TODAY)
    assert figure(made, "Members", "Members on 7 March 2024") == str(len(end))
    assert figure(made, "Members", "Members on 1 April 2023") == str(len(active(START)))
    table = made["csv"]["Members"]
    start_row = next(i for i, r in enumerate(table) if r[:1] == ["Group"])
    by_group = {r[0]: r for r in table[start_row + 1:start_row + 9]}
    for category in ("Resident", "Carer or advocate", "Council officer", "Provider"):
        assert by_group[category][2] == str(sum(m["Category"] == category for m in end))
    assert by_group["Total"][3] == str(len(end) - len(active(START)))
    left = [m for m in members if m["Left"] and START < day(m["Left"]) <= SAMPLE_TODAY]
    assert figure(made, "Members", "Left during the period") == str(len(left)) == "1"


def test_projects_activities_and_voices_match_the_workbook(made: dict[str, Any]) -> None:
    projects = rows_of(made["board"], "Projects")
    members = {m["Member ID"]: m for m in rows_of(made["board"], "Members")}
    assert figure(made, "Projects", "Projects") == str(len(projects))
    for stage in STAGES:
        assert figure(made, "Projects", f"Stage: {stage}") == str(
            sum(p["Stage"] == stage for p in projects))
    for activity in ("Co-planning", "Co-design", "Co-delivery", "Co-evaluation"):
        assert figure(made, "Projects", activity) == str(
            sum(activity in (p["Co-production"] or "") for p in projects))
    grid = made["csv"]["Projects"]
    head = next(i for i, r in enumerate(grid) if r[:1] == ["Project ID"])
    cols = grid[head]
    for p in projects:
        row = next(r for r in grid[head + 1:] if r[0] == p["Project ID"])
        refs = [x.strip() for x in (p["Assigned members"] or "").split(";") if x.strip()]
        voices = [members[r] for r in refs
                  if members[r]["Category"] in ("Resident", "Carer or advocate")]
        assert row[cols.index("Residents and carers")] == str(len(voices))
        assert row[cols.index("Who")] == "; ".join(m["Name"] for m in voices)
        assert row[cols.index("Cycle phase")] == (p["Cycle phase"] or "")


def test_actions_raised_and_completed_match_the_workbook(made: dict[str, Any]) -> None:
    actions = [a for a in rows_of(made["board"], "Actions") if a["Confidential"] != "Yes"]
    raised = [a for a in actions if START <= day(a["Raised"]) <= END]
    done = [a for a in actions if a["Status"] == "Done" and a["Completed on"]
            and START <= day(a["Completed on"]) <= END]
    assert figure(made, "Actions", "Actions raised") == str(len(raised))
    assert figure(made, "Actions", "Actions completed") == str(len(done))
    assert figure(made, "Actions", "Confidential actions left out") == "2"
    # From the history: the last check in the period.
    last = history.load(make_config(made["folder"], made["board"], SAMPLE_TODAY))[-1]
    assert last.day == CHECK_DAYS[-1]
    assert figure(made, "Actions", "Open on 6 March 2024 (last check in the period)") == str(
        last.open)
    # A typed "=1+1" stays text in the report, in LibreOffice too.
    assert any(FORMULA in r for r in made["csv"]["Actions"])
    ws = load_workbook(made["out"])["Actions"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == FORMULA)
    assert cell.data_type == "s"


def test_tor_duties_per_project_match_the_workbook(made: dict[str, Any]) -> None:
    projects = rows_of(made["board"], "Projects")
    duties = {"Stakeholders identified": "Pre-initiation",
              "Advertised on website and intranet": "Pre-initiation",
              "Lessons learned held": "Conclusion",
              "Work transferred to regular team": "Conclusion",
              "JPB information provided": "After completion"}
    for column, stage in duties.items():
        due = [p for p in projects if STAGES.index(p["Stage"]) >= STAGES.index(stage)]
        done = sum(p[column] == "Yes" for p in due)
        assert figure(made, "ToR duties", f"{column}: done") == (
            f"{done} of {len(due)} project{'s' if len(due) != 1 else ''} at or past {stage}")
    grid = made["csv"]["ToR duties"]
    head = next(i for i, r in enumerate(grid) if r[:1] == ["Project ID"])
    assert len(grid[head + 1:]) >= len(projects) * 12  # every duty of every project


def test_limiting_factors_are_the_checks_open_problems(made: dict[str, Any]) -> None:
    cfg = make_config(made["folder"], made["board"], SAMPLE_TODAY)
    report = validate(cfg, SAMPLE_TODAY).report
    actions = rows_of(made["board"], "Actions")
    secret = {i + 2 for i, a in enumerate(actions) if a["Confidential"] == "Yes"}
    shown = [f for f in report.findings if f.severity.value != "info"
             and not (f.sheet == "Actions" and f.row in secret)]
    assert figure(made, "Limiting factors", "Errors") == str(
        sum(f.severity.value == "error" for f in shown))
    assert figure(made, "Limiting factors", "Warnings") == str(
        sum(f.severity.value == "warning" for f in shown))
    assert figure(made, "History", "Months with a record") == "3"


def test_the_html_passes_the_digest_accessibility_checks(made: dict[str, Any]) -> None:
    html = made["html"]
    assert '<html lang="en-GB">' in html
    assert "<style" not in html and re.search(r"<h2 [^>]*style=", html)
    assert re.search(r"<h1 style=", html) and html.count("<h1") == 1
    # nothing remote: the charts' inline SVG refers only to its own parts (url(#id))
    assert not re.search(r"<link|<img|<script|url\((?!#)|https?://", html)
    assert '<th scope="col"' in html and re.search(r'<th [^>]*scope="row"', html)
    assert html.count("<caption") == html.count("<table")
    for fg, bg in ColourPairs.of(html):
        assert contrast(fg, bg) >= 4.5, (fg, bg)
    for secret in (*CONFIDENTIAL_TEXTS, *MEMBER_EMAILS, "jo.bloggs@"):
        assert secret not in html, secret
    assert "Ask [email address removed] for the figures" in html
    assert "=1+1 looks like a sum" in html


def test_nothing_confidential_or_private_reaches_the_xlsx(made: dict[str, Any]) -> None:
    text = "\n".join(",".join(r) for rows in made["csv"].values() for r in rows)
    for secret in (*CONFIDENTIAL_TEXTS, *MEMBER_EMAILS, "jo.bloggs@"):
        assert secret not in text, secret
    assert "Ask [email address removed] for the figures" in text


def test_report_settings_name_the_key(tmp_path: Path) -> None:
    def cfg(**report: Any) -> Any:
        return make_config(tmp_path, tmp_path / "board.xlsx", SAMPLE_TODAY, report=report)

    assert report_settings(cfg()).schedule == "off"
    good = report_settings(cfg(schedule="yearly", audience=["HBP <hbp@example.org>"], month=4))
    assert good.schedule == "yearly" and str(good.audience[0]) == "HBP <hbp@example.org>"
    with pytest.raises(ConfigError, match=r"report\.shedule: not a setting; did you mean "
                                          r"'schedule'"):
        report_settings(cfg(shedule="yearly"))
    with pytest.raises(ConfigError, match=r"report\.audience: a yearly report needs"):
        report_settings(cfg(schedule="yearly"))
    with pytest.raises(ConfigError, match=r"report\.month: must be from 1 to 12"):
        report_settings(cfg(month=13))
    with pytest.raises(ConfigError, match=r"report\.schedule: 'monthly' is not one of"):
        report_settings(cfg(schedule="monthly"))


def test_a_wrong_period_or_file_name_is_a_clear_message(tmp_path: Path) -> None:
    sample(tmp_path)
    (tmp_path / "config.toml").write_text(config_toml(tmp_path), encoding="utf-8")
    base = ["report", "--config", str(tmp_path / "config.toml"), "--today", "2024-03-07"]
    backwards = CliRunner().invoke(cli, [*base, "--from", "2024-03-01", "--to", "2023-03-01",
                                         "--out", str(tmp_path / "r.xlsx")])
    assert backwards.exit_code == 2 and "is before --from" in backwards.output
    csv = CliRunner().invoke(cli, [*base, "--from", "2023-03-01", "--to", "2024-03-01",
                                   "--out", str(tmp_path / "r.csv")])
    assert csv.exit_code == 2 and "ending in .xlsx" in csv.output
    assert not list(tmp_path.glob("r.*"))
    default = CliRunner().invoke(cli, [*base, "--from", "2023-03-07", "--to", "2024-03-06"])
    assert default.exit_code == 0, default.output
    made = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert made == ["report-2023-03-07-2024-03-06.html", "report-2023-03-07-2024-03-06.xlsx"]


# ---------------------------------------------------------------- the yearly send


YEARLY = '[report]\nschedule = "yearly"\nmonth = 4\nday = 1\naudience = ["HBP <hbp@example.org>"]\n'


def test_the_yearly_report_is_sent_once_on_its_day(tmp_path: Path) -> None:
    from automations.service.loop import run_once
    from automations.service.status import status
    from tests.test_service_support import london, make_board, outbox

    cfg = make_board(tmp_path, dt.date(2024, 3, 27), extra=YEARLY)
    before = run_once(cfg, london(2024, 3, 29, 8, 0))  # a Friday, not the report's day
    assert "report" not in [j.job for j in before.jobs]
    assert status(cfg, london(2024, 3, 29, 9, 0))["jobs"]["report"]["next"] == (
        "2024-04-01T08:00:00+01:00")
    first = run_once(cfg, london(2024, 4, 1, 8, 0))  # Monday 1 April, at digest_time
    report = next(j for j in first.jobs if j.job == "report")
    assert report.ok, report.summary
    assert "report for 2023-04-01 to 2024-03-31 to hbp@example.org" in report.summary
    again = run_once(cfg, london(2024, 4, 1, 8, 30))
    assert "report" not in [j.job for j in again.jobs]
    mails = [m for m in outbox(tmp_path) if "report for" in str(m["Subject"])]
    assert len(mails) == 1
    msg = mails[0]
    assert msg["To"] == "HBP <hbp@example.org>"
    assert "1 April 2023 to 31 March 2024" in str(msg["Subject"])
    names = sorted(p.get_filename() for p in msg.walk() if p.get_filename())
    assert names == ["report-2023-04-01-2024-03-31.html", "report-2023-04-01-2024-03-31.xlsx"]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == names
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    assert "- Meetings held: 2" in body.get_payload(decode=True).decode()
    assert status(cfg, london(2024, 4, 2, 9, 0))["jobs"]["report"]["next"] == (
        "2025-04-01T08:00:00+01:00")


def test_no_yearly_report_unless_asked(tmp_path: Path) -> None:
    from automations.service.loop import run_once
    from tests.test_service_support import london, make_board, outbox

    cfg = make_board(tmp_path, dt.date(2024, 3, 27))
    result = run_once(cfg, london(2024, 4, 1, 8, 0))
    assert [j.job for j in result.jobs] == ["check", "digests"]
    assert not any("report for" in str(m["Subject"]) for m in outbox(tmp_path))
