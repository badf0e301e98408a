"""Shared parts for the service tests: a board folder with a config, and a real SMTP server.

No tests here; test_service*.py, test_schedule*.py, test_lock*.py and test_alerts*.py import it.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from queue import Empty, Queue
from typing import IO, Any

import pytest
from aiosmtpd.controller import Controller

from automations.core.config import Config, load_config
from tests.builders import clean_tables, meeting, write_workbook

ALL_DAYS = '["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]'
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Inbox:
    """What a real SMTP server on 127.0.0.1 received."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def subjects(self) -> list[str]:
        with self.lock:
            return [str(m["Subject"]) for m in self.messages]


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 (import `smtp_fixture`; tests ask for `smtp`)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def board_tables(day: dt.date | None = None) -> dict[str, list[dict[str, Any]]]:
    """The clean board; with `day`, its meetings are that day and four weeks before."""
    data = clean_tables()
    if day is not None:
        data["meetings"] = [meeting(day - dt.timedelta(days=28), reviewed="Yes"), meeting(day)]
    return data


def write_config(
    folder: Path,
    *,
    port: int | None = None,
    workbook: str = "board.xlsx",
    schedule: str = "",
    alerts: str = 'to = ["officer@example.org"]',
    extra: str = "",
) -> Path:
    """A config for a board folder. With `port`, mail goes to SMTP on 127.0.0.1; else outbox."""
    mail = (
        f'transport = "smtp"\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        "retries = 1\ntimeout = 5\n"
        if port
        else 'transport = "outbox"\noutbox = "outbox"\n'
    )
    text = f"""
[source]
kind = "xlsx"
path = "{workbook}"

[schedule]
timezone = "Europe/London"
{schedule}

[digest]
send_after_days = 1
send_time = "00:00"

[[digest.audiences]]
name = "HBP"
recipients = ["hbp@example.org"]

[[digest.audiences]]
name = "Senior Head"
recipients = ["senior.head@example.org"]

[mail]
from = "Co-Production Board <board@example.org>"
{mail}
[alerts]
{alerts}
{extra}
"""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_board(folder: Path, day: dt.date | None = None, **config: Any) -> Config:
    """A board folder: the workbook (meetings around `day`, if given) and its config."""
    folder.mkdir(parents=True, exist_ok=True)
    write_workbook(folder / "board.xlsx", board_tables(day))
    return load_config(write_config(folder, **config))


def london(*args: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo("Europe/London"))  # type: ignore[misc]


def outbox(folder: Path) -> list[Message]:
    box = folder / "outbox"
    if not box.exists():
        return []
    return [message_from_bytes(p.read_bytes()) for p in sorted(box.glob("*.eml"))]


# ---------------------------------------------------------------- real processes


def coprod(*args: str) -> list[str]:
    return [sys.executable, "-m", "automations", *args]


def spawn(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        coprod(*args), cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


class Lines:
    """Read a process's stream on a thread, so a test can wait for a line without hanging."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: Queue[str] = Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)

    def wait_for(self, text: str, limit: float = 30) -> str:
        """The first line containing `text`; fails the test if none comes within `limit`."""
        while True:
            try:
                line = self._queue.get(timeout=limit)
            except Empty:
                pytest.fail(f"no line containing {text!r}; saw:\n{''.join(self.seen)}")
            self.seen.append(line)
            if text in line:
                return line

    def rest(self) -> str:
        while not self._queue.empty():
            self.seen.append(self._queue.get())
        return "".join(self.seen)
