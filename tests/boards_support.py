"""A folder of boards for the many-boards tests: ``<name>.toml`` files side by side and
``<name>/config.toml`` folders, each board with its workbook and an outbox of its own."""

from __future__ import annotations

import datetime as dt
import email
from pathlib import Path

from tests.builders import write_workbook
from tests.test_service_support import board_tables


def board_toml(name: str, state: str = "", extra: str = "", smtp_port: int | None = None) -> str:
    # Each board sends from a domain of its own, so its Message-IDs are its own too.
    mail = (
        f'transport = "smtp"\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        "retries = 1\ntimeout = 20\n"
        if smtp_port
        else f'transport = "outbox"\noutbox = "outbox-{name}"\n'
    )
    return f"""
[source]
kind = "xlsx"
path = "{name}.xlsx"

[schedule]
timezone = "Europe/London"
check_every_minutes = 240
digest_time = "08:00"

[digest]
send_after_days = 1
send_time = "00:00"

[[digest.audiences]]
name = "HBP"
recipients = ["hbp.{name}@example.org"]

[[digest.audiences]]
name = "Senior Head"
recipients = ["head.{name}@example.org"]

[mail]
from = "{name} <board@{name}.example.org>"
{mail}
[alerts]
to = ["officer@example.org"]
{state}
{extra}"""


def add_board(folder: Path, name: str, meeting: dt.date, state: str | None = None,
              nested: bool = False, extra: str = "", smtp_port: int | None = None,
              ) -> Path:  # fmt: skip
    """One board: ``folder/<name>.toml`` (or ``folder/<name>/config.toml`` when nested). A board
    file beside others names its own state folder (state/<name>) unless ``state`` is given."""
    if state is None:
        state = "" if nested else f'[paths]\nstate_dir = "state/{name}"\n'
    home = folder / name if nested else folder
    home.mkdir(parents=True, exist_ok=True)
    write_workbook(home / f"{name}.xlsx", board_tables(meeting))
    path = home / "config.toml" if nested else home / f"{name}.toml"
    path.write_text(board_toml(name, state, extra, smtp_port), encoding="utf-8")
    return path


def sent(folder: Path, name: str, nested: bool = False) -> list[str]:
    """The recipients of every message in the board's outbox, sorted."""
    box = (folder / name if nested else folder) / f"outbox-{name}"
    if not box.exists():
        return []
    return sorted(str(email.message_from_bytes(p.read_bytes())["To"]) for p in box.glob("*.eml"))
