"""The Microsoft 365 backend: the board's workbook in SharePoint, OneDrive or a Teams channel's
files, through Microsoft Graph v1.0.

Each check downloads the file with its eTag, reads it with the .xlsx reader, marks a local copy
with the .xlsx writer and, only when the marks changed, uploads it with ``If-Match: <eTag>``.
Graph answers 412 when the file changed since the download (a person saved in between): the
upload is dropped, nothing of theirs is overwritten, and the next check reads and marks their
version. 423 (checked out or locked) is a clear message, and the next check tries again.
SharePoint's version history keeps every earlier version, so it is the backup.

Calls per check, whatever the number of rows: one for the file's metadata (or one /shares call
for a sharing link, which returns the same driveItem), one content download (Graph answers it
with a redirect to a pre-authenticated URL, which requests follows), and one upload when the
marks changed (an upload session and its fragments above the simple-upload limit). Tokens come
from MSAL's cache: two sign-in requests (discovery document, token) per hour or so.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from automations.backends.marks import WriteResult
from automations.backends.microsoft365.graph import (
    GraphClient,
    GraphError,
    M365Settings,
    SignInError,
    describe_failure,
    required_settings,
)
from automations.backends.xlsx.sniff import ZipLimits
from automations.backends.xlsx.source import read_xlsx
from automations.core.errors import ConfigError, CoprodError, SourceError
from automations.core.retry import GaveUp
from automations.model.raw import RawWorkbook

if TYPE_CHECKING:
    from automations.backends.marks import MarkPlan
    from automations.core.config import Config, SourceConfig

SELECT = "id,name,eTag,size,file,folder,parentReference"
WORKBOOK_ENDINGS = (".xlsx", ".xlsm")


def share_token(url: str) -> str:
    """A sharing link as Graph's /shares/ wants it: "u!" + unpadded base64url of the link
    (learn.microsoft.com/graph/api/shares-get, "Encoding sharing URLs")."""
    return "u!" + base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")


@dataclass
class Download:
    """One read of the file: where it is, which version, and the local copy."""

    item_path: str  # /drives/{drive}/items/{item}
    name: str
    etag: str
    local: Path


class Microsoft365Source:
    """One workbook in Microsoft 365. ``key``: the config table that names it ("source", or
    "source.tabs.Members" for a tab kept in a file of its own), for messages. ``seen``: shared
    by the files of one board (item path -> key), so one file named twice is refused."""

    def __init__(self, settings: M365Settings, source: SourceConfig, cfg: Config | None = None,
                 client: GraphClient | None = None, key: str = "source",
                 seen: dict[str, str] | None = None) -> None:
        self.settings, self.source, self.cfg = settings, source, cfg
        self.client = client or GraphClient(settings)
        self.key, self.seen = key, seen if seen is not None else {}
        self.name = ("the workbook in Microsoft 365" if key == "source"
                     else f"the workbook of [{key}] in Microsoft 365")
        self._held: Download | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="coprod-m365-")

    @classmethod
    def from_config(cls, cfg: Config) -> Microsoft365Source:
        return cls(required_settings(cfg, '[source] kind = "microsoft365"'), cfg.source, cfg)

    # --- reading

    def read(self) -> RawWorkbook:
        with self._explained("reading"):
            item = self._metadata()
            path = item_path(item, self.key)
            self._only_once(path, item["name"])
            reply = self.client.request("GET", f"{path}/content", kind="download")
        folder = Path(self._tmp.name) / "download"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        local = folder / _safe_name(item["name"])
        local.write_bytes(reply.content)
        self._held = Download(path, item["name"], str(item["eTag"]), local)
        self.name = item["name"]
        raw = read_xlsx(local, ZipLimits.from_config(self.cfg))
        return RawWorkbook(name=item["name"], tables=raw.tables)

    def _metadata(self) -> Mapping[str, Any]:
        """The driveItem: by ids, or through the sharing link (the same driveItem comes back)."""
        if self.source.sharing_url:
            url = f"/shares/{share_token(self.source.sharing_url)}/driveItem?$select={SELECT}"
            item = self.client.request("GET", url, kind="metadata").json()
        else:
            url = f"/drives/{_q(self.source.drive_id)}/items/{_q(self.source.item_id)}"
            item = self.client.request("GET", f"{url}?$select={SELECT}", kind="metadata").json()
        _check_is_workbook(item, self.key)
        return item  # type: ignore[no-any-return]

    def _only_once(self, path: str, name: str) -> None:
        """The same file given twice (a sharing link here, its ids there) would be marked twice
        from two downloads, and the second upload always refused: say which keys to change."""
        other = self.seen.setdefault(path, self.key)
        if other != self.key:
            raise ConfigError(
                f"{self.key}: names {name}, the same file as [{other}]. Leave drive_id, item_id "
                f"and sharing_url out of [{self.key}] for a tab in that workbook (tab, tabs and "
                "header_row still name it there)."
            )

    # --- marking

    def write_marks(self, plan: MarkPlan) -> WriteResult:
        from automations.backends.xlsx.marks import write_xlsx_marks

        if self._held is None:
            self.read()
        held, self._held = self._held, None  # one upload per download: the eTag is spent
        assert held is not None
        work = held.local.parent.parent / "marking" / held.local.name
        shutil.rmtree(work.parent, ignore_errors=True)
        work.parent.mkdir()
        shutil.copy2(held.local, work)
        marked = write_xlsx_marks(work, plan, self.cfg)
        if not marked.changed:
            return WriteResult(changed=False, cells_marked=marked.cells_marked,
                               message=f"{held.name} already shows these findings, so nothing "
                                       "was uploaded.")
        try:
            with self._explained("uploading"):
                self._upload(held, work.read_bytes())
        except _Dropped as dropped:
            return WriteResult(changed=False, cells_marked=marked.cells_marked,
                               message=str(dropped))
        return WriteResult(
            changed=True, cells_marked=marked.cells_marked, cells_cleared=marked.cells_cleared,
            message=(f"Marked {marked.cells_marked} cells in {held.name}, cleared "
                     f"{marked.cells_cleared}, and saved it to Microsoft 365. The previous "
                     "version is in the file's version history."),
        )

    def write_report(self, report: Path, plan: MarkPlan) -> WriteResult:
        """A marked copy of the downloaded workbook at ``report``; nothing is uploaded."""
        from automations.backends.xlsx.marks import write_xlsx_report

        if self._held is None:
            self.read()
        assert self._held is not None
        result = write_xlsx_report(self._held.local, report, plan, self.cfg)
        result.message = result.message.replace(
            f"{self._held.local.name} was not changed", f"{self._held.name} in Microsoft 365 "
            "was not changed")
        return result

    def _upload(self, held: Download, data: bytes) -> None:
        try:
            if len(data) <= self.settings.simple_upload_max:
                # Replace the content in one call, only if nobody saved since the download
                # (driveitem-put-content; Content-Type as its request-headers table says).
                self.client.request("PUT", f"{held.item_path}/content", kind="upload",
                                    expect=(200, 201), data=data,
                                    headers={"If-Match": held.etag, "Content-Type": "text/plain"})
            else:
                self._upload_in_session(held, data)
        except GraphError as exc:
            if exc.status == 412:
                raise _Dropped(
                    f"{held.name} was saved by someone in Microsoft 365 while it was being "
                    "checked, so the marks were not saved and nothing of theirs was "
                    "overwritten. The next check reads the new version and marks it."
                ) from None
            if exc.status == 423:
                raise SourceError(
                    f"{held.name} is checked out or locked in SharePoint, so the marks were not "
                    "saved. Check the file in (Library, the file's menu, Check in) or wait for "
                    "the lock to end; the next check tries again."
                ) from None
            raise

    def _upload_in_session(self, held: Download, data: bytes) -> None:
        """createUploadSession with If-Match (412 when the file changed), then byte ranges PUT
        to the session's URL without a token (driveitem-createuploadsession: "Don't include an
        Authorization header"); 202 for each fragment but the last, 200 or 201 for it."""
        session = self.client.request(
            "POST", f"{held.item_path}/createUploadSession", kind="upload-session",
            headers={"If-Match": held.etag},
            body={"item": {"@microsoft.graph.conflictBehavior": "replace"}},
        ).json()
        url = str(session["uploadUrl"])
        size, step = len(data), self.settings.fragment
        try:
            for start in range(0, size, step):
                part = data[start:start + step]
                self.client.request(
                    "PUT", url, kind="upload-fragment", expect=(200, 201, 202), data=part,
                    signed=False,
                    headers={"Content-Range": f"bytes {start}-{start + len(part) - 1}/{size}"},
                )
        except BaseException:
            self._cancel(url)
            raise

    def _cancel(self, upload_url: str) -> None:
        """Best effort: a session left behind expires by itself after a few days."""
        # The upload's own failure is the one to report, not the cancel's.
        with contextlib.suppress(Exception):
            self.client.request("DELETE", upload_url, kind="cancel-session", expect=(204,),
                                signed=False)

    # --- access check

    def check_access(self) -> tuple[bool, list[str]]:
        """(can write, a line for reading and one for writing). Writing is tried by opening an
        upload session for the file and cancelling it: Graph checks the app's write permission
        and the file's lock there, and the file itself is not touched."""
        with self._explained("reading"):
            item = self._metadata()
        name, path = item["name"], item_path(item, self.key)
        read = f"Read: can read {name} in Microsoft 365."
        try:
            with self._explained("checking write access to"):
                session = self.client.request(
                    "POST", f"{path}/createUploadSession", kind="upload-session",
                    headers={"If-Match": str(item["eTag"])},
                    body={"item": {"@microsoft.graph.conflictBehavior": "replace"}},
                ).json()
                self._cancel(str(session["uploadUrl"]))
        except _Refused as exc:
            if exc.status in (401, 403):
                return False, [read, f"Write: cannot write {name}: grant the app write access to "
                                     "it (Sites.Selected with the write role on its site, or "
                                     "Files.ReadWrite.All)."]
            if exc.status == 423:
                return False, [read, f"Write: {name} is checked out or locked: check it in."]
            if exc.status == 412:
                return False, [read, f"Write: {name} changed during the check; run it again."]
            raise SourceError(str(exc)) from None
        return True, [read, f"Write: can write {name} (an upload was started and cancelled, so "
                            "nothing changed)."]

    # --- plumbing

    @contextmanager
    def _explained(self, doing: str) -> Iterator[None]:
        """Failures from Microsoft -> one SourceError that says what to do. GraphErrors that a
        caller handles (412, 423 on upload) pass through."""
        try:
            yield
        except (_Dropped, SourceError, ConfigError):
            raise
        except GaveUp as exc:
            raise SourceError(f"{doing.capitalize()} {self.name}: {exc}") from None
        except SignInError as exc:
            raise SourceError(str(exc)) from None
        except GraphError as exc:
            if doing.startswith("checking") and exc.status in (401, 403, 412, 423):
                raise _Refused(exc.status, self._message(exc, doing)) from None
            raise SourceError(self._message(exc, doing)) from None
        except requests.RequestException as exc:
            raise SourceError(f"{doing.capitalize()} {self.name}: {describe_failure(exc)}.") \
                from None

    def _message(self, exc: GraphError, doing: str) -> str:
        where = (f"the sharing link {self.source.sharing_url}" if self.source.sharing_url
                 else f"drive {self.source.drive_id}, item {self.source.item_id}")
        if exc.status == 401:
            return ("Microsoft 365 did not accept the app's token (status 401). Check "
                    "microsoft365.tenant_id and that the app's permissions were granted "
                    "(admin consent).")
        if exc.status == 403:
            return (f"The app may not use {where} (status 403): the Microsoft 365 administrator "
                    "must grant it access to the file's site (see the README, Microsoft 365).")
        if exc.status == 404:
            return (f"There is no file at {where} that the app can see (status 404). Check "
                    f"[{self.key}] in the config.")
        return f"Microsoft 365 refused {doing} {self.name}: {exc}"


class _Dropped(CoprodError):
    """The upload was refused because the file changed since the download: not a failure."""


class _Refused(CoprodError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def item_path(item: Mapping[str, Any], key: str = "source") -> str:
    drive = item.get("parentReference", {}).get("driveId")
    if not drive or not item.get("id"):
        raise SourceError("Microsoft 365 did not say which drive holds the workbook. Give "
                          f"[{key}] drive_id and item_id instead of the sharing link.")
    return f"/drives/{_q(drive)}/items/{_q(item['id'])}"


def _check_is_workbook(item: Mapping[str, Any], key: str = "source") -> None:
    name = str(item.get("name", ""))
    if "folder" in item or "file" not in item:
        raise SourceError(f"{name or 'The item'} in Microsoft 365 is a folder, not a workbook. "
                          f"Point [{key}] at the .xlsx file itself.")
    if not name.lower().endswith(WORKBOOK_ENDINGS):
        raise SourceError(f"{name} is not an Excel workbook (.xlsx). Point [{key}] at the "
                          "board's .xlsx file.")
    if not item.get("eTag"):
        raise SourceError(f"Microsoft 365 gave no version tag (eTag) for {name}, so marks "
                          "could not be saved safely.")


def _q(text: str | None) -> str:
    return quote(str(text), safe="!")


def _safe_name(name: str) -> str:
    """The file's own name, but never a path (a name comes from the server)."""
    cleaned = Path(name).name.replace("\\", "_")
    return cleaned if cleaned not in ("", ".", "..") else "workbook.xlsx"


def file_place(drive_id: str | None, item_id: str | None, sharing_url: str | None) -> str | None:
    """Where a file is, in one string: its ids, or its sharing link (None: neither given)."""
    if sharing_url:
        return f"link {sharing_url}"
    return f"ids {drive_id} {item_id}" if drive_id and item_id else None

