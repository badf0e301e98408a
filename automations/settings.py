"""The one settings load: read config.toml and check every section and key up front, for every
command, so a misspelt key is named before any work is done rather than when it is first used.

Each section is checked by the module that owns it; this table is the only list of sections.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from automations.backends.google.settings import connection_settings
from automations.backends.xlsx.safety import WriteSettings
from automations.backends.xlsx.sniff import ZipLimits
from automations.core.config import Config, board_timezone, load_config
from automations.core.errors import ConfigError
from automations.core.log import configured_level
from automations.digests.pack_settings import pack_settings
from automations.digests.reminder_settings import reminder_settings
from automations.digests.settings import digest_settings
from automations.inbox.settings import update_settings
from automations.mail.transport import mail_settings, make_transport
from automations.mail.xoauth2 import oauth_mail_settings
from automations.record.settings import report_settings
from automations.rules.settings import rule_settings
from automations.service.alerts import alert_settings
from automations.service.due import load_schedule


def _built_in(cfg: Config) -> None:
    """[source], [tor] and [paths] are checked as the Config is built."""


def _transport(cfg: Config) -> None:
    """The outbox or password-SMTP settings (port, timeout...). An OAuth transport is checked
    by oauth_mail_settings and [microsoft365] instead: building it would ask for a token."""
    mail = cfg.section("mail").data
    if mail.get("transport", "outbox") != "graph" and mail.get("auth", "password") == "password":
        make_transport(cfg)


def _microsoft365(cfg: Config) -> None:
    """[microsoft365], imported only when the section is there (absent, it holds nothing)."""
    if "microsoft365" in cfg.raw:
        from automations.backends.microsoft365.graph import m365_settings

        m365_settings(cfg)


def _state(cfg: Config) -> None:
    """[state]: checked by the store, imported only here (its package pulls in sqlite3, which
    `coprod --help` and a command with nothing to record need not load)."""
    from automations.core.store import state_settings

    state_settings(cfg)


SECTIONS: dict[str, Callable[[Config], Any]] = {
    "source": _built_in,
    "tor": _built_in,
    "paths": _built_in,
    "schedule": lambda cfg: (board_timezone(cfg), load_schedule(cfg)),
    "digest": digest_settings,
    "mail": lambda cfg: (mail_settings(cfg), oauth_mail_settings(cfg), _transport(cfg)),
    "alerts": alert_settings,
    "google": connection_settings,
    "microsoft365": _microsoft365,
    "marks": WriteSettings.from_config,
    "limits": ZipLimits.from_config,
    "logging": configured_level,
    "report": report_settings,
    "rules": rule_settings,
    "reminders": reminder_settings,
    "pack": pack_settings,
    "updates": update_settings,
    "state": _state,
}
TOP_LEVEL_KEYS = {"today"}


def load_settings(path: Path) -> Config:
    """The checked Config, or ConfigError naming the first wrong section or key."""
    cfg = load_config(path)
    check_names(cfg.raw)
    for check in SECTIONS.values():
        check(cfg)
    return cfg


def check_names(data: dict[str, Any]) -> None:
    for name, value in data.items():
        if name in SECTIONS or name in TOP_LEVEL_KEYS:
            continue
        close = difflib.get_close_matches(name, sorted(SECTIONS), n=1)
        if isinstance(value, dict):
            hint = f"; did you mean [{close[0]}]?" if close else ""
            raise ConfigError(f"[{name}]: not a section{hint}")
        hint = f"; did you mean [{close[0]}]?" if close else ""
        raise ConfigError(
            f"{name}: not a setting at the top of the file (only 'today' goes there){hint}"
        )
