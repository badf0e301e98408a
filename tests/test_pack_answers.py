"""The co-chairs' pack lists owners' answers still waiting for Apply or Reject after
`[updates] alert_waiting_days` (issue 30): the demo's sample answer, read by a real pass, is in
the pack built ten days later and not in one built the next day."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from automations.cli import cli
from automations.digests.pack import build_pack, next_meeting, render
from automations.pipeline import validate
from automations.settings import load_settings

NOW = dt.datetime(2026, 12, 7, 9)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout + result.stderr


def _pack(config, day: dt.date):
    cfg = load_settings(config)
    validation = validate(cfg, day)
    meeting = next_meeting(validation.board, day) or day + dt.timedelta(days=7)
    return cfg, build_pack(cfg, validation, meeting, "The Board", 10)


def test_an_answer_waiting_too_long_is_in_the_pack(tmp_path) -> None:
    demo = tmp_path / "demo"
    assert run("init", str(demo))[0] == 0
    config = demo / "config.toml"
    code, said = run("run", "--once", "--config", str(config))
    assert code == 0, said
    code, out = run("updates", "--config", str(config), "--json")
    [answer] = json.loads(out)
    assert answer["state"] == "waiting"
    received = dt.datetime.fromisoformat(answer["received"]).date()

    _, soon = _pack(config, received + dt.timedelta(days=1))
    assert soon.answers == ()  # not waiting long enough to chase at the meeting

    cfg, later = _pack(config, received + dt.timedelta(days=10))
    [line] = later.answers
    assert answer["action_id"] in line.text and "waiting 10 days" in line.text
    assert "@" not in line.text  # an owner's address never goes in the pack
    msg, html, _ = render(cfg, later, None, (), NOW)
    assert "Answers waiting for the officers" in html and answer["action_id"] in html
    text = msg.get_body(("plain",)).get_content()
    assert "ANSWERS WAITING FOR THE OFFICERS" in text and answer["action_id"] in text
    _, page, _ = render(cfg, later, None, (), NOW, printable=True)
    assert (answer["action_id"] in page) is not line.confidential
