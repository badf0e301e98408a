"""Digests through a real SMTP server on loopback (aiosmtpd with STARTTLS or TLS, and AUTH)."""

from __future__ import annotations

from pathlib import Path

import pytest

from automations.core.config import Config
from automations.core.errors import PermanentMailError
from automations.digests import ledger
from automations.digests import send as digest
from automations.mail.outcome import no_hook
from automations.mail.transport import make_transport
from automations.pipeline import Validation
from tests.digest_setup import (
    CONFIDENTIAL_TEXTS,
    MEMBER_EMAILS,
    SAMPLE_MEETING,
    SAMPLE_NOW,
    parse,
    parts,
    sample,
    with_mail,
)
from tests.smtp_server import PASSWORD, CertAuthority, SmtpServer, free_port, mail_config

HBP, SENIOR = "hbp@example.org", "senior.head@example.org"


@pytest.fixture()
def ca(tmp_path: Path) -> CertAuthority:
    return CertAuthority(tmp_path)


@pytest.fixture(autouse=True)
def smtp_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPROD_TEST_SMTP_PASSWORD", PASSWORD)


def setup(
    tmp_path: Path, ca: CertAuthority, port: int, **mail: object
) -> tuple[Config, Validation]:
    return sample(tmp_path, **with_mail({}, **mail_config(ca, port, **mail)))


def sent_rows(cfg: Config) -> list[ledger.RecipientRecord]:
    """The ledger's rows for recipients the server accepted."""
    book = ledger.connect(cfg)
    try:
        return [r for r in book.records() if r.state == ledger.SENT]
    finally:
        book.close()


def test_starttls_and_auth_deliver_one_digest_per_enabled_audience(
    tmp_path: Path, ca: CertAuthority
) -> None:
    with SmtpServer(ca) as server:
        cfg, validation = setup(tmp_path, ca, server.port)
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
        again = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [(o.audience, o.status) for o in outcomes] == [("HBP", "sent"), ("Senior Head", "sent")]
    assert again == []  # the ledger says both went; DMT stays off
    by_rcpt = {tuple(e.rcpt_tos): parse(e.original_content) for e in server.received}
    assert set(by_rcpt) == {(HBP,), (SENIOR,)}
    senior = by_rcpt[(SENIOR,)]
    assert senior["Message-ID"] == f"<coprod-digest.{SAMPLE_MEETING}.senior-head@example.org>"
    assert senior["Subject"] == "6 Mar Board actions: 6 late, 8 new"  # date first, short
    assert senior.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in senior.iter_parts()] == ["text/plain", "text/html"]
    text, html = parts(senior)
    # Facts of the sample workbook, in both parts: an action raised at the meeting, its owner
    # and due date, an overdue owner with days late, a project, the board's membership.
    for fact in (
        "A030",
        "Check with the Integrated Care Board (ICB) about joint funding",
        "Ian McDonald",
        "10 April 2024",
        "Amina Hassan",
        "55 days",
        "P02 Carers",
        "Active members: 17 of the 20",
    ):
        assert fact in text, fact
        assert fact in html.replace("&#39;", "'"), fact
    for raw in (e.original_content for e in server.received):
        for secret in (*CONFIDENTIAL_TEXTS, *MEMBER_EMAILS):
            assert secret.encode() not in raw, secret
    assert [(r.audience, r.address) for r in sent_rows(cfg)] == [
        ("HBP", HBP),
        ("Senior Head", SENIOR),
    ]


# aiosmtpd warns that AUTH is allowed without STARTTLS; on implicit TLS the line is encrypted.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_works_too(tmp_path: Path, ca: CertAuthority) -> None:
    with SmtpServer(ca, implicit_tls=True) as server:
        cfg, validation = setup(tmp_path, ca, server.port, implicit_tls=True)
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert len(server.received) == 2


def test_smtp_down_then_up_sends_exactly_once(tmp_path: Path, ca: CertAuthority) -> None:
    port = free_port()
    cfg, validation = setup(tmp_path, ca, port, retries=2)
    down = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in down] == ["retry-later", "retry-later"]
    assert "could not reach the mail server" in down[0].detail
    assert sent_rows(cfg) == []
    assert len(digest.due_digests(cfg, validation, SAMPLE_NOW)) == 2  # still due
    with SmtpServer(ca, port=port) as server:
        up = digest.send_due(cfg, validation, SAMPLE_NOW)
        later = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in up] == ["sent", "sent"]
    assert later == []
    assert sorted(e.rcpt_tos[0] for e in server.received) == [HBP, SENIOR]


def test_a_busy_server_is_retried_within_the_pass(tmp_path: Path, ca: CertAuthority) -> None:
    with SmtpServer(ca) as server:
        server.handler.busy = 1  # the first DATA gets "451 try again later"
        cfg, validation = setup(tmp_path, ca, server.port, retries=3)
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert len(server.received) == 2


def test_temporary_failure_after_all_retries_leaves_the_digest_due(
    tmp_path: Path, ca: CertAuthority
) -> None:
    with SmtpServer(ca) as server:
        server.handler.busy = 10
        cfg, validation = setup(tmp_path, ca, server.port, retries=2)
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in outcomes] == ["retry-later", "retry-later"]
    assert "451" in outcomes[0].detail
    assert sent_rows(cfg) == []
    assert server.received == []


def test_permanent_refusal_is_reported_with_the_recipient_and_not_retried(
    tmp_path: Path, ca: CertAuthority
) -> None:
    with SmtpServer(ca) as server:
        server.handler.reject = {SENIOR}
        cfg, validation = setup(tmp_path, ca, server.port)
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    result = {o.audience: o for o in outcomes}
    assert result["HBP"].status == "sent"
    assert result["Senior Head"].status == "failed"
    assert SENIOR in result["Senior Head"].detail and "550" in result["Senior Head"].detail
    assert [r.audience for r in sent_rows(cfg)] == ["HBP"]
    # A 5xx refusal is not retried by itself (the officers are told; see test_mail_faults.py
    # for the address being fixed); the ledger keeps the server's words.
    assert digest.due_digests(cfg, validation, SAMPLE_NOW) == []
    book = ledger.connect(cfg)
    [refused] = [r for r in book.records() if r.state == ledger.REFUSED]
    book.close()
    assert refused.address == SENIOR and refused.reply.startswith("550 5.1.1 No such mailbox")


def test_wrong_password_is_permanent_and_names_the_variable_not_the_secret(
    tmp_path: Path, ca: CertAuthority, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPROD_TEST_SMTP_PASSWORD", "wrong-password")
    with SmtpServer(ca) as server:
        cfg, validation = setup(tmp_path, ca, server.port)
        transport = make_transport(cfg)
        job = digest.due_digests(cfg, validation, SAMPLE_NOW)[0]
        msg = digest.render_digest(cfg, validation, job.audience, job.meeting, SAMPLE_NOW).message
        with pytest.raises(PermanentMailError) as caught:
            transport.send(msg, (HBP,), no_hook)
    assert "COPROD_TEST_SMTP_PASSWORD" in str(caught.value)
    assert "wrong-password" not in str(caught.value)
    assert server.received == []


def test_an_untrusted_certificate_is_refused(tmp_path: Path, ca: CertAuthority) -> None:
    (tmp_path / "other").mkdir()
    other = CertAuthority(tmp_path / "other")
    with SmtpServer(ca) as server:
        cfg, validation = sample(tmp_path, **with_mail({}, **mail_config(other, server.port)))
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert outcomes[0].status == "failed"
    assert "secure connection" in outcomes[0].detail
    assert server.received == []


class _RudeGoodbyeServer:
    """A bare SMTP server on loopback that accepts every message, then answers QUIT with 421."""

    def __init__(self) -> None:
        import socket
        import threading

        self.messages = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as f:
                self._session(f)

    def _session(self, f) -> None:  # type: ignore[no-untyped-def]
        def say(line: str) -> None:
            f.write(line.encode() + b"\r\n")
            f.flush()

        say("220 rude.example ready")
        while line := f.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "DATA":
                say("354 go on")
                while f.readline() not in (b".\r\n", b""):
                    pass
                self.messages += 1
                say("250 accepted")
            elif verb == "QUIT":
                say("421 cannot say goodbye properly")
                return
            else:
                say("250 ok")

    def close(self) -> None:
        self.sock.close()


def test_a_failed_goodbye_after_the_server_accepted_does_not_send_twice(tmp_path: Path) -> None:
    server = _RudeGoodbyeServer()
    try:
        mail = {"transport": "smtp", "host": "127.0.0.1", "port": server.port,
                "security": "none", "timeout": 5}
        cfg, validation = sample(tmp_path, **with_mail({}, **mail))
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
        again = digest.send_due(cfg, validation, SAMPLE_NOW)
    finally:
        server.close()
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert again == [] and server.messages == 2
