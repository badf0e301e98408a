"""`coprod init` shows the answers loop with no account: a key file of its own (not in the
config), one answer in the mailbox folder, and the first pass reads it, lists it on the
Updates tab and thanks the owner (in the outbox)."""

from __future__ import annotations

import json
import stat

import openpyxl
from click.testing import CliRunner

from automations.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_then_one_pass_shows_the_loop(tmp_path) -> None:
    demo = tmp_path / "demo"
    code, out, err = run("init", str(demo))
    assert code == 0, err
    assert "Put a sample answer from" in out
    key = demo / "updates.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().strip() not in (demo / "config.toml").read_text()
    config = str(demo / "config.toml")
    code, out, err = run("run", "--once", "--config", config)
    assert code == 0, err
    assert "1 answer read." in out and "Updates tab" in out
    code, out, _ = run("updates", "--config", config, "--json")
    [answer] = json.loads(out)
    assert answer["state"] == "waiting" and answer["changes"]["Status"] == "Done"
    tab = openpyxl.load_workbook(demo / "board.xlsx")["Updates"]
    assert tab["D4"].value == answer["action_id"]
    assert (demo / "outbox" / "coprod-answer.1.eml").exists()
    assert (demo / "mailbox" / "Processed" / "sample-answer.eml").exists()
    # init again keeps everything, and drops no second answer
    code, out, _ = run("init", str(demo))
    assert code == 0 and "sample answer" not in out
    assert not (demo / "mailbox" / "sample-answer.eml").exists()
