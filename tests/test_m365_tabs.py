"""[source.tabs] on a board kept in Microsoft 365, as on an .xlsx file or a Google Sheet: a tab
under another name (tab), headers far down (header_row), one tab per project read together
(tabs), and a tab kept in another Microsoft 365 file (drive_id and item_id, or sharing_url),
read once and marked with only its own findings. Before, a Microsoft 365 board ignored all of
these without a word.

Each board is also checked as a local .xlsx file with the same settings: the Microsoft 365 board
must give the same findings and the same marks. The real msal and requests talk HTTPS to
tests/m365_server.py on 127.0.0.1; the files it serves are real .xlsx workbooks.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from automations.app import write_back
from automations.backends.marks import VALIDATION_TAB
from automations.backends.xlsx.marks import current_state
from automations.cli import cli
from automations.core.config import parse_config
from automations.core.errors import ConfigError
from automations.pipeline import validate
from automations.settings import SECTIONS, load_settings
from automations.starter.adopt import adopt
from tests.builders import TODAY, every_rule_tables, write_workbook
from tests.corpus import build, truth
from tests.corpus.measure import prepared_config
from tests.m365_server import DRIVE, ITEM, SHARING_URL, GraphServer, m365_section
from tests.shaped import TITLE, Shape, write_shaped
from tests.test_m365_access import toml_value
from tests.test_tracker_shapes import RECORD_TABS, by_severity, validation_cells

NOW = dt.datetime(2024, 3, 1, 9, 0)
PEOPLE = "01PEOPLEITEMID"
PEOPLE_LINK = "https://haringey.sharepoint.com/:x:/s/CoProductionBoard/PeOpLe?e=XyZ789"
IDS = {"drive_id": DRIVE, "item_id": ITEM}


def checked(data: dict) -> object:
    cfg = parse_config(data, None)
    for check in SECTIONS.values():  # the same checks as settings.load_settings
        check(cfg)
    return cfg


def m365(graph: GraphServer, tabs: dict, **source: object) -> object:
    return checked({"source": {"kind": "microsoft365", **(source or IDS), "tabs": tabs},
                    "microsoft365": m365_section(graph), "today": TODAY})


def local(path: Path, tabs: dict) -> object:
    return checked({"source": {"kind": "xlsx", "path": str(path), "tabs": tabs},
                    "today": TODAY})


def comparable(report) -> list[tuple[object, ...]]:
    return [(f.rule, f.severity, f.sheet, f.row, f.column, f.cell, f.message)
            for f in report.findings]


def as_file(data: bytes, folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def marks_of(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        return current_state(as_file(data, Path(folder), "downloaded.xlsx"))


def check_and_mark(cfg) -> tuple[object, object]:
    result = validate(cfg, TODAY)
    return result, write_back(cfg, result, NOW)


# ---------------------------------------------------------------- tab and header_row


def test_a_renamed_tab_with_headers_far_down_is_read_and_marked_there(tmp_path, graph):
    # The Actions on "Action log", every tab's headers on row 25 (below where they are looked
    # for): only the settings can say so.
    path = write_shaped(tmp_path / "board.xlsx", every_rule_tables(), Shape(title=((),) * 24),
                        tab_names={"actions": "Action log"})
    tabs = {"Actions": {"tab": "Action log", "header_row": 25},
            **{t: {"header_row": 25} for t in ("Members", "Projects", "Meetings", *RECORD_TABS)}}
    graph.add_item(path.read_bytes())
    cloud, written = check_and_mark(m365(graph, tabs))
    on_disk = local(path, tabs)
    here, _ = check_and_mark(on_disk)
    assert len(cloud.report.findings) > 30
    assert comparable(cloud.report) == comparable(here.report)
    late = [f for f in cloud.report.findings if f.sheet == "Action log" and f.rule.startswith(
        "tor.actions")]
    assert late and all(f.row is not None and f.row > 25 for f in late)
    assert not [f for f in cloud.report.findings if f.rule == "schema.missing_tab"
                or "No header row was found" in f.message]
    assert written.changed and graph.counts["upload"] == 1
    assert marks_of(graph.item().content) == current_state(path)
    # Without the settings the same file is read as before: the tabs' headers are not found.
    ignored = validate(m365(graph, {}), TODAY).report
    assert any("No header row was found on the 'Action log' tab" in f.message
               for f in ignored.findings)


# ---------------------------------------------------------------- tabs read together


def adopted_in_m365(tmp_path: Path, graph: GraphServer) -> tuple[Path, Path]:
    """The corpus's one-tab-per-project tracker adopted locally, then the same workbook and
    config moved to Microsoft 365: (the local workbook, the Microsoft 365 config file)."""
    workbook = build("project_tabs", tmp_path)
    adopt(workbook, tmp_path / "out")
    config = tmp_path / "out" / "config.toml"
    prepared_config(config, truth("project_tabs")["today"])
    text = config.read_text("utf-8")
    on_disk = f'kind = "xlsx"\npath = "{workbook}"'
    assert on_disk in text and 'tabs = ["Day Opportunities", "Carers Strategy"' in text
    section = "\n".join(f"{k} = {toml_value(v)}" for k, v in m365_section(graph).items())
    cloud = config.with_name("m365.toml")
    cloud.write_text(text.replace(on_disk, f'kind = "microsoft365"\ndrive_id = "{DRIVE}"\n'
                                           f'item_id = "{ITEM}"')
                     + f"\n[microsoft365]\n{section}\n", "utf-8")
    graph.add_item(workbook.read_bytes(), name="project_tabs.xlsx")
    return workbook, cloud


def notes_by_tab(path: Path, names: tuple[str, ...]) -> dict[str, list[str]]:
    wb = load_workbook(path)
    return {name: sorted(c.coordinate for row in wb[name].iter_rows() for c in row if c.comment)
            for name in names}


def test_one_tab_per_project_is_read_together_and_marked_on_its_own_cells(tmp_path, graph):
    workbook, cloud = adopted_in_m365(tmp_path, graph)
    status = CliRunner().invoke(cli, ["validate", "--write-back", "--config", str(cloud)])
    assert status.exit_code == 0 and "Marked 3 cells" in status.output, status.output
    there = validate(load_settings(cloud)).report
    # The same findings as the file on disk with the same settings, from all three tabs.
    here = validate(load_settings(cloud.with_name("config.toml"))).report
    assert there.findings and comparable(there) == comparable(here)
    assert {"Carers Strategy", "Supported Living"} <= {f.sheet for f in there.findings}
    tabs = ("Day Opportunities", "Carers Strategy", "Supported Living", "Archive")
    uploaded = as_file(graph.item().content, tmp_path, "uploaded.xlsx")
    # Due (E) of the late actions, Lead (C) of the one whose owner is not a member.
    assert notes_by_tab(uploaded, tabs) == {"Day Opportunities": [], "Carers Strategy": ["E3"],
                                            "Supported Living": ["C4", "E5"], "Archive": []}
    assert notes_by_tab(workbook, tabs) == {tab: [] for tab in tabs}  # the local copy untouched


@pytest.mark.parametrize(("written", "typo", "said"), [
    ('tab = "Day Opportunities"', 'tab = "Day Oportunities"',
     "source.tabs.Actions.tab: project_tabs.xlsx has no tab called 'Day Oportunities'"),
    ('"Supported Living"]', '"Suported Living"]',
     "source.tabs.Actions.tabs: project_tabs.xlsx has no tab called 'Suported Living'"),
])
def test_a_tab_name_not_in_the_workbook_names_the_key_and_exits_2(tmp_path, graph, written,
                                                                   typo, said):
    _, cloud = adopted_in_m365(tmp_path, graph)
    text = cloud.read_text("utf-8")
    assert text.count(written) == 1
    cloud.write_text(text.replace(written, typo), "utf-8")
    result = CliRunner().invoke(cli, ["validate", "--write-back", "--config", str(cloud)])
    assert result.exit_code == 2 and said in result.output, result.output
    assert "Traceback" not in result.output
    assert graph.counts["upload"] == 0 and graph.item().version == 1


# ---------------------------------------------------------------- a tab in another file


def split(tmp_path: Path, graph: GraphServer) -> tuple[Path, Path]:
    """Members in a file of their own (its one tab "Sheet1"), the rest in the board's file;
    both in Microsoft 365, and both also on disk for the same check by the .xlsx backend."""
    data = every_rule_tables()
    members = {"members": data.pop("members")}
    shape = Shape(title=TITLE, excel_table=True)
    main = write_shaped(tmp_path / "action log.xlsx", data, shape)
    people = write_shaped(tmp_path / "people.xlsx", members, shape,
                          tab_names={"members": "Sheet1"})
    graph.add_item(main.read_bytes(), name="Action log.xlsx")
    graph.add_item(people.read_bytes(), name="Members (restricted).xlsx", item_id=PEOPLE,
                   sharing_url=PEOPLE_LINK)
    return main, people


ELSEWHERE = {"ids": {"drive_id": DRIVE, "item_id": PEOPLE}, "link": {"sharing_url": PEOPLE_LINK}}


@pytest.mark.parametrize("where", ELSEWHERE.values(), ids=ELSEWHERE.keys())
def test_members_in_a_file_of_their_own_marked_with_their_own_findings(tmp_path, graph, where):
    main, people = split(tmp_path, graph)
    cfg = m365(graph, {"Members": where})
    graph.reset_counts()
    cloud, written = check_and_mark(cfg)
    # Each file read once (metadata, or the sharing link, then the content) and marked once.
    assert graph.counts["content"] == 2 and graph.counts["upload"] == 2
    assert written.changed and "Members (restricted).xlsx" in written.message
    here, _ = check_and_mark(local(main, {"Members": {"path": str(people)}}))
    assert comparable(cloud.report) == comparable(here.report)
    own = [f for f in cloud.report.findings if f.tab == "Members"]
    others = [f for f in cloud.report.findings if f.tab != "Members"]
    assert own and others and {f.sheet for f in own} == {"Sheet1"}
    cloud_people = as_file(graph.item(item_id=PEOPLE).content, tmp_path, "cloud people.xlsx")
    cloud_main = as_file(graph.item().content, tmp_path, "cloud main.xlsx")
    assert [(s, c) for s, c, _ in validation_cells(cloud_people)] == [
        (f.sheet, f.cell or "") for f in by_severity(own)]
    assert [(s, c) for s, c, _ in validation_cells(cloud_main)] == [
        (f.sheet or "", f.cell or "") for f in by_severity(others)]
    assert load_workbook(cloud_people).sheetnames == ["Sheet1", VALIDATION_TAB]
    assert "Sheet1" not in load_workbook(cloud_main).sheetnames
    assert current_state(cloud_people) == current_state(people)
    assert current_state(cloud_main) == current_state(main)
    # The next check finds the same and uploads nothing to either file.
    graph.reset_counts()
    _, again = check_and_mark(cfg)
    assert not again.changed and graph.counts["upload"] == 0


def test_a_save_to_the_members_file_meanwhile_loses_nothing(tmp_path, graph):
    split(tmp_path, graph)
    cfg = m365(graph, {"Members": ELSEWHERE["ids"]})
    result = validate(cfg, TODAY)
    # A person saves the members file meanwhile (a new version, with a member added).
    data = every_rule_tables()
    members = {"members": [*data["members"], {**data["members"][0], "Member ID": "M99"}]}
    theirs = write_workbook(tmp_path / "theirs.xlsx", members).read_bytes()
    graph.save_as_person(theirs, item_id=PEOPLE)
    written = write_back(cfg, result, NOW)
    assert "Members (restricted).xlsx was saved by someone" in written.message
    assert graph.item(item_id=PEOPLE).content == theirs  # their version stands
    assert graph.item().version == 2  # the board's own file was marked
    _, again = check_and_mark(cfg)  # the next check marks their version
    assert again.changed and graph.item(item_id=PEOPLE).version == 3


def test_report_copies_only_the_boards_own_file(tmp_path, graph):
    split(tmp_path, graph)
    cfg = m365(graph, {"Members": ELSEWHERE["ids"]})
    result = validate(cfg, TODAY)
    graph.reset_counts()
    written = write_back(cfg, result, NOW, report=tmp_path / "copy.xlsx")
    assert graph.counts["upload"] == 0 and (tmp_path / "copy.xlsx").exists()
    assert "Action log.xlsx in Microsoft 365 was not changed" in written.message
    rows = validation_cells(tmp_path / "copy.xlsx")
    assert rows and "Sheet1" not in {s for s, _, _ in rows}


def test_the_same_file_named_twice_is_refused(tmp_path, graph):
    split(tmp_path, graph)
    # The board's own file by its ids, and again by its sharing link for the Members.
    cfg = m365(graph, {"Members": {"sharing_url": SHARING_URL}})
    with pytest.raises(ConfigError, match=r"source\.tabs\.Members: names Action log\.xlsx, the "
                                          r"same file as \[source\]"):
        validate(cfg, TODAY)
    assert graph.counts["upload"] == 0


def test_check_access_answers_for_each_file(tmp_path, graph):
    from automations.app import check_access

    split(tmp_path, graph)
    ok, said = check_access(m365(graph, {"Members": ELSEWHERE["link"]}))
    assert ok and said.splitlines()[:4] == [
        "Read: can read Action log.xlsx in Microsoft 365.",
        "Write: can write Action log.xlsx (an upload was started and cancelled, so nothing "
        "changed).",
        "Read: can read Members (restricted).xlsx in Microsoft 365.",
        "Write: can write Members (restricted).xlsx (an upload was started and cancelled, so "
        "nothing changed)."]


def test_a_missing_other_file_names_its_key(tmp_path, graph):
    from automations.core.errors import SourceError

    split(tmp_path, graph)
    cfg = m365(graph, {"Members": {"drive_id": DRIVE, "item_id": "01NOSUCHITEM"}})
    with pytest.raises(SourceError, match=r"no file at drive .*, item 01NOSUCHITEM .*Check "
                                          r"\[source\.tabs\.Members\]"):
        validate(cfg, TODAY)


# ---------------------------------------------------------------- settings checked


@pytest.mark.parametrize(("tab", "said"), [
    ({"path": "people.xlsx"}, r"source\.tabs\.Members\.path: not a setting with kind = "
                              r"\"microsoft365\".*give that file's drive_id and item_id, or its "
                              r"sharing_url"),
    ({"url": "https://docs.google.com/spreadsheets/d/x"}, r"source\.tabs\.Members\.url: not a "
                                                         r"setting with kind = \"microsoft365\""),
    ({"drive_id": DRIVE}, r"source\.tabs\.Members\.item_id: missing"),
    ({"item_id": PEOPLE}, r"source\.tabs\.Members\.drive_id: missing"),
    ({"sharing_url": "http://x"}, r"source\.tabs\.Members\.sharing_url: expected a link starting "
                                  r"https://"),
    ({"sharing_url": PEOPLE_LINK, "item_id": PEOPLE},
     r"source\.tabs\.Members\.sharing_url: give either sharing_url or drive_id and item_id"),
    ({"driveid": DRIVE}, r"source\.tabs\.Members\.driveid: not a setting.*did you mean "
                         r"'drive_id'"),
])
def test_tab_settings_of_a_microsoft365_board_are_checked(graph, tab, said):
    with pytest.raises(ConfigError, match=said):
        m365(graph, {"Members": tab})


def test_the_other_kinds_do_not_take_microsoft365_keys(tmp_path):
    path = write_workbook(tmp_path / "b.xlsx", every_rule_tables())
    with pytest.raises(ConfigError, match=r"source\.tabs\.Members\.item_id: not a setting with "
                                          r"kind = \"xlsx\""):
        local(path, {"Members": {"item_id": PEOPLE}})


def test_the_settings_read_are_those_written(graph):
    cfg = m365(graph, {"Members": ELSEWHERE["link"], "Actions": {"tab": "Log", "tabs": ["A"]}})
    members, actions = cfg.source.tabs["Members"], cfg.source.tabs["Actions"]
    assert (members.sharing_url, members.drive_id, members.item_id) == (PEOPLE_LINK, None, None)
    assert (actions.tab, actions.tabs, actions.sharing_url, actions.drive_id) == (
        "Log", ("A",), None, None)
