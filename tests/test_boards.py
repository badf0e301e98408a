"""Many boards, one service (`--boards DIR`): each board its own lock, ledger, history and
schedule; a broken config or a workbook that cannot be read fails that board alone, named;
`coprod status --boards` says one line per board and `--check` is the health check. Then
`coprod state export` / `import` moving a board between SQLite and PostgreSQL with nothing sent
twice after the move."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from automations.cli import cli
from automations.record import history
from automations.service.boards import BROKEN, BUSY, FAILED, OK, load_boards, run_boards
from automations.service.lock import board_lock
from automations.settings import load_settings
from tests.boards_support import add_board, sent
from tests.conftest import PG_PASSWORD_ENV
from tests.test_service_support import london

MEETING = dt.date(2024, 2, 28)  # its digests fall due on Thursday 29 February at 08:00


def _folder(tmp_path: Path, meeting: dt.date = MEETING) -> Path:
    folder = tmp_path / "boards"
    add_board(folder, "cpb", meeting)
    add_board(folder, "ld-partnership", meeting, nested=True)
    add_board(folder, "carers", meeting, extra='\n[reminders]\nsend_tme = "09:00"\n')
    add_board(folder, "jpb", meeting)
    (folder / "jpb.xlsx").unlink()  # its workbook has gone
    return folder


def test_each_board_runs_alone_and_a_broken_one_fails_named(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    boards = load_boards(folder, load_settings)
    passes = {p.name: p for p in run_boards(boards, london(2024, 2, 29, 8, 5))}
    assert {n: p.outcome for n, p in passes.items()} == {
        "carers": BROKEN,
        "cpb": OK,
        "jpb": FAILED,
        "ld_partnership": OK,
    }
    assert "reminders.send_tme" in passes["carers"].detail
    assert "carers.toml" in passes["carers"].detail
    assert "jpb.xlsx" in passes["jpb"].detail
    assert sent(folder, "cpb") == ["hbp.cpb@example.org", "head.cpb@example.org"]
    both = ["hbp.ld-partnership@example.org", "head.ld-partnership@example.org"]
    assert sent(folder, "ld-partnership", nested=True) == both
    # Each board its own state: board files side by side name theirs, a folder has state/.
    assert (folder / "state" / "cpb" / "coprod.sqlite3").exists()
    assert (folder / "ld-partnership" / "state" / "coprod.sqlite3").exists()
    by_name = {b.name: b for b in boards}
    assert [s.day for s in history.load(by_name["cpb"].cfg)] == [dt.date(2024, 2, 29)]
    assert history.load(by_name["ld_partnership"].cfg)[0].day == dt.date(2024, 2, 29)
    # The next pass: nothing new is sent; the failing board is tried again.
    again = {p.name: p for p in run_boards(boards, london(2024, 2, 29, 8, 30))}
    assert again["cpb"].detail == "nothing was due" and again["jpb"].outcome == FAILED
    assert len(sent(folder, "cpb")) == 2


def test_two_boards_that_would_share_a_state_both_fail_named(tmp_path: Path) -> None:
    folder = tmp_path / "boards"
    add_board(folder, "cpb", MEETING, state="")  # both default to boards/state
    add_board(folder, "jpb", MEETING, state="")
    add_board(folder, "carers", MEETING)
    passes = {
        p.name: p for p in run_boards(load_boards(folder, load_settings), london(2024, 3, 1, 9))
    }
    assert {n: p.outcome for n, p in passes.items()} == {"carers": OK, "cpb": BROKEN, "jpb": BROKEN}
    assert "cpb.toml and " in passes["jpb"].detail and "state_dir" in passes["jpb"].detail
    assert sent(folder, "cpb") == sent(folder, "jpb") == []


def test_a_board_another_copy_is_doing_is_left_to_it(tmp_path: Path) -> None:
    folder = tmp_path / "boards"
    add_board(folder, "cpb", MEETING)
    add_board(folder, "jpb", MEETING)
    boards = load_boards(folder, load_settings)
    jpb = next(b for b in boards if b.name == "jpb")
    assert jpb.cfg is not None
    with board_lock(jpb.cfg, "coprod serve --boards (on another machine)"):
        passes = {p.name: p for p in run_boards(boards, london(2024, 2, 29, 8, 5))}
    assert passes["jpb"].outcome == BUSY and "another machine" in passes["jpb"].detail
    assert passes["cpb"].outcome == OK and sent(folder, "jpb") == []
    later = {p.name: p for p in run_boards(boards, london(2024, 2, 29, 8, 6))}
    assert later["jpb"].outcome == OK and len(sent(folder, "jpb")) == 2


def test_the_command_line_one_line_per_board_and_the_health_check(tmp_path: Path) -> None:
    yesterday = dt.datetime.now(ZoneInfo("Europe/London")).date() - dt.timedelta(days=1)
    folder = _folder(tmp_path, yesterday)
    runner = CliRunner()
    run = runner.invoke(cli, ["run", "--once", "--boards", str(folder)])
    assert run.exit_code == 2, run.output  # a board's config could not be used
    lines = run.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["carers", "cpb", "jpb", "ld_partnership"]
    assert lines[0].startswith("carers: BROKEN") and lines[1].startswith("cpb: ok")
    status = runner.invoke(cli, ["status", "--boards", str(folder)])
    assert status.exit_code == 0  # without --check, status only tells
    said = dict(line.split(": ", 1) for line in status.stdout.splitlines())
    assert said["cpb"].startswith("ok - last pass") and said["jpb"].startswith("NOT OK")
    assert said["carers"].startswith("CONFIG BROKEN") and "send_tme" in said["carers"]
    assert runner.invoke(cli, ["status", "--check", "--boards", str(folder)]).exit_code == 4
    for name in ("carers.toml", "jpb.toml"):  # the two bad boards removed
        (folder / name).unlink()
    assert runner.invoke(cli, ["status", "--check", "--boards", str(folder)]).exit_code == 0
    one = runner.invoke(cli, ["status", "--check", "--config", str(folder / "cpb.toml")])
    assert one.exit_code == 0 and one.stdout.startswith("cpb: ok")  # the same state as --boards


def test_moving_a_board_from_sqlite_to_postgresql_and_back_sends_nothing_twice(
    tmp_path: Path, pg_url: str
) -> None:
    folder = tmp_path / "boards"
    old = add_board(folder, "cpb", MEETING)
    boards = load_boards(folder, load_settings)
    assert [p.outcome for p in run_boards(boards, london(2024, 2, 29, 8, 5))] == [OK]
    assert len(sent(folder, "cpb")) == 2
    runner = CliRunner()
    export = tmp_path / "cpb-state.json"
    out = runner.invoke(cli, ["state", "export", "--config", str(old), "--out", str(export)])
    assert out.exit_code == 0, out.output
    assert json.loads(export.read_text())["tables"]["digest_recipients"]["rows"]
    # The same board, now with its state in PostgreSQL (the config gains [state]).
    pg = f'\n[state]\nurl = "{pg_url}"\npassword_env = "{PG_PASSWORD_ENV}"\nboard = "cpb"\n'
    old.write_text(old.read_text() + pg, encoding="utf-8")
    done = runner.invoke(cli, ["state", "import", "--config", str(old), str(export)])
    assert done.exit_code == 0, done.output
    assert "digest_recipients 2" in done.output
    # The digests' job is done for that slot and the ledger says sent: nothing goes again,
    # not even at the next day's digest time (the catch-up would resend an unrecorded one).
    for when in (london(2024, 2, 29, 8, 30), london(2024, 3, 1, 8, 5)):
        [p] = run_boards(load_boards(folder, load_settings), when)
        assert p.outcome == OK
    assert len(sent(folder, "cpb")) == 2
    again = runner.invoke(cli, ["state", "import", "--config", str(old), str(export)])
    assert again.exit_code == 2 and "already has records" in again.output
    # ...and back to SQLite, in a new state folder.
    back = tmp_path / "back.json"
    runner.invoke(cli, ["state", "export", "--config", str(old), "--out", str(back)])
    text = old.read_text().replace(pg, "").replace('"state/cpb"', '"state-again"')
    old.write_text(text, encoding="utf-8")
    assert runner.invoke(cli, ["state", "import", "--config", str(old), str(back)]).exit_code == 0
    [p] = run_boards(load_boards(folder, load_settings), london(2024, 3, 4, 8, 5))
    assert p.outcome == OK and len(sent(folder, "cpb")) == 2
    assert (folder / "state-again" / "coprod.sqlite3").exists()


def test_serve_does_every_board_and_stops_when_asked(tmp_path: Path) -> None:
    import threading

    from automations.service.boards import serve_boards

    yesterday = dt.datetime.now(ZoneInfo("Europe/London")).date() - dt.timedelta(days=1)
    folder = tmp_path / "boards"
    add_board(folder, "cpb", yesterday)
    add_board(folder, "jpb", yesterday, nested=True)
    stop, outcome = threading.Event(), []
    runner = threading.Thread(
        target=lambda: outcome.append(serve_boards(folder, load_settings, stop))
    )
    runner.start()
    try:
        for _ in range(240):  # its first pass starts at once
            if len(sent(folder, "cpb")) == 2 and len(sent(folder, "jpb", nested=True)) == 2:
                break
            stop.wait(0.5)
    finally:
        stop.set()
        runner.join(timeout=120)
    assert outcome == [0]
    assert len(sent(folder, "cpb")) == len(sent(folder, "jpb", nested=True)) == 2
