"""The [pack] settings: the co-chairs' follow-up pack (pack.py), apart from it so that checking
the config does not import what writes and sends the pack."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from automations.core.config import Config, Section

KEYS = {"enabled", "days_before", "send_time", "top_findings"}


@dataclass(frozen=True)
class PackSettings:
    enabled: bool
    days_before: int
    send_time: dt.time
    top_findings: int


def pack_settings(cfg: Config) -> PackSettings:
    s: Section = cfg.section("pack")
    s.reject_unknown(KEYS)
    return PackSettings(
        # Off until the config has a [pack] section, like the reminders.
        enabled=s.flag("enabled", "pack" in cfg.raw),
        days_before=s.integer("days_before", 5, minimum=1, maximum=30),
        send_time=s.time("send_time", "09:00"),  # type: ignore[arg-type]
        top_findings=s.integer("top_findings", 10, minimum=0, maximum=200),
    )
