"""The outbox transport: each message written as an .eml file, so nothing needs a mail server."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from automations.core.errors import TemporaryMailError
from automations.mail.outcome import BeforeData, Delivery


@dataclass
class OutboxTransport:
    folder: Path
    name: str = "outbox"

    def send(
        self, msg: EmailMessage, recipients: tuple[str, ...], before_data: BeforeData
    ) -> Delivery:
        before_data(recipients)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / f"{_file_stem(msg)}.eml"
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
            partial.write_bytes(msg.as_bytes())
            # A rename is atomic, so a crash never leaves half a message in the outbox.
            partial.replace(target)
        except OSError as exc:
            raise TemporaryMailError(
                f"could not write to the outbox folder {self.folder}: {exc.strerror}", recipients
            ) from None
        return Delivery(delivered=recipients)


def _file_stem(msg: EmailMessage) -> str:
    # Named after the Message-ID, so a resend of the same digest replaces its file.
    mid = str(msg.get("Message-ID", "")).strip("<> ").split("@")[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", mid).strip(".-")
    return stem or f"message-{uuid.uuid4().hex}"
