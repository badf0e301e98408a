"""The README's commands and rule list cannot drift from the code and CI."""

import re
from pathlib import Path

from automations.cli import rules_markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def fenced_blocks() -> list[str]:
    return re.findall(r"```(?:bash)?\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_two_commands():
    before_sections = README.split("\n## ")[0]
    blocks = re.findall(r"```bash\n(.*?)```", before_sections, flags=re.S)
    assert len(blocks) == 2
    assert all(len(b.strip().splitlines()) == 1 for b in blocks)
    assert "coprod init demo" in blocks[0]
    assert "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command():
    test_command = re.findall(r"```bash\n(.*?)```", README, flags=re.S)[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_rule_list_is_generated_from_the_catalogue():
    listed = README.split("<!-- rules:begin -->")[1].split("<!-- rules:end -->")[0].strip()
    assert listed == rules_markdown(), "run: python -m tests.test_readme"


def write_rule_list() -> None:
    """Regenerate the README's rule list: python -m tests.test_readme"""
    begin, rest = README.split("<!-- rules:begin -->")
    _, end = rest.split("<!-- rules:end -->")
    text = f"{begin}<!-- rules:begin -->\n{rules_markdown()}\n<!-- rules:end -->{end}"
    (ROOT / "README.md").write_text(text)


def test_module_map_matches_the_tree():
    """Every module and folder of the package is in the README's map, and every file the map
    names exists."""
    table = README.split("<!-- modules:begin -->")[1].split("<!-- modules:end -->")[0]
    package = ROOT / "automations"
    for row in table.strip().splitlines()[2:]:
        first, names = row.split("|")[1:3]
        folder = first.strip().strip("`") if first.strip().endswith("/`") else ""
        for name in re.findall(r"`([\w/]+\.py)`", first + names):
            assert any((package / folder).rglob(name)), f"{folder}{name}"
    mentioned = set(re.findall(r"`([\w]+(?:/|\.py))`", table))
    present = {p.name + "/" for p in package.iterdir() if p.is_dir() and p.name != "__pycache__"}
    present |= {p.name for p in package.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert present <= mentioned, present - mentioned


if __name__ == "__main__":
    write_rule_list()
