"""Owner reminders and co-chairs' packs that a mail server refused, or that were handed over
with no answer, reach the officers' alert email in plain words, each once, as the digests'
problems do. Whole service passes (`run_once`) against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from automations.digests import ledger
from automations.service.loop import run_once
from tests.digest_setup import parse, sample
from tests.fault_matrix import mail_config
from tests.smtp_server import FaultServer
from tests.test_pack import PACK_DAY, at

OFFICERS = "board-officers@example.org"  # the sample config's [alerts] to
JOSEPH, ROSA, DANIEL = (f"{n}@example.org" for n in ("joseph.nwosu", "rosa.martinez",
                                                      "daniel.okafor"))


def told(server: FaultServer) -> list[tuple[str, str]]:
    """(subject, text) of each email the officers' alert address got."""
    out = []
    for raw in server.handler.messages:
        msg = parse(raw)
        if OFFICERS in str(msg["To"]) and "need a look" in str(msg["Subject"]):
            body = msg.get_body(("plain",))
            assert body is not None
            out.append((str(msg["Subject"]), body.get_content()))
    return out


def test_refused_and_uncertain_reminders_and_packs_are_told_to_the_officers_once(
    tmp_path: Path,
) -> None:
    with FaultServer() as server:
        server.handler.reject = {JOSEPH, DANIEL}  # 550 5.1.1 no such mailbox
        server.handler.only_for = ROSA
        server.handler.after_data_always = "drop"  # Rosa's: handed over, never answered
        cfg, _ = sample(tmp_path, mail=mail_config(server.port), pack={"days_before": 5},
                        reminders={"officers_copy": f"Board officers <{OFFICERS}>"})
        first = run_once(cfg, at(PACK_DAY, 10))
        assert not first.ok  # the refusals fail their jobs: `coprod status` shows them too
        [(subject, text)] = told(server)
        server.handler.after_data_always = "ok"
        later = [run_once(cfg, at(PACK_DAY, h)) for h in (11, 12)]
        assert len(told(server)) == 1  # told once, not on every pass
    assert subject == "Co-Production Board service: some emails need a look"
    text = text.replace("\r\n", "\n")
    assert (f"The reminder to Joseph Nwosu <{JOSEPH}> (25 March 2024) was refused by the mail "
            "server: 550 5.1.1") in text
    assert (f"The follow-up pack for the meeting on 3 April 2024 to Daniel Okafor <{DANIEL}> "
            "was refused by the mail server: 550 5.1.1") in text
    assert (f"The reminder to Rosa Martinez <{ROSA}> (25 March 2024) may not have arrived: "
            in text)
    assert "it will be sent once more, with the same Message-ID, on the next run." in text
    assert "`coprod remind --send`" in text
    # Nobody who had theirs is named; Rosa's went once more on the next pass and is not news.
    for fine in ("Grace Adebayo", "Ian McDonald"):
        assert fine not in text
    assert any(j.job == "reminders" and j.ok for j in later[0].jobs)
    book = ledger.connect(cfg, ledger.REMINDERS)
    try:
        rows = {r.address: r for r in book.records()}
    finally:
        book.close()
    assert rows[ROSA].state == ledger.SENT and rows[JOSEPH].state == ledger.REFUSED
    assert rows[JOSEPH].who == "Joseph Nwosu" and rows[JOSEPH].reported_at is not None


def test_a_state_file_from_before_the_who_column_is_upgraded(tmp_path: Path) -> None:
    import sqlite3

    from automations.core.config import parse_config

    cfg = parse_config({"source": {"kind": "xlsx", "path": "b.xlsx"}}, tmp_path / "config.toml")
    cfg.state_dir.mkdir(parents=True)
    old = sqlite3.connect(cfg.state_dir / "coprod.sqlite3")
    schema = ledger._SCHEMA.replace(ledger.DIGESTS, ledger.REMINDERS)
    old.execute(_without_who(schema))
    old.execute("INSERT INTO reminder_recipients VALUES ('reminder:M09', '2024-03-25', "
                "'joseph.nwosu@example.org', 'refused', 0, '<m>', '550 no', "
                "'2024-03-25T10:00:00+00:00', NULL, 'ab', 'smtp', NULL)")
    old.commit()
    old.close()
    book = ledger.connect(cfg, ledger.REMINDERS)
    try:
        [row] = book.untold()
    finally:
        book.close()
    assert row.who == "" and row.state == ledger.REFUSED
    from automations.service.alerts import _person_line

    assert _person_line(row, "reminder").startswith(
        "The reminder to M09 <joseph.nwosu@example.org> (25 March 2024) was refused")


def _without_who(schema: str) -> str:
    return "\n".join(line for line in schema.splitlines() if not line.lstrip().startswith("who "))
