"""The resident co-chair's easy-read pack says what needs a decision in easy words (short
sentences, one idea each), not in the checks' officer wording; the other co-chair and the
printable page keep the standard pack. The sample board, a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from html import unescape
from pathlib import Path

from openpyxl import load_workbook

from automations.digests import pack
from tests.digest_setup import parse, parts
from tests.smtp_server import FaultServer
from tests.test_pack import PACK_DAY, at, board, on

GRACE, DANIEL = "grace.adebayo@example.org", "daniel.okafor@example.org"
# The standard pack's words for each decision kind (the checks' messages and pack.py's lines).
STANDARD = (
    "Plan the vote at a meeting before then",  # co-chair term
    "Membership was last reviewed on",  # membership review
    "Among active members there are",  # balance
    "A reminder only.",  # a project stage duty still open
    "The Terms of Reference list it for every project",  # an earlier stage's duty not done
    "Ask whether they will stay on.",  # joining year up
    "Co-chair terms ending",
    "Balance of the membership",
)
EASY = {
    "Co-chairs whose time is ending": (
        "Grace Adebayo is the resident co-chair. Their time as co-chair ends on 22 April. "
        "The Board needs to vote. They can stay on, or someone new can take over."
    ),
    "Checking who is on the Board": (
        "Once a year the Board checks who its members are. We last did it on "
        "20 September 2023. The next check is by 20 September."
    ),
    "A fair mix of members": (
        "The Board has 5 residents. It has 3 carers or advocates. An advocate speaks up for "
        "someone. It has 6 members of staff. We want a fair mix. Think about who to ask to join."
    ),
    "Project jobs not done yet": (
        "Carers' breaks and respite: a job from an earlier step is not done yet. The job is: "
        '"Advertise the activity through self-advocacy and carer groups". Please check it.'
    ),
    "Members who joined a year ago": (
        "Priya Shah joined on 12 April 2023. Their first year ends on 12 April. "
        "Ask if they want to stay."
    ),
}


def set_cells(path: Path, tab: str, row: int, **values: object) -> None:
    book = load_workbook(path)
    sheet = book[tab]
    head = [c.value for c in sheet[1]]
    for column, value in values.items():
        sheet.cell(row=row, column=head.index(column.replace("_", " ")) + 1).value = value
    book.save(path)


def packs(tmp_path: Path, **member_cells: object) -> dict[str, tuple[str, str]]:
    with FaultServer() as server:
        cfg = board(tmp_path, server.port)
        set_cells(cfg.source.path, "Members", 2, Easy_read="Yes", **member_cells)  # Grace, M01
        pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY))
    out = {}
    for (_, rcpts), raw in zip(server.handler.received, server.handler.messages, strict=True):
        text, html = parts(parse(raw))
        out[rcpts[0]] = (text.replace("\r\n", "\n"), html)
    return out


def test_the_easy_read_pack_says_each_decision_in_easy_words(tmp_path: Path) -> None:
    got = packs(tmp_path)
    text, html = got[GRACE]
    decisions = text.split("THINGS TO DECIDE")[1].split("OTHER THINGS TO TALK ABOUT")[0]
    for topic, sentence in EASY.items():
        assert topic in decisions and f"* {sentence}" in decisions, topic
        assert topic in html and sentence in unescape(html), topic
    assert decisions.count("a job for this step is not done yet") == 8  # every open duty
    for words in STANDARD:
        assert words not in decisions and words not in unescape(html), words
    daniel = got[DANIEL][0]  # the other co-chair reads the standard pack
    assert all(words in daniel for words in STANDARD[:6])
    assert not any(topic in daniel for topic in EASY)
    page = (tmp_path / "outbox" / "pack-2024-04-03.html").read_text(encoding="utf-8")
    assert "Among active members there are" in page and "A fair mix of members" not in page


def test_a_term_that_has_ended_and_one_nobody_knows(tmp_path: Path) -> None:
    ended = packs(tmp_path / "ended", Term_start=dt.datetime(2023, 1, 10))[GRACE][0]
    assert ("Grace Adebayo is the resident co-chair. Their time as co-chair ended on "
            "10 January. The Board needs to vote.") in ended
    unknown = packs(tmp_path / "unknown", Term_start=None)[GRACE][0]
    assert ("Grace Adebayo is the resident co-chair. We do not know when their time ends. "
            "The officers need to add the date they started.") in unknown
