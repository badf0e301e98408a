"""A schema or checks file is parsed once per process while unchanged, and again as soon as an
officer edits it (the service reads them on every pass)."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest

from automations.core.filecache import parsed


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path) -> dict:
        self.calls += 1
        return tomllib.loads(path.read_text(encoding="utf-8"))


def test_an_unchanged_file_is_parsed_once_and_each_caller_gets_its_own_copy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "actions.toml"
    path.write_text('[tab]\nname = "Actions"\naliases = ["Action log"]\n', encoding="utf-8")
    parse = Counting()
    first = parsed(path, parse)
    first["tab"]["aliases"].append("changed by a caller")
    second = parsed(path, parse)
    assert parse.calls == 1
    assert second == {"tab": {"name": "Actions", "aliases": ["Action log"]}}


def test_an_edit_is_read_on_the_next_call(tmp_path: Path) -> None:
    path = tmp_path / "actions.toml"
    path.write_text('[tab]\nname = "Actions"\n', encoding="utf-8")
    parse = Counting()
    parsed(path, parse)
    stamp = path.stat().st_mtime_ns
    path.write_text('[tab]\nname = "Tasks"\n', encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))  # the same time to the nanosecond: the size still differs
    assert parsed(path, parse)["tab"]["name"] == "Tasks"
    path.write_text('[tab]\nname = "Jobs!"\n', encoding="utf-8")  # the same size, a later time
    os.utime(path, ns=(stamp + 1, stamp + 1))
    assert parsed(path, parse)["tab"]["name"] == "Jobs!"
    assert parse.calls == 3


def test_a_value_marshal_cannot_copy_is_parsed_every_time(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("today = 2024-03-01\n", encoding="utf-8")
    parse = Counting()
    assert parsed(path, parse) == parsed(path, parse) == {"today": dt.date(2024, 3, 1)}
    assert parse.calls == 2


def test_a_missing_file_gets_the_callers_own_message(tmp_path: Path) -> None:
    def parse(path: Path) -> dict:
        raise LookupError(f"no schema file at {path}")

    with pytest.raises(LookupError, match=r"gone\.toml"):
        parsed(tmp_path / "gone.toml", parse)
