"""config.toml -> a frozen Config. Every error names the key and says what is wrong."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import field, fields, replace
from pathlib import Path

from automations.core.errors import ConfigError
from automations.core.filecache import parsed
from automations.core.findings import TAB_ORDER
from automations.core.paths import data_path
from automations.core.records import record
from automations.core.text import close_matches

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from typing import Any
    from zoneinfo import ZoneInfo


@record(frozen=True)
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
    # The co-production record (issue 31): sub-groups report every two meetings; "you said"
    # items are answered and told back; time given is recognised, expenses paid.
    subgroup_report_days: int = 70
    feedback_response_days: int = 60
    feedback_tell_back_days: int = 30
    recognition_days: int = 30
    expenses_days: int = 30


@record(frozen=True)
class TabSource:
    """[source.tabs.<Tab>]: where one tab is, when not in the main workbook or not findable."""

    path: Path | None = None  # an .xlsx workbook of its own (kind = "xlsx")
    url: str | None = None  # a Google Sheet of its own (kind = "google")
    tab: str | None = None  # the tab's name there, when no alias matches
    header_row: int | None = None  # when the header row cannot be found on its own
    # Same-shaped tabs (one per project) read together as this one list (issue 26).
    tabs: tuple[str, ...] = ()
    # A file of its own in Microsoft 365 (kind = "microsoft365"): its ids, or a sharing link.
    drive_id: str | None = None
    item_id: str | None = None
    sharing_url: str | None = None


@record(frozen=True)
class SourceConfig:
    """[source]: where the board's workbook is (a file, a Google Sheet or a Microsoft 365 file)."""

    kind: str = "xlsx"
    path: Path | None = None
    spreadsheet: str | None = None
    credentials: str | None = None
    # Microsoft 365 (SharePoint, OneDrive, a Teams channel's files): the file's drive and item
    # ids, or a sharing link that Graph resolves to them.
    drive_id: str | None = None
    item_id: str | None = None
    sharing_url: str | None = None
    tabs: dict[str, TabSource] = field(default_factory=dict)  # by canonical tab: "Members"


@record(frozen=True)
class Config:
    """config.toml as read: the sections every command uses, typed; the rest kept raw for their own
    modules.
    """

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


# No setting of this service is sensibly larger: days, minutes, members, retries, seconds.
PLAUSIBLE = 100_000


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:20] + "…"


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

    def line(self, key: str, default: str | None = None) -> Any:
        """Text that must stay on one line (it goes into an email header, for example)."""
        value = self.text(key, default)
        if value is not None and any(ch in value for ch in "\r\n\x00\x0b\x0c\x85\u2028\u2029"):
            raise ConfigError(
                f"{self.key(key)}: must be one line; remove the line break from {_short(value)}"
            )
        return value

    def integer(
        self, key: str, default: int | None = None, minimum: int = 0, maximum: int = PLAUSIBLE
    ) -> Any:
        value = self._get(key, default, (int,), "a whole number")
        if value is not None and not minimum <= value <= maximum:
            raise ConfigError(
                f"{self.key(key)}: must be from {minimum} to {maximum}, got {_short(value)}"
            )
        return value

    def number(
        self, key: str, default: float | None = None, minimum: float = 0, maximum: float = PLAUSIBLE
    ) -> Any:
        value = self._get(key, default, (int, float), "a number")
        if value is not None and not (math.isfinite(value) and minimum <= value <= maximum):
            raise ConfigError(
                f"{self.key(key)}: must be a number from {minimum:g} to {maximum:g}, "
                f"got {_short(value)}"
            )
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

    def reject_unknown(self, known: set[str], where: str = "") -> None:
        for key in self.data:
            if key not in known:
                close = close_matches(key, sorted(known))
                hint = f"; did you mean {close[0]!r}?" if close else ""
                context = f" {where}" if where else ""
                raise ConfigError(f"{self.key(key)}: not a setting{context}{hint}")


def board_timezone(cfg: Config) -> ZoneInfo:
    """[schedule] timezone (default Europe/London): the clock of every time the Board sees."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only a command that tells the time

    name = cfg.section("schedule").text("timezone", "Europe/London")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"schedule.timezone: {name!r} is not a time zone name like 'Europe/London'"
        ) from None


# Plausible ranges, so that a slip of the keyboard is caught rather than checked against.
TOR_RANGES: dict[str, tuple[int, int]] = {
    "max_members": (2, 500),
    "balance_tolerance": (0, 500),
    "meeting_hours": (1, 12),
}


def _range_for(name: str) -> tuple[int, int]:
    if name.endswith("_months"):
        return (0, 120)  # ten years
    return (0, 3650)  # days: ten years


def _tor(section: Section) -> TorConfig:
    names = {f.name: f for f in fields(TorConfig)}
    section.reject_unknown(set(names))
    values: dict[str, Any] = {}
    for name, f in names.items():
        low, high = TOR_RANGES.get(name, _range_for(name))
        if f.type == "float":
            values[name] = section.number(name, f.default, low, high)
        else:
            values[name] = section.integer(name, f.default, low, high)
    return TorConfig(**values)


SOURCE_KEYS = {
    "xlsx": {"kind", "path"},
    "google": {"kind", "spreadsheet", "credentials"},
    "microsoft365": {"kind", "drive_id", "item_id", "sharing_url"},
}


def _source(section: Section) -> SourceConfig:
    kind = section.text("kind", "xlsx", choices=tuple(SOURCE_KEYS))
    section.reject_unknown(SOURCE_KEYS[kind] | {"tabs"}, f'with kind = "{kind}"')
    if kind == "xlsx":
        path = section.path("path")
        if path is None:
            raise ConfigError(
                'source.path: missing; give the workbook file, e.g. path = "board.xlsx"'
            )
        return SourceConfig(kind=kind, path=path)
    if kind == "microsoft365":
        return _microsoft365_source(section)
    spreadsheet = section.text("spreadsheet")
    if not spreadsheet:
        raise ConfigError("source.spreadsheet: missing; give the Google Sheet's key or URL")
    return SourceConfig(kind=kind, spreadsheet=spreadsheet, credentials=section.text("credentials"))


def _microsoft365_source(section: Section) -> SourceConfig:
    drive_id, item_id, sharing_url = _m365_file(section)
    if not (sharing_url or drive_id):
        raise ConfigError(
            "source.drive_id: missing; give drive_id and item_id of the workbook, or "
            "sharing_url (a link to it from SharePoint's Share, Copy link)"
        )
    return SourceConfig(kind="microsoft365", drive_id=drive_id, item_id=item_id,
                        sharing_url=sharing_url)


def _m365_file(section: Section) -> tuple[str | None, str | None, str | None]:
    """(drive_id, item_id, sharing_url) of a file in Microsoft 365, as [source] or
    [source.tabs.<Tab>] gives it: the two ids together, or the link, or (only a tab) neither."""
    drive_id, item_id = section.text("drive_id"), section.text("item_id")
    sharing_url = section.text("sharing_url")
    if sharing_url and (drive_id or item_id):
        raise ConfigError(
            f"{section.key('sharing_url')}: give either sharing_url or drive_id and item_id, "
            "not both"
        )
    if sharing_url:
        if not sharing_url.startswith("https://"):
            raise ConfigError(
                f"{section.key('sharing_url')}: expected a link starting https://, got "
                f"{sharing_url!r}. In SharePoint or OneDrive use Share, Copy link."
            )
        return None, None, sharing_url.strip()
    if bool(drive_id and drive_id.strip()) != bool(item_id and item_id.strip()):
        missing = "item_id" if drive_id and drive_id.strip() else "drive_id"
        raise ConfigError(
            f"{section.key(missing)}: missing; give drive_id and item_id of the workbook, or "
            "sharing_url (a link to it from SharePoint's Share, Copy link)"
        )
    if drive_id and item_id:
        return drive_id.strip(), item_id.strip(), None
    return None, None, None


# [source.tabs.<Tab>] keys by source kind (a kind not listed takes only tab and header_row).
TAB_KEYS = {
    "xlsx": {"path", "tab", "header_row", "tabs"},
    "google": {"url", "tab", "header_row", "tabs"},
    "microsoft365": {"drive_id", "item_id", "sharing_url", "tab", "header_row", "tabs"},
}
# Where the other kinds say which file a tab is kept in: named when one is given to the wrong kind.
_OTHER_FILE_KEYS = {"path": "an .xlsx file's path", "url": "a Google Sheet's address"}


def _with_tabs(source: SourceConfig, section: Section) -> SourceConfig:
    data = section.data.get("tabs", {})
    if not isinstance(data, dict):
        raise ConfigError("source.tabs: expected tables like [source.tabs.Members]")
    tabs = {name: _tab_source(section, source.kind, name, value) for name, value in data.items()}
    return replace(source, tabs=tabs) if tabs else source


def _tab_source(section: Section, kind: str, name: str, value: Any) -> TabSource:
    where = f"source.tabs.{name}"
    if name not in TAB_ORDER:
        close = close_matches(name, TAB_ORDER, cutoff=0.5)
        hint = f"; did you mean [source.tabs.{close[0]}]?" if close else ""
        raise ConfigError(f"[{where}]: not a tab; the tabs are {', '.join(TAB_ORDER)}{hint}")
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table [{where}]")
    sub = Section(where, value, section.base_dir)
    if kind == "microsoft365":
        _refuse_other_files(sub)
    sub.reject_unknown(TAB_KEYS.get(kind, {"tab", "header_row", "tabs"}), f'with kind = "{kind}"')
    tab = sub.text("tab")
    if tab is not None and not tab.strip():
        raise ConfigError(f"{where}.tab: give the tab's name, or leave the setting out")
    url = sub.text("url")
    if url is not None and not url.strip():
        raise ConfigError(f"{where}.url: give the Google Sheet's address, or leave it out")
    tabs = tuple(sub.items("tabs"))
    if any(not isinstance(t, str) or not t.strip() for t in tabs):
        raise ConfigError(f'{where}.tabs: give the tabs\' names in quotes, e.g. ["Project A"]')
    drive_id, item_id, sharing_url = _m365_file(sub) if kind == "microsoft365" else (None,) * 3
    return TabSource(
        path=sub.path("path"),
        url=url,
        tab=tab,
        header_row=sub.integer("header_row", None, 1, 1000),
        tabs=tabs,
        drive_id=drive_id,
        item_id=item_id,
        sharing_url=sharing_url,
    )


def _refuse_other_files(sub: Section) -> None:
    """A Microsoft 365 board's tab in a local file or a Google Sheet is not read: say so, and
    how to give a tab kept in another Microsoft 365 file."""
    for key, what in _OTHER_FILE_KEYS.items():
        if key in sub.data:
            raise ConfigError(
                f'{sub.key(key)}: not a setting with kind = "microsoft365" ({what} is not read '
                "with a board in Microsoft 365). For a tab kept in another Microsoft 365 file, "
                "give that file's drive_id and item_id, or its sharing_url; leave them out for a "
                "tab in the board's own workbook (tab, tabs and header_row name it there)."
            )


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    base = path.parent if path else Path.cwd()
    top = Section("", data, base)
    paths = Section("paths", _table(data, "paths"), base)
    paths.reject_unknown({"schema_dir", "templates_dir", "state_dir"})
    source_section = Section("source", _table(data, "source"), base)
    return Config(
        path=path,
        source=_with_tabs(_source(source_section), source_section),
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
    if path.is_dir():
        raise ConfigError(f"{path} is a folder, not a config file. Give the config.toml inside it.")
    return parse_config(parsed(path, _read_config), path.resolve())


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"No config file at {path}. Create one with `coprod init DIR`, "
            "or copy config.example.toml."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror}") from None
    return _toml(path, data)


def _toml(path: Path, data: bytes) -> dict[str, Any]:
    import tomllib  # only when a file is parsed, not read from the cache (core/filecache.py)

    try:
        # utf-8-sig: Windows Notepad starts a file it saves as UTF-8 with a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}, line {line}: byte {data[exc.start]:#04x} is not UTF-8 text. Save the file "
            "as UTF-8 (in Notepad: Save as, Encoding: UTF-8)."
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
