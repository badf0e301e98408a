"""The answers mailbox through Microsoft Graph (the shared mailbox of the update address), against
the local Microsoft 365 stand-in (tests/m365_server.py) that the real msal and requests talk to:
messages listed with their size, their MIME fetched, each moved to Processed once; a missing
permission is named; a message too large is never downloaded; pages are followed."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest

from automations import app
from automations.inbox import tokens
from automations.pipeline import validate
from tests.builders import write_workbook
from tests.digest_setup import LONDON, make_config
from tests.m365_server import CLIENT_ID, GRAPH_RESOURCE_ROLES, m365_section
from tests.test_reminders import WED, board_tables

BOX = "board-updates@example.org"
KEY = secrets.token_urlsafe(32)
NOW = dt.datetime.combine(WED, dt.time(12), tzinfo=LONDON)
REPLY = Path(__file__).parent / "data" / "replies" / "apple_mail.eml"


def setup(tmp_path, monkeypatch, graph, roles=("Mail.ReadWrite",), **updates):
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY)
    graph.add_app(CLIENT_ID, roles=(*GRAPH_RESOURCE_ROLES, *roles))
    graph.mail[BOX] = {"inbox": ("Inbox", {})}
    book = write_workbook(tmp_path / "board.xlsx", board_tables())
    cfg = make_config(
        tmp_path, book, WED, microsoft365=m365_section(graph),
        updates={"address": BOX, "board": "Test Board", "mailbox": "microsoft365", **updates},
    )  # fmt: skip
    return cfg, validate(cfg, WED)


def reply(kind: str = "help", body: bytes = b"") -> bytes:
    code = tokens.make_token(tokens.parse_keys(KEY, "t"), "Test Board", "A1", "m03@example.org",
                             kind, WED)  # fmt: skip
    raw = REPLY.read_bytes().replace(b"@@TOKEN@@", code.encode())
    raw = raw.replace(b"@@FROM@@", b"m03@example.org")
    return raw.replace(b"5E1C2B7A", secrets.token_hex(4).encode()) + body


def test_an_answer_is_read_once_and_moved(tmp_path, monkeypatch, graph) -> None:
    cfg, validation = setup(tmp_path, monkeypatch, graph)
    graph.deliver(BOX, reply())
    reading = app.read_answers(cfg, validation, NOW)
    assert reading.error == ""
    [p] = reading.proposals
    assert (p.state, p.kind, p.action_id) == ("waiting", "help", "A1")
    assert graph.folder_messages(BOX, "Inbox") == []
    assert len(graph.folder_messages(BOX, "Processed")) == 1  # moved, never deleted
    again = app.read_answers(cfg, validation, NOW)
    assert again.proposals == [] and again.error == ""
    assert graph.counts["mail-folder-create"] == 1


def test_a_missing_permission_is_named(tmp_path, monkeypatch, graph) -> None:
    cfg, validation = setup(tmp_path, monkeypatch, graph, roles=())
    graph.deliver(BOX, reply())
    reading = app.read_answers(cfg, validation, NOW)
    assert "Mail.ReadWrite" in reading.error and reading.proposals == []
    assert len(graph.folder_messages(BOX, "Inbox")) == 1


def test_a_message_too_large_is_never_downloaded(tmp_path, monkeypatch, graph) -> None:
    cfg, validation = setup(tmp_path, monkeypatch, graph, max_message_bytes=10_000)
    graph.deliver(BOX, reply(body=b"x" * 20_000))
    [p] = app.read_answers(cfg, validation, NOW).proposals
    assert p.state == "unmatched" and "too large" in p.reason
    assert graph.counts["mail-mime"] == 0
    assert len(graph.folder_messages(BOX, "Processed")) == 1


def test_every_page_is_read(tmp_path, monkeypatch, graph) -> None:
    cfg, validation = setup(tmp_path, monkeypatch, graph)
    for n in range(53):
        graph.deliver(BOX, f"From: x{n}@example.org\r\nMessage-ID: <m{n}@x>\r\n\r\nhi\r\n".encode())
    reading = app.read_answers(cfg, validation, NOW)
    assert len(reading.proposals) == 53 and graph.counts["mail-list"] == 2
    assert {p.state for p in reading.proposals} == {"unmatched"}


def test_settings_need_the_microsoft365_section(tmp_path) -> None:
    from automations.core.errors import ConfigError
    from automations.inbox.settings import update_settings

    cfg = make_config(
        tmp_path, tmp_path / "b.xlsx", WED, updates={"address": BOX, "mailbox": "microsoft365"}
    )
    with pytest.raises(ConfigError, match=r"\[microsoft365\]: missing"):
        update_settings(cfg)
