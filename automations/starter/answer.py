"""`coprod init`'s demo of owners' answers: the [updates] section switched on, a key file of
its own (never in the config), and one answer already in the mailbox folder, as an owner's
mail app would send it from a reminder's "Done" button, so the first `coprod run --once` shows
the whole loop: the answer read, listed on the Updates tab, and thanked (in the outbox)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from automations.core.config import load_config
from automations.inbox import tokens
from automations.inbox.propose import owner_address
from automations.inbox.settings import update_settings
from automations.pipeline import validate

DEMO_UPDATES = """
# The demo's answers from action owners (README "Answers from action owners"): the answer
# buttons write to this address; here the "mailbox" folder stands in for its mailbox.
[updates]
address = "board-updates@example.org"
key_file = "updates.key"
folder = "mailbox"
"""


def switch_on(config: Path) -> None:
    """Add the demo's [updates] section to a config `coprod init` has just written."""
    with config.open("a", encoding="utf-8") as f:
        f.write(DEMO_UPDATES)


def demo_answer(directory: Path, today: dt.date) -> list[str]:
    """The key file and one sample answer, each only when missing."""
    key = directory / "updates.key"
    if not key.exists():
        key.write_text(secrets.token_urlsafe(32) + "\n", encoding="utf-8")
        os.chmod(key, 0o600)  # the key signs answers: only the service's account reads it
    mailbox = directory / "mailbox"
    mailbox.mkdir(exist_ok=True)
    sample = mailbox / "sample-answer.eml"
    if sample.exists() or (mailbox / "Processed" / sample.name).exists():
        return []
    cfg = load_config(directory / "config.toml")
    s = update_settings(cfg)
    if not s.enabled:
        return []
    board = validate(cfg, today).board
    for action in board.actions.records:
        owner = owner_address(board, action) if action.is_open and action.id else ""
        if owner:
            break
    else:
        return []
    # The service follows the real clock, whatever --today made the sample board's dates.
    code = tokens.make_token(s.keyring(), s.board, action.id or "", owner, "done", dt.date.today())
    msg = EmailMessage()
    msg["From"] = owner
    msg["To"] = tokens.plus_address(s.address.addr_spec, code)
    msg["Subject"] = f"Done: {action.id} (ref {code})"
    msg["Date"] = format_datetime(dt.datetime.combine(today, dt.time(10), dt.UTC))
    msg["Message-ID"] = f"<sample-answer.{code[:8]}@example.org>"
    msg.set_content(
        "I have done this action. It went to everyone on Monday.\n\n-- \n"
        f"Please keep this line: ref {code}\n"
    )
    sample.write_bytes(msg.as_bytes())
    return [f"Put a sample answer from {owner} ({action.id}: Done) in {mailbox}."]
