"""The one settings load: read config.toml and check its sections and keys up front, so a
misspelt key is named before any work is done rather than when it is first used.

Each section is checked by the module that owns it; this table is the only list of sections.
Every command checks every section's name; `coprod validate` checks the keys of the sections a
check reads (CHECK_SECTIONS), every other command all of them. Each check imports its module
when it runs, so a check of the workbook starts without the digests, mail or service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module
from pathlib import Path

from automations.core.config import Config, load_config
from automations.core.errors import ConfigError
from automations.core.text import close_matches

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from typing import Any


def _lazy(module: str, name: str) -> Callable[[Config], Any]:
    """A section's check, its module imported on first use: `coprod validate` checks only the
    sections it reads, so it never imports the digests, mail, inbox or service (issue 27)."""

    def check(cfg: Config) -> Any:
        found: Any = import_module(module)
        for part in name.split("."):  # a class's method, e.g. "ZipLimits.from_config"
            found = getattr(found, part)
        return found(cfg)

    check.__qualname__ = f"{module}.{name}"
    return check


def _built_in(cfg: Config) -> None:
    """[source], [tor] and [paths] are checked as the Config is built."""


def _transport(cfg: Config) -> None:
    """The outbox or password-SMTP settings (port, timeout...). An OAuth transport is checked
    by oauth_mail_settings and [microsoft365] instead: building it would ask for a token."""
    mail = cfg.section("mail").data
    if mail.get("transport", "outbox") != "graph" and mail.get("auth", "password") == "password":
        from automations.mail.transport import make_transport

        make_transport(cfg)


def _microsoft365(cfg: Config) -> None:
    """[microsoft365], imported only when the section is there (absent, it holds nothing)."""
    if "microsoft365" in cfg.raw:
        from automations.backends.microsoft365.graph import m365_settings

        m365_settings(cfg)


def _schedule(cfg: Config) -> Any:
    from automations.core.config import board_timezone
    from automations.service.due import load_schedule

    return board_timezone(cfg), load_schedule(cfg)


def _mail(cfg: Config) -> Any:
    from automations.mail.transport import mail_settings
    from automations.mail.xoauth2 import oauth_mail_settings

    return mail_settings(cfg), oauth_mail_settings(cfg), _transport(cfg)


def _source(cfg: Config) -> None:
    """[source] is checked as the Config is built; a Google or Microsoft 365 source also has
    its connection section checked here, so `coprod validate` (which checks only the sections
    a check reads) names a wrong key there before it reads the sheet."""
    if cfg.source.kind in ("google", "microsoft365"):
        SECTIONS[cfg.source.kind](cfg)


SECTIONS: dict[str, Callable[[Config], Any]] = {
    "source": _source,
    "tor": _built_in,
    "paths": _built_in,
    "schedule": _schedule,
    "digest": _lazy("automations.digests.settings", "digest_settings"),
    "mail": _mail,
    "alerts": _lazy("automations.service.alerts", "alert_settings"),
    "google": _lazy("automations.backends.google.settings", "connection_settings"),
    "microsoft365": _microsoft365,
    "marks": _lazy("automations.backends.xlsx.safety", "WriteSettings.from_config"),
    "limits": _lazy("automations.backends.xlsx.sniff", "ZipLimits.from_config"),
    "logging": _lazy("automations.core.log", "configured_level"),
    "report": _lazy("automations.record.settings", "report_settings"),
    "rules": _lazy("automations.rules.settings", "rule_settings"),
    "reminders": _lazy("automations.digests.reminder_settings", "reminder_settings"),
    "pack": _lazy("automations.digests.pack_settings", "pack_settings"),
    "updates": _lazy("automations.inbox.settings", "update_settings"),
    "state": _lazy("automations.core.store", "state_settings"),
}
# What a check of the workbook reads (`coprod validate`): the source (with [google] or
# [microsoft365] when it is there) and its schema, the Terms of Reference, the rules and own
# checks, the zip limits, the marks (and, when it writes them, the clock they are stamped with)
# and the log level. Its other sections are checked by the commands that use them.
CHECK_SECTIONS = ("source", "tor", "paths", "rules", "limits", "marks", "logging")
TOP_LEVEL_KEYS = {"today"}


def load_settings(path: Path, sections: Iterable[str] | None = None) -> Config:
    """The checked Config, or ConfigError naming the first wrong section or key. Every
    section's name is checked; its keys too, unless ``sections`` names the ones a command reads."""
    cfg = load_config(path)
    check_names(cfg.raw)
    wanted = SECTIONS if sections is None else sections
    for name in wanted:
        SECTIONS[name](cfg)
    return cfg


def check_names(data: dict[str, Any]) -> None:
    for name, value in data.items():
        if name in SECTIONS or name in TOP_LEVEL_KEYS:
            continue
        close = close_matches(name, sorted(SECTIONS))
        if isinstance(value, dict):
            hint = f"; did you mean [{close[0]}]?" if close else ""
            raise ConfigError(f"[{name}]: not a section{hint}")
        hint = f"; did you mean [{close[0]}]?" if close else ""
        raise ConfigError(
            f"{name}: not a setting at the top of the file (only 'today' goes there){hint}"
        )
