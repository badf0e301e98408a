"""model/mapping.py on its own: which header goes to which column, decided by name AND values."""

from __future__ import annotations

import datetime as dt

from automations.core.paths import data_path
from automations.model.mapping import (
    Context,
    cell_kind,
    internal_confidential,
    load_meanings,
    map_tab,
    member_keys,
    profile,
)
from automations.model.schema import load_schemas

SCHEMAS = load_schemas(data_path("sheets_schema"))
D = dt.date(2026, 1, 14)


def decide(tab: str, columns: dict[str, list[object]], members: set[str] | None = None):
    ctx = Context(
        members=members or set(),
        meanings=load_meanings(data_path("sheets_schema") / "common_values.toml"),
    )
    profiles = [profile(values) for values in columns.values()]
    decisions = map_tab(SCHEMAS[tab], list(columns), profiles, ctx)
    internal_confidential(SCHEMAS[tab], decisions, profiles)
    return {d.header: (d.column.name if d.column else None, d.why_not) for d in decisions}


def test_what_a_cell_holds() -> None:
    kinds = [
        cell_kind(v)
        for v in (
            True,
            "TRUE",
            "✓",
            "y",
            D,
            "14/01/2026",
            "w/c 12 Jan",
            "TBC",
            3,
            "2.5",
            "ann@example.org",
            "https://x.org",
            "Civic Centre",
        )
    ]
    assert kinds == [
        "yesno",
        "yesno",
        "yesno",
        "yesno",
        "date",
        "date",
        "datetext",
        "datetext",
        "number",
        "number",
        "email",
        "link",
        "text",
    ]


def test_member_type_holding_categories_is_the_category_even_without_a_name_header() -> None:
    got = decide("members", {"Member type": ["Resident", "Carer", "Council officer", "Resident"]})
    assert got["Member type"][0] == "Category"


def test_letters_alone_are_not_a_name() -> None:
    got = decide("actions", {"Created": [D, D], "Location": ["Civic Centre", "Town hall"]})
    assert got["Created"] == (None, "'Created' is not a column the Board's checks use")
    got = decide("meetings", {"Location": ["Civic Centre", "Town hall"]})
    assert got["Location"][0] is None


def test_part_of_a_name_is_not_that_column() -> None:
    got = decide("meetings", {"Chair": ["Jon Tomlinson"]}, members={"jontomlinson"})
    assert got["Chair"] == (None, "'Chair' is only part of 'Deputy chair': not used as Deputy")


def test_the_other_end_of_a_span_is_not_its_start() -> None:
    got = decide("members", {"Co-chair term ends": [D]})
    assert got["Co-chair term ends"][0] is None
    assert "says an end, Term start is about a start" in got["Co-chair term ends"][1]


def test_values_of_another_kind_keep_an_alias_out() -> None:
    got = decide("meetings", {"Minutes": ["https://docs.google.com/d/1", "https://x.org/2"]})
    assert got["Minutes"][0] is None and "holds links" in got["Minutes"][1]
    got = decide("members", {"Co-chair": [True, False, False]})
    assert got["Co-chair"][1] == (
        "'Co-chair' holds yes/no values (TRUE, FALSE), not dates: not used as Term start"
    )


def test_its_own_name_is_used_with_values_it_does_not_know() -> None:
    got = decide("actions", {"Status": ["Parked", "Parked", "Open"]})
    assert got["Status"][0] == "Status"  # the unknown word becomes a question for the officer


def test_an_empty_column_needs_a_clear_name() -> None:
    got = decide("actions", {"Due": [None, None], "Ownr": [None]})
    assert got["Due"][0] == "Due" and got["Ownr"][0] is None
    assert got["Ownr"][1].startswith("'Ownr' is empty and only close to 'Owner': not used")


def test_owners_are_matched_to_members_by_name_initials_and_lists() -> None:
    members = member_keys(["Jon Tomlinson (Co-Chair)", "Amina Dar"], ["M01"])
    assert {"jontomlinson", "jt", "aminadar", "ad", "m01"} <= members
    got = decide("actions", {"Who": ["JT", "JT/AD", "JT & AD", "All", "M01"]}, members)
    assert got["Who"][0] == "Owner"
    got = decide("actions", {"Who": ["https://x.org", "12"]}, members)
    assert got["Who"][0] is None


def test_an_internal_column_is_never_shown_and_marks_confidential_only_when_yes_no() -> None:
    got = decide("actions", {"Notes (do not circulate)": ["Chair unhappy", "See email"]})
    assert got["Notes (do not circulate)"][0] is None  # not Update: a digest shows Update
    assert "not for circulation: never shown in a digest" in got["Notes (do not circulate)"][1]
    got = decide("actions", {"Internal only?": ["Y", "N", "N"]})
    assert got["Internal only?"][0] == "Confidential"
    got = decide("actions", {"Restricted": ["Yes", "No"], "Confidential": ["No", "No"]})
    assert got["Confidential"][0] == "Confidential" and got["Restricted"][0] is None


def test_exact_names_come_first() -> None:
    got = decide("actions", {"Action": ["Book a room", "Write to"], "Action ID": ["A1", "A2"]})
    assert got == {"Action": ("Action", ""), "Action ID": ("Action ID", "")}
