"""`coprod check-access` for a workbook in Microsoft 365: one line each for read, write and
send-as, and nothing changed by the check."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from automations.cli import EXIT_READ_ONLY, cli
from tests.builders import tables, write_workbook
from tests.m365_server import DRIVE, ITEM, GraphServer, m365_section
from tests.m365_smtp import XOAuth2Server
from tests.smtp_server import CertAuthority

SENDER = "coproduction-board@example.org"


def toml_value(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower()


def config(tmp_path: Path, graph: GraphServer, mail: dict[str, object] | None = None) -> Path:
    section = "\n".join(f"{k} = {toml_value(v)}" for k, v in m365_section(graph).items())
    mail = mail or {"transport": "graph"}
    mail_lines = "\n".join(f"{k} = {toml_value(v)}" for k, v in
                           {"from": f"Board <{SENDER}>", **mail}.items())
    path = tmp_path / "config.toml"
    path.write_text(f'[source]\nkind = "microsoft365"\ndrive_id = "{DRIVE}"\nitem_id = "{ITEM}"'
                    f"\n\n[microsoft365]\n{section}\n\n[mail]\n{mail_lines}\n",
                    encoding="utf-8")
    return path


def check_access(path: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["check-access", "--config", str(path)])
    return result.exit_code, result.output.strip().splitlines()


@pytest.fixture()
def board(tmp_path: Path, graph: GraphServer) -> bytes:
    data = write_workbook(tmp_path / "board.xlsx", tables()).read_bytes()
    graph.add_item(data)
    return data


def test_full_access_three_lines_and_nothing_changed(tmp_path, graph, board):
    code, lines = check_access(config(tmp_path, graph))
    assert code == 0
    assert lines == [
        "Read: can read Board tracker.xlsx in Microsoft 365.",
        "Write: can write Board tracker.xlsx (an upload was started and cancelled, so nothing "
        "changed).",
        f"Send-as: the app holds Mail.Send; Exchange's application access policy decides at "
        f"the first send whether {SENDER} is allowed.",
    ]
    assert graph.item().content == board and graph.item().version == 1
    assert graph.sessions == {}  # the trial upload session was cancelled
    assert graph.counts["cancel-session"] == 1 and graph.sent == []


@pytest.mark.parametrize(("roles", "line", "index"), [
    (("Files.Read.All", "Mail.Send"), "Write: cannot write Board tracker.xlsx: grant the app "
     "write access", 1),
    (("Files.ReadWrite.All",), "Send-as: the app does not hold the Mail.Send permission", 2),
])
def test_missing_permissions_are_named(tmp_path, graph, board, roles, line, index):
    graph.add_app(roles=roles)
    code, lines = check_access(config(tmp_path, graph))
    assert code == EXIT_READ_ONLY
    assert len(lines) == 3 and lines[index].startswith(line)


def test_locked_file(tmp_path, graph, board):
    graph.item().locked = True
    code, lines = check_access(config(tmp_path, graph))
    assert code == EXIT_READ_ONLY
    assert lines[1] == "Write: Board tracker.xlsx is checked out or locked: check it in."


def test_cannot_read_is_exit_two_with_advice(tmp_path, graph):
    code, lines = check_access(config(tmp_path, graph))  # no such item
    assert code == 2 and "There is no file at drive" in lines[0]


def test_send_as_through_smtp_with_xoauth2(tmp_path, graph, board):
    from automations.mail.xoauth2 import EXCHANGE_ONLINE

    ca = CertAuthority(tmp_path)

    def accept(user: str, token: str) -> bool:
        return user == SENDER and graph.valid_token(token, EXCHANGE_ONLINE) is not None

    with XOAuth2Server(ca, accept) as server:
        mail = {"transport": "smtp", "host": "127.0.0.1", "port": server.port,
                "username": SENDER, "auth": "xoauth2", "ca_file": str(ca.ca_file), "timeout": 5}
        code, lines = check_access(config(tmp_path, graph, mail))
    assert code == 0
    assert lines[2] == f"Send-as: 127.0.0.1 accepted the XOAUTH2 login for {SENDER}."
    assert server.handler.received == [] and server.handler.logins == [SENDER]


def test_token_roles_reads_a_jwt_and_says_unknown_otherwise():
    from automations.backends.microsoft365.graph import token_roles
    from tests.m365_server import b64url

    jwt = ".".join([b64url(b'{"alg":"RS256"}'), b64url(b'{"roles":["Mail.Send"]}'), "sig"])
    assert token_roles(jwt) == ["Mail.Send"]
    assert token_roles(".".join([b64url(b"{}"), b64url(b"{}"), "s"])) == []
    assert token_roles("EwBwA8l6BAAU-an-opaque-token") is None
