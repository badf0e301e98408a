"""Where the data shipped with the package lives (schemas, templates, the example config)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # automations/


def data_path(name: str) -> Path:
    """The repository copy when running from a checkout, else the copy inside the wheel."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_data" / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"cannot find {name!r} next to the package or inside it")
