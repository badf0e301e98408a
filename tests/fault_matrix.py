"""Shared parts of the mail fault matrix: four audiences (one with two recipients), what the
server received per audience and recipient, and the checks every case makes after recovery.

No tests here; test_mail_faults*.py import it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from automations.core.config import Config
from automations.digests import ledger
from automations.digests import send as digest
from automations.pipeline import Validation
from tests.digest_setup import SAMPLE_MEETING, SAMPLE_NOW, example_config_data, sample

AUDIENCES: dict[str, tuple[str, ...]] = {
    "HBP": ("hbp@example.org",),
    "DMT": ("asc-dmt@example.org",),
    "Senior Head": ("senior.head@example.org",),
    "Co-chairs": ("resident.cochair@example.org", "commissioner.cochair@example.org"),
}
RESIDENT, COMMISSIONER = AUDIENCES["Co-chairs"]
SENDER_DOMAIN = "example.org"
TIMEOUT, RETRIES = 1, 2  # seconds per SMTP command, attempts per digest within a run


def message_id(audience: str, meeting: dt.date = SAMPLE_MEETING) -> str:
    slug = audience.lower().replace(" ", "-")
    return f"<coprod-digest.{meeting.isoformat()}.{slug}@{SENDER_DOMAIN}>"


def audiences_config(
    audiences: dict[str, tuple[str, ...]] | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "title": f"{name} (test audience)",
            "recipients": list(addresses),
            "enabled": True,
            "easy_read": False,
            "sections": ["raised", "overdue"],
        }
        for name, addresses in (audiences or AUDIENCES).items()
    ]


def mail_config(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "transport": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "timeout": TIMEOUT,
        "retries": RETRIES,
        "retry_delay": 0,
        "from": f"Co-Production Board <board@{SENDER_DOMAIN}>",
        **extra,
    }


def smtp_toml(port: int, timeout: float) -> str:
    """The [mail] and [alerts] sections of a config.toml for a run in its own process (the
    subprocess reads the file): SMTP on loopback, quick retries."""
    return f'''[mail]
from = "Co-Production Board <board@example.org>"
transport = "smtp"
host = "127.0.0.1"
port = {port}
security = "none"
retries = 2
retry_delay = 0
timeout = {timeout}

[alerts]
to = ["officer@example.org"]
'''


def board(
    tmp_path: Path, port: int, audiences: dict[str, tuple[str, ...]] | None = None, **mail: Any
) -> tuple[Config, Validation]:
    """The sample board with four audiences, mailing to 127.0.0.1:port."""
    data = example_config_data()["digest"]
    data["audiences"] = audiences_config(audiences)
    return sample(tmp_path, digest=data, mail=mail_config(port, **mail))


def bound(runs: int = 1, audiences: int = len(AUDIENCES)) -> float:
    """The longest a run may take: every attempt of every digest waiting a full timeout (a
    connection, a greeting and a reply each), plus start-up. Not a benchmark: a hang fails."""
    return runs * (audiences * RETRIES * 3 * TIMEOUT + 5)


@dataclass
class Runs:
    """The runs of one case: each call of `run` is one scheduled pass's digest sending."""

    cfg: Config
    validation: Validation
    outcomes: list[list[digest.SendOutcome]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def run(self, now: dt.datetime = SAMPLE_NOW) -> dict[str, digest.SendOutcome]:
        began = time.monotonic()
        outcomes = digest.send_due(self.cfg, self.validation, now)
        self.seconds.append(time.monotonic() - began)
        self.outcomes.append(outcomes)
        assert self.seconds[-1] < bound(), f"a run took {self.seconds[-1]:.1f} s"  # no hang
        return {o.audience: o for o in outcomes}

    def recover(self, most: int = 3) -> int:
        """Healthy runs until nothing is due; how many runs sent something."""
        for n in range(most):
            if not self.run():
                return n
        raise AssertionError(f"still due after {most} healthy runs: {self.outcomes[-1]}")

    def rows(self) -> dict[tuple[str, str], ledger.RecipientRecord]:
        book = ledger.connect(self.cfg)
        try:
            return {(r.audience, r.address): r for r in book.records()}
        finally:
            book.close()


def check_recovered(
    received: dict[tuple[str, str], int],
    uncertain: set[str] = frozenset(),  # type: ignore[assignment]
    audiences: dict[str, tuple[str, ...]] | None = None,
    meeting: dt.date = SAMPLE_MEETING,
) -> dict[str, int]:
    """The matrix's promise, per recipient: at least one copy (none lost), at most two, and two
    only for a send that was uncertain; every copy carries its audience's one Message-ID.
    Returns the copies per address, for the closing counts."""
    audiences = audiences or AUDIENCES
    expected = {
        addr: message_id(aud, meeting) for aud, addrs in audiences.items() for addr in addrs
    }
    copies: dict[str, int] = {}
    for (mid, addr), count in received.items():
        if addr in expected:
            assert mid == expected[addr], (addr, mid)  # the same Message-ID on every copy
            copies[addr] = copies.get(addr, 0) + count
    for addr in expected:
        got = copies.get(addr, 0)
        assert got >= 1, f"{addr} never got the digest"
        assert got <= (2 if addr in uncertain else 1), f"{addr} got {got} copies"
    return copies


def no_tracebacks(caplog: Any) -> None:
    ours = [r for r in caplog.records if r.name.startswith("coprod")]
    assert not any(r.exc_info for r in ours), [r.getMessage() for r in ours]
