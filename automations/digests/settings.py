"""The [digest] settings and its [[digest.audiences]]: read once, every error names the key."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Any
from zoneinfo import ZoneInfo

from automations.core.config import Config, Section, board_timezone
from automations.core.errors import ConfigError
from automations.mail.transport import checked_address, mail_settings, one_line

# The sections of a digest, most urgent first (context.py builds them). Here rather than in
# context.py, so that checking the config does not import what builds a digest.
SECTIONS = (
    "overdue",
    "due_soon",
    "raised",
    "completed",
    "projects",
    "health",
    "you_said_we_did",  # digests/said.py (issue 31): shown with the trends, not in that loop
)

DIGEST_KEYS = {
    "send_after_days",
    "send_time",
    "catch_up_days",
    "board_name",
    "subject",
    "top_findings",
    "reply_to",
    "audiences",
    "confidential_column",
}
AUDIENCE_KEYS = {
    "name",
    "title",
    "recipients",
    "enabled",
    "easy_read",
    "sections",
    "subject",
    "ask",
}
# Date first and short: a phone's inbox list shows about the first 35 characters.
DEFAULT_SUBJECT = "{date} Board actions: {late} late, {new} new"
DEFAULT_EASY_SUBJECT = "{date} Board meeting: easy read actions"
DEFAULT_ASK = "Please help the owners of late actions to finish them."
DEFAULT_EASY_ASK = "Please tell us if you can help with a late action."
# What a subject may use; each is filled in per audience and meeting (render.subject_line).
SUBJECT_FIELDS = ("board", "meeting", "date", "audience", "late", "new", "due_soon")


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Audience:
    name: str
    title: str
    recipients: tuple[Address, ...]
    enabled: bool
    easy_read: bool
    sections: tuple[str, ...]
    subject: str = DEFAULT_SUBJECT
    ask: str = DEFAULT_ASK

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


@dataclass(frozen=True)
class DigestSettings:
    send_after_days: int
    send_time: dt.time
    timezone: ZoneInfo
    catch_up_days: int
    board_name: str
    top_findings: int
    audiences: tuple[Audience, ...]
    reply_to: Address  # the Board officers: every digest's Reply-To and footer contact
    # "none": the tracker has no Confidential column and every action may appear in digests
    # (written by `coprod adopt`, so the choice is visible); "": the column must exist.
    confidential_column: str = ""

    def audience(self, name: str) -> Audience:
        for a in self.audiences:
            if a.name.casefold() == name.casefold():
                return a
        known = ", ".join(a.name for a in self.audiences) or "none"
        raise ConfigError(f"digest.audiences: no audience called {name!r} (there are: {known})")


def digest_settings(cfg: Config) -> DigestSettings:
    section = cfg.section("digest")
    section.reject_unknown(DIGEST_KEYS)
    subject = _subject(section, "subject", None)
    audiences = tuple(
        _audience(Section(f"digest.audiences[{i}]", _table(raw, i), section.base_dir), subject)
        for i, raw in enumerate(section.items("audiences"), start=1)
    )
    slugs = [a.slug for a in audiences]
    for a in audiences:
        if slugs.count(a.slug) > 1:
            raise ConfigError(f"digest.audiences: two audiences are called {a.name!r}")
    return DigestSettings(
        send_after_days=section.integer("send_after_days", 1, maximum=60),
        send_time=section.time("send_time", "00:00"),  # type: ignore[arg-type]
        timezone=board_timezone(cfg),
        catch_up_days=section.integer("catch_up_days", 14, minimum=1, maximum=366),
        board_name=section.line("board_name", "Commissioning Co-Production Board"),
        top_findings=section.integer("top_findings", 5, maximum=100),
        audiences=audiences,
        reply_to=_reply_to(cfg, section),
        confidential_column=section.text("confidential_column", None, choices=("none",)) or "",
    )


def _reply_to(cfg: Config, section: Section) -> Address:
    """[digest] reply_to, else [mail] reply_to, else the first [alerts] to (the officers who hear
    about failures), else [mail] from: a reader can always answer someone."""
    own = section.text("reply_to")
    if own:
        return checked_address(own, section.key("reply_to"))
    mail = mail_settings(cfg)
    if mail.reply_to:
        return mail.reply_to
    alerts = cfg.section("alerts").data.get("to", [])
    first = alerts if isinstance(alerts, str) else next(iter(alerts or []), None)
    if isinstance(first, str) and first.strip():
        return checked_address(first, "alerts.to")
    return mail.sender


def _subject(section: Section, key: str, default: str | None) -> str | None:
    subject = section.line(key, default)
    if subject is None:
        return None
    try:  # find a mistyped {placeholder} now, not halfway through sending
        subject.format(**{name: name for name in SUBJECT_FIELDS})
    except (KeyError, IndexError, ValueError) as exc:
        names = ", ".join("{" + name + "}" for name in SUBJECT_FIELDS)
        raise ConfigError(
            f"{section.key(key)}: {subject!r} cannot be filled in ({exc!r}); it may use {names}"
        ) from None
    return one_line(subject)


def _table(raw: Any, index: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"digest.audiences[{index}]: expected a [[digest.audiences]] table")
    return raw


def _audience(s: Section, digest_subject: str | None) -> Audience:
    s.reject_unknown(AUDIENCE_KEYS)
    name = s.line("name", "") or ""
    if not name:
        raise ConfigError(f"{s.key('name')}: missing; give the audience a short name, e.g. 'HBP'")
    enabled = s.flag("enabled", True)
    recipients = tuple(
        checked_address(r, s.key("recipients")) if isinstance(r, str) else _not_text(s, r)
        for r in s.items("recipients")
    )
    if enabled and not recipients:
        raise ConfigError(f"{s.key('recipients')}: an enabled audience needs at least one address")
    sections = tuple(s.items("sections", list(SECTIONS)))
    for sec in sections:
        if sec not in SECTIONS:
            raise ConfigError(
                f"{s.key('sections')}: {sec!r} is not a section; choose from {', '.join(SECTIONS)}"
            )
    easy = s.flag("easy_read", False)
    # The audience's own subject, else [digest] subject, else the default for its kind.
    default = digest_subject or (DEFAULT_EASY_SUBJECT if easy else DEFAULT_SUBJECT)
    return Audience(
        name=name,
        title=s.line("title", name),
        recipients=recipients,
        enabled=enabled,
        easy_read=easy,
        sections=sections,
        subject=_subject(s, "subject", default) or default,
        ask=one_line(s.text("ask", DEFAULT_EASY_ASK if easy else DEFAULT_ASK)),
    )


def _not_text(s: Section, value: object) -> Address:
    raise ConfigError(f"{s.key('recipients')}: expected addresses in quotes, got {value!r}")


def local(now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An aware time in ``tz``; a naive ``now`` is taken to be local time there already."""
    return now.astimezone(tz) if now.tzinfo else now.replace(tzinfo=tz)
