"""The sample board with the five example checks of the shipped checks.toml switched on: the
findings they should give, through `validate --format json`, the write-back (cell marks, notes,
the Validation tab) and a digest's counts, as an officer runs them."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from automations.cli import cli
from automations.core.paths import data_path
from automations.model.checks import load_checks
from automations.model.schema import load_schemas
from automations.starter.sample import build_sample
from tests.digest_setup import SAMPLE_TODAY

SHIPPED = data_path("sheets_schema") / "checks.toml"
# An officer's slips in the sample workbook, one for each example check.
EDITS = {
    ("Members", "C6"): "Priya.Shah@example.org",  # Amina's email: the same as Priya's (row 4)
    ("Members", "A19"): "N18",  # Noah Green's Member ID
    ("Projects", "G2"): "Consult",  # P01 is under way
    ("Actions", "F4"): dt.datetime(2023, 9, 1),  # A003's Due: it was raised on 20 September
}
# The sample's A008 is Dropped with no Update: the first example fires on it as shipped.
EXPECTED = [
    ("error", "local.members.one_email_each", "Members", "C6",
     "Amina Hassan has the same email address as another member. Each member needs their own. "
     "(The same Email is on row 4.)"),
    ("warning", "local.members.id_format", "Members", "A19",
     "Member ID N18 should be an M and two or three digits, like M07."),
    ("warning", "local.projects.collaborate_when_under_way", "Projects", "G2",
     "Project P01 is at stage During with participation level Consult. The Board agreed that "
     "work under way is at Collaborate or Empower."),
    ("error", "local.actions.due_after_raised", "Actions", "F4",
     "Action A003 is due on 1 September 2023, before it was raised on 20 September 2023. "
     "Check both dates."),
    ("warning", "local.actions.dropped_says_why", "Actions", "J9",
     "Action A008 was dropped: say why in the Update column."),
]


def uncommented(text: str) -> str:
    """The shipped examples with their # removed, as the file's own header tells officers."""
    lines = text.splitlines()
    start = lines.index("# [[check]]")
    return "\n".join(ln[2:] if re.match(r"# (\[\[check\]\]|[a-z_]+ = )", ln) else ln
                     for ln in lines[start:]) + "\n"


def test_the_shipped_file_has_no_check_switched_on_and_its_examples_are_valid(tmp_path):
    assert load_checks(SHIPPED, load_schemas(SHIPPED.parent)) == ()
    (tmp_path / "checks.toml").write_text(uncommented(SHIPPED.read_text(encoding="utf-8")))
    checks = load_checks(tmp_path / "checks.toml", load_schemas(SHIPPED.parent))
    assert [c.kind for c in checks] == ["require", "compare", "unique", "pattern", "one_of"]
    assert sum(bool(c.when) for c in checks) == 2


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    workbook = build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    wb = load_workbook(workbook)
    for (sheet, cell), value in EDITS.items():
        wb[sheet][cell] = value
    wb.save(workbook)
    (tmp_path / "checks.toml").write_text(uncommented(SHIPPED.read_text(encoding="utf-8")))
    example = data_path("config.example.toml").read_text(encoding="utf-8")
    config = f"today = {SAMPLE_TODAY.isoformat()}\n{example}"
    (tmp_path / "plain.toml").write_text(config, encoding="utf-8")
    with_checks = config.replace("\n[rules]\n", '\n[rules]\nchecks_file = "checks.toml"\n', 1)
    assert with_checks != config
    (tmp_path / "config.toml").write_text(with_checks, encoding="utf-8")
    return tmp_path


def coprod(folder: Path, *args: str, config: str = "config.toml") -> str:
    result = CliRunner().invoke(cli, [*args, "--config", str(folder / config)])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_validate_reports_exactly_the_expected_local_findings(folder):
    without = json.loads(coprod(folder, "validate", "--format", "json", config="plain.toml"))
    data = json.loads(coprod(folder, "validate", "--format", "json"))
    mine = [(f["severity"], f["rule"], f["sheet"], f["cell"], f["message"])
            for f in data["findings"] if f["rule"].startswith("local.")]
    assert mine == EXPECTED
    others = [f for f in data["findings"] if not f["rule"].startswith("local.")]
    assert others == without["findings"]  # the built-in rules are untouched
    assert data["counts"]["error"] == without["counts"]["error"] + 2
    assert data["counts"]["warning"] == without["counts"]["warning"] + 3
    table = coprod(folder, "validate")
    assert "[local.actions.due_after_raised]" in table and "Action A003 is due on" in table


def test_write_back_marks_the_cells_notes_them_and_lists_them(folder):
    coprod(folder, "validate", "--write-back")
    wb = load_workbook(folder / "board.xlsx")
    rows = [[c.value for c in row][:5] for row in wb["Validation"].iter_rows(min_row=5)]
    listed = [r for r in rows if str(r[1]).startswith("local.")]
    labels = {"error": "Error", "warning": "Warning"}
    errors_first = sorted(EXPECTED, key=lambda e: e[0] != "error")  # the tab's order
    assert listed == [[labels[s], rule, sheet, cell, message]
                      for s, rule, sheet, cell, message in errors_first]
    for _, _, sheet, cell, message in EXPECTED:
        assert message in wb[sheet][cell].comment.text
        marked = [str(cf.sqref) for cf in wb[sheet].conditional_formatting
                  if any("coprod:" in "".join(r.formula) for r in cf.rules)]
        assert any(cell in ranges.split() for ranges in marked), (sheet, cell, marked)
    for (sheet, cell), value in EDITS.items():  # nothing a person typed was changed
        assert wb[sheet][cell].value == value


def health_line(folder: Path, config: str) -> str:
    preview = folder / f"preview-{config}"
    coprod(folder, "digest", "--preview", str(preview), config=config)
    (eml,) = [p for p in preview.glob("*.eml") if "senior" in p.name.lower()]
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return next(ln for ln in text.splitlines() if "Checks against the Terms" in ln)


def test_a_digest_counts_them(folder):
    count = re.compile(r"(\d+) errors? and (\d+) warnings?")
    before = [int(n) for n in count.search(health_line(folder, "plain.toml")).groups()]
    after = [int(n) for n in count.search(health_line(folder, "config.toml")).groups()]
    assert after == [before[0] + 2, before[1] + 3]


def test_the_readme_examples_are_the_shipped_ones_and_valid(tmp_path):
    readme = Path(__file__).resolve().parent.parent / "README.md"
    section = readme.read_text(encoding="utf-8").split("<!-- section:own-checks -->")[1]
    blocks = re.findall(r"```toml\n(.*?)```", section, flags=re.S)
    (tmp_path / "readme.toml").write_text("\n".join(b for b in blocks if "[[check]]" in b))
    (tmp_path / "shipped.toml").write_text(uncommented(SHIPPED.read_text(encoding="utf-8")))
    schemas = load_schemas(SHIPPED.parent)
    readme_checks = load_checks(tmp_path / "readme.toml", schemas)
    shipped = load_checks(tmp_path / "shipped.toml", schemas)
    assert [(c.id, c.kind, c.message, c.when) for c in readme_checks] == [
        (c.id, c.kind, c.message, c.when) for c in shipped]
    (rules,) = [b for b in blocks if "[rules]" in b]
    build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    config = tmp_path / "config.toml"
    config.write_text(f'[source]\npath = "board.xlsx"\n{rules}checks_file = "readme.toml"\n')
    result = CliRunner().invoke(cli, ["rules", "--config", str(config)])
    assert result.exit_code == 0, result.output
    states = {ln.split()[0]: ln.split()[1] for ln in result.output.splitlines()}
    assert states["tor.actions.stale"] == "off"
    assert states["tor.members.one_per_org"] == "error"
    assert states["local.actions.dropped_says_why"] == "info"


def test_the_service_uses_them_and_a_bad_edit_fails_the_pass_naming_the_file(tmp_path):
    from automations.service.loop import run_once
    from tests.test_service_support import london, make_board

    checks = tmp_path / "checks.toml"
    checks.write_text(uncommented(SHIPPED.read_text(encoding="utf-8")), encoding="utf-8")
    cfg = make_board(tmp_path, dt.date(2024, 2, 28), extra='[rules]\nchecks_file = "checks.toml"')
    first = run_once(cfg, london(2024, 2, 29, 9, 0))
    assert first.ok, first.jobs
    tab = load_workbook(tmp_path / "board.xlsx")["Validation"]
    assert any(str(row[1].value).startswith("local.") for row in tab.iter_rows(min_row=5))
    # An officer saves a mistake while the service runs: the next pass fails, naming it, and
    # leaves the workbook as it was.
    checks.write_text(checks.read_text().replace('require = ["Update"]', 'require = ["Updte"]'))
    before = (tmp_path / "board.xlsx").read_bytes()
    failed = run_once(cfg, london(2024, 2, 29, 9, 30))
    assert not failed.ok
    assert all(f"{checks}: check 'local.actions.dropped_says_why'" in (j.error or "")
               for j in failed.jobs)
    assert (tmp_path / "board.xlsx").read_bytes() == before
