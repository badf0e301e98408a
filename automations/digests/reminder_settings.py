"""The [reminders] settings: personal reminders to action owners (reminders.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.headerregistry import Address
from zoneinfo import ZoneInfo

from automations.core.config import Config, board_timezone
from automations.core.errors import ConfigError
from automations.digests.settings import digest_settings
from automations.mail.transport import checked_address

KEYS = {
    "enabled",
    "due_soon",
    "days_before",
    "working_days",
    "on_overdue",
    "quiet_days",
    "officers_copy",
    "send_time",
    "catch_up_days",
}


@dataclass(frozen=True)
class ReminderSettings:
    due_soon: bool  # remind days_before the due date
    days_before: int
    working_days: bool  # count days_before in working days (needs quiet_days)
    on_overdue: bool  # remind once when an action becomes late
    quiet_days: bool  # no reminders on weekends and bank holidays of England and Wales
    officers_copy: tuple[Address, ...]  # for owners with no email, or who asked for post/phone
    send_time: dt.time
    catch_up_days: int  # a late reminder missed while the service was stopped still goes
    timezone: ZoneInfo
    board_name: str
    reply_to: Address  # the Board officers: Reply-To and "who to ask"

    switched_on: bool = True

    @property
    def enabled(self) -> bool:
        return self.switched_on and (self.due_soon or self.on_overdue)


def reminder_settings(cfg: Config) -> ReminderSettings:
    s = cfg.section("reminders")
    s.reject_unknown(KEYS)
    digest = digest_settings(cfg)
    quiet = s.flag("quiet_days", True)
    return ReminderSettings(
        due_soon=s.flag("due_soon", True),
        days_before=s.integer("days_before", 3, minimum=1, maximum=30),
        working_days=s.flag("working_days", True) and quiet,
        on_overdue=s.flag("on_overdue", True),
        quiet_days=quiet,
        officers_copy=_officers_copy(cfg, s.data.get("officers_copy"), digest.reply_to),
        send_time=s.time("send_time", "09:00"),  # type: ignore[arg-type]
        catch_up_days=s.integer("catch_up_days", 7, minimum=1, maximum=60),
        timezone=board_timezone(cfg),
        board_name=digest.board_name,
        reply_to=digest.reply_to,
        # Off until the config has a [reminders] section: mailing residents and carers is a
        # step the officers take on purpose (README "Reminders to action owners").
        switched_on=s.flag("enabled", "reminders" in cfg.raw),
    )


def _officers_copy(cfg: Config, value: object, fallback: Address) -> tuple[Address, ...]:
    """[reminders] officers_copy, else [alerts] to (the officers), else the digests' Reply-To."""
    key = "reminders.officers_copy"
    if value is None:
        value, key = cfg.section("alerts").data.get("to"), "alerts.to"
    if value is None or value == []:
        return (fallback,)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"{key}: expected an address in quotes, or a list of them")
    return tuple(checked_address(i, key) for i in items)
