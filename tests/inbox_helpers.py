"""The owner's side of the answers loop, for the tests of each backend: the reminder the service
writes, the button pressed, and the email the mail app sends from its mailto: link (the
person's words above the ready text)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from automations.digests import reminders
from tests.digest_setup import parse, parts


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("mailto:board-updates"):
            self.hrefs.append(href)


def reply_from_reminder(
    cfg: Any, validation: Any, now: dt.datetime, owner: str, label: str, words: str
) -> tuple[EmailMessage, str]:
    """The reply ``owner`` (a Member ID) sends by pressing ``label`` on their first action;
    and that action's id."""
    folder = cfg.base_dir / f"reminders-{secrets.token_hex(3)}"
    written = reminders.preview(cfg, validation, folder, now, everyone=True)
    day = validation.report.today.isoformat()
    msg = parse(next(p for p in written if p.name == f"reminder-{day}-{owner.lower()}.eml")
                .read_bytes())  # fmt: skip
    pressed = press(msg, label, words)
    assert pressed is not None, f"no {label!r} button in {owner}'s reminder"
    return pressed


def press(msg: EmailMessage, label: str, words: str) -> tuple[EmailMessage, str] | None:
    """The email the owner's mail app sends when ``label`` is pressed in the reminder ``msg``
    (the person's words above the ready text), and the action's id; None when the reminder has
    no such button."""
    links = Links()
    links.feed(parts(msg)[1])
    hrefs = [h for h in links.hrefs if "subject=" in h]
    hrefs = [h for h in hrefs if unquote(h).split("subject=")[1].startswith(label)]
    if not hrefs:
        return None
    url = urlsplit(hrefs[0])
    query = parse_qs(url.query)
    reply = EmailMessage()
    reply["From"] = msg["To"]
    reply["To"] = unquote(url.path)
    reply["Subject"] = query["subject"][0]
    reply["Message-ID"] = f"<{secrets.token_hex(8)}@example.org>"
    reply.set_content(f"{words}\n\n{query['body'][0]}")
    return reply, query["subject"][0].split(": ", 1)[1].split(" (ref")[0]


def first_press(
    messages: Iterable[EmailMessage], label: str, words: str
) -> tuple[EmailMessage, str]:
    """``press`` on the first of ``messages`` (reminders) that has a ``label`` button."""
    for msg in messages:
        if (pressed := press(msg, label, words)) is not None:
            return pressed
    raise AssertionError(f"no reminder with a {label!r} button")


def drop(cfg: Any, reply: EmailMessage) -> Path:
    path = cfg.base_dir / "mailbox" / f"{secrets.token_hex(4)}.eml"
    path.write_bytes(reply.as_bytes())
    return path


def drop_done_answers(
    cfg: Any, template: Path, key_text: str, action_ids: tuple[str, ...], sent: dt.date
) -> None:
    """A "done" answer from M03 for each of ``action_ids``, each its own message, made from a
    real mail program's reply (``template``: @@TOKEN@@ and @@FROM@@ in it)."""
    from automations.inbox import tokens

    for action_id in action_ids:
        code = tokens.make_token(tokens.parse_keys(key_text, "k"), "Test Board", action_id,
                                 "m03@example.org", "done", sent)  # fmt: skip
        raw = template.read_bytes().replace(b"@@TOKEN@@", code.encode())
        raw = raw.replace(b"@@FROM@@", b"m03@example.org")
        raw = raw.replace(b"gmail-fixture-1", f"fixture-{action_id}".encode())
        (cfg.base_dir / "mailbox" / f"{action_id}.eml").write_bytes(raw)
