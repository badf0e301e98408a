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
from automations.digests.context import SECTIONS
from automations.mail.transport import checked_address

DIGEST_KEYS = {
    "send_after_days",
    "send_time",
    "catch_up_days",
    "board_name",
    "subject",
    "top_findings",
    "audiences",
}
AUDIENCE_KEYS = {"name", "title", "recipients", "enabled", "easy_read", "sections"}
DEFAULT_SUBJECT = "{board}: action points from the meeting on {meeting}"


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Audience:
    name: str
    title: str
    recipients: tuple[Address, ...]
    enabled: bool
    easy_read: bool
    sections: tuple[str, ...]

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
    subject: str
    top_findings: int
    audiences: tuple[Audience, ...]

    def audience(self, name: str) -> Audience:
        for a in self.audiences:
            if a.name.casefold() == name.casefold():
                return a
        known = ", ".join(a.name for a in self.audiences) or "none"
        raise ConfigError(f"digest.audiences: no audience called {name!r} (there are: {known})")


def digest_settings(cfg: Config) -> DigestSettings:
    section = cfg.section("digest")
    section.reject_unknown(DIGEST_KEYS)
    audiences = tuple(
        _audience(Section(f"digest.audiences[{i}]", _table(raw, i), section.base_dir))
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
        subject=_subject(section),
        top_findings=section.integer("top_findings", 5, maximum=100),
        audiences=audiences,
    )


def _subject(section: Section) -> str:
    subject = section.line("subject", DEFAULT_SUBJECT)
    try:  # find a mistyped {placeholder} now, not halfway through sending
        subject.format(board="b", meeting="m", audience="a")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"digest.subject: {subject!r} cannot be filled in ({exc!r}); it may use "
            "{board}, {meeting} and {audience}"
        ) from None
    return subject


def _table(raw: Any, index: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"digest.audiences[{index}]: expected a [[digest.audiences]] table")
    return raw


def _audience(s: Section) -> Audience:
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
    return Audience(
        name=name,
        title=s.line("title", name),
        recipients=recipients,
        enabled=enabled,
        easy_read=s.flag("easy_read", False),
        sections=sections,
    )


def _not_text(s: Section, value: object) -> Address:
    raise ConfigError(f"{s.key('recipients')}: expected addresses in quotes, got {value!r}")


def local(now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An aware time in ``tz``; a naive ``now`` is taken to be local time there already."""
    return now.astimezone(tz) if now.tzinfo else now.replace(tzinfo=tz)
