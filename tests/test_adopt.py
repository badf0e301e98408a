"""`coprod adopt`: three trackers shaped differently (renamed headers, their own status words,
extra columns), each surveyed through the real CLI, then validated with what adopt wrote:
nothing about the workbook's shape that adopt did not announce. (The messy trackers of issue 26
are in tests/corpus/ and tests/test_adopt_evidence.py.)"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from automations.cli import cli
from automations.model.schema import load_schemas
from tests.builders import Tables, tables
from tests.shaped import TITLE, Shape, write_shaped

SHAPE_RULES = {"schema.missing_tab", "schema.missing_column", "schema.enum", "schema.type",
               "schema.required"}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def mapped_line(said: str, header: str, column: str) -> str | None:
    """The line of adopt's mapping table that maps ``header`` to ``column``, if any."""
    pattern = re.compile(rf"{re.escape(repr(header))}\s+-> {re.escape(column)}\s")
    return next((line for line in said.splitlines() if pattern.search(line + " ")), None)


def renamed(data: Tables, tab: str, names: dict[str, str]) -> Tables:
    data[tab] = [{names.get(k, k): v for k, v in row.items()} for row in data[tab]]
    return data


def council_action_log(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The issue's tracker: a title, a 'last updated' line, headers on row 3 in an Excel table,
    headers close to the schema's but not aliases, and no Projects tab."""
    data = renamed(tables(), "actions", {"Action ID": "Action Ref.", "Due": "Target date",
                                         "Update": "Progress / comments",
                                         "Owner": "Lead officer / owner"})
    del data["projects"]
    for row in data["actions"]:
        row["Project ID"] = None
    path = write_shaped(tmp_path / "Action log.xlsx", data, Shape(title=TITLE, excel_table=True),
                        tab_names={"actions": "Action Log 2024"})
    return path, {"guessed": {"Action Ref.": "Action ID", "Progress / comments": "Update",
                              "Lead officer / owner": "Owner"},
                  "missing_tab": {"Projects"}}


def own_status_words(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """Status words of the office's own, a blank column A and a hints row."""
    data = tables()
    words = ["WIP", "Finished", "Parked"]
    for row, word in zip(data["actions"], words, strict=True):
        row["Status"] = word
    data["actions"][0]["Completed on"] = None
    hints = {"Raised": "e.g. 01/02/2026", "Status": "Choose one"}
    path = write_shaped(tmp_path / "tracker.xlsx", data, Shape(blank_columns=1, hints=hints))
    return path, {"values": {"WIP": "In progress", "Finished": "Done", "Parked": None}}


def extra_columns(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A RAG column (read since issue 26) and a column the service does not know, members'
    headers of their own, a required column missing, and tabs under names of their own."""
    data = renamed(tables(), "members", {"Email": "Contact email", "Agreed ToR": "ToR signed"})
    for row in data["members"]:
        row.pop("Seat")
        row["Notes 2"] = "x"
    for row in data["actions"]:
        row["RAG"] = "Green"
    path = write_shaped(tmp_path / "board 2024.xlsx", data,
                        Shape(title=(TITLE[0], ()), merge_title=True, freeze=True),
                        tab_names={"members": "People", "actions": "Actions"})
    # Seat, which no row must fill, is listed as information (schema.optional_columns,
    # issue 26), not as a missing column.
    return path, {"ignored": {"Notes 2"}, "missing": set(),
                  "guessed": {"Contact email": "Email", "ToR signed": "Agreed ToR"},
                  "exact": {"RAG": "RAG"}}


TRACKERS = {"council action log": council_action_log, "own status words": own_status_words,
            "extra columns": extra_columns}


@pytest.mark.parametrize("build", TRACKERS.values(), ids=TRACKERS.keys())
def test_adopt_then_validate_finds_nothing_unexpected_about_the_shape(tmp_path, build):
    workbook, want = build(tmp_path)
    before = workbook.read_bytes()
    out = tmp_path / "adopted"
    status, said = run("adopt", str(workbook), "--out", str(out))
    assert status == 0, said
    assert workbook.read_bytes() == before  # only read
    for header, column in want.get("guessed", {}).items():
        line = mapped_line(said, header, column)
        assert line and "its name" not in line and line.endswith(("medium", "low")), header
    for header, column in want.get("exact", {}).items():
        assert (mapped_line(said, header, column) or "").endswith("high"), header
    left_out = [line for line in said.splitlines() if line.startswith("  left out: ")]
    for header in want.get("ignored", ()):
        assert any(repr(header) in line for line in left_out), header
    for typed, value in want.get("values", {}).items():
        if value:
            assert f"Status: {typed!r} (1 row) read as {value!r}: trackers commonly write" in said
        else:
            assert f"Status: {typed!r} (1 row) has no known meaning" in said
    assert "No finding about the workbook's shape other than those listed above." in said

    status, output = run("validate", "--config", str(out / "config.toml"), "--format", "json",
                         "--today", "2024-03-01")
    assert status in (0, 1), output
    shape = {(f["rule"], f["column"]) for f in json.loads(output)["findings"]
             if f["rule"] in SHAPE_RULES}
    allowed = {("schema.missing_column", c) for c in want.get("missing", ())}
    allowed |= {("schema.missing_tab", None) for _ in want.get("missing_tab", ())}
    allowed |= {("schema.enum", "Status") for v in want.get("values", {}).values() if v is None}
    assert shape == allowed


def test_what_adopt_writes_is_a_config_and_an_editable_schema(tmp_path):
    workbook, _ = council_action_log(tmp_path)
    out = tmp_path / "adopted"
    assert run("adopt", str(workbook), "--out", str(out))[0] == 0
    config = tomllib.loads((out / "config.toml").read_text(encoding="utf-8"))
    assert config["source"] == {"kind": "xlsx", "path": str(workbook.resolve()),
                                "tabs": {"Actions": {"tab": "Action Log 2024"}}}
    assert config["paths"] == {"schema_dir": "schema"}
    schemas = load_schemas(out / "schema")
    assert "Target date" in schemas["actions"].column("due").aliases
    assert "Progress / comments" in schemas["actions"].column("update").aliases
    text = (out / "schema" / "actions.toml").read_text(encoding="utf-8")
    assert text.count("# added by coprod adopt: check it") == 3
    assert "# The Actions tab" in text  # the officers' comments are kept
    # adopt never writes over what is there.
    status, said = run("adopt", str(workbook), "--out", str(out))
    assert status == 2 and "already exists" in said


def test_a_workbook_it_cannot_map_names_the_tab(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Members"
    for row in (["M01", "Ada", "ada@example.org"], ["M02", "Ben", "ben@example.org"]):
        ws.append(row)  # a list with no headings at all
    wb.create_sheet("Actions").append(["Action ID", "Raised", "Action", "Owner", "Status"])
    path = tmp_path / "no headers.xlsx"
    wb.save(path)
    status, said = run("adopt", str(path), "--out", str(tmp_path / "out"))
    assert status == 2
    assert "could not map the 'Members' tab" in said and "no header row was found" in said
    assert not (tmp_path / "out" / "config.toml").exists()


def test_a_header_row_it_finds_only_by_guessing_is_written_as_a_setting(tmp_path):
    data = renamed(tables(), "meetings", {"Date": "When", "Minute-taker": "Notes by",
                                          "Deputy": "Stand-in"})
    path = write_shaped(tmp_path / "t.xlsx", data, Shape(title=TITLE))
    out = tmp_path / "adopted"
    status, said = run("adopt", str(path), "--out", str(out))
    assert status == 0, said
    config = tomllib.loads((out / "config.toml").read_text(encoding="utf-8"))
    # Every tab's header is on row 3 and found there by the check itself with the aliases.
    assert "tabs" not in config["source"]
    assert run("validate", "--config", str(out / "config.toml"), "--today", "2024-03-01")[0] in (
        0, 1)


def test_a_workbook_without_a_members_list_says_which_tabs_it_found(tmp_path):
    data = tables()
    del data["members"]
    path = write_shaped(tmp_path / "log.xlsx", data, Shape())
    status, said = run("adopt", str(path), "--out", str(tmp_path / "out"))
    assert status == 2
    assert "adopt found no tab for Members in log.xlsx" in said
    assert "'Projects', 'Actions', 'Meetings'" in said
