"""The package's shape: every module imports on its own, and imports only flow downward."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "automations"

# The layer order, lowest first, written once. A module may import from a lower layer or from
# its own group; groups that share a layer (rules and backends; pipeline and text_report) may
# not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("model",),
    ("rules", "backends"),
    ("pipeline", "text_report"),
    ("mail",),
    ("inbox",),
    ("charts",),
    ("record",),
    ("digests",),
    ("app",),
    ("service",),
    ("settings",),
    ("starter",),
    ("exits",),
    ("cli",),
    ("launch",),
    ("__main__",),
]
RANK = {group: rank for rank, groups in enumerate(LAYERS) for group in groups}


def modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def group(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None  # None: the package itself


def imports_of(module: str) -> set[str]:
    """Every automations module ``module`` imports, at the top, in functions or for types."""
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("automations")}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{module}: use absolute imports (from automations...)")
            if node.module == "automations":
                found |= {f"automations.{a.name}" for a in node.names}
            elif node.module.startswith("automations."):
                found.add(node.module)
    return found


def test_the_layer_table_names_every_top_level_module_and_folder() -> None:
    groups = {group(m) for m in modules()} - {None}
    assert groups == set(RANK), "add the new module or folder to LAYERS (or remove a stale one)"


def test_no_import_from_a_higher_layer_or_a_sibling_group() -> None:
    wrong = []
    for module in modules():
        mine = group(module)
        for target in imports_of(module):
            theirs = group(target)
            if mine is None or theirs is None or theirs == mine:
                continue
            if RANK[theirs] >= RANK[mine]:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


@pytest.mark.parametrize("module", modules())
def test_every_module_imports_on_its_own(module: str) -> None:
    """A fresh interpreter each: an import circle fails here even when the suite's own import
    order happens to hide it."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
