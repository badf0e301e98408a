"""The public "You said, we did" page (coprod publish, issue 31): made through the real CLI
from the sample board, it holds none of the sample's names, emails or amounts (every one of them
is looked for), escapes what the sheet says, leaves out a Source that names a person, has no
sideways scroll at 320 px in headless Chromium, and passes axe-core and the W3C Nu checker."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from playwright.sync_api import Browser

from automations.cli import cli
from tests.browser import axe_violations, browser  # noqa: F401 (a fixture)
from tests.nu_checker import assert_valid_html

TODAY = dt.date(2026, 12, 7)
PAGES = ("you-said-we-did.html", "you-said-we-did-easy-read.html")


def _publish(folder: Path, board: Path) -> list[str]:
    config = folder / "config.toml"
    config.write_text(f'[source]\nkind = "xlsx"\npath = "{board.name}"\n', encoding="utf-8")
    out = folder / "public"
    result = CliRunner().invoke(
        cli, ["publish", "--config", str(config), "--out", str(out), "--today", TODAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert [line.rsplit("/", 1)[-1] for line in result.output.splitlines()] == list(PAGES)
    return [(out / name).read_text(encoding="utf-8") for name in PAGES]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("publish")
    result = CliRunner().invoke(cli, ["init", str(folder), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    board = folder / "board.xlsx"
    return board, _publish(folder, board)


def _personal(board: Path) -> tuple[set[str], set[str], list[float]]:
    """Every name, email and amount of money in the workbook."""
    wb = load_workbook(board, read_only=True)
    members = list(wb["Members"].iter_rows(values_only=True))
    head = members[0]
    names = {r[head.index("Name")] for r in members[1:]}
    emails = {r[head.index("Email")] for r in members[1:]}
    rows = list(wb["Recognition"].iter_rows(values_only=True))
    names |= {r[rows[0].index("Person")] for r in rows[1:]}
    amounts = [r[rows[0].index("Amount")] for r in rows[1:] if r[rows[0].index("Amount")]]
    return {n for n in names if n}, {e for e in emails if e}, amounts


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_page_holds_no_name_email_or_amount(sample):
    board, pages = sample
    names, emails, amounts = _personal(board)
    assert len(names) > 15 and len(emails) > 15 and len(amounts) > 4
    member_names = {n for n in names if " " in n}
    for page in pages:
        assert "sessions finish too early for people who work" in _text(page).casefold()
        whole = html.unescape(page)  # the text, the attributes, the styles: all of it
        for word in [*names, *emails, *(n.split()[-1] for n in member_names)]:
            assert not re.search(rf"\b{re.escape(word)}\b", whole, re.IGNORECASE), word
        text = _text(page)
        assert "£" not in text and "@" not in text
        for amount in amounts:
            assert not re.search(rf"(?<![\d.]){amount:.2f}(?!\d)", text), amount
            assert not re.search(rf"£\s*{amount:g}\b", text), amount


def test_names_typed_into_the_sheet_are_left_out_and_text_is_escaped(tmp_path):
    from automations.starter.sample import build_sample

    board = build_sample(tmp_path / "board.xlsx", TODAY)
    wb = load_workbook(board)
    ws = wb["You said, we did"]
    head = [c.value for c in ws[1]]
    row = 2  # Y01, done and told back
    ws.cell(row, head.index("Source") + 1, "Grace Adebayo")  # a member: a person's name
    ws.cell(
        row,
        head.index("You said") + 1,
        '<script>alert("x")</script> said by Joan Whitaker, call 07700 900123',
    )
    ws.cell(row, head.index("We did") + 1, "Fixed; ask grace.adebayo@example.org & co")
    wb.save(board)
    for page in _publish(tmp_path, board):
        assert "<script>" not in page and "&lt;script&gt;" in page
        text = _text(page)
        for gone in ("Grace", "Adebayo", "Joan Whitaker", "07700", "grace.adebayo"):
            assert gone not in text
        assert text.count("(name left out)") >= 2
        assert "& co" in text  # escaped in the page, read back as typed


def test_no_sideways_scroll_at_320_px(sample, browser: Browser):  # noqa: F811
    _, pages = sample
    for page_html in pages:
        page = browser.new_page(viewport={"width": 320, "height": 640})
        try:
            page.set_content(page_html)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, width
            assert page.locator("h1").inner_text() == "You said, we did"
        finally:
            page.close()


def test_axe_finds_nothing_to_fix(sample, browser: Browser, tmp_path):  # noqa: F811
    _, pages = sample
    for name, page_html in zip(PAGES, pages, strict=True):
        path = tmp_path / name
        path.write_text(page_html, encoding="utf-8")
        page = browser.new_page()
        try:
            page.goto(path.as_uri())
            assert page.locator("main h2").count() >= 2
            assert axe_violations(page) == []
        finally:
            page.close()


def test_the_pages_pass_the_w3c_nu_checker(sample, tmp_path):
    _, pages = sample
    files = []
    for name, page_html in zip(PAGES, pages, strict=True):
        files.append(tmp_path / name)
        files[-1].write_text(page_html, encoding="utf-8")
    assert_valid_html(*files)


def test_an_out_folder_that_is_a_file_is_a_clear_message(sample, tmp_path):
    board, _ = sample
    blocker = tmp_path / "public"
    blocker.write_text("not a folder", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[source]\nkind = "xlsx"\npath = "{board}"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "publish",
            "--config",
            str(config),
            "--out",
            str(blocker / "inside"),
            "--today",
            TODAY.isoformat(),
        ],
    )
    assert result.exit_code == 2
    assert "could not write the public page" in result.output
    assert "Traceback" not in result.output
