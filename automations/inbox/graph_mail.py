"""The ``microsoft365`` mailbox: the Board's shared mailbox (the [updates] address) read through
Microsoft Graph with the app-only sign-in the Microsoft 365 backend already has ([microsoft365];
the app needs the Mail.ReadWrite application permission, limited to this mailbox by an
application access policy). Calls (learn.microsoft.com/graph/api/...):

- mailfolder-list-messages: the folder's messages, with the size (PidTagMessageSize, the
  extended property "Integer 0x0E08") so that a message too large is never downloaded;
- message-get with ``$value``: the message's MIME, as sent;
- message-move to the Processed folder (user-list-mailfolders / user-post-mailfolders make it
  when missing); never a delete.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from automations.core.config import Config
from automations.inbox.mailbox import MailboxError, Raw

SIZE = "Integer 0x0E08"


class GraphMailbox:
    name = "microsoft365"

    def __init__(self, cfg: Config, mailbox: str, folder: str, processed: str, max_bytes: int):
        from automations.backends.microsoft365.graph import GraphClient, required_settings

        self.client = GraphClient(required_settings(cfg, 'updates.mailbox = "microsoft365"'))
        self.user = f"/users/{quote(mailbox, safe='@')}"
        self.mailbox, self.folder, self.processed = mailbox, folder, processed
        self.max_bytes = max_bytes
        self.processed_id: str | None = None

    def _call(self, method: str, url: str, kind: str, **kw: Any) -> Any:
        from automations.backends.microsoft365.graph import GraphError, SignInError
        from automations.core.retry import GaveUp

        try:
            return self.client.request(method, url, kind=kind, **kw)
        except SignInError as exc:
            raise MailboxError(f"The answers mailbox: {exc}") from None
        except GraphError as exc:
            if exc.status == 403:
                raise MailboxError(
                    f"Microsoft 365 would not let the app read {self.mailbox} ({exc.code}). The "
                    "app needs the Mail.ReadWrite application permission, and the application "
                    "access policy must include this mailbox."
                ) from None
            if exc.status == 404:
                raise MailboxError(
                    f"Microsoft 365 has no mailbox or folder {self.mailbox}/{self.folder} "
                    f"({exc.code}). Check updates.address and updates.folder."
                ) from None
            raise MailboxError(f"Microsoft 365 answered {exc.status} ({exc.code}).") from None
        except (GaveUp, OSError) as exc:
            raise MailboxError(f"Could not reach Microsoft 365 for the answers ({exc}).") from None

    def waiting(self) -> Iterator[Raw]:
        url: str | None = (
            f"{self.user}/mailFolders/{quote(self.folder)}/messages?$top=50"
            f"&$select=id,internetMessageId,from"
            f"&$expand=singleValueExtendedProperties($filter=id eq '{SIZE}')"
        )
        listed: list[dict[str, Any]] = []
        while url:  # the whole list first: moving a message changes the pages
            page = self._call("GET", url, "mail-list").json()
            listed += page.get("value", [])
            url = page.get("@odata.nextLink")
        for item in listed:
            size = _size(item)
            if size > self.max_bytes:
                yield Raw(item["id"], size, _headers(item), too_large=True)
                continue
            mime = self._call("GET", f"{self.user}/messages/{item['id']}/$value", "mail-mime")
            yield Raw(item["id"], len(mime.content), mime.content)

    def set_aside(self, raw: Raw) -> None:
        target = self._processed_folder()
        self._call(
            "POST", f"{self.user}/messages/{raw.ref}/move", "mail-move",
            expect=(200, 201), body={"destinationId": target},
        )  # fmt: skip

    def _processed_folder(self) -> str:
        if self.processed_id is None:
            name = self.processed.replace("'", "''")
            found = self._call(
                "GET", f"{self.user}/mailFolders?$filter=displayName eq '{name}'", "mail-folders"
            ).json()["value"]
            if found:
                self.processed_id = str(found[0]["id"])
            else:
                made = self._call(
                    "POST", f"{self.user}/mailFolders", "mail-folder-create",
                    expect=(201,), body={"displayName": self.processed},
                )  # fmt: skip
                self.processed_id = str(made.json()["id"])
        return self.processed_id

    def close(self) -> None:
        """Nothing held open: each call signs its own request."""


def _size(item: dict[str, Any]) -> int:
    """PidTagMessageSize, which Graph names "Integer 0xe08" in its answer (the tag's number,
    not the text asked for, is what to compare)."""
    for prop in item.get("singleValueExtendedProperties") or []:
        kind, _, tag = str(prop.get("id", "")).partition(" ")
        try:
            if kind.lower() == "integer" and int(tag, 16) == 0x0E08:
                return int(prop.get("value", 0))
        except (TypeError, ValueError):
            return 0
    return 0


def _headers(item: dict[str, Any]) -> bytes:
    """What Graph says of a message too large to download: enough to record it once."""
    mid = " ".join(str(item.get("internetMessageId", "")).split())
    sender = (item.get("from") or {}).get("emailAddress", {}).get("address", "")
    return f"Message-ID: {mid}\r\nFrom: {' '.join(str(sender).split())}\r\n\r\n".encode()
