"""The mail fault matrix, in process, against real servers on 127.0.0.1 (aiosmtpd with faults
injected, and a bare socket for servers that never greet or refuse at once).

Every case counts what the server received per audience and recipient across the failing run
and the healthy runs after it, and checks: no recipient lost, at most one extra copy and only for
an uncertain send, the same Message-ID on it, a bounded time, a clear message, no traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from automations.digests import ledger
from automations.digests import send as digest
from automations.service.loop import run_once
from automations.service.status import render_status, status
from tests.digest_setup import SAMPLE_NOW, parse
from tests.fault_matrix import (
    AUDIENCES,
    COMMISSIONER,
    RESIDENT,
    Runs,
    board,
    bound,
    check_recovered,
    message_id,
    no_tracebacks,
)
from tests.smtp_server import FaultHandler, FaultServer, SilentServer, free_port

HBP = AUDIENCES["HBP"][0]
EVERYONE = {a for addrs in AUDIENCES.values() for a in addrs}


def test_connection_refused_then_up(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()  # nothing listens there yet
    runs = Runs(*board(tmp_path, port))
    down = runs.run()
    assert {o.status for o in down.values()} == {"retry-later"}
    assert "could not reach the mail server at 127.0.0.1" in down["HBP"].detail
    assert "not tried" in down["Co-chairs"].detail  # the first failure spares the others
    assert runs.seconds[0] < bound()
    with FaultServer(port) as server:
        assert runs.recover() == 1
    check_recovered(server.handler.copies())
    no_tracebacks(caplog)


def test_drop_after_data_on_the_first_attempt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FaultServer() as server:
        server.handler.after_data = ["drop"]  # the first message (HBP) gets no reply
        runs = Runs(*board(tmp_path, server.port))
        first = runs.run()
        # Not retried within the run: the server had the whole message.
        assert server.handler.copies()[(message_id("HBP"), HBP)] == 1
        assert first["HBP"].status == "uncertain"
        assert "took the whole message but gave no answer" in first["HBP"].detail
        assert "sent once more, with the same Message-ID, on the next run" in first["HBP"].detail
        assert {first[a].status for a in AUDIENCES if a != "HBP"} == {"sent"}
        assert runs.recover() == 1
    copies = check_recovered(server.handler.copies(), uncertain={HBP})
    assert copies[HBP] == 2  # the one repeat, in the next run
    assert runs.rows()[("HBP", HBP)].state == ledger.SENT
    no_tracebacks(caplog)


def test_drop_after_data_on_every_attempt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with FaultServer() as server:
        server.handler.after_data_always = "drop"
        runs = Runs(*board(tmp_path, server.port))
        first = runs.run()
        assert {o.status for o in first.values()} == {"uncertain"}
        second = runs.run()  # each repeated once, with the same Message-ID
        assert {o.status for o in second.values()} == {"uncertain"}
        assert "it was already sent twice, so it is not sent again" in second["HBP"].detail
        assert runs.run() == {}  # no third copy, ever
        server.handler.after_data_always = "ok"
        assert runs.run() == {}
    copies = check_recovered(server.handler.copies(), uncertain=EVERYONE)
    assert set(copies.values()) == {2}
    assert {r.state for r in runs.rows().values()} == {ledger.UNCERTAIN}
    assert max(runs.seconds) < bound()
    no_tracebacks(caplog)


def test_no_reply_after_data(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with FaultServer() as server:
        server.handler.only_for = HBP
        server.handler.after_data = ["stall"]  # waits longer than mail.timeout
        runs = Runs(*board(tmp_path, server.port))
        first = runs.run()
        assert first["HBP"].status == "uncertain"
        assert "timed out" in first["HBP"].detail
        assert runs.seconds[0] < bound()
        assert runs.recover() == 1
    assert check_recovered(server.handler.copies(), uncertain={HBP})[HBP] == 2
    no_tracebacks(caplog)


def test_421_greeting_then_up(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with SilentServer("421 4.3.2 Service shutting down, try later") as silent:
        runs = Runs(*board(tmp_path, silent.port))
        down = runs.run()
    assert {o.status for o in down.values()} == {"retry-later"}
    assert "421 4.3.2 Service shutting down" in down["HBP"].detail
    with FaultServer(silent.port) as server:
        assert runs.recover() == 1
    check_recovered(server.handler.copies())
    no_tracebacks(caplog)


def test_451_after_data_then_up(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with FaultServer() as server:
        server.handler.after_data_always = "451"
        runs = Runs(*board(tmp_path, server.port))
        down = runs.run()
        assert {o.status for o in down.values()} == {"retry-later"}
        assert "451 4.3.0 Busy" in down["Co-chairs"].detail
        assert server.handler.received == []  # a 451 means the server kept nothing
        server.handler.after_data_always = "ok"
        assert runs.recover() == 1
    check_recovered(server.handler.copies())
    no_tracebacks(caplog)


def test_450_for_one_recipient_is_sent_to_them_on_the_next_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FaultServer() as server:
        server.handler.defer = {COMMISSIONER}
        runs = Runs(*board(tmp_path, server.port))
        first = runs.run()
        assert first["Co-chairs"].status == "retry-later"
        assert f"{COMMISSIONER}: not sent yet" in first["Co-chairs"].detail
        assert f"delivered to {RESIDENT}" in first["Co-chairs"].detail
        server.handler.defer = set()
        assert runs.recover() == 1
    check_recovered(server.handler.copies())  # the resident did not get it twice
    no_tracebacks(caplog)


def test_550_for_one_of_two_then_the_address_is_fixed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FaultServer() as server:
        server.handler.reject = {COMMISSIONER}
        runs = Runs(*board(tmp_path, server.port))
        first = runs.run()
        co = first["Co-chairs"]
        assert co.status == "failed"
        assert f"refused for {COMMISSIONER}: 550 5.1.1" in co.detail  # the server's words
        assert "no such mailbox" in co.detail
        assert runs.run() == {}  # not retried: the same address would be refused again
        # The officers fix the address in the config; the new one gets it, the resident not again.
        fixed = {**AUDIENCES, "Co-chairs": (RESIDENT, "commissioner@example.org")}
        cfg, validation = board(tmp_path, server.port, audiences=fixed)
        again = Runs(cfg, validation)
        assert again.recover() == 1
    copies = check_recovered(server.handler.copies(), audiences=fixed)
    assert COMMISSIONER not in copies
    no_tracebacks(caplog)


def test_550_then_the_mailbox_is_fixed_and_an_officer_sends_by_hand(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FaultServer() as server:
        server.handler.reject = {COMMISSIONER}
        runs = Runs(*board(tmp_path, server.port))
        runs.run()
        server.handler.reject = set()
        assert runs.run() == {}
        # `coprod digest --send` for that meeting: only the refused recipient is sent it.
        jobs = digest.manual_jobs(runs.cfg, runs.validation, None, None)
        outcomes = digest.send_jobs(runs.cfg, runs.validation, jobs, SAMPLE_NOW)
    by = {o.audience: o.status for o in outcomes}
    assert by == {
        "HBP": "already-sent",
        "DMT": "already-sent",
        "Senior Head": "already-sent",
        "Co-chairs": "sent",
    }
    check_recovered(server.handler.copies())
    no_tracebacks(caplog)


def test_a_server_that_never_greets(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with SilentServer(None) as silent:
        runs = Runs(*board(tmp_path, silent.port))
        down = runs.run()
        assert silent.connections == 2  # mail.retries, then the other digests are spared
    assert {o.status for o in down.values()} == {"retry-later"}
    assert "timed out" in down["HBP"].detail
    assert runs.seconds[0] < bound()
    with FaultServer(silent.port) as server:
        assert runs.recover() == 1
    check_recovered(server.handler.copies())
    no_tracebacks(caplog)


def _to_officers(handler: FaultHandler) -> list[str]:
    """The text of each email the server got for `[alerts] to` (the sample's officers)."""
    out = []
    for raw in handler.messages:
        msg = parse(raw)
        if "board-officers@example.org" in str(msg["To"]):
            body = msg.get_body(("plain",))
            assert body is not None
            out.append(body.get_content())
    return out


def test_uncertain_and_refused_sends_are_shown_in_status_and_told_to_the_officers_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FaultServer() as server:
        server.handler.after_data = ["drop"]  # HBP: handed over, no reply
        server.handler.reject = {COMMISSIONER}
        cfg, _ = board(tmp_path, server.port)
        first = run_once(cfg, SAMPLE_NOW)
        assert not first.ok
        shown = status(cfg)
        text = render_status(shown)
        [notice] = _to_officers(server.handler)
        later = [run_once(cfg, SAMPLE_NOW + dt.timedelta(minutes=m)) for m in (1, 2)]
        after = status(cfg)
        copies = server.handler.copies()
    problems = {(p["address"], p["state"]) for p in shown["digest_problems"]}
    assert problems == {(HBP, "uncertain"), (COMMISSIONER, "refused")}
    assert "HBP (2024-03-06) to hbp@example.org: uncertain" in text
    assert "sent again on the next run, with the same Message-ID" in text
    assert f"{COMMISSIONER}: refused by the mail server - 550 5.1.1" in text
    assert "HBP digest of the meeting on 06 March 2024, to hbp@example.org: uncertain" in notice
    assert f"to {COMMISSIONER}: refused by the mail server, which said: 550 5.1.1" in notice
    assert len(_to_officers_after(copies)) == 1  # told once, not on every pass
    assert later[0].ok and later[1].nothing_due  # HBP went once more; the refusal stays told
    assert {(p["address"], p["state"]) for p in after["digest_problems"]} == {
        (COMMISSIONER, "refused")
    }
    check_recovered(copies, uncertain={HBP}, audiences={**AUDIENCES, "Co-chairs": (RESIDENT,)})
    no_tracebacks(caplog)


def _to_officers_after(copies: dict[tuple[str, str], int]) -> list[str]:
    return [
        mid
        for (mid, addr), n in copies.items()
        for _ in range(n)
        if addr == "board-officers@example.org"
    ]
