"""Settings files parsed once while unchanged (core/filecache.py): kept in the process and in
the user's cache folder, read again as soon as an officer edits them, and never trusted when
the cache is damaged, shared or someone else's."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from automations.core import filecache
from automations.core.filecache import cache_folder, parsed

A_WHILE_AGO = time.time_ns() - 3_600 * 10**9  # an hour: files as an officer left them


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path) -> dict:
        self.calls += 1
        return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("COPROD_CACHE_DIR", str(folder))
    filecache.forget()
    yield folder
    filecache.forget()


def settled(path: Path, text: str, when: int = A_WHILE_AGO) -> Path:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(when, when))
    return path


def new_process() -> None:
    """What a fresh `coprod` process starts with: nothing kept in memory, the disk as it is."""
    filecache.forget()


def test_an_unchanged_file_is_parsed_once_and_each_caller_gets_its_own_copy(cache: Path) -> None:
    path = settled(cache.parent / "actions.toml", '[tab]\nname = "Actions"\naliases = ["Log"]\n')
    parse = Counting()
    first = parsed(path, parse)
    first["tab"]["aliases"].append("changed by a caller")
    second = parsed(path, parse)
    assert parse.calls == 1
    assert second == {"tab": {"name": "Actions", "aliases": ["Log"]}}


def test_the_next_process_reads_the_disk_copy(cache: Path) -> None:
    path = settled(cache.parent / "actions.toml", '[tab]\nname = "Actions"\n')
    parse = Counting()
    parsed(path, parse)
    new_process()
    assert parsed(path, parse) == {"tab": {"name": "Actions"}}
    assert parse.calls == 1
    assert cache.stat().st_mode & 0o777 == 0o700


def test_an_edit_is_read_at_once_even_with_the_same_size_and_time(cache: Path) -> None:
    path = settled(cache.parent / "actions.toml", '[tab]\nname = "Actions"\n')
    parse = Counting()
    parsed(path, parse)
    settled(path, '[tab]\nname = "Tasks!!"\n', A_WHILE_AGO + 1)  # same size, a later time
    assert parsed(path, parse)["tab"]["name"] == "Tasks!!"
    settled(path, '[tab]\nname = "Jobs"\n')  # the same time to the nanosecond, another size
    new_process()
    assert parsed(path, parse)["tab"]["name"] == "Jobs"
    assert parse.calls == 3


def test_a_file_changed_just_now_is_always_parsed(cache: Path) -> None:
    """Two edits of the same size within one tick of the file system's clock share a time."""
    path = cache.parent / "actions.toml"
    path.write_text('[tab]\nname = "Actions"\n', encoding="utf-8")
    parse = Counting()
    parsed(path, parse)
    stamp = path.stat().st_mtime_ns
    path.write_text('[tab]\nname = "Tasks!"\n', encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert parsed(path, parse)["tab"]["name"] == "Tasks!"
    assert parse.calls == 2 and not list(cache.glob("*actions*"))


def test_a_damaged_or_foreign_entry_is_not_used(cache: Path) -> None:
    path = settled(cache.parent / "actions.toml", '[tab]\nname = "Actions"\n')
    parse = Counting()
    parsed(path, parse)
    [entry] = cache.iterdir()
    for damage in (b"", b"\x00garbage", entry.read_bytes()[:-5]):
        entry.write_bytes(damage)
        new_process()
        assert parsed(path, parse) == {"tab": {"name": "Actions"}}
    (cache.parent / "elsewhere").mkdir()
    other = settled(cache.parent / "elsewhere" / "actions.toml", '[tab]\nname = "Other"\n')
    new_process()
    assert parsed(other, parse) == {"tab": {"name": "Other"}}  # same file name, another path
    assert parse.calls == 5


def test_a_cache_folder_others_may_write_is_not_used(cache: Path) -> None:
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)
    path = settled(cache.parent / "actions.toml", '[tab]\nname = "Actions"\n')
    parse = Counting()
    parsed(path, parse)
    new_process()
    parsed(path, parse)
    assert cache_folder() is None and list(cache.iterdir()) == [] and parse.calls == 2


def test_no_cache_folder_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPROD_CACHE_DIR", "")
    filecache.forget()
    path = settled(tmp_path / "actions.toml", '[tab]\nname = "Actions"\n')
    parse = Counting()
    parsed(path, parse)
    new_process()
    assert parsed(path, parse) == {"tab": {"name": "Actions"}} and parse.calls == 2
    filecache.forget()


def test_a_cache_folder_that_cannot_be_made_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("COPROD_CACHE_DIR", str(blocker / "cache"))
    filecache.forget()
    path = settled(tmp_path / "actions.toml", '[tab]\nname = "Actions"\n')
    assert parsed(path, Counting()) == {"tab": {"name": "Actions"}}
    assert cache_folder() is None
    filecache.forget()


def test_a_value_marshal_cannot_copy_is_parsed_every_time(cache: Path) -> None:
    path = settled(cache.parent / "config.toml", "today = 2024-03-01\n")
    parse = Counting()
    assert parsed(path, parse) == parsed(path, parse) == {"today": dt.date(2024, 3, 1)}
    assert parse.calls == 2


def test_a_missing_file_gets_the_callers_own_message(cache: Path) -> None:
    def parse(path: Path) -> dict:
        raise LookupError(f"no schema file at {path}")

    with pytest.raises(LookupError, match=r"gone\.toml"):
        parsed(cache.parent / "gone.toml", parse)


def test_a_config_edit_shows_in_the_next_check(tmp_path: Path) -> None:
    """End to end: `coprod validate` twice, an officer switching a rule off in between."""
    from automations.starter.folder import init_directory

    init_directory(tmp_path / "board", force=False, today=dt.date(2026, 3, 2))
    config = settled(tmp_path / "board" / "config.toml",
                     (tmp_path / "board" / "config.toml").read_text(encoding="utf-8"))
    env = {**os.environ, "COPROD_CACHE_DIR": str(tmp_path / "cache")}

    def check() -> str:
        return subprocess.run(
            [sys.executable, "-m", "automations", "validate", "--config", str(config)],
            capture_output=True, text=True, timeout=120, env=env, check=False,
        ).stdout

    assert "tor.actions.overdue" in check()
    assert list((tmp_path / "cache").iterdir())  # the check kept what it parsed
    text = config.read_text(encoding="utf-8").replace(
        "[rules]\n", '[rules]\n"tor.actions.overdue" = "off"\n', 1
    )
    settled(config, text, A_WHILE_AGO + 10**9)
    assert "tor.actions.overdue" not in check()
