"""A schemas or templates folder the user running coprod cannot read is named, with why and the
setting to change, and exit status 2: never "unexpected error (PermissionError)" (issue 27).
Run as the unprivileged user `nobody` (tests/test_bad_input.py), for whom mode 000 means what
it says."""

from __future__ import annotations

import shutil
from pathlib import Path

from automations.core.paths import data_path
from tests.test_bad_input import _owned_by_nobody, as_unprivileged, assert_clear, board, shared

__all__ = ["shared"]  # the fixture, used by name below


def _closed_copy(folder: Path, name: str) -> Path:
    """A copy of a shipped folder that nobody but root may open (mode 000)."""
    copy = folder / "closed" / name
    shutil.copytree(data_path(name), copy)
    copy.chmod(0o000)
    return copy


def _with_paths(folder: Path, schema: str, templates: str) -> None:
    config = folder / "config.toml"
    paths = f'[paths]\nschema_dir = "{schema}"\ntemplates_dir = "{templates}"\n'
    config.write_text(config.read_text() + "\n" + paths)


def _readable_copy(folder: Path, name: str) -> str:
    copy = folder / "open" / name
    shutil.copytree(data_path(name), copy)
    for path in [copy.parent, copy, *copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return f"open/{name}"


def test_an_unreadable_schema_folder_is_named(shared: Path) -> None:
    board(shared)
    _owned_by_nobody(shared)
    closed = _closed_copy(shared, "sheets_schema")
    _with_paths(shared, "closed/sheets_schema", _readable_copy(shared, "templates"))
    try:
        outcome = as_unprivileged(shared, "validate")
    finally:
        closed.chmod(0o755)
    assert_clear(outcome, 2, f"[paths] schema_dir: the folder {closed} cannot be read")
    assert "permission denied" in outcome.output


def test_an_unreadable_templates_folder_is_named(shared: Path) -> None:
    board(shared)
    _owned_by_nobody(shared)
    closed = _closed_copy(shared, "templates")
    _with_paths(shared, _readable_copy(shared, "sheets_schema"), "closed/templates")
    out = shared / "preview"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    try:
        outcome = as_unprivileged(shared, "digest", "--preview", str(out))
    finally:
        closed.chmod(0o755)
    assert_clear(outcome, 2, f"[paths] templates_dir: the folder {closed} cannot be read")
