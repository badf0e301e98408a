"""The answers mailbox over IMAP against a real Dovecot on loopback (tests/dovecot.py): implicit
TLS and STARTTLS with a password, XOAUTH2 with a token from the local Microsoft identity
stand-in; each message read once and moved to Processed; a refused login or an unreachable
server is said, and the pass goes on."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from automations import app
from automations.inbox import tokens
from automations.inbox.settings import update_settings
from automations.mail.xoauth2 import EXCHANGE_ONLINE
from automations.pipeline import validate
from tests.builders import write_workbook
from tests.digest_setup import LONDON, make_config
from tests.dovecot import Dovecot
from tests.m365_server import m365_section
from tests.test_reminders import WED, board_tables

BOX = "board-updates@example.org"
PASSWORD = secrets.token_urlsafe(12)
KEY = secrets.token_urlsafe(32)
NOW = dt.datetime.combine(WED, dt.time(12), tzinfo=LONDON)
REPLY = Path(__file__).parent / "data" / "replies" / "outlook_desktop.eml"


@pytest.fixture(scope="module")
def issued() -> dict[str, Any]:
    """Which identity service the introspection endpoint asks (set by the XOAUTH2 test)."""
    return {"graph": None}


@pytest.fixture(scope="module")
def dovecot(issued: dict[str, Any]) -> Iterator[Dovecot]:
    def token_user(token: str) -> str | None:
        graph = issued["graph"]
        live = graph is not None and graph.valid_token(token, EXCHANGE_ONLINE) is not None
        return BOX if live else None

    server = Dovecot({BOX: PASSWORD, "other@example.org": "x" * 12}, token_user).start()
    try:
        yield server
    finally:
        server.stop()


def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: Dovecot, **imap: Any):
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY)
    monkeypatch.setenv("TEST_IMAP_PASSWORD", PASSWORD)
    book = write_workbook(tmp_path / "board.xlsx", board_tables())
    updates = {
        "address": BOX, "board": "Test Board", "mailbox": "imap", "host": "127.0.0.1",
        "port": server.port, "tls": "implicit", "username": BOX,
        "password_env": "TEST_IMAP_PASSWORD", "ca_file": str(server.ca_file), "timeout": 10,
        **imap,
    }  # fmt: skip
    extra = {k: v for k, v in imap.items() if k == "microsoft365"}
    for k in extra:
        updates.pop(k)
    cfg = make_config(tmp_path, book, WED, updates=updates, **extra)
    return cfg, validate(cfg, WED)


def reply(kind: str = "done") -> bytes:
    ring = tokens.parse_keys(KEY, "test")
    code = tokens.make_token(ring, "Test Board", "A1", "m03@example.org", kind, WED)
    raw = REPLY.read_bytes().replace(b"@@TOKEN@@", code.encode())
    raw = raw.replace(b"@@FROM@@", b"m03@example.org")
    return raw.replace(b"LO2P265MB5230A1B2C3D4E5F6A7B8C9D0", secrets.token_hex(8).encode(), 1)


def empty(server: Dovecot) -> None:
    """Each test starts with nothing waiting (the server is shared by the module)."""
    from imap_tools import MailBox

    with MailBox("127.0.0.1", server.port, ssl_context=server.context()).login(BOX, PASSWORD) as b:
        uids = b.uids()
        if uids:
            if not b.folder.exists("Earlier"):
                b.folder.create("Earlier")
            b.move(uids, "Earlier")


@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_an_answer_is_read_once_and_moved_to_processed(tmp_path, monkeypatch, dovecot, tls):
    empty(dovecot)
    port = dovecot.port if tls == "implicit" else dovecot.starttls_port
    cfg, validation = setup(tmp_path, monkeypatch, dovecot, tls=tls, port=port)
    before = len(dovecot.folder(BOX, "Processed"))
    dovecot.append(BOX, reply())
    reading = app.read_answers(cfg, validation, NOW)
    assert reading.error == ""
    [p] = reading.proposals
    assert (p.state, p.action_id, p.status) == ("waiting", "A1", "Done")
    assert dovecot.folder(BOX, "INBOX") == []
    assert len(dovecot.folder(BOX, "Processed")) == before + 1  # moved, never deleted
    again = app.read_answers(cfg, validation, NOW)
    assert again.proposals == [] and again.error == ""
    log = dovecot.log()
    assert "method=PLAIN" in log and "TLS" in log


def test_a_refused_login_is_said_and_the_pass_goes_on(tmp_path, monkeypatch, dovecot):
    cfg, validation = setup(tmp_path, monkeypatch, dovecot)
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "wrong-password")
    reading = app.read_answers(cfg, validation, NOW)
    assert reading.proposals == []
    assert f"refused the login for {BOX}" in reading.error and "password" in reading.error


def test_an_unreachable_server_is_said(tmp_path, monkeypatch, dovecot):
    from tests.smtp_server import free_port

    cfg, validation = setup(tmp_path, monkeypatch, dovecot, port=free_port())
    reading = app.read_answers(cfg, validation, NOW)
    assert "Could not reach the answers mailbox at 127.0.0.1" in reading.error


def test_a_certificate_it_cannot_check_is_refused(tmp_path, monkeypatch, dovecot):
    other = tmp_path / "other-ca.pem"
    import trustme

    trustme.CA().cert_pem.write_to_path(str(other))
    cfg, validation = setup(tmp_path, monkeypatch, dovecot, ca_file=str(other))
    reading = app.read_answers(cfg, validation, NOW)
    assert "did not pass the TLS check" in reading.error


def test_xoauth2_with_an_exchange_token(tmp_path, monkeypatch, dovecot, graph, issued):
    empty(dovecot)
    issued["graph"] = graph
    try:
        cfg, validation = setup(
            tmp_path, monkeypatch, dovecot, auth="xoauth2", microsoft365=m365_section(graph)
        )
        dovecot.append(BOX, reply("started"))
        reading = app.read_answers(cfg, validation, NOW)
        assert reading.error == "" and [p.kind for p in reading.proposals] == ["started"]
        assert "method=XOAUTH2" in dovecot.log()
        # A token this identity service did not issue is refused by the server.
        issued["graph"] = None
        dovecot.append(BOX, reply("help"))
        refused = app.read_answers(cfg, validation, NOW)
        assert "refused the login" in refused.error and "XOAUTH2" in refused.error
    finally:
        issued["graph"] = None


@pytest.mark.parametrize(
    ("imap", "words"),
    [
        ({"host": ""}, "updates.host: missing"),
        ({"tls": "none"}, "updates.tls: 'none' is not one of"),
        ({"username": ""}, "updates.username: missing"),
        ({"port": 0}, "updates.port: must be from 1"),
        ({"auth": "xoauth2"}, "[microsoft365]: missing"),
    ],
)
def test_imap_settings_name_the_key(tmp_path, monkeypatch, dovecot, imap, words) -> None:
    from automations.core.errors import ConfigError

    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY)
    updates = {"address": BOX, "mailbox": "imap", "host": "h", "username": BOX, **imap}
    cfg = make_config(tmp_path, tmp_path / "b.xlsx", WED, updates=updates)
    with pytest.raises(ConfigError) as err:
        update_settings(cfg)
    assert words in str(err.value)
