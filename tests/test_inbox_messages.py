"""Real replies (tests/data/replies/, as Gmail, Outlook, Apple Mail and older clients write
them) read into proposals against a real workbook: the words without the quoted reminder or the
signature, a date read for "more time", automatic mail ignored, and every failing check named."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import pytest

from automations.inbox import tokens
from automations.inbox.dates import read_date
from automations.inbox.message import parse_message
from automations.inbox.propose import IGNORED, UNMATCHED, WAITING, Proposal, propose
from automations.inbox.settings import update_settings
from automations.model.board import Board
from automations.pipeline import validate
from tests.builders import write_workbook
from tests.digest_setup import LONDON, make_config
from tests.test_reminders import WED, board_tables

REPLIES = Path(__file__).parent / "data" / "replies"
KEY = secrets.token_urlsafe(32)
RING = tokens.parse_keys(KEY, "test")
UPDATES = {
    "address": "board-updates@example.org",
    "board": "Test Board",
    "officers": ["officer@example.org"],
    "trusted_auth_host": "mx.example.org",
}
NOW = dt.datetime.combine(WED, dt.time(12), tzinfo=LONDON)
CARA = "m03@example.org"  # A1's owner (Member M03)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Board, Any]:
    folder = tmp_path_factory.mktemp("board")
    book = write_workbook(folder / "board.xlsx", board_tables())
    cfg = make_config(folder, book, WED, updates=UPDATES)
    return validate(cfg, WED).board, update_settings(cfg)


def token(kind: str, action: str = "A1", owner: str = CARA, day: dt.date = WED) -> str:
    return tokens.make_token(RING, "Test Board", action, owner, kind, day)


def fixture(name: str, kind: str, sender: str = CARA, **changes: str) -> bytes:
    text = (REPLIES / name).read_bytes()
    text = text.replace(b"@@TOKEN@@", token(kind).encode()).replace(b"@@FROM@@", sender.encode())
    for old, new in changes.items():
        text = text.replace(old.encode(), new.encode())
    return text


def answer(setup: tuple[Board, Any], raw: bytes, now: dt.datetime = NOW) -> Proposal:
    board, s = setup
    return propose(parse_message(raw, s.trusted_auth_host), board, s, RING, now)


def test_gmail_more_time_reads_the_date_and_drops_quote_and_signature(setup) -> None:
    p = answer(setup, fixture("gmail.eml", "more_time"))
    assert (p.state, p.action_id, p.kind) == (WAITING, "A1", "more_time")
    assert p.due == dt.date(2025, 1, 20)  # "20 January" after Wednesday 6 March 2024
    assert "venue only confirmed" in p.words
    for gone in ("Carers Forum", "wrote:", "Dear Cara", "ref 1"):
        assert gone not in p.words
    assert p.note.startswith("Needs more time: I need more time.")
    assert p.seen["due"] == "2024-03-11" and p.seen["status"] == "Open"


def test_outlook_desktop_done_sets_status_and_completed(setup) -> None:
    p = answer(setup, fixture("outlook_desktop.eml", "done"))
    assert (p.state, p.status, p.completed_on, p.last_update) == (WAITING, "Done", WED, WED)
    assert "Survey questions sent" in p.words
    assert "Sent:" not in p.words and "Dear Cara" not in p.words


def test_outlook_web_html_only_with_the_token_only_in_the_subject(setup) -> None:
    p = answer(setup, fixture("outlook_web.eml", "started"))
    assert (p.state, p.kind, p.status) == (WAITING, "started", "In progress")
    assert "Two of the five providers have answered – I’ll chase the rest." in p.words
    assert "Sent:" not in p.words and "Dear Cara" not in p.words


def test_apple_mail_help_keeps_the_words_without_sent_from_my_iphone(setup) -> None:
    p = answer(setup, fixture("apple_mail.eml", "help"))
    assert (p.state, p.kind, p.status, p.due) == (WAITING, "help", None, None)
    assert p.words == "I need help with this action. I cannot get into the room booking system."
    assert "officer should get in touch" in p.reason


def test_legacy_charset_and_attachment(setup) -> None:
    p = answer(setup, fixture("legacy_charset.eml", "done"))
    assert p.state == WAITING and "The “thank you” cards cost £12." in p.words
    assert "ref" not in p.words
    q = answer(setup, fixture("with_attachment.eml", "done"))
    assert q.state == WAITING
    assert q.words == "I have done this action. Photo of the poster attached."


@pytest.mark.parametrize("name", ["out_of_office.eml", "delivery_report.eml"])
def test_automatic_mail_is_ignored_even_with_a_good_token(setup, name: str) -> None:
    p = answer(setup, fixture(name, "done"))
    assert p.state == IGNORED and "automatic mail" in p.reason and p.status is None


def test_a_reply_from_another_address_is_not_matched(setup) -> None:
    p = answer(setup, fixture("gmail.eml", "more_time", sender="someone@example.net"))
    assert p.state == UNMATCHED and "not the action's owner" in p.reason and p.due is None


def test_an_officer_may_answer_for_the_owner(setup) -> None:
    p = answer(setup, fixture("outlook_desktop.eml", "done", sender="Officer@Example.org"))
    assert p.state == WAITING and p.sender == "officer@example.org"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (
            lambda: tokens.make_token(
                tokens.parse_keys(secrets.token_urlsafe(32), "x"),
                "Test Board",
                "A1",
                CARA,
                "done",
                WED,
            ),
            "signature",
        ),
        (lambda: token("done")[:-1] + ("a" if token("done")[-1] != "a" else "b"), "signature"),
        (lambda: token("done", day=WED - dt.timedelta(days=60)), "expired"),
        (lambda: tokens.make_token(RING, "Other Board", "A1", CARA, "done", WED), "signature"),
        (lambda: token("done", action="A99"), "no longer on the Actions tab"),
        (lambda: token("done", owner="m04@example.org"), "signature"),
    ],
    ids=["forged", "altered", "expired", "other-board", "deleted-action", "owner-changed"],
)
def test_bad_tokens_are_not_matched_and_say_why(setup, make, words: str) -> None:
    raw = (REPLIES / "outlook_desktop.eml").read_bytes()
    raw = raw.replace(b"@@TOKEN@@", make().encode()).replace(b"@@FROM@@", CARA.encode())
    p = answer(setup, raw)
    assert p.state == UNMATCHED and words in p.reason and p.status is None


def test_a_plain_email_without_a_code_is_not_matched(setup) -> None:
    raw = b"From: m03@example.org\r\nTo: board-updates@example.org\r\nSubject: hi\r\n\r\nDone!\r\n"
    p = answer(setup, raw)
    assert p.state == UNMATCHED and "no answer code" in p.reason


def test_dmarc_fail_counts_only_from_the_trusted_host(setup) -> None:
    raw = fixture("outlook_desktop.eml", "done")
    forged = b"Authentication-Results: evil.example.net; dmarc=fail header.from=example.org\r\n"
    assert answer(setup, forged + raw).state == WAITING  # anyone can write that header
    real = b"Authentication-Results: mx.example.org;\r\n dkim=none; dmarc=fail (p=reject)\r\n"
    p = answer(setup, real + raw)
    assert p.state == UNMATCHED and "DMARC" in p.reason
    passed = b"Authentication-Results: mx.example.org; dmarc=pass header.from=example.org\r\n"
    assert answer(setup, passed + raw).state == WAITING


def test_more_time_without_a_readable_date_keeps_the_words(setup) -> None:
    raw = fixture(
        "gmail.eml",
        "more_time",
        **{"20 January": "when the venue answers", "20 =\nJanuary": "soon"},
    )
    p = answer(setup, raw)
    assert p.state == WAITING and p.due is None and "no date could be read" in p.reason
    assert "when the venue answers" in p.words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("by 20 January", dt.date(2027, 1, 20)),
        ("20/01/2027", dt.date(2027, 1, 20)),
        ("end of Feb", dt.date(2027, 2, 28)),
        ("end of February 2028", dt.date(2028, 2, 29)),
        ("I can do it on January 20th.", dt.date(2027, 1, 20)),
        ("2027-01-20", dt.date(2027, 1, 20)),
        ("the 5th of March", dt.date(2027, 3, 5)),
        ("20.01.2027", dt.date(2027, 1, 20)),
        ("in 2.5 weeks", None),
        ("31/02/2027", None),
        ("not sure yet", None),
        ("1/12/2026", None),  # before the day of the message: not a new due date
    ],
)
def test_dates_people_write(text: str, expected: dt.date | None) -> None:
    assert read_date(text, dt.date(2026, 12, 7)) == expected


def test_encoded_words_an_unknown_charset_and_utf8_said_to_be_ascii(setup) -> None:
    raw = fixture("legacy_charset.eml", "done")
    raw = raw.replace(b"From: Cara Resident", b"From: =?utf-8?q?Cara_R=C3=A9sident?=")
    raw = raw.replace(b"charset=windows-1252", b"charset=x-no-such-charset")
    p = answer(setup, raw)
    assert p.sender_name == "Cara Résident" and p.state == WAITING
    assert "cost \xa312" in p.words  # Latin-1 for an unknown charset: the words still come
    utf8 = fixture("with_attachment.eml", "done").replace(b"charset=utf-8", b"charset=us-ascii")
    utf8 = utf8.replace(b"Photo of the poster", "Photo of the café poster".encode())
    assert "café" in answer(setup, utf8).words
