"""The answer buttons beside each action in a reminder: mailto: links that open a ready email to
the Board's update address. A mailto: link needs no web server, and link scanners (Safe Links,
Mimecast) do not "click" it, so an answer is only ever sent by the person.

The token goes three times into the email the link opens: in the address's plus part, in the
subject and as the body's last line, because some mail servers drop the plus part and some
people delete the subject (GitLab and Gitea carry theirs in the address and the References
header for the same reason; a mailto: link cannot set References in most mail apps, the body
line stands in for it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from automations.inbox import tokens
from automations.inbox.settings import UpdateSettings

ORDER = ("done", "started", "more_time", "help")


@dataclass(frozen=True)
class Answer:
    """What one button says, in standard and easy-read words, and the picture beside it."""

    label: str
    easy: str
    picture: str
    alt: str
    subject: str
    body: str


ANSWERS = {
    "done": Answer("Done", "I did it", "done", "A tick", "Done", "I have done this action.\n\n"),
    "started": Answer(
        "Started, on track",
        "I started it",
        "new",
        "A pen and paper",
        "Started, on track",
        "I have started this action and it will be done by the due date.\n\n",
    ),
    "more_time": Answer(
        "I need more time",
        "I need more time",
        "late",
        "A clock",
        "I need more time",
        "I need more time. I can do it by (write the date): \n\n",
    ),
    "help": Answer(
        "I need help",
        "I need help",
        "ask",
        "A person with a raised hand",
        "I need help",
        "I need help with this action. (Say what would help.)\n\n",
    ),
}


@dataclass(frozen=True)
class Button:
    kind: str
    label: str  # the words on the button (standard)
    easy: str  # the words on the easy-read button
    picture: str  # a picture name in templates/pictures
    alt: str
    href: str  # mailto:...


def mailto(to: str, subject: str, body: str) -> str:
    """A mailto: URL (RFC 6068): every reserved character percent-encoded, line breaks as %0D%0A."""
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    query = f"subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    return f"mailto:{quote(to, safe='@+')}?{query}"


def buttons(s: UpdateSettings, action_id: str, owner: str, today: dt.date) -> tuple[Button, ...]:
    """The four buttons for one action of one owner (``owner``: the address the reminder goes
    to; only an answer from it, or from an officer, is accepted)."""
    keys = s.keyring()
    out = []
    for kind in ORDER:
        a = ANSWERS[kind]
        token = tokens.make_token(keys, s.board, action_id, owner, kind, today, s.expiry_days)
        to = tokens.plus_address(s.address.addr_spec, token)
        # The action id is text from the sheet: one line, and percent-encoded by mailto().
        aid = " ".join(action_id.split())[:40]
        subject = f"{a.subject}: {aid} (ref {token})"
        body = f"{a.body}\n-- \nPlease keep this line: ref {token}\n"
        out.append(Button(kind, a.label, a.easy, a.picture, a.alt, mailto(to, subject, body)))
    return tuple(out)


def reply_address(s: UpdateSettings, owner: str, day: dt.date) -> str:
    """The update address with the owner's reply code: a plain reply to the reminder reaches
    the service too (its Reply-To), signed for this owner and no action in particular."""
    token = tokens.make_token(s.keyring(), s.board, "", owner, "reply", day, s.expiry_days)
    return tokens.plus_address(s.address.addr_spec, token)
