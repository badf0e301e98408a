"""Answer buttons in owner reminders: each action of an owner's own reminder gets four mailto:
links whose token verifies for that action and that owner; easy read gets big buttons with
pictures; an officers' copy and a config without [updates] get none."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from automations.core.errors import ConfigError
from automations.digests import reminders
from automations.inbox import tokens
from automations.inbox.settings import update_settings
from automations.pipeline import validate
from tests.builders import write_workbook
from tests.digest_setup import make_config, parse, parts
from tests.inbox_helpers import Links
from tests.test_reminders import OFFICERS, WED, at, board_tables

KEY = secrets.token_urlsafe(32)
UPDATES = {"address": "board-updates@council.example.org", "board": "Test Board"}


def previews(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> tuple[Any, dict]:
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY)
    tmp_path.mkdir(exist_ok=True)
    book = write_workbook(tmp_path / "board.xlsx", board_tables())
    cfg = make_config(tmp_path, book, WED, reminders={"officers_copy": OFFICERS}, **extra)
    validation = validate(cfg, WED)
    written = reminders.preview(cfg, validation, tmp_path / "out", at(WED), everyone=True)
    mails = {p.stem: parse(p.read_bytes()) for p in written if p.suffix == ".eml"}
    return validation, mails


def links(msg: Any) -> list[str]:
    parser = Links()
    parser.feed(parts(msg)[1])
    return parser.hrefs


def test_each_action_has_four_buttons_whose_tokens_verify(tmp_path, monkeypatch) -> None:
    validation, mails = previews(tmp_path, monkeypatch, updates=UPDATES)
    cara = validation.board.member("M03")
    assert cara is not None and cara.email
    msg = mails[f"reminder-{WED.isoformat()}-m03"]
    hrefs = links(msg)
    ring = tokens.parse_keys(KEY, "test")
    seen = {}
    for href in hrefs:
        url = urlsplit(href)
        token = re.fullmatch(r"board-updates\+(1[a-z2-7]+)@council\.example\.org", url.path)[1]
        query = parse_qs(url.query)
        assert token in query["subject"][0] and f"ref {token}" in query["body"][0]
        # The action id is in the subject; the token verifies for it and Cara's address only.
        aid = query["subject"][0].split(": ")[1].split(" (ref")[0]
        got = tokens.verify(ring, token, "Test Board", aid, cara.email.lower(), WED)
        with pytest.raises(tokens.TokenError):
            tokens.verify(ring, token, "Test Board", aid, "someone@example.org", WED)
        seen.setdefault(aid, []).append(got.kind)
    assert seen == {
        aid: ["done", "started", "more_time", "help"] for aid in ("A1", "A2", "A3", "A5")
    }
    text = parts(msg)[0]
    assert text.count("mailto:board-updates+") == 16 and "I need more time: mailto:" in text


def test_easy_read_buttons_are_big_with_pictures_and_plain_words(tmp_path, monkeypatch) -> None:
    _, mails = previews(tmp_path, monkeypatch, updates=UPDATES)
    msg = mails[f"reminder-{WED.isoformat()}-m04"]  # Dev reads easy read
    html = parts(msg)[1]
    assert len(links(msg)) == 4
    for words in ("I did it", "I started it", "I need more time", "I need help", "press Send"):
        assert words in html
    cids = {p["Content-ID"] for p in msg.walk() if p.get_content_type() == "image/png"}
    assert {"<done.png@coprod-digest>", "<ask.png@coprod-digest>"} <= cids
    assert "22px" in html.split("I did it")[0].rsplit("<a ", 1)[1]


def test_officers_copy_and_no_updates_section_have_no_buttons(tmp_path, monkeypatch) -> None:
    _, mails = previews(tmp_path, monkeypatch, updates=UPDATES)
    assert links(mails[f"reminder-{WED.isoformat()}-m05"]) == []  # Eve has no email: officers
    _, plain = previews(tmp_path / "off", monkeypatch)
    assert all(links(m) == [] for m in plain.values())
    assert all("mailto:board-updates" not in parts(m)[0] for m in plain.values())


def test_a_subject_from_the_sheet_cannot_break_out_of_the_link(tmp_path, monkeypatch) -> None:
    from automations.inbox.buttons import buttons

    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY)
    cfg = make_config(tmp_path, tmp_path / "b.xlsx", WED, updates=UPDATES)
    for b in buttons(update_settings(cfg), 'A1"><script>&x=\r\nBcc: x@y', "jo@x.org", WED):
        assert not re.search(r"[\s\"<>]", b.href)
        assert "\r\n" not in unquote(b.href.split("&body=")[0])


@pytest.mark.parametrize(
    ("updates", "words"),
    [
        ({}, "updates.address: missing"),
        ({"address": "board-updates+x@x.org"}, "updates.address: give the address without"),
        ({**UPDATES, "apply": "always"}, "updates.apply: 'always' is not one of"),
        ({**UPDATES, "mailbox": "pop3"}, "updates.mailbox: 'pop3' is not one of"),
        ({**UPDATES, "expiry_days": 0}, "updates.expiry_days: must be from 1"),
        ({**UPDATES, "expiry": 3}, "updates.expiry: not a setting"),
    ],
)
def test_config_errors_name_the_key(tmp_path, updates: dict, words: str) -> None:
    cfg = make_config(tmp_path, tmp_path / "b.xlsx", WED, updates=updates)
    with pytest.raises(ConfigError, match=re.escape(words)):
        update_settings(cfg)


def test_a_missing_key_is_named_when_a_reminder_is_written(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("COPROD_UPDATES_KEY", raising=False)
    cfg = make_config(tmp_path, tmp_path / "b.xlsx", WED, updates=UPDATES)
    with pytest.raises(ConfigError, match="COPROD_UPDATES_KEY is not set"):
        update_settings(cfg).keyring()
    assert dt.date.today()  # the settings themselves load without a key
