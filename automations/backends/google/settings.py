"""[google] and [source] for a Google Sheet: the settings, checked for every config, kept apart
from source.py so that checking them imports no Google library (a quarter of a second)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from automations.core.errors import ConfigError
from automations.core.retry import RetryPolicy

if TYPE_CHECKING:
    from automations.core.config import Config

GOOGLE_API = "https://sheets.googleapis.com"
SHEETS_WEB = "https://docs.google.com/spreadsheets/d"
SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
RETRY_STATUS = {429, 500, 502, 503, 504}
_URL_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")
DEFAULT_POLICY = RetryPolicy()


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class GoogleSettings:
    spreadsheet_key: str
    key_file: Path
    api_base: str = GOOGLE_API
    timeout: float = 60.0
    retry: RetryPolicy = DEFAULT_POLICY


def spreadsheet_key(text: str, setting: str = "source.spreadsheet") -> str:
    """The key from a Google Sheet's address (…/spreadsheets/d/KEY/edit) or the key itself;
    ``setting`` names the config key in the message."""
    text = text.strip()
    if m := _URL_KEY.search(text):
        return m[1]
    if _BARE_KEY.fullmatch(text):
        return text
    raise ConfigError(
        f"{setting}: {text!r} is not a Google Sheet address or key. Copy the address "
        "from the browser (https://docs.google.com/spreadsheets/d/…)."
    )


def key_file_path(setting: str | None, base_dir: Path) -> Path:
    """source.credentials: a path, or "env:NAME" for an environment variable holding the path."""
    if not setting:
        setting = "env:GOOGLE_APPLICATION_CREDENTIALS"
        if not os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
            raise ConfigError(
                "source.credentials: missing; give the path of the service account's key file "
                '(a .json file), or "env:NAME" for an environment variable that holds the path.'
            )
    if setting.startswith("env:"):
        name = setting[4:].strip()
        value = os.environ.get(name, "").strip()
        if not value:
            raise ConfigError(
                f"source.credentials: the environment variable {name} is not set; set it to "
                "the path of the service account's key file."
            )
        setting = value
    path = Path(setting).expanduser()
    return path if path.is_absolute() else base_dir / path


GOOGLE_KEYS = {
    "api_base",
    "request_timeout_seconds",
    "retry_attempts",
    "retry_first_wait_seconds",
    "retry_max_wait_seconds",
    "give_up_after_seconds",
}


def connection_settings(cfg: Config) -> tuple[str, float, RetryPolicy]:
    """[google]: the API's address, the time allowed per request and the retries. Checked for
    every config (settings.load_settings), whichever source is in use."""
    section = cfg.section("google")
    section.reject_unknown(GOOGLE_KEYS)
    api_base = section.text("api_base", GOOGLE_API).rstrip("/")
    if not api_base.startswith(("http://", "https://")):
        raise ConfigError(
            f"google.api_base: expected an address starting https://, got {api_base!r}"
        )
    timeout = float(section.number("request_timeout_seconds", 60.0, minimum=1, maximum=600))
    return api_base, timeout, RetryPolicy.from_section(section)


def settings_from_config(cfg: Config) -> GoogleSettings:
    if not cfg.source.spreadsheet:
        raise ConfigError("source.spreadsheet: missing; give the Google Sheet's key or URL")
    api_base, timeout, retry = connection_settings(cfg)
    return GoogleSettings(
        spreadsheet_key=spreadsheet_key(cfg.source.spreadsheet),
        key_file=key_file_path(cfg.source.credentials, cfg.base_dir),
        api_base=api_base,
        timeout=timeout,
        retry=retry,
    )
