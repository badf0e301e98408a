"""The answers mailbox as a folder of .eml files, through `coprod updates` as an officer runs
it: a real reminder's button turned into the email a mail app sends, read once into a recorded
proposal and moved to Processed; replayed, too large, unreadable and missing-folder cases."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from click.testing import CliRunner

from automations.cli import cli
from automations.core.paths import data_path
from tests.builders import write_workbook
from tests.digest_setup import parse, parts
from tests.inbox_helpers import Links
from tests.test_reminders import WED, board_tables

KEY = secrets.token_urlsafe(32)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY)
    write_workbook(tmp_path / "board.xlsx", board_tables())
    example = data_path("config.example.toml").read_text(encoding="utf-8")
    # The sample's [reminders] section is on; its officers' copy is one line to fill in.
    commented = '# officers_copy = "Board officers <board-officers@example.org>"'
    assert commented in example
    example = example.replace(commented, 'officers_copy = "officers@example.org"')
    config = (
        f'today = "{WED.isoformat()}"\n{example}\n'
        '[updates]\naddress = "board-updates@example.org"\n'
        'officers = ["officer@example.org"]\n'
    )
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    (tmp_path / "mailbox").mkdir()
    return tmp_path / "config.toml"


def button_reply(config: Path, kind_label: str, words: str, owner: str = "m03") -> EmailMessage:
    """Cara's reminder as the service writes it; the button pressed; the email her mail app
    sends from the mailto: link, with her words above the ready text."""
    folder = config.parent / "reminders"
    code, _out, err = run("remind", "--config", str(config), "--preview", str(folder), "--all")
    assert code == 0, err
    msg = parse((folder / f"reminder-{WED.isoformat()}-{owner}.eml").read_bytes())
    links = Links()
    links.feed(parts(msg)[1])
    label = {"done": "Done", "more": "I need more time"}[kind_label]
    href = next(h for h in links.hrefs if unquote(h).split("subject=")[1].startswith(label))
    url = urlsplit(href)
    query = parse_qs(url.query)
    reply = EmailMessage()
    reply["From"] = f"Cara Resident <{owner}@example.org>"
    reply["To"] = unquote(url.path)
    reply["Subject"] = query["subject"][0]
    reply["Date"] = "Wed, 06 Mar 2024 10:00:00 +0000"
    reply["Message-ID"] = f"<{secrets.token_hex(8)}@example.org>"
    reply.set_content(f"{words}\n\n{query['body'][0]}")
    return reply


def drop(config: Path, msg: EmailMessage | bytes, name: str) -> Path:
    path = config.parent / "mailbox" / name
    path.write_bytes(msg if isinstance(msg, bytes) else msg.as_bytes())
    return path


def test_an_answer_is_read_once_recorded_and_moved(board: Path) -> None:
    reply = button_reply(board, "more", "Sorry, the venue is late. By 20/03/2024.")
    path = drop(board, reply, "answer.eml")
    code, out, err = run("updates", "--config", str(board), "--preview")
    assert code == 0, err
    assert "Needs more time" in out and "Due -> 2024-03-20" in out and path.exists()
    code, out, _ = run("updates", "--config", str(board), "--json")
    assert json.loads(out) == []  # the preview recorded nothing
    code, out, err = run("updates", "--config", str(board), "--read")
    assert code == 0, err
    assert "1 new answers" in out
    assert not path.exists() and (board.parent / "mailbox/Processed/answer.eml").exists()
    code, out, _ = run("updates", "--config", str(board), "--json")
    [got] = json.loads(out)
    assert got["action_id"] in ("A1", "A2", "A3", "A5") and got["state"] == "waiting"
    assert got["changes"]["Due"] == "2024-03-20" and got["sender"] == "m03@example.org"
    assert got["words"].startswith("Sorry, the venue is late.")
    code, out, _ = run("updates", "--config", str(board))
    assert "[waiting]" in out and "Cara Resident" in out
    code, out, err = run("status", "--config", str(board))
    assert code == 0, err
    assert "Owners' answers (coprod updates lists them): 1 waiting." in out

    # The same message again (a replay, or a copy left behind): nothing new is recorded.
    shutil.copy(board.parent / "mailbox/Processed/answer.eml", board.parent / "mailbox/again.eml")
    code, out, _ = run("updates", "--config", str(board), "--read")
    assert "0 new answers; 1 already read" in out
    assert len(json.loads(run("updates", "--config", str(board), "--json")[1])) == 1
    assert (board.parent / "mailbox/Processed/again.eml").exists()


def test_unmatched_and_automatic_mail_are_listed_with_the_reason(board: Path) -> None:
    reply = button_reply(board, "done", "All done.")
    del reply["From"]
    reply["From"] = "Someone Else <someone@example.net>"
    drop(board, reply, "other.eml")
    auto = button_reply(board, "done", "I am out of the office.")
    auto["Auto-Submitted"] = "auto-replied"
    drop(board, auto, "ooo.eml")
    big = button_reply(board, "done", "x" * 1_100_000)
    drop(board, big, "big.eml")
    code, _out, err = run("updates", "--config", str(board), "--read")
    assert code == 0, err
    got = {
        a["message_id"]: a for a in json.loads(run("updates", "--config", str(board), "--json")[1])
    }
    states = sorted((a["state"], a["reason"].split(";")[0][:30]) for a in got.values())
    assert [s for s, _ in states] == ["ignored", "unmatched", "unmatched"]
    reasons = " ".join(a["reason"] for a in got.values())
    assert "not the action's owner" in reasons and "too large" in reasons
    assert "automatic mail" in reasons
    assert all(not a["changes"].get("Status") or a["state"] == "waiting" for a in got.values())


def test_a_missing_folder_is_named_and_nothing_else_breaks(board: Path) -> None:
    shutil.rmtree(board.parent / "mailbox")
    code, _, err = run("updates", "--config", str(board), "--read")
    assert code != 0 and "Traceback" not in err
    assert f"The answers folder {board.parent / 'mailbox'} does not exist" in err


def test_escape_codes_in_a_message_never_reach_the_terminal(board: Path) -> None:
    reply = button_reply(board, "done", "Done \x1b]52;c;ZXZpbA==\x07 and \x1b[2J cleared")
    drop(board, reply, "esc.eml")
    run("updates", "--config", str(board), "--read")
    code, out, _ = run("updates", "--config", str(board))
    assert code == 0 and "\x1b" not in out and "cleared" in out


def test_an_expired_button_is_not_matched(board: Path) -> None:
    reply = button_reply(board, "done", "Done it.")
    config = board.read_text().replace(
        f'today = "{WED.isoformat()}"', f'today = "{(WED + dt.timedelta(days=46)).isoformat()}"'
    )
    board.write_text(config)
    drop(board, reply, "late.eml")
    _code, out, _ = run("updates", "--config", str(board), "--preview", "--json")
    [got] = json.loads(out)
    assert got["state"] == "unmatched" and "expired" in got["reason"]


def test_the_officers_hear_once_of_unmatched_waiting_answers_and_a_failing_mailbox(
    board: Path,
) -> None:
    from automations.core.config import load_config
    from automations.pipeline import validate
    from automations.service.answer_alerts import tell_officers
    from tests.digest_setup import LONDON, outbox_messages

    forged = button_reply(board, "done", "Done.")
    forged.replace_header("From", "Mallory <mallory@example.net>")
    drop(board, forged, "forged.eml")
    drop(board, button_reply(board, "more", "By 20 March."), "real.eml")
    cfg = load_config(board)
    validation = validate(cfg, WED)
    now = dt.datetime.combine(WED, dt.time(10), tzinfo=LONDON)
    from automations import app

    app.read_answers(cfg, validation, now)

    def alerts() -> list[str]:
        return [
            m.get_content()
            for m in outbox_messages(cfg).values()
            if "answers need a look" in str(m["Subject"])
        ]

    assert tell_officers(cfg, now, LONDON) and len(alerts()) == 1
    [text] = alerts()
    assert "mallory@example.net" in text and "not the action's owner" in text
    assert "has waited" not in text
    assert not tell_officers(cfg, now, LONDON)  # told once
    later = now + dt.timedelta(days=8)
    assert tell_officers(cfg, later, LONDON)
    assert any("has waited since" in t for t in alerts())
    shutil.rmtree(board.parent / "mailbox")
    for _ in range(3):  # [alerts] alert_after_failures = 3 in the example config
        assert app.read_answers(cfg, validation, later).error
    assert tell_officers(cfg, later, LONDON)
    assert any("could not be read 3 times in a row" in t for t in alerts())
    assert not tell_officers(cfg, later, LONDON)
