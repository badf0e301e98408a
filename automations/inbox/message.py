"""One incoming message, read for what an answer needs: who sent it, its id, the answer codes in
it, whether a machine sent it, what the receiving server said about its origin, and the words the
person wrote (quoted text and signatures stripped; HTML-only mail made into text first).

Everything here is untrusted text from the internet: it is only read, never run or shown unescaped.
"""

from __future__ import annotations

import email
import email.errors
import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from automations.inbox.tokens import find_tokens

ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
MAX_WORDS = 4000  # characters of the person's words kept: an update note, not a letter


@dataclass(frozen=True)
class Incoming:
    message_id: str
    sender: str  # the From address, lower case ("" when there is none or several)
    sender_name: str
    subject: str
    date: Any  # datetime | None
    tokens: tuple[str, ...]
    automatic: str  # why it is automatic mail ("" when a person sent it)
    dmarc_fail: bool  # a trusted Authentication-Results says dmarc=fail
    words: str  # what the person wrote, quoted text and signature stripped


def parse_message(raw: bytes, trusted_auth_host: str | None = None) -> Incoming:
    # The compat32 parser keeps headers as the text sent and decodes only what is asked for:
    # a tenth of the time of the modern policy's header objects, for the few headers read here.
    msg: Message = email.message_from_bytes(raw)
    senders = getaddresses([str(v) for v in msg.get_all("From", [])])
    name, address = senders[0] if len(senders) == 1 else ("", "")
    name = _decoded(name)
    body = _body_text(msg)
    # Codes come from the addresses it was sent to, the subject, the threading headers and the
    # body, in that order of trust: some servers drop the plus part of the address.
    places = [
        *(str(v) for h in ADDRESS_HEADERS for v in msg.get_all(h, [])),
        _header(msg, "Subject"),
        _header(msg, "References"),
        _header(msg, "In-Reply-To"),
        unquoted(body),
    ]
    return Incoming(
        message_id=_header(msg, "Message-ID").strip() or "",
        sender=address.strip().lower() if "@" in address else "",
        sender_name=" ".join(name.split())[:100],
        subject=" ".join(_header(msg, "Subject").split())[:200],
        date=_date(msg),
        tokens=tuple(find_tokens(places)),
        automatic=automatic(msg, address),
        dmarc_fail=dmarc_fail(msg, trusted_auth_host),
        words=person_words(body)[:MAX_WORDS],
    )


def _header(msg: Message, name: str) -> str:
    """A header's text, encoded words (RFC 2047) decoded."""
    return _decoded(msg.get(name, "") or "")


def _decoded(value: object) -> str:
    text = str(value)
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return text  # a malformed encoded word: the text as sent


def _date(msg: Message) -> Any:
    try:
        return parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------- automatic mail


_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|out of (the )?office|autoreply|undeliverable|"
    r"delivery status notification|mail delivery (failed|subsystem)|returned mail)\b",
    re.IGNORECASE,
)
_ROBOT_SENDER = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply)@", re.IGNORECASE)


def automatic(msg: Message, address: str) -> str:
    """Why this message was sent by a machine (RFC 3834 and what mail systems really add), or
    "" when a person sent it. Automatic mail gets no answer, so no mail loop can start."""
    auto = _header(msg, "Auto-Submitted").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto[:40]}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if msg.get(name) is not None:
            return f"{name} header"
    if _header(msg, "Precedence").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {_header(msg, 'Precedence').strip()}"
    if msg.get_content_type() == "multipart/report":
        return "a delivery or read report"
    if _ROBOT_SENDER.match(address or ""):
        return f"sent by {address}"
    if _AUTO_SUBJECT.match(_header(msg, "Subject")):
        return "an automatic reply (its subject says so)"
    return ""


# ---------------------------------------------------------------- origin


def dmarc_fail(msg: Message, trusted_host: str | None) -> bool:
    """True when an Authentication-Results header added by ``trusted_host`` (RFC 8601: its first
    item is the adding host's id) says dmarc=fail. Headers from any other host are ignored:
    anyone can write one into the message they send."""
    if not trusted_host:
        return False
    for value in msg.get_all("Authentication-Results", []):
        text = " ".join(str(value).split())
        host = text.split(";", 1)[0].strip().split()[0].lower() if text else ""
        if host == trusted_host.lower() and re.search(r"\bdmarc\s*=\s*fail\b", text, re.I):
            return True
    return False


# ---------------------------------------------------------------- the person's words


def _body_text(msg: Message) -> str:
    """The first plain-text body, or else the first HTML body made into text; attachments
    (and messages attached whole) are never read."""
    found: dict[str, Message] = {}
    for part in _parts(msg):
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html") and kind not in found:
            found[kind] = part
    if "text/plain" in found:
        return _content(found["text/plain"])
    return html_text(_content(found["text/html"])) if "text/html" in found else ""


def _parts(msg: Message) -> list[Message]:
    if msg.get_content_disposition() == "attachment":
        return []
    if msg.get_content_type() == "message/rfc822":
        return []
    if not msg.is_multipart():
        return [msg]
    payload = msg.get_payload()
    return [p for sub in payload if isinstance(sub, Message) for p in _parts(sub)]


def _content(part: Message) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    # The charset it says, else UTF-8 (many a message says us-ascii and is not), else
    # Latin-1, which decodes any bytes: the words always come through.
    for charset in (part.get_content_charset() or "us-ascii", "utf-8"):
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


class _Text(HTMLParser):
    """HTML to text, leaving out what mail apps put around a quoted message: <blockquote>,
    Gmail's gmail_quote, Outlook's divRplyFwdMsg and everything after it, Apple Mail's
    type=cite blockquote, and <style>/<script>/<head>."""

    SKIP = frozenset({"style", "script", "head", "title"})
    BREAK = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.stack: list[bool] = []
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        quoted = (
            tag == "blockquote"
            or "gmail_quote" in a.get("class", "")
            or a.get("id", "") in ("divRplyFwdMsg", "appendonsend")
            or a.get("id", "").startswith("mail-editor-reference-message")
        )
        if a.get("id", "") in ("divRplyFwdMsg", "appendonsend"):
            self.stopped = True  # Outlook: everything after this is the message replied to
        if tag in self.BREAK:
            self.out.append("\n")
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            return
        self.stack.append(quoted or tag in self.SKIP)
        self.skip += self.stack[-1]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            return
        if self.stack:
            self.skip -= self.stack.pop()
        if tag in self.BREAK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip and not self.stopped:
            self.out.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out).replace("\xa0", " ")
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


_OUTLOOK_HEADER = re.compile(
    r"^\s*(-- ?|-{2,}\s*Original Message\s*-{2,}|_{10,}|From:\s.+|Sent from my \w+.*)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_REF_LINE = re.compile(r"^.*\bref\s+1[dsmhr][a-z2-7]{28}\b.*$", re.IGNORECASE | re.MULTILINE)


_QUOTE_HEAD = re.compile(
    r"^\s*(On\b.{0,300}\bwrote:|-{2,}\s*Original Message\s*-{2,}|_{10,}|From:\s.+)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def unquoted(body: str) -> str:
    """The body down to where the message replied to is quoted, without ">" lines: codes are
    looked for only there, so that a reply quoting a reminder never counts as pressing one
    of the reminder's buttons (the ready email's own "ref" line comes before any quote)."""
    cut = _QUOTE_HEAD.search(body)
    text = body[: cut.start()] if cut else body
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def person_words(body: str) -> str:
    """What the person wrote: the reply without the quoted message or the signature
    (mail-parser-reply, a maintained reply parser), then without what it leaves: a signature
    after "-- " (RFC 3676), Outlook's "From: ... Sent: ..." block, "Sent from my iPhone", and the
    button's "ref" line."""
    from mailparser_reply import EmailReplyParser  # only when a message is read

    text = body.replace("\r\n", "\n")
    try:
        reply = EmailReplyParser(languages=["en"]).parse_reply(text=text) or ""
    except Exception:  # a third-party parser must not stop the pass; keep the whole text
        reply = text
    cut = _OUTLOOK_HEADER.search(reply)
    if cut:
        reply = reply[: cut.start()]
    reply = _REF_LINE.sub("", reply)
    lines = [line.rstrip() for line in reply.splitlines() if not line.startswith(">")]
    while lines and lines[-1].strip() in ("", "--"):
        lines.pop()
    return "\n".join(lines).strip()
