"""PostgreSQL state only: the address and its password, a server that cannot be reached or
refuses the password (exit 2, the address named without its password), and the numbered
migrations (forward from the previous version with real rows, all or nothing, never back)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from automations.core.errors import ConfigError, StateError
from automations.core.store import postgres, store_for
from automations.digests import ledger
from automations.service.state import open_state
from automations.settings import load_settings
from tests.conftest import PG_PASSWORD_ENV
from tests.test_service_support import coprod, free_port, make_board

MEETING = dt.date(2024, 2, 28)
NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def _state(url: str, board: str = "") -> str:
    named = f'board = "{board}"\n' if board else ""
    return f'\n[state]\nurl = "{url}"\npassword_env = "{PG_PASSWORD_ENV}"\n{named}'


def _raw(pg_server, url: str) -> psycopg.Connection:
    return psycopg.connect(url, password=pg_server.password, autocommit=True)


def test_a_password_in_the_address_is_refused_and_never_shown(tmp_path: Path) -> None:
    make_board(tmp_path, MEETING, extra=_state("postgresql://coprod:hunter2@db.example/x"))
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "config.toml")
    assert "state.url" in str(caught.value) and "password_env" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_the_state_section_names_a_misspelt_key(tmp_path: Path) -> None:
    make_board(tmp_path, MEETING, extra='\n[state]\nurl = "postgresql://db/x"\npasword_env = "X"\n')
    with pytest.raises(ConfigError, match=r"state\.pasword_env"):
        load_settings(tmp_path / "config.toml")


@pytest.mark.parametrize("fault", ["wrong password", "unreachable"])
def test_a_database_that_cannot_be_used_at_start_exits_2_naming_it(
    tmp_path: Path, pg_url: str, fault: str
) -> None:
    url = pg_url if fault == "wrong password" else f"postgresql://coprod@127.0.0.1:{free_port()}/x"
    make_board(tmp_path, MEETING, extra=_state(url))
    secret = "not-the-password-" + os.urandom(4).hex()
    env = {**os.environ, PG_PASSWORD_ENV: secret}
    done = subprocess.run(
        coprod("run", "--once", "--config", "config.toml"),
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"Cannot connect to the state database {url}" in done.stderr
    assert "Traceback" not in done.stderr and secret not in done.stderr + done.stdout
    if fault == "wrong password":
        assert "password authentication failed" in done.stderr
    assert not (tmp_path / "outbox").exists()  # nothing was sent


def test_a_fresh_database_is_migrated_and_the_versions_recorded(pg_server, pg_url, tmp_path):
    cfg = make_board(tmp_path, MEETING, extra=_state(pg_url, "jpb"))
    with open_state(cfg) as state:
        state.touch("last_tick_at", NOW)
    with _raw(pg_server, pg_url) as conn:
        rows = conn.execute("SELECT version, what FROM coprod_jpb.coprod_schema ORDER BY 1")
        assert [r[0] for r in rows] == [m[0] for m in postgres.MIGRATIONS]


def _at_version(pg_server, url: str, schema: str, version: int) -> None:
    with _raw(pg_server, url) as conn:
        postgres.migrate(conn, schema, "test", postgres.MIGRATIONS[:version])


def test_the_previous_schema_version_with_real_rows_is_carried_forward(
    pg_server, pg_url, tmp_path
) -> None:
    cfg = make_board(tmp_path, MEETING, extra=_state(pg_url, "ld"))
    _at_version(pg_server, pg_url, "coprod_ld", 1)  # the ledger before `who`
    with _raw(pg_server, pg_url) as conn:
        conn.execute("SET search_path TO coprod_ld")
        conn.execute(
            "INSERT INTO digest_recipients (audience, meeting, address, state, tries, message_id,"
            " updated_at, sent_at, content_hash, transport) VALUES ('HBP', '2024-02-28', "
            "'hbp@example.org', 'sent', 0, '<m@x>', '2024-02-29T08:00:00+00:00', "
            "'2024-02-29T08:00:00+00:00', 'h', 'smtp')"
        )
        conn.execute("INSERT INTO service_passes (started_at, outcome) VALUES ('2024-02-29', 'ok')")
    book = ledger.connect(cfg)  # the first connection of this process migrates forward
    try:
        [row] = book.records()
        assert (row.address, row.state, row.who) == ("hbp@example.org", ledger.SENT, "")
    finally:
        book.close()
    with open_state(cfg) as state:
        first = state.passes()
        new = state.begin_pass(NOW)  # ids go on after the carried row's
        assert [p.outcome for p in first] == ["ok"] and new > first[0].id
    with _raw(pg_server, pg_url) as conn:
        versions = conn.execute("SELECT version FROM coprod_ld.coprod_schema ORDER BY 1")
        assert [v[0] for v in versions] == list(range(1, postgres.LATEST + 1))


def test_a_migration_that_cannot_run_changes_nothing(pg_server, pg_url, tmp_path) -> None:
    cfg = make_board(tmp_path, MEETING, extra=_state(pg_url, "carers"))
    _at_version(pg_server, pg_url, "coprod_carers", 1)
    with _raw(pg_server, pg_url) as conn:  # someone added a `who` of their own to one table
        conn.execute("ALTER TABLE coprod_carers.pack_recipients ADD COLUMN who INTEGER")
    with pytest.raises(StateError) as caught:
        ledger.connect(cfg)
    message = str(caught.value)
    assert "migration 2" in message and "Nothing was changed" in message
    assert "schema version 1" in message and pg_url in message
    with _raw(pg_server, pg_url) as conn:
        versions = conn.execute("SELECT version FROM coprod_carers.coprod_schema").fetchall()
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "'coprod_carers' AND table_name = 'digest_recipients' AND column_name = 'who'"
        ).fetchall()
    assert versions == [(1,)]
    assert columns == []  # the migration's first step, which could run, was rolled back too


def test_a_database_newer_than_this_copy_is_left_alone(pg_server, pg_url, tmp_path) -> None:
    cfg = make_board(tmp_path, MEETING, extra=_state(pg_url, "jpb"))
    _at_version(pg_server, pg_url, "coprod_jpb", postgres.LATEST)
    with _raw(pg_server, pg_url) as conn:
        conn.execute("INSERT INTO coprod_jpb.coprod_schema VALUES (99, 'from the future', 'x')")
    with pytest.raises(StateError, match="newer than this copy of coprod knows"):
        store_for(cfg).check_writable()


def test_serve_on_postgresql_takes_the_lock_per_pass_and_leaves_a_busy_board(
    pg_url: str, tmp_path: Path
) -> None:
    import threading

    from automations.service.lock import board_holder, board_lock
    from automations.service.loop import serve

    cfg = make_board(tmp_path, MEETING, extra=_state(pg_url, "cpb"))
    stop = threading.Event()
    outcome: list[int] = []
    with board_lock(cfg, "coprod serve (on another machine)"):
        runner = threading.Thread(target=lambda: outcome.append(serve(cfg, stop)))
        runner.start()
        stop.wait(2)  # its first pass finds the board busy and leaves it
        with open_state(cfg) as state:
            assert state.time_of("last_tick_at") is None
    ticked = threading.Event()
    while runner.is_alive() and not ticked.is_set():  # the next minute's pass does the board
        with open_state(cfg) as state:
            if state.time_of("last_tick_at") is not None:
                ticked.set()
        ticked.wait(0.5)
    stop.set()
    runner.join(timeout=120)
    assert outcome == [0] and ticked.is_set()
    assert board_holder(cfg) == (False, None)  # not held between passes, nor after
