"""A plain reply to a reminder (no button pressed): the reminder's Reply-To names the officers
and the update address with the owner's reply code, so the reply reaches both. The action is the
owner's only open one, or the one the reply names; otherwise the officers read it. Buttons
quoted from the reminder never count as pressed."""

from __future__ import annotations

import datetime as dt
import secrets
from email.message import EmailMessage
from email.utils import getaddresses

import pytest

from automations import app
from automations.digests.reminder_settings import reminder_settings
from automations.pipeline import validate
from tests.builders import write_workbook
from tests.digest_setup import LONDON, make_config, parse, parts
from tests.test_reminders import OFFICERS, WED, board_tables

NOW = dt.datetime.combine(WED, dt.time(9, 30), tzinfo=LONDON)


@pytest.fixture
def board(tmp_path, monkeypatch):
    monkeypatch.setenv("COPROD_UPDATES_KEY", secrets.token_urlsafe(32))
    book = write_workbook(tmp_path / "board.xlsx", board_tables())
    (tmp_path / "mailbox").mkdir()
    cfg = make_config(tmp_path, book, WED, reminders={"officers_copy": OFFICERS},
                      updates={"address": "board-updates@example.org"})  # fmt: skip
    return cfg, validate(cfg, WED)


def reminder(cfg, validation, owner: str) -> EmailMessage:
    from automations.digests import reminders

    written = reminders.preview(cfg, validation, cfg.base_dir / "out", NOW, everyone=True)
    path = next(p for p in written if p.name == f"reminder-{WED.isoformat()}-{owner}.eml")
    return parse(path.read_bytes())


def plain_reply(original: EmailMessage, words: str, keep_plus: bool = True) -> bytes:
    """What a mail app sends on Reply: to the Reply-To addresses, the original quoted."""
    to = [addr for _, addr in getaddresses([str(original["Reply-To"])])]
    if not keep_plus:  # a server that drops the plus part of an address
        to = [a.split("+")[0] + "@" + a.split("@")[1] if "+" in a else a for a in to]
    reply = EmailMessage()
    reply["From"] = str(original["To"])
    reply["To"] = ", ".join(to)
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["In-Reply-To"] = original["Message-ID"]
    reply["Message-ID"] = f"<{secrets.token_hex(8)}@example.org>"
    quoted = "\n".join(f"> {line}" for line in parts(original)[0].splitlines())
    reply.set_content(f"{words}\n\nOn Wed, 6 Mar 2024 at 09:30, Board wrote:\n{quoted}\n")
    return reply.as_bytes()


def read(cfg, validation, raw: bytes):
    (cfg.base_dir / "mailbox" / f"{secrets.token_hex(4)}.eml").write_bytes(raw)
    [p] = app.read_answers(cfg, validation, NOW).proposals
    return p


def test_the_reply_goes_to_the_officers_and_the_update_address(board) -> None:
    cfg, validation = board
    msg = reminder(cfg, validation, "m04")
    addresses = [addr for _, addr in getaddresses([str(msg["Reply-To"])])]
    assert reminder_settings(cfg).reply_to.addr_spec in addresses  # the officers, as before
    assert any(a.startswith("board-updates+1r") for a in addresses)
    officers_copy = reminder(cfg, validation, "m05")  # Eve: through the officers, no code
    assert "board-updates" not in str(officers_copy["Reply-To"])


def test_a_reply_from_an_owner_with_one_open_action(board) -> None:
    cfg, validation = board
    p = read(cfg, validation, plain_reply(reminder(cfg, validation, "m04"), "Finished it."))
    assert (p.state, p.kind, p.action_id, p.status) == ("waiting", "reply", "A6", None)
    assert p.note == "Replied: Finished it."


def test_a_reply_naming_one_of_several_actions(board) -> None:
    cfg, validation = board
    original = reminder(cfg, validation, "m03")  # Cara: A1, A2, A3 and A5 open
    p = read(cfg, validation, plain_reply(original, "A2 is booked now."))
    assert (p.state, p.action_id) == ("waiting", "A2")
    q = read(cfg, validation, plain_reply(original, "All going fine, thanks."))
    assert q.state == "unmatched" and "names none of the sender's 4 open actions" in q.reason


def test_quoted_buttons_never_count_as_pressed(board) -> None:
    cfg, validation = board
    original = reminder(cfg, validation, "m03")
    assert "mailto:board-updates+1d" in parts(original)[0]  # the quote holds Done buttons
    p = read(cfg, validation, plain_reply(original, "Sorry, not yet.", keep_plus=False))
    assert p.state == "unmatched" and p.status is None
    assert "no answer code" in p.reason
