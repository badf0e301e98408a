"""One family of errors. Every layer raises a child of CoprodError for a problem a person can fix
(a config key, a workbook, a template, the mail server, the state folder); the CLI and the service
catch CoprodError once and show its message. Anything else is a bug.

This module imports nothing from the package, so every layer can use it.
"""

from __future__ import annotations

from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from typing import Any


class CoprodError(Exception):
    """A problem a person can fix; the message says what and how."""


class ConfigError(CoprodError):
    """A problem with the config file; the message names the key."""


class SchemaError(CoprodError):
    """A sheets_schema file is wrong (a developer or officer edited it badly)."""


class SourceError(CoprodError):
    """The workbook could not be read or written; the message says why and what to do."""


class DigestError(CoprodError):
    """A digest could not be rendered (for example a template mistake); names file and line."""


class StateError(CoprodError):
    """The state folder cannot be used (read-only, full, damaged); names the folder."""


class MailError(CoprodError):
    """A message was not sent. ``recipients`` names who it concerns when the server said so."""

    def __init__(
        self, message: str, recipients: tuple[str, ...] = (), delivered_to: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.recipients = recipients
        # Some recipients may have been accepted even though others were refused.
        self.delivered_to = delivered_to


class TemporaryMailError(MailError):
    """Worth retrying later (the server is down, busy or asked us to wait)."""

    def __init__(
        self,
        message: str,
        recipients: tuple[str, ...] = (),
        delivered_to: tuple[str, ...] = (),
        unreachable: bool = False,
    ) -> None:
        super().__init__(message, recipients, delivered_to)
        # True when the server could not be reached at all, so other messages will fail too.
        self.unreachable = unreachable


class PermanentMailError(MailError):
    """Retrying will not help; a person has to change something."""


class LockHeld(CoprodError):
    """Another copy holds the lock; the message names it. Nothing was done."""

    def __init__(self, path: Path | str, holder: Any, who: str) -> None:
        self.path, self.holder = path, holder
        super().__init__(
            f"Another copy of the service is already running: {who}. "
            f"Nothing was done; the lock is {path}."
        )
