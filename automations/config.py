"""config.toml -> a frozen Config. Every error names the key and says what is wrong."""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .paths import data_path


class ConfigError(Exception):
    """A problem with the config file; the message names the key."""


@dataclass(frozen=True)
class TorConfig:
    """Every number the Terms of Reference rules use (names as in the rule catalogue)."""

    max_members: int = 20
    resident_term_months: int = 12
    resident_extension_months: int = 12
    commissioner_term_months: int = 24
    term_warning_days: int = 60
    balance_tolerance: int = 2
    minimum_membership_months: int = 12
    membership_review_months: int = 12
    meeting_gap_days: int = 35
    meeting_hours: float = 2
    easy_read_minutes_days: int = 14
    overdue_error_days: int = 30
    due_soon_days: int = 7
    stale_days: int = 45


@dataclass(frozen=True)
class SourceConfig:
    kind: str = "xlsx"
    path: Path | None = None
    spreadsheet: str | None = None
    credentials: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    path: Path | None
    source: SourceConfig
    tor: TorConfig
    today: dt.date | None
    schema_dir: Path
    templates_dir: Path
    state_dir: Path
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def section(self, name: str) -> Section:
        """A typed reader for a config section that another module owns."""
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: expected a [{name}] table, got {type(value).__name__}")
        return Section(name, value, self.base_dir)

    def today_or(self, fallback: dt.date) -> dt.date:
        return self.today or fallback


class Section:
    """Reads typed values from one config table; errors name ``section.key``."""

    def __init__(self, name: str, data: dict[str, Any], base_dir: Path) -> None:
        self.name, self.data, self.base_dir = name, data, base_dir

    def key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def _get(self, key: str, default: Any, kinds: tuple[type, ...], what: str) -> Any:
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in kinds:
            raise ConfigError(f"{self.key(key)}: expected {what}, got {value!r}")
        if not isinstance(value, kinds):
            raise ConfigError(f"{self.key(key)}: expected {what}, got {value!r}")
        return value

    def text(self, key: str, default: str | None = None, choices: tuple[str, ...] = ()) -> Any:
        value = self._get(key, default, (str,), "text in quotes")
        if choices and value is not None and value not in choices:
            raise ConfigError(
                f"{self.key(key)}: {value!r} is not one of {', '.join(map(repr, choices))}"
            )
        return value

    def integer(self, key: str, default: int | None = None, minimum: int | None = 0) -> Any:
        value = self._get(key, default, (int,), "a whole number")
        if value is not None and minimum is not None and value < minimum:
            raise ConfigError(f"{self.key(key)}: must be at least {minimum}, got {value}")
        return value

    def number(self, key: str, default: float | None = None) -> Any:
        value = self._get(key, default, (int, float), "a number")
        if value is not None and value < 0:
            raise ConfigError(f"{self.key(key)}: must not be negative, got {value}")
        return value

    def flag(self, key: str, default: bool | None = None) -> Any:
        return self._get(key, default, (bool,), "true or false")

    def items(self, key: str, default: list[Any] | None = None) -> Any:
        return self._get(key, default if default is not None else [], (list,), "a list [...]")

    def path(self, key: str, default: str | None = None) -> Path | None:
        value = self.text(key, default)
        if value is None:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def time(self, key: str, default: str | None = None) -> dt.time | None:
        value = self.text(key, default)
        if value is None:
            return None
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            raise ConfigError(
                f'{self.key(key)}: expected a time like "08:00", got {value!r}'
            ) from None

    def date(self, key: str) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ConfigError(f"{self.key(key)}: expected a date like 2024-03-01, got {value!r}")

    def reject_unknown(self, known: set[str]) -> None:
        for key in self.data:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ConfigError(f"{self.key(key)}: not a setting{hint}")


def board_timezone(cfg: Config) -> ZoneInfo:
    """[schedule] timezone (default Europe/London): the clock of every time the Board sees."""
    name = cfg.section("schedule").text("timezone", "Europe/London")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"schedule.timezone: {name!r} is not a time zone name like 'Europe/London'"
        ) from None


def _tor(section: Section) -> TorConfig:
    names = {f.name: f for f in fields(TorConfig)}
    section.reject_unknown(set(names))
    values: dict[str, Any] = {}
    for name, f in names.items():
        if f.type == "float":
            values[name] = section.number(name, f.default)
        else:
            values[name] = section.integer(name, f.default)
    if values["max_members"] < 2:
        raise ConfigError("tor.max_members: must be at least 2 (the two co-chairs)")
    return TorConfig(**values)


def _source(section: Section) -> SourceConfig:
    kind = section.text("kind", "xlsx", choices=("xlsx", "google"))
    known = {"kind", "path", "spreadsheet", "credentials"}
    options = {k: v for k, v in section.data.items() if k not in known}
    if kind == "xlsx":
        path = section.path("path")
        if path is None:
            raise ConfigError(
                'source.path: missing; give the workbook file, e.g. path = "board.xlsx"'
            )
        return SourceConfig(kind=kind, path=path, options=options)
    spreadsheet = section.text("spreadsheet")
    if not spreadsheet:
        raise ConfigError("source.spreadsheet: missing; give the Google Sheet's key or URL")
    return SourceConfig(
        kind=kind,
        spreadsheet=spreadsheet,
        credentials=section.text("credentials"),
        options=options,
    )


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    base = path.parent if path else Path.cwd()
    top = Section("", data, base)
    paths = Section("paths", _table(data, "paths"), base)
    paths.reject_unknown({"schema_dir", "templates_dir", "state_dir"})
    return Config(
        path=path,
        source=_source(Section("source", _table(data, "source"), base)),
        tor=_tor(Section("tor", _table(data, "tor"), base)),
        today=top.date("today"),
        schema_dir=paths.path("schema_dir") or data_path("sheets_schema"),
        templates_dir=paths.path("templates_dir") or data_path("templates"),
        state_dir=paths.path("state_dir") or base / "state",
        raw=data,
    )


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: expected a [{name}] table")
    return value


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"No config file at {path}. Create one with `coprod init DIR`, "
            "or copy config.example.toml."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return parse_config(data, path.resolve())
