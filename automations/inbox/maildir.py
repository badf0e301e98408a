"""The ``maildir`` mailbox: a local folder the mail server (or `coprod init`'s demo) delivers
answers into, as .eml files, or a Maildir's ``new/`` and ``cur/`` folders. A message read is
moved into the folder's ``Processed/`` subfolder, never deleted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from automations.inbox.mailbox import HEAD_BYTES, MailboxError, Raw

PROCESSED = "Processed"


class MaildirBox:
    name = "maildir"

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder, self.max_bytes = folder, max_bytes

    def _files(self) -> list[Path]:
        found = [p for p in self.folder.glob("*.eml") if p.is_file()]
        for sub in ("new", "cur"):  # a Maildir as Postfix or Dovecot writes it
            found += [p for p in (self.folder / sub).glob("*") if p.is_file()]
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))

    def waiting(self) -> Iterator[Raw]:
        if not self.folder.is_dir():
            raise MailboxError(
                f"The answers folder {self.folder} does not exist. Create it, or set [updates] "
                "folder to where the mail server delivers the Board's update address."
            )
        for path in self._files():
            try:
                size = path.stat().st_size
                with path.open("rb") as f:
                    big = size > self.max_bytes
                    data = f.read(HEAD_BYTES if big else size + 1)
            except OSError as exc:
                raise MailboxError(f"Cannot read {path}: {exc.strerror}") from None
            yield Raw(str(path.relative_to(self.folder)), size, data, big)

    def close(self) -> None:
        """Nothing to close: a folder."""

    def set_aside(self, raw: Raw) -> None:
        source = self.folder / raw.ref
        target_dir = self.folder / PROCESSED
        try:
            target_dir.mkdir(exist_ok=True)
            target = target_dir / source.name
            n = 1
            while target.exists():  # never overwrite an earlier message of the same name
                target = target_dir / f"{source.stem}.{n}{source.suffix}"
                n += 1
            os.replace(source, target)
        except OSError as exc:
            raise MailboxError(
                f"Cannot move {source} to {target_dir}: {exc.strerror}. It is recorded as read "
                "and will not be read twice; move it by hand."
            ) from None
