"""`coprod remind --send` tries again an address the mail server refused with 5xx (a person
asked: the mailbox may be fixed now), as `coprod digest --send` does; the scheduled job never
does. A real SMTP server on 127.0.0.1 (aiosmtpd), the real command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from automations.cli import cli
from automations.core.config import Config, load_config
from automations.digests import ledger, reminders
from automations.pipeline import validate
from automations.service.status import render_status, status
from tests.builders import write_workbook
from tests.fault_matrix import smtp_toml
from tests.smtp_server import FaultServer
from tests.test_reminders import OFFICERS, WED, at, board_tables, by_recipient

DEV = "m04@example.org"


def board_folder(folder: Path, port: int) -> Config:
    write_workbook(folder / "board.xlsx", board_tables())
    (folder / "config.toml").write_text(
        f'[source]\nkind = "xlsx"\npath = "board.xlsx"\n\n[reminders]\n'
        f'officers_copy = "Board officers <{OFFICERS}>"\n\n{smtp_toml(port, 2)}',
        encoding="utf-8",
    )
    return load_config(folder / "config.toml")


def remind_send(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["remind", "--send", "--config",
                                      str(folder / "config.toml"), "--today", WED.isoformat()])
    return result.exit_code, result.output


def states(cfg: Config) -> dict[str, str]:
    book = ledger.connect(cfg, ledger.REMINDERS)
    try:
        return {r.address: r.state for r in book.records()}
    finally:
        book.close()


def test_remind_send_tries_a_refused_address_again_once_it_is_fixed(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg = board_folder(tmp_path, server.port)
        server.handler.reject = {DEV}  # "550 5.1.1 no such mailbox"
        first = {o.owner: o for o in reminders.send_due(cfg, validate(cfg, WED), at(WED))}
        assert first["Dev Resident"].status == "failed"
        assert states(cfg)[DEV] == ledger.REFUSED
        server.handler.reject = set()  # the mailbox is made; the scheduled job cannot know
        assert reminders.send_due(cfg, validate(cfg, WED), at(WED, 12)) == []
        assert DEV not in by_recipient(server)
        shown = render_status(status(cfg, at(WED, 13)))
        assert (f"reminder:M04, Dev Resident (2024-03-06) to {DEV}: refused by the mail server - "
                "550 5.1.1") in shown
        assert "changed on the Members tab, or by `coprod remind --send`." in shown

        code, output = remind_send(tmp_path)  # a person asks
        assert code == 0, output
        assert output.strip() == "reminder to Dev Resident, 6 March 2024: sent"
        again, later = remind_send(tmp_path)
        assert again == 0 and "No reminder is due now." in later
    mail = by_recipient(server)
    assert [m["Message-ID"] for m in mail[DEV]] == ["<coprod-reminder.2024-03-06.m04@example.org>"]
    assert "Try the new easy read leaflet" in mail[DEV][0].get_body(("plain",)).get_content()
    # Everyone else had theirs the first time: not sent twice.
    assert [len(v) for k, v in sorted(mail.items()) if k != DEV] == [1, 1, 2]
    assert set(states(cfg).values()) == {ledger.SENT}
