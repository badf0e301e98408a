"""`coprod adopt` learns the co-production record's tabs (issue 31) from the schemas alone: a
workbook whose tabs are called "T&F groups", "Engagement log", "YSWD" and "Payments & thanks",
with headers and status words of its own, is mapped, and the config it writes reads it."""

from __future__ import annotations

import json
import re

from automations.model.schema import load_schemas
from tests.builders import tables, write_workbook
from tests.test_adopt import renamed, run

NAMES = {
    "subgroups": "T&F groups",
    "engagement": "Engagement log",
    "you_said_we_did": "YSWD",
    "recognition": "Payments & thanks",
}


def test_adopt_maps_the_four_tabs_under_their_own_names(tmp_path):
    data = tables()
    renamed(data, "subgroups", {"Last reported": "Last update to the Board"})
    renamed(data, "engagement", {"Method": "Engagement type", "What we heard": "Session notes"})
    renamed(data, "you_said_we_did", {"Told back on": "Date fed back"})
    renamed(data, "recognition", {"Person": "Name of person", "Kind": "Type of thanks"})
    data["you_said_we_did"][0]["Status"] = "Actioned"  # the office's own word for Done
    workbook = write_workbook(tmp_path / "tracker.xlsx", data, tab_names=NAMES)
    out = tmp_path / "adopted"
    status, said = run("adopt", str(workbook), "--out", str(out))
    assert status == 0, said
    for schema_name, tab in (
        ("Sub-groups", "T&F groups"),
        ("Engagement", "Engagement log"),
        ("You said, we did", "YSWD"),
        ("Recognition", "Payments & thanks"),
    ):
        assert f"{schema_name}: the tab {tab!r} (found by its name)" in said
    for tab, header, column in (
        ("T&F groups", "Last update to the Board", "Last reported"),
        ("Engagement log", "Engagement type", "Method"),
        ("YSWD", "Date fed back", "Told back on"),
        ("Payments & thanks", "Name of person", "Person"),
        ("Payments & thanks", "Type of thanks", "Kind"),
    ):
        assert re.search(rf"{re.escape(tab)}\s+{re.escape(repr(header))}\s+-> {column}\s", said)
    # The office's own word is not given a meaning from its spelling (issue 26): it is listed
    # for the officer to choose.
    assert "Status: 'Actioned' (1 row) has no known meaning" in said
    assert "'Actioned' = " not in said
    assert "left out: 'Session notes'" in said  # an optional column it does not know: said

    schemas = load_schemas(out / "schema")
    assert "Engagement type" in schemas["engagement"].column("method").aliases
    status, output = run(
        "validate",
        "--config",
        str(out / "config.toml"),
        "--format",
        "json",
        "--today",
        "2024-03-01",
    )
    assert status == 1, output  # the one error: a word only the officer can give a meaning
    findings = json.loads(output)["findings"]
    # The clean board, read through the adopted mapping: only the word left to the officer.
    assert [(f["sheet"], f["cell"], f["value"]) for f in findings] == [("YSWD", "H2", "Actioned")]
