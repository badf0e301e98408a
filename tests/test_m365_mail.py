"""Digests through Microsoft Graph (sendMail with the MIME message) and through SMTP with
XOAUTH2 (a token from MSAL for Exchange Online, or from google-auth for Google Workspace).

The real msal talks HTTPS to tests/m365_server.py; google-auth talks to the token endpoint of
tests/sheets_api_server.py; the SMTP server is aiosmtpd (tests/m365_smtp.py).
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from pathlib import Path

import pytest

from automations.core.errors import PermanentMailError
from automations.digests import ledger
from automations.digests import send as digest
from automations.mail.outcome import no_hook
from automations.mail.transport import make_transport
from automations.mail.xoauth2 import EXCHANGE_ONLINE, xoauth2_string
from tests.digest_setup import SAMPLE_MEETING, SAMPLE_NOW, parse, parts, sample, with_mail
from tests.m365_server import GraphServer, m365_section
from tests.m365_smtp import XOAuth2Server
from tests.smtp_server import CertAuthority

SENDER = "coproduction-board@example.org"
HBP, SENIOR = "hbp@example.org", "senior.head@example.org"


def graph_mail(tmp_path: Path, graph: GraphServer, **mail: object):
    return sample(tmp_path, **with_mail({"microsoft365": m365_section(graph)},
                                        transport="graph", **mail))


def test_graph_sends_the_same_mime_message_once_per_audience(tmp_path, graph):
    outbox_dir = tmp_path / "outbox-run"
    outbox_dir.mkdir()
    out_cfg, out_validation = sample(outbox_dir)
    digest.send_due(out_cfg, out_validation, SAMPLE_NOW)
    by_outbox = {parse(p.read_bytes())["Message-ID"]: p.read_bytes()
                 for p in (outbox_dir / "outbox").glob("*.eml")}

    cfg, validation = graph_mail(tmp_path, graph)
    outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    again = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [(o.audience, o.status) for o in outcomes] == [("HBP", "sent"), ("Senior Head", "sent")]
    assert again == []  # the ledger holds both
    assert graph.counts["sendMail"] == 2
    assert {mailbox for mailbox, _, _ in graph.sent} == {SENDER}
    sent = {msg["Message-ID"]: raw for _, msg, raw in graph.sent}
    assert set(sent) == set(by_outbox) == {
        f"<coprod-digest.{SAMPLE_MEETING}.hbp@example.org>",
        f"<coprod-digest.{SAMPLE_MEETING}.senior-head@example.org>"}
    for mid, raw in sent.items():  # the message the outbox transport writes (but boundaries)
        ours, theirs = parse(raw), parse(by_outbox[mid])
        assert [(k, v) for k, v in ours.items() if k != "Content-Type"] == \
            [(k, v) for k, v in theirs.items() if k != "Content-Type"]
        assert parts(ours) == parts(theirs)
    sendmail = [h for k, _, h in graph.log if k == "sendMail"]
    assert all(h["Content-Type"] == "text/plain" for h in sendmail)
    book = ledger.connect(cfg)
    try:
        records = book.records()
        assert records and {(r.state, r.transport) for r in records} == {("sent", "graph")}
    finally:
        book.close()


def test_graph_throttling_is_waited_out(tmp_path, graph):
    cfg, validation = graph_mail(tmp_path, graph)
    graph.fail("sendMail", 429, times=2, retry_after=0)
    graph.fail("sendMail", 503)
    outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert graph.counts["sendMail"] == 5 and len(graph.sent) == 2


def test_graph_lost_connection_is_uncertain_and_sent_once_more_next_run(tmp_path, graph):
    # The connection drops after Graph was handed the message: it was most likely sent (RFC
    # 1047's reasoning), so it is not repeated inside the run, and goes once more, with the
    # same Message-ID, on the next run.
    cfg, validation = graph_mail(tmp_path, graph)
    graph.fail("sendMail", 0)
    first = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert sorted(o.status for o in first) == ["sent", "uncertain"]
    assert graph.counts["sendMail"] == 2 and len(graph.sent) == 1
    again = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in again if o.status != "already-sent"] == ["sent"]
    assert graph.counts["sendMail"] == 3 and len(graph.sent) == 2
    uncertain = next(o for o in first if o.status == "uncertain")
    assert uncertain.message_id == next(o for o in again if o.status == "sent").message_id


def _a_message():
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, HBP, "test"
    msg["Message-ID"] = "<test@example.org>"
    msg.set_content("hello")
    return msg


def test_graph_mailbox_outside_the_access_policy_is_a_clear_failure(tmp_path, graph):
    graph.allowed_senders = {"someone.else@example.org"}
    cfg, validation = graph_mail(tmp_path, graph)
    with pytest.raises(PermanentMailError, match="application access policy"):
        make_transport(cfg).send(_a_message(), (HBP,), no_hook)
    outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert {o.status for o in outcomes} == {"failed"}
    assert graph.sent == []


# ---------------------------------------------------------------- SMTP with XOAUTH2


@pytest.fixture()
def smtp_ca(tmp_path: Path) -> CertAuthority:
    return CertAuthority(tmp_path)


def exchange_accepts(graph: GraphServer, mailbox: str = SENDER):
    """Exchange's check: a live token this identity service issued for Exchange Online, used
    for the mailbox the service principal may send as."""
    return lambda user, token: user == mailbox and graph.valid_token(token, EXCHANGE_ONLINE) \
        is not None


def xoauth2_mail(tmp_path, graph, smtp_ca, port, **extra):
    mail = {"transport": "smtp", "host": "127.0.0.1", "port": port, "security": "starttls",
            "username": SENDER, "auth": "xoauth2", "timeout": 5, "ca_file": str(smtp_ca.ca_file),
            **extra}
    return sample(tmp_path, **with_mail({"microsoft365": m365_section(graph)}, **mail))


def test_xoauth2_with_an_exchange_token_delivers_the_digests(tmp_path, graph, smtp_ca):
    with XOAuth2Server(smtp_ca, exchange_accepts(graph)) as server:
        cfg, validation = xoauth2_mail(tmp_path, graph, smtp_ca, server.port)
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in outcomes] == ["sent", "sent"], [o.detail for o in outcomes]
    assert {tuple(e.rcpt_tos) for e in server.handler.received} == {(HBP,), (SENIOR,)}
    assert server.handler.logins == [SENDER, SENDER]
    # One token for both logins (MSAL's cache), asked for Exchange Online's scope.
    assert graph.counts["token"] == 1
    assert [aud for _, aud, _ in graph.tokens.values()] == [EXCHANGE_ONLINE]


def test_xoauth2_server_takes_only_tokens_the_identity_service_issued(graph, smtp_ca):
    with XOAuth2Server(smtp_ca, exchange_accepts(graph)) as server:
        for user, token in [(SENDER, "forged." + base64.b64encode(b"x").decode() + ".sig"),
                            (SENDER, "")]:
            smtp = smtplib.SMTP("127.0.0.1", server.port, timeout=5)
            smtp.starttls(context=ssl.create_default_context(cafile=str(smtp_ca.ca_file)))
            smtp.ehlo()
            with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
                smtp.auth("XOAUTH2", lambda c=None, u=user, t=token: xoauth2_string(u, t)
                          if c is None else "", initial_response_ok=True)
            assert refused.value.smtp_code == 535
            smtp.close()
    assert server.handler.logins == []


def test_xoauth2_for_another_mailbox_is_refused_with_advice(tmp_path, graph, smtp_ca):
    with XOAuth2Server(smtp_ca, exchange_accepts(graph, "other@example.org")) as server:
        cfg, _validation = xoauth2_mail(tmp_path, graph, smtp_ca, server.port)
        with pytest.raises(PermanentMailError, match=r"SMTP\.SendAsApp.*service principal"):
            make_transport(cfg).send(_a_message(), (HBP,), no_hook)
    assert server.handler.received == []


def test_xoauth2_settings_are_checked(tmp_path, graph, smtp_ca):
    from automations.core.errors import ConfigError

    mail = {"transport": "smtp", "host": "h", "auth": "xoauth2"}
    (tmp_path / "b").mkdir()
    cfg, _ = sample(tmp_path / "b", **with_mail({"microsoft365": m365_section(graph)}, **mail))
    with pytest.raises(ConfigError, match=r"mail\.username: missing"):
        make_transport(cfg)
    (tmp_path / "c").mkdir()
    cfg, _ = sample(tmp_path / "c", **with_mail({}, **mail, username=SENDER))
    with pytest.raises(ConfigError, match=r"\[microsoft365\]: missing"):
        make_transport(cfg)


@pytest.mark.parametrize(("mail", "message"), [
    ({"transport": "smtp", "host": "h", "auth": "oauth"}, "mail.auth: 'oauth' is not one of"),
    ({"transport": "smtp", "host": "h", "auth": "xoauth2"}, r"mail\.username: missing"),
    ({"transport": "smtp", "host": "h", "auth": "xoauth2", "username": SENDER},
     r"\[microsoft365\]: missing"),
    ({"transport": "smtp", "host": "h", "auth": "xoauth2", "username": SENDER,
      "oauth_provider": "google"}, r"mail\.oauth_key_file: missing"),
    ({"transport": "graph"}, r"\[microsoft365\]: missing; mail.transport"),
])
def test_oauth_mail_settings_are_checked_with_the_rest(tmp_path, mail, message):
    from automations.core.errors import ConfigError
    from automations.settings import load_settings

    path = tmp_path / "config.toml"
    lines = "\n".join(f'{k} = "{v}"' for k, v in mail.items())
    path.write_text(f'[source]\npath = "board.xlsx"\n\n[mail]\n{lines}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_xoauth2_with_a_google_workspace_service_account(tmp_path, api, smtp_ca):
    from tests.sheets_api_server import EMAIL

    key = api.add_account(tmp_path, EMAIL)
    def accept(user, token):
        return (user == SENDER and token in api.tokens)
    with XOAuth2Server(smtp_ca, accept) as server:
        mail = {"transport": "smtp", "host": "127.0.0.1", "port": server.port,
                "security": "starttls", "username": SENDER, "auth": "xoauth2",
                "oauth_provider": "google", "oauth_key_file": str(key), "timeout": 5,
                "ca_file": str(smtp_ca.ca_file)}
        cfg, validation = sample(tmp_path, **with_mail({}, **mail))
        outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert server.handler.logins == [SENDER, SENDER]
    assert api.counts["token"] == 1  # the token is reused for the second login
