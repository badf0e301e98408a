"""The [report] settings: when the yearly report falls due, who it is for, where it is kept."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path

from automations.core.config import Config
from automations.core.errors import ConfigError
from automations.mail.transport import checked_address

REPORT_KEYS = {"schedule", "month", "day", "audience", "folder"}
SCHEDULES = ("off", "yearly")


@dataclass(frozen=True)
class ReportSettings:
    schedule: str
    month: int  # the yearly report covers the twelve months before the 1st of this month...
    day: int  # ...and falls due on this day of it
    audience: tuple[Address, ...]
    folder: Path


def report_settings(cfg: Config) -> ReportSettings:
    s = cfg.section("report")
    s.reject_unknown(REPORT_KEYS)
    schedule = s.text("schedule", "off", choices=SCHEDULES)
    audience = tuple(
        checked_address(a, s.key("audience")) if isinstance(a, str) else _not_text(a)
        for a in s.items("audience")
    )
    if schedule == "yearly" and not audience:
        raise ConfigError(
            "report.audience: a yearly report needs at least one address, e.g. "
            'audience = ["Haringey Borough Partnership <hbp@example.org>"]'
        )
    return ReportSettings(
        schedule=schedule,
        month=s.integer("month", 4, minimum=1, maximum=12),
        day=s.integer("day", 1, minimum=1, maximum=28),
        audience=audience,
        folder=s.path("folder", "reports") or cfg.base_dir / "reports",
    )


def _not_text(value: object) -> Address:
    raise ConfigError(f"report.audience: expected addresses in quotes, got {value!r}")
