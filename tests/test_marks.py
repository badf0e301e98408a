"""The backend-neutral plan: which cells get which mark, notes kept beside a person's."""

import datetime as dt
import itertools

from automations.backends.marks import (
    BORDER,
    FILL,
    HEADER_ROW,
    NOTE_BEGIN,
    NOTE_END,
    RULE_ID_COLUMN,
    TEXT,
    VALIDATION_COLUMNS,
    VALIDATION_HEADER,
    VALIDATION_PRINT,
    VALIDATION_WIDTHS,
    counts_line,
    merge_note,
    our_note,
    person_note,
    plan_marks,
    rule_formula,
    rule_severity,
    stamp_line,
    validation_rows,
    validation_table,
)
from automations.core.findings import Finding, Report, Severity
from tests.colour_vision import VISIONS, contrast, distance

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


def test_validation_tab_lists_errors_then_warnings_then_information_in_plain_words():
    report = Report(
        dt.date(2024, 3, 1),
        "board.xlsx",
        (
            finding("r.info", Severity.INFO, "B2", "Worth knowing."),
            finding("r.warn", Severity.WARNING, "B3", "Look at this."),
            finding("r.err", Severity.ERROR, "B4", "Fix this."),
            finding("r.warn", Severity.WARNING, "B5", "Look at this too."),
            finding("r.err", Severity.ERROR, "B6", "Fix this too."),
        ),
    )
    about = {"r.err": "A cell that must be right is wrong.", "r.warn": "Something to check."}
    plan = plan_marks(report, AT, about)
    assert [(r.severity, r.cell) for r in validation_table(plan)] == [
        ("Error", "B4"),
        ("Error", "B6"),
        ("Warning", "B3"),
        ("Warning", "B5"),
        ("For information", "B2"),
    ]
    first = validation_table(plan)[0]
    assert first.about == "A cell that must be right is wrong." and first.rule == "r.err"
    # A rule without a summary keeps its id rather than an empty cell.
    assert validation_table(plan)[-1].about == "r.info"
    assert validation_rows(plan)[0] == ("Error", first.about, "Members", "B4", "Fix this.")
    # The writers' findings follow the same order, so fills and links line up with the rows.
    assert [f.cell for f in plan.findings] == [r.cell for r in validation_table(plan)]
    assert VALIDATION_COLUMNS[-1] == RULE_ID_COLUMN and VALIDATION_COLUMNS[1] == "What it is about"
    assert VALIDATION_WIDTHS[RULE_ID_COLUMN] < VALIDATION_WIDTHS["Message"] / 4
    assert sum(VALIDATION_WIDTHS.values()) <= 150  # one A4 landscape page wide, roughly
    assert set(VALIDATION_WIDTHS) == set(VALIDATION_COLUMNS)
    assert VALIDATION_PRINT.landscape and VALIDATION_PRINT.fit_to_width == 1
    assert VALIDATION_PRINT.repeat_rows == (HEADER_ROW, HEADER_ROW)


def test_severity_fills_stay_apart_for_colour_blind_readers_and_text_stays_readable():
    fills = list(FILL.values())
    for vision in VISIONS:
        for a, b in itertools.combinations(fills, 2):
            # 30 CIELAB units: clearly different colours, not shades of one (the old pink and
            # blue were 9 apart under protanopia).
            assert distance(a, b, vision) > 30, (vision, a, b)
    for fill in fills:
        assert contrast(fill, TEXT) >= 7, fill


def test_every_severity_has_its_own_non_colour_cue():
    cues = [BORDER[s] for s in Severity]
    assert len({c.xlsx_border for c in cues}) == len({c.google_border for c in cues}) == 3
    assert BORDER[Severity.ERROR].bold  # the one cue a Sheets rule can carry besides colour
    for cue in cues:
        assert contrast(cue.colour, "FFFFFF") >= 3, cue  # non-text contrast against the page
