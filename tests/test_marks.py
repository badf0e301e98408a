"""The backend-neutral plan: which cells get which mark, notes kept beside a person's."""

import datetime as dt

from automations.backends.marks import (
    NOTE_BEGIN,
    NOTE_END,
    VALIDATION_HEADER,
    counts_line,
    merge_note,
    our_note,
    person_note,
    plan_marks,
    rule_formula,
    rule_severity,
    stamp_line,
    validation_rows,
)
from automations.core.findings import Finding, Report, Severity

AT = dt.datetime(2024, 3, 1, 9, 30)


def finding(rule: str, severity: Severity, cell: str | None, message: str) -> Finding:
    if cell is None:
        return Finding(rule, severity, message, sheet="Members", tab="Members")
    column = ord(cell[0]) - ord("A") + 1
    return Finding(
        rule,
        severity,
        message,
        sheet="Members",
        row=int(cell[1:]),
        column="X",
        cell=cell,
        tab="Members",
        column_index=column,
    )


def test_one_mark_per_cell_with_the_worst_severity_and_every_message():
    report = Report(
        dt.date(2024, 3, 1),
        "board.xlsx",
        (
            finding("a", Severity.INFO, "D3", "First."),
            finding("b", Severity.ERROR, "D3", "Second."),
            finding("c", Severity.INFO, "D3", "First."),
            finding("d", Severity.WARNING, "B2", "Other."),
            finding("e", Severity.ERROR, None, "The whole tab."),
        ),
    )
    plan = plan_marks(report, AT)
    assert [(m.cell, m.severity, m.messages) for m in plan.cells] == [
        ("B2", Severity.WARNING, ("Other.",)),
        ("D3", Severity.ERROR, ("First.", "Second.")),
    ]
    assert plan.cells[1].note == f"{NOTE_BEGIN}\n• First.\n• Second.\n{NOTE_END}"
    assert len(plan.findings) == 5  # the Validation tab lists the tab-wide finding too
    assert plan.counts == {"error": 2, "warning": 1, "info": 2}


def test_a_persons_note_survives_ours_being_added_and_removed():
    ours = f"{NOTE_BEGIN}\n• Email is not valid.\n{NOTE_END}"
    merged = merge_note("Ask Priya about this.", ours)
    assert merged == f"Ask Priya about this.\n\n{ours}"
    assert our_note(merged) == ours
    assert person_note(merged) == "Ask Priya about this."
    assert merge_note(merged, None) == "Ask Priya about this."
    # Replacing our block never duplicates it, and a note that was only ours disappears.
    assert merge_note(merged, ours) == merged
    assert merge_note(ours, None) is None
    assert our_note("Only a person's words.") is None


def test_our_rules_are_told_apart_from_a_persons():
    for severity in Severity:
        assert rule_severity(rule_formula(severity)) is severity
        assert rule_severity("=" + rule_formula(severity)) is severity
    assert rule_severity("$D2>TODAY()") is None
    assert rule_severity('"coprod:error"="coprod:errors"') is None


def test_validation_rows_counts_and_time_in_plain_words():
    report = Report(
        dt.date(2024, 3, 1),
        "board.xlsx",
        (finding("schema.email", Severity.ERROR, "C4", "=HYPERLINK(1) is not an email."),),
    )
    plan = plan_marks(report, AT)
    assert validation_rows(plan) == [
        ("Error", "schema.email", "Members", "C4", "=HYPERLINK(1) is not an email.")
    ]
    assert len(VALIDATION_HEADER) == len(validation_rows(plan)[0]) + 1  # plus the link
    assert counts_line(plan.counts) == "1 error, 0 warnings, 0 for information"
    assert stamp_line(AT).startswith("Marks last changed on Friday 1 March 2024 at 09:30.")
