"""The [updates] settings: answer buttons in reminders, the mailbox their answers reach, and what
happens to an answer (approve in the sheet, apply at once, or only show)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path

from automations.core.config import Config
from automations.core.errors import ConfigError
from automations.inbox import tokens
from automations.mail.transport import checked_address

APPLY_CHOICES = ("approve", "auto", "show")
IMAP_KEYS = {
    "host",
    "port",
    "tls",
    "username",
    "auth",
    "password_env",
    "oauth_provider",
    "oauth_key_file",
    "folder",
    "processed_folder",
    "ca_file",
    "timeout",
}
MAILBOX_KEYS = {
    "maildir": {"folder"},
    "imap": IMAP_KEYS,
    "microsoft365": {"folder", "processed_folder"},
}
KEYS = {
    "enabled",
    "address",
    "board",
    "expiry_days",
    "key_env",
    "key_file",
    "apply",
    "mailbox",
    "officers",
    "trusted_auth_host",
    "max_message_bytes",
    "alert_waiting_days",
}
DEFAULT_KEY_ENV = "COPROD_UPDATES_KEY"
DEFAULT_BOARD = "Commissioning Co-Production Board"


@dataclass(frozen=True)
class UpdateSettings:
    address: Address  # the Board's update address; buttons write to its plus form
    board: str  # the board's name in every token: another board's tokens fail here
    expiry_days: int
    key_env: str | None
    key_file: Path | None
    apply: str  # approve | auto | show
    mailbox: str  # maildir | imap | microsoft365
    folder: Path  # maildir: the folder of .eml files
    officers: tuple[str, ...]  # addresses that may answer for any action (lower case)
    trusted_auth_host: str | None  # only this host's Authentication-Results is believed
    max_message_bytes: int
    alert_waiting_days: int = 7  # the officers hear of an answer waiting longer than this
    switched_on: bool = True

    @property
    def enabled(self) -> bool:
        return self.switched_on

    def keyring(self) -> tokens.Keyring:
        """The keys, read now (not at settings time: `coprod validate` needs no key)."""
        return tokens.load_keys(self.key_env, self.key_file)

    def token(self, action_id: str, owner: str, kind: str, today: dt.date) -> str:
        return tokens.make_token(
            self.keyring(), self.board, action_id, owner, kind, today, self.expiry_days
        )


def update_settings(cfg: Config) -> UpdateSettings:
    s = cfg.section("updates")
    mailbox = s.text("mailbox", "maildir", choices=tuple(MAILBOX_KEYS))
    s.reject_unknown(KEYS | MAILBOX_KEYS[mailbox], f'with mailbox = "{mailbox}"')
    switched_on = s.flag("enabled", "updates" in cfg.raw)
    address_text = s.line("address")
    if switched_on and not address_text:
        raise ConfigError(
            'updates.address: missing; give the mailbox answers go to, e.g. "board-updates@'
            'council.gov.uk" (answer buttons write to board-updates+CODE@council.gov.uk)'
        )
    # Off and without an address: a placeholder nothing is ever sent to.
    address = checked_address(address_text or "updates@example.org", "updates.address")
    if "+" in address.username:
        raise ConfigError("updates.address: give the address without a + part; the buttons add it")
    if switched_on and mailbox == "imap":
        from automations.inbox.imap import imap_settings

        imap_settings(cfg)  # its errors name the key now, not at the first pass
    if switched_on and mailbox == "microsoft365":
        from automations.backends.microsoft365.graph import required_settings

        required_settings(cfg, 'updates.mailbox = "microsoft365"')
    digest_name = cfg.section("digest").data.get("board_name")
    return UpdateSettings(
        address=address,
        board=s.line("board", digest_name if isinstance(digest_name, str) else DEFAULT_BOARD),
        expiry_days=s.integer("expiry_days", tokens.DEFAULT_EXPIRY_DAYS, 1, tokens.MAX_EXPIRY_DAYS),
        key_env=s.line("key_env", DEFAULT_KEY_ENV) or None,
        key_file=s.path("key_file"),
        apply=s.text("apply", "approve", choices=APPLY_CHOICES),
        mailbox=mailbox,
        # maildir: a folder on disk (relative to the config); imap, microsoft365: a name.
        folder=(s.path("folder", "mailbox") if mailbox == "maildir" else None)
        or cfg.base_dir / "mailbox",
        officers=_officers(cfg),
        trusted_auth_host=s.line("trusted_auth_host"),
        # Larger than this is not an answer to a reminder (the 25 MB mail): left unread.
        max_message_bytes=s.integer("max_message_bytes", 1_000_000, 10_000, 50_000_000),
        alert_waiting_days=s.integer("alert_waiting_days", 7, 1, 365),
        switched_on=switched_on,
    )


def _officers(cfg: Config) -> tuple[str, ...]:
    """[updates] officers, else [alerts] to: who may answer for any action."""
    key, value = "updates.officers", cfg.section("updates").data.get("officers")
    if value is None:
        key, value = "alerts.to", cfg.section("alerts").data.get("to")
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"{key}: expected an address in quotes, or a list of them")
    return tuple(checked_address(i, key).addr_spec.casefold() for i in items)
