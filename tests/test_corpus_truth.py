"""The corpus of messy trackers (tests/corpus/) and its ground truth agree with each other: every
tab of each workbook is accounted for, every column the truth maps has a header where the truth
says, every planted problem and every row that is not a record points at a filled row, and the
rules and board columns named exist."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from automations.core.paths import data_path
from automations.model.schema import load_schemas
from automations.rules import catalogue
from tests.corpus import TRACKERS, build, truth

READING_RULES = {
    "schema.duplicate_column",
    "schema.email",
    "schema.enum",
    "schema.missing_column",
    "schema.missing_tab",
    "schema.name",
    "schema.required",
    "schema.type",
}
SCHEMAS = load_schemas(data_path("sheets_schema"))
BOARD_COLUMNS = {s.name: {c.name: c for c in s.columns} for s in SCHEMAS.values()}
BOARD_COLUMNS["Actions"] |= {"RAG": None, "Done": None}  # added by issue 26 (optional)


def filled(ws: object, row: int) -> bool:
    return any(c.value not in (None, "") for c in ws[row])  # type: ignore[index]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus")
    return {name: build(name, folder) for name in TRACKERS}


def test_there_are_six_trackers_with_planted_problems() -> None:
    assert len(TRACKERS) >= 6
    for name in TRACKERS:
        t = truth(name)
        assert t["planted"], name
        assert isinstance(t["today"], dt.date) and isinstance(t["meeting"], dt.date), name
        assert t["meeting"] < t["today"], name


@pytest.mark.parametrize("name", TRACKERS)
def test_every_tab_is_in_the_truth(name: str, built: dict[str, Path]) -> None:
    wb = load_workbook(built[name])
    assert sorted(s["name"] for s in truth(name)["sheet"]) == sorted(wb.sheetnames)


@pytest.mark.parametrize("name", TRACKERS)
def test_mapped_columns_have_headers_where_the_truth_says(
    name: str, built: dict[str, Path]
) -> None:
    wb = load_workbook(built[name])
    for sheet in truth(name)["sheet"]:
        if not sheet["table"]:
            assert not sheet["columns"], sheet["name"]
            continue
        assert sheet["table"] in BOARD_COLUMNS, sheet["table"]
        ws = wb[sheet["name"]]
        header = [c.value for c in ws[sheet["header_row"]]]
        filled_headers = {i for i, v in enumerate(header, start=1) if v not in (None, "")}
        letters = {column_index_from_string(k) for k in sheet["columns"]}
        assert letters == filled_headers, f"{name} {sheet['name']}: every header, once"
        for column in sheet["columns"].values():
            assert column == "" or column in BOARD_COLUMNS[sheet["table"]], column
        mapped = [c for c in sheet["columns"].values() if c]
        assert len(mapped) == len(set(mapped)), f"{sheet['name']}: a column mapped twice"


@pytest.mark.parametrize("name", TRACKERS)
def test_planted_and_not_records_point_at_filled_rows(name: str, built: dict[str, Path]) -> None:
    wb = load_workbook(built[name])
    t = truth(name)
    sheets = {s["name"]: s for s in t["sheet"]}
    rules = {r.id for r in catalogue()} | READING_RULES
    for p in [*t["planted"], *t.get("expected", [])]:
        assert p["rule"] in rules, p
        sheet = sheets[p["sheet"]]
        assert sheet["table"], p
        if "row" in p:
            assert p["row"] > sheet["header_row"] and filled(wb[p["sheet"]], p["row"]), p
            assert p["row"] not in sheet["not_records"], p
        if "column" in p:
            assert p["column"] in BOARD_COLUMNS[sheet["table"]], p
        assert p["why"], p
    for sheet in t["sheet"]:
        for row in sheet["not_records"]:
            assert row > sheet["header_row"] and filled(wb[sheet["name"]], row), (sheet, row)


@pytest.mark.parametrize("name", TRACKERS)
def test_value_meanings_are_allowed_values(name: str) -> None:
    t = truth(name)
    for header, meanings in t.get("values", {}).items():
        columns = [c for cols in BOARD_COLUMNS.values() for n, c in cols.items() if n == header]
        assert columns, header
        for meant in meanings.values():
            assert meant == "" or meant in columns[0].values, (header, meant)
