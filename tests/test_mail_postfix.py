"""The fault matrix through a real MTA: Debian's Postfix on 127.0.0.1 (tests/postfix.py),
relaying to aiosmtpd sinks. The healthy path, a deferral Postfix decides itself (450 for a
recipient, from its access table), and a message Postfix took whole but never answered (its
before-queue content filter hangs)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fault_matrix import (
    AUDIENCES,
    COMMISSIONER,
    RESIDENT,
    Runs,
    board,
    bound,
    check_recovered,
    no_tracebacks,
)
from tests.postfix import Postfix
from tests.smtp_server import FaultHandler, FaultServer, free_port

HBP = AUDIENCES["HBP"][0]
RECIPIENTS = sum(len(a) for a in AUDIENCES.values())


@pytest.fixture(scope="module")
def sinks() -> Iterator[tuple[FaultServer, FaultServer]]:
    """(where Postfix relays to, the content filter of its second listener)."""
    with FaultServer() as relay, FaultServer() as content_filter:
        yield relay, content_filter


@pytest.fixture(scope="module")
def mta(sinks: tuple[FaultServer, FaultServer]) -> Iterator[Postfix]:
    relay, content_filter = sinks
    postfix = Postfix(free_port(), free_port(), content_filter.port, relay.port)
    try:
        yield postfix.start()
    finally:
        postfix.stop()


@pytest.fixture
def fresh(sinks: tuple[FaultServer, FaultServer], mta: Postfix) -> tuple[FaultHandler, ...]:
    for server in sinks:
        server.handler.__init__()  # type: ignore[misc]  # forget the last test's mail and faults
    mta.set_access({})
    # A reload restarts Postfix's SMTP processes: start the test once they take every recipient
    # again (a session caught mid-reload answers 4xx, which no test here is about).
    for address in (a for group in AUDIENCES.values() for a in group):
        mta.wait_accepts(address)
    return tuple(s.handler for s in sinks)


def wait_for(handler: FaultHandler, recipients: int, mta: Postfix, limit: float = 30) -> None:
    """Postfix relays on its own time: wait (bounded) until the sink has this many copies."""
    deadline = time.monotonic() + limit
    while sum(handler.copies().values()) < recipients:
        if time.monotonic() > deadline:
            raise AssertionError(f"the sink got {handler.copies()}; Postfix log:\n{mta.log()}")
        time.sleep(0.05)


def test_healthy_path_through_postfix(
    tmp_path: Path, mta: Postfix, fresh: tuple[FaultHandler, ...], caplog: pytest.LogCaptureFixture
) -> None:
    relay, _ = fresh
    runs = Runs(*board(tmp_path, mta.port))
    first = runs.run()
    assert {o.status for o in first.values()} == {"sent"}
    assert runs.recover() == 0
    wait_for(relay, RECIPIENTS, mta)
    copies = check_recovered(relay.copies())
    assert set(copies.values()) == {1}
    assert "status=sent" in mta.log()  # it really went through Postfix's queue
    no_tracebacks(caplog)


def test_postfix_defers_one_recipient_then_takes_it(
    tmp_path: Path, mta: Postfix, fresh: tuple[FaultHandler, ...], caplog: pytest.LogCaptureFixture
) -> None:
    relay, _ = fresh
    mta.set_access({COMMISSIONER: "450 4.2.1 Mailbox busy, try again later"})
    mta.wait_accepts(RESIDENT)
    runs = Runs(*board(tmp_path, mta.port))
    first = runs.run()
    co = first["Co-chairs"]
    assert co.status == "retry-later"
    assert "450 4.2.1" in co.detail and "Mailbox busy" in co.detail  # Postfix's own words
    assert f"delivered to {RESIDENT}" in co.detail
    mta.set_access({})
    mta.wait_accepts(COMMISSIONER)
    assert runs.recover() == 1
    wait_for(relay, RECIPIENTS, mta)
    copies = check_recovered(relay.copies())
    assert set(copies.values()) == {1}  # the resident did not get a second copy
    no_tracebacks(caplog)


def test_postfix_takes_the_message_and_never_answers(
    tmp_path: Path, mta: Postfix, fresh: tuple[FaultHandler, ...], caplog: pytest.LogCaptureFixture
) -> None:
    _, content_filter = fresh
    content_filter.only_for = HBP
    content_filter.after_data = ["stall"]  # longer than mail.timeout; Postfix waits on it
    content_filter.stall_seconds = 3
    runs = Runs(*board(tmp_path, mta.proxy_port))
    first = runs.run()
    assert first["HBP"].status == "uncertain"
    assert "took the whole message but gave no answer" in first["HBP"].detail
    assert {first[a].status for a in AUDIENCES if a != "HBP"} == {"sent"}
    assert runs.seconds[0] < bound()
    assert runs.recover() == 1
    copies = check_recovered(content_filter.copies(), uncertain={HBP})
    assert copies[HBP] == 2  # one repeat, the next run, with the same Message-ID
    no_tracebacks(caplog)
