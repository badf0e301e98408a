"""The Google Sheets backend: gspread over google-auth service-account credentials.

Calls per run are constant whatever the number of rows: one metadata call (tab titles and ids,
and the notes and conditional formats that marking compares against), one values.batchGet for
every tab, and at most one spreadsheets.batchUpdate for all marks, notes and the Validation tab
(none at all when nothing changed). Failures that are worth another try (rate limits, server
errors, lost connections) are retried with backoff, within a time limit from [google].
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gspread
import requests
from google.auth import exceptions as auth_errors
from google.oauth2.service_account import Credentials
from gspread.http_client import HTTPClient

from automations.backends.google.marks import (
    METADATA_FIELDS,
    VALIDATION_TAB,
    BookState,
    book_state,
    plan_writes,
)
from automations.core.errors import ConfigError, SourceError
from automations.core.retry import GaveUp, RetryPolicy, call_with_retry
from automations.model.raw import RawTable, RawWorkbook, table_from_grid

if TYPE_CHECKING:
    from automations.backends.marks import MarkPlan, WriteResult
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


GOOGLE_KEYS = {"api_base", "request_timeout_seconds", "retry_attempts",
               "retry_first_wait_seconds", "retry_max_wait_seconds", "give_up_after_seconds"}


def connection_settings(cfg: Config) -> tuple[str, float, RetryPolicy]:
    """[google]: the API's address, the time allowed per request and the retries. Checked for
    every config (settings.load_settings), whichever source is in use."""
    section = cfg.section("google")
    section.reject_unknown(GOOGLE_KEYS)
    api_base = section.text("api_base", GOOGLE_API).rstrip("/")
    if not api_base.startswith(("http://", "https://")):
        raise ConfigError(f"google.api_base: expected an address starting https://, got "
                          f"{api_base!r}")
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


# ---------------------------------------------------------------- HTTP with retries


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client, sent to ``api_base`` and retried with our bounded policy.

    Reads are retried on every passing failure. Writes are not retried here: a write that
    failed half-way may have been applied, so the caller re-reads and re-plans instead.
    """

    def __init__(self, auth: Any, session: Any = None, *, api_base: str = GOOGLE_API,
                 policy: RetryPolicy = DEFAULT_POLICY) -> None:
        super().__init__(auth, session)
        self.api_base, self.policy = api_base, policy
        self.retrying = True

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        if endpoint.startswith(GOOGLE_API):
            endpoint = self.api_base + endpoint[len(GOOGLE_API):]

        def once() -> Any:
            return HTTPClient.request(self, method, endpoint, *args, **kwargs)

        if not self.retrying or method.lower() != "get":
            return once()
        return call_with_retry(once, policy=self.policy, transient=is_transient,
                               describe=describe_failure, min_wait=retry_after)

    @contextmanager
    def without_retries(self) -> Iterator[None]:
        self.retrying = False
        try:
            yield
        finally:
            self.retrying = True


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, gspread.exceptions.APIError):
        return exc.code in RETRY_STATUS
    if isinstance(exc, auth_errors.RefreshError):
        return bool(getattr(exc, "retryable", False))
    return isinstance(exc, requests.ConnectionError | requests.Timeout
                      | auth_errors.TransportError)


def retry_after(exc: BaseException) -> float:
    """Seconds the server asked us to wait (Retry-After), if it said."""
    if isinstance(exc, gspread.exceptions.APIError):
        try:
            return float(exc.response.headers.get("Retry-After", 0))
        except ValueError:
            return 0.0
    return 0.0


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, gspread.exceptions.APIError):
        if exc.code == 429:
            return "Google Sheets said too many requests were made (status 429)"
        return f"Google Sheets had a problem on its side (status {exc.code})"
    if isinstance(exc, requests.Timeout):
        return "Google Sheets did not answer in time"
    return f"Could not connect to Google Sheets ({type(exc).__name__})"


# ---------------------------------------------------------------- the source


class GoogleSheetSource:
    def __init__(self, settings: GoogleSettings) -> None:
        self.settings = settings
        self.key = settings.spreadsheet_key
        self.name = f"Google Sheet {self.key}"
        self._http: RetryingHTTPClient | None = None
        self._email = ""
        self._state: BookState | None = None

    @classmethod
    def from_config(cls, cfg: Config) -> GoogleSheetSource:
        return cls(settings_from_config(cfg))

    # --- reading

    def read(self) -> RawWorkbook:
        with self._explained():
            meta = self._metadata()
            state = book_state(meta)
            titles = list(state.sheets)
            ranges = [quote_title(t) for t in titles]
            reply = self.http.values_batch_get(self.key, ranges, params={
                "valueRenderOption": "UNFORMATTED_VALUE",
                "dateTimeRenderOption": "SERIAL_NUMBER", "majorDimension": "ROWS"})
        value_ranges = reply.get("valueRanges", [])
        tables = {
            t: raw_table(t, vr.get("values", []), row_address(self.key, state.sheets[t].sheet_id))
            for t, vr in zip(titles, value_ranges, strict=False)
        }
        if VALIDATION_TAB in state.sheets:
            state.validation_values = [list(r) for r in
                                       value_ranges[titles.index(VALIDATION_TAB)].get("values", [])]
        self._state = state
        self.name = state.title or self.name
        return RawWorkbook(name=self.name, tables=tables)

    def _metadata(self) -> Mapping[str, Any]:
        return self.http.fetch_sheet_metadata(self.key, params={"fields": METADATA_FIELDS})

    # --- marking

    def write_marks(self, plan: MarkPlan) -> WriteResult:
        from automations.backends.marks import WriteResult

        held, self._state = self._state, None  # what we hold is out of date after a write

        def attempt() -> Any:
            # After a failed write we cannot know what was applied: read again and re-plan.
            nonlocal held
            state, held = held or book_state(self._metadata()), None
            writes = plan_writes(state, plan)
            if writes.requests:
                self.http.batch_update(self.key, {"requests": writes.requests})
            return writes

        with self._explained(), self.http.without_retries():
            writes = call_with_retry(attempt, policy=self.settings.retry, transient=is_transient,
                                     describe=describe_failure, min_wait=retry_after)
        if not writes.requests:
            return WriteResult(changed=False, cells_marked=writes.marked,
                               message=f"{self.name}: no change, the sheet already shows "
                                       "these findings.")
        tab = ", and updated the Validation tab" if writes.validation_tab else \
            "; the Validation tab already showed these findings"
        return WriteResult(
            changed=True, cells_marked=writes.marked, cells_cleared=writes.cleared,
            message=f"{self.name}: marked {writes.marked} cells, cleared {writes.cleared}{tab}.",
        )

    # --- access check

    def check_access(self) -> tuple[bool, str]:
        """(can write, one line for people). Raises SourceError when it cannot even read."""
        with self._explained():
            title = self.http.fetch_sheet_metadata(
                self.key, params={"fields": "properties.title"})["properties"]["title"]
        # Setting the title to itself is a write that changes nothing: it shows whether the
        # service account may edit without touching any cell.
        same_title = {"updateSpreadsheetProperties": {"properties": {"title": title},
                                                      "fields": "title"}}
        try:
            with self.http.without_retries():
                self.http.batch_update(self.key, {"requests": [same_title]})
        except gspread.exceptions.APIError as exc:
            if exc.code != 403:
                with self._explained():
                    raise
            return False, (f"Can read '{title}' but cannot write to it: share it with "
                           f"{self._email} as Editor.")
        return True, f"Can read and write '{title}' as {self._email}."

    # --- plumbing

    @property
    def http(self) -> RetryingHTTPClient:
        if self._http is None:
            creds = load_credentials(self.settings.key_file, self.settings.api_base)
            self._email = creds.service_account_email
            factory = functools.partial(RetryingHTTPClient, api_base=self.settings.api_base,
                                        policy=self.settings.retry)
            client = gspread.Client(auth=creds, http_client=factory)  # type: ignore[arg-type]
            client.set_timeout(self.settings.timeout)
            self._http = client.http_client  # type: ignore[assignment]
        assert self._http is not None
        return self._http

    @contextmanager
    def _explained(self) -> Iterator[None]:
        """Failures from Google -> one SourceError that says what to do."""
        try:
            yield
        except GaveUp as exc:
            raise SourceError(f"{self.name}: {exc}") from None
        except gspread.exceptions.APIError as exc:
            raise SourceError(self._api_message(exc)) from None
        except auth_errors.RefreshError as exc:
            reason = exc.args[0] if exc.args else "refused"
            raise SourceError(
                f"Google did not accept the service account key in {self.settings.key_file} "
                f"({reason}). The key may have been deleted or replaced: create a new key for "
                f"{self._email} and point [source] credentials at it."
            ) from None
        except (requests.RequestException, auth_errors.TransportError) as exc:
            raise SourceError(f"{self.name}: {describe_failure(exc)}.") from None

    def _api_message(self, exc: gspread.exceptions.APIError) -> str:
        text = str(exc.error.get("message", ""))
        if exc.code == 403 and ("has not been used" in text or "disabled" in text):
            return ("The Google Sheets service is turned off for the Google Cloud project of "
                    "this key. Turn on the 'Google Sheets API' for that project and try again.")
        if exc.code == 403:
            return (f"The service account cannot use the Google Sheet {self.key}: share the "
                    f"sheet with {self._email} as Editor (Share button in Google Sheets).")
        if exc.code == 404:
            return (f"There is no Google Sheet with the key {self.key}. Check [source] "
                    "spreadsheet: copy the address from the browser's address bar.")
        if exc.code == 401:
            return (f"Google did not accept the service account key in "
                    f"{self.settings.key_file}. Create a new key and try again.")
        return f"Google Sheets refused the request (status {exc.code}): {text}"


class OffGoogleCredentials(Credentials):  # type: ignore[misc]
    """Service-account credentials for an API that is not Google's (tests, a self-hosted proxy).

    Recent google-auth versions look up a "regional access boundary" at
    iamcredentials.googleapis.com after fetching a token. Off Google that host may be out of
    reach, and a lookup that hangs on it slows every call; it only matters for Google's servers.
    """

    def _is_regional_access_boundary_lookup_required(self) -> bool:
        return False


def load_credentials(path: Path, api_base: str = GOOGLE_API) -> Credentials:
    if not path.exists():
        raise SourceError(
            f"The Google key file {path} does not exist. Check [source] credentials: it should "
            "be the path of the .json key downloaded for the service account."
        )
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        kind = Credentials if api_base == GOOGLE_API else OffGoogleCredentials
        return kind.from_service_account_info(info, scopes=SCOPES)  # type: ignore[no-any-return]
    except PermissionError:
        raise SourceError(f"The Google key file {path} cannot be read: permission denied.") \
            from None
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
        # The reason names missing fields at most; the key itself never goes in a message.
        reason = str(exc) if isinstance(exc, ValueError) and "private" not in str(exc) else ""
        raise SourceError(
            f"{path} is not a service account key file{': ' + reason if reason else ''}. "
            "Download a JSON key for the service account from the Google Cloud console."
        ) from None


def quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def raw_table(title: str, values: Sequence[Sequence[object]], address: str = "") -> RawTable:
    """Rows as sources/xlsx.py gives them (an empty cell is None: Google sends "")."""
    rows = (tuple(None if v == "" else v for v in row) for row in values)
    return table_from_grid(title, rows, address)


def row_address(key: str, sheet_id: int) -> str:
    """The address that opens a row of a tab in Google Sheets, "{row}" for the row's number.

    The form is Google's own: "…/spreadsheets/d/SPREADSHEET_ID/edit?gid=SHEET_ID#gid=SHEET_ID"
    (Sheets API concepts guide, developers.google.com/workspace/sheets/api/guides/concepts),
    with "&range=A5" after the fragment's gid to select a cell, as the HYPERLINKs on our
    Validation tab do (marks._link). Both ids come from Google, not from a cell, and are
    checked anyway: a key is letters, digits, - and _, a sheet id a whole number."""
    if not (_BARE_KEY.fullmatch(key) and isinstance(sheet_id, int) and sheet_id >= 0):
        return ""
    return f"{SHEETS_WEB}/{key}/edit?gid={sheet_id}#gid={sheet_id}&range=A{{row}}"
