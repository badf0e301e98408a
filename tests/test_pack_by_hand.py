"""`coprod pack --send` tries again a co-chair's address the mail server refused with 5xx (a
person asked: the mailbox may be fixed now), as `coprod digest --send` does; the scheduled job
never does. A real SMTP server on 127.0.0.1 (aiosmtpd); the command's own function (the
command line itself in the last test)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from automations.cli import cli
from automations.core.config import Config
from automations.digests import ledger, pack
from automations.service.loop import pack_by_hand
from automations.service.status import render_status, status
from tests.smtp_server import FaultServer
from tests.test_pack import COCHAIRS, MEETING, PACK_DAY, at, board, on

GRACE = COCHAIRS[1]


def pack_send(cfg: Config, day: dt.date = PACK_DAY) -> list[str]:
    """What `coprod pack --send --today DAY` does (the command's own function)."""
    return [o.describe() for o in pack_by_hand(cfg, on(cfg, day))]


def states(cfg: Config) -> dict[str, str]:
    book = ledger.connect(cfg, pack.TABLE)
    try:
        return {r.address: r.state for r in book.records()}
    finally:
        book.close()


def test_pack_send_tries_a_refused_cochair_again_once_it_is_fixed(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg = board(tmp_path, server.port)
        server.handler.reject = {GRACE}  # "550 5.1.1 no such mailbox"
        first = {o.name: o.status for o in pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY))}
        assert sorted(first.values()) == ["failed", "sent"]
        assert states(cfg)[GRACE] == ledger.REFUSED
        server.handler.reject = set()  # the mailbox is made; the scheduled job cannot know
        assert pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY, 12)) == []
        shown = render_status(status(cfg, at(PACK_DAY, 13)))
        assert "changed on the Members tab, or by `coprod pack --send`." in shown

        assert pack_send(cfg) == ["pack for 3 April 2024 to Grace Adebayo: sent"]  # asked
        assert pack_send(cfg) == []  # everyone has it now
        assert pack_send(cfg, dt.date(2024, 3, 20)) == []  # before the pack day: nothing due
    to = [rcpts for _, rcpts in server.handler.received]
    assert sorted(to) == [(COCHAIRS[0],), (GRACE,)]  # Daniel had his the first time: once
    assert set(states(cfg).values()) == {ledger.SENT}
    assert (tmp_path / "outbox" / f"pack-{MEETING.isoformat()}.html").is_file()


def test_pack_needs_send_or_preview(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg = board(tmp_path, server.port)
        result = CliRunner().invoke(cli, ["pack", "--config", str(cfg.path)])
    assert result.exit_code == 2 and "give either --send or --preview DIR" in result.output


def test_pack_send_on_the_command_line(tmp_path: Path) -> None:
    import subprocess

    from automations.starter.sample import build_sample
    from tests.digest_setup import SAMPLE_TODAY
    from tests.fault_matrix import smtp_toml
    from tests.test_service_support import coprod

    build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    with FaultServer() as server:
        (tmp_path / "config.toml").write_text(
            'today = 2024-03-25\n[source]\nkind = "xlsx"\npath = "board.xlsx"\n[pack]\n'
            f"days_before = 5\n\n{smtp_toml(server.port, 2)}"
        )
        runs = [subprocess.run(coprod("pack", "--send", "--config", "config.toml"),
                               cwd=tmp_path, capture_output=True, text=True, timeout=120)
                for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert sorted(runs[0].stdout.splitlines()) == [
        "pack for 3 April 2024 to Daniel Okafor: sent",
        "pack for 3 April 2024 to Grace Adebayo: sent",
    ]
    assert "No pack is due now, or everyone has it already." in runs[1].stdout
    assert len(server.handler.received) == 2
