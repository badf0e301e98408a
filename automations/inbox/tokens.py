"""Answer tokens: what an answer button carries so that the reply can be trusted.

A token is an HMAC-SHA256 over the board, the action id, the owner's address, the kind of answer
and the expiry day, made with a key the officers keep outside the config and the repository (an
environment variable or a key file). It is written in lower-case base32 (``a-z`` and ``2-7``) so
that it survives in an address's local part, which some mail servers fold to lower case:

    board-updates+1dabcd1234567abcdefghijklmnop234@council.gov.uk   (30 characters)

    1        version
    d        kind: d done, s started and on track, m more time, h help, r a plain reply
    abcd     expiry, days since 2020-01-01 (base32, 4 characters: 2,800 years)
    1234567a the action id's fingerprint (40 bits of SHA-256): finds the candidate action
    bcdef... 80 bits of the HMAC

The token does not carry the board's name, the action id or the address: the checker supplies
them (its own board, the action found by fingerprint, the owner on the Members tab), so a token
made for another board, another action or another owner fails the signature, and nothing in it
can be read by whoever sees the address. 80 bits of MAC is what a forger has to guess per try
(RFC 2104 section 5 allows truncation to half the hash and no less than 80 bits).

Rotation: the key source holds the current key on its first line and old keys below, each as
``KEY retired YYYY-MM-DD``. New tokens use the current key; an old key is still accepted for
tokens expiring no later than its retired day plus the expiry (``expiry_days``): the ones it
made before it was retired, and nothing that outlives them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from automations.core.errors import ConfigError, CoprodError

VERSION = "1"
# r: a plain reply to the reminder (its Reply-To carries a code for the owner, no action).
KINDS = {"d": "done", "s": "started", "m": "more_time", "h": "help", "r": "reply"}
KIND_CODES = {name: code for code, name in KINDS.items()}
EPOCH = dt.date(2020, 1, 1)
DEFAULT_EXPIRY_DAYS = 45
MAX_EXPIRY_DAYS = 366
MIN_KEY_CHARS = 32  # 32 random characters: well over the 128 bits an HMAC key should have
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
TOKEN_LENGTH = 30
# Anywhere in an address, a subject, a References line or a body: not inside a longer word.
TOKEN_RE = re.compile(r"(?<![a-z0-9])1[dsmhr][a-z2-7]{28}(?![a-z0-9])", re.IGNORECASE)


class TokenError(CoprodError):
    """A token that cannot be trusted; the message says why in plain words."""


@dataclass(frozen=True)
class Key:
    secret: bytes
    retired: dt.date | None = None  # None: the current key

    def signs(self, expires: dt.date, longest_expiry: int) -> bool:
        """Whether a token expiring then can be this key's: a retired key made tokens only
        until it was retired, so none of them expires later than that plus the longest
        expiry. (A leaked old key forges nothing that outlives its own last tokens.)"""
        return self.retired is None or expires <= self.retired + dt.timedelta(days=longest_expiry)


@dataclass(frozen=True)
class Token:
    """What a token says once its signature is checked against a board, an action, an owner."""

    kind: str  # done | started | more_time | help
    expires: dt.date
    fingerprint: str  # of the action id


@dataclass(frozen=True)
class Keyring:
    keys: tuple[Key, ...]  # the current key first

    @property
    def current(self) -> Key:
        return self.keys[0]


# ---------------------------------------------------------------- keys


def parse_keys(text: str, where: str) -> Keyring:
    """The current key on the first line, old keys below as ``KEY retired YYYY-MM-DD``."""
    keys: list[Key] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        secret, _, rest = line.partition(" ")
        retired = _retired(rest.strip(), f"{where}, line {number}")
        if len(secret) < MIN_KEY_CHARS:
            raise ConfigError(
                f"{where}, line {number}: a key must be at least {MIN_KEY_CHARS} characters; "
                'make one with: python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        if not keys and retired is not None:
            raise ConfigError(
                f"{where}, line {number}: the first key is the current one; "
                "put a key without 'retired' first"
            )
        if keys and retired is None:
            raise ConfigError(
                f"{where}, line {number}: an old key needs 'retired YYYY-MM-DD' "
                "after it (the day it stopped being the current key)"
            )
        keys.append(Key(secret.encode("utf-8"), retired))
    if not keys:
        raise ConfigError(f"{where}: no key in it; put one key of {MIN_KEY_CHARS}+ characters")
    return Keyring(tuple(keys))


def _retired(rest: str, where: str) -> dt.date | None:
    if not rest:
        return None
    m = re.fullmatch(r"retired\s+(\d{4}-\d{2}-\d{2})", rest)
    if not m:
        raise ConfigError(f"{where}: after the key write only 'retired YYYY-MM-DD', got {rest!r}")
    try:
        return dt.date.fromisoformat(m.group(1))
    except ValueError:
        raise ConfigError(f"{where}: {m.group(1)!r} is not a date") from None


def load_keys(env_name: str | None, key_file: Path | None) -> Keyring:
    """The keyring from the environment variable (first) or the key file. Config errors name
    the setting that points at the missing key."""
    if env_name:
        value = os.environ.get(env_name)
        if value:
            return parse_keys(value, f"the environment variable {env_name}")
        if key_file is None:
            raise ConfigError(
                f"updates.key_env: the environment variable {env_name} is not set; set it to a "
                "key of 32+ random characters, or give updates.key_file"
            )
    if key_file is None:
        raise ConfigError("updates.key_env: give key_env or key_file (the answer buttons' key)")
    try:
        return parse_keys(key_file.read_text(encoding="utf-8"), str(key_file))
    except FileNotFoundError:
        raise ConfigError(f"updates.key_file: no file at {key_file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"updates.key_file: cannot read {key_file} ({exc})") from None


# ---------------------------------------------------------------- encoding


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _number(value: int, width: int) -> str:
    out = ""
    for _ in range(width):
        value, digit = divmod(value, 32)
        out = _B32[digit] + out
    if value:
        raise ValueError("too large")
    return out


def _from_number(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 32 + _B32.index(ch)
    return value


def fingerprint(action_id: str) -> str:
    """Eight characters that pick out an action id (not a secret: any action matching it must
    still pass the signature)."""
    digest = hashlib.sha256(" ".join(action_id.split()).casefold().encode("utf-8")).digest()
    return _b32(digest[:5])


def _mac(key: bytes, board: str, action_id: str, owner: str, code: str, expiry: str) -> str:
    parts = (
        VERSION,
        " ".join(board.split()).casefold(),
        " ".join(action_id.split()).casefold(),
        owner.strip().casefold(),
        code,
        expiry,
    )
    digest = hmac.new(key, "\0".join(parts).encode("utf-8"), hashlib.sha256).digest()
    return _b32(digest[:10])


def make_token(
    keys: Keyring,
    board: str,
    action_id: str,
    owner: str,
    kind: str,
    today: dt.date,
    days: int = DEFAULT_EXPIRY_DAYS,
) -> str:
    code = KIND_CODES[kind]
    expiry = _number((today - EPOCH).days + days, 4)
    mac = _mac(keys.current.secret, board, action_id, owner, code, expiry)
    return f"{VERSION}{code}{expiry}{fingerprint(action_id)}{mac}"


def read_token(token: str) -> Token:
    """The unsigned parts of a token (kind, expiry, fingerprint), or TokenError when it is not
    one of ours. Trust nothing from here until ``verify`` has passed."""
    t = token.strip().lower()
    if len(t) != TOKEN_LENGTH or not TOKEN_RE.fullmatch(t):
        raise TokenError("the answer code in the message is not one the Board sends")
    expires = EPOCH + dt.timedelta(days=_from_number(t[2:6]))
    return Token(KINDS[t[1]], expires, t[6:14])


def verify(
    keys: Keyring,
    token: str,
    board: str,
    action_id: str,
    owner: str,
    today: dt.date,
    longest_expiry: int = DEFAULT_EXPIRY_DAYS,
) -> Token:
    """The token's meaning when its signature matches this board, action and owner under an
    accepted key and it has not expired; TokenError saying why otherwise."""
    t = token.strip().lower()
    parsed = read_token(t)
    if parsed.fingerprint != fingerprint(action_id):
        raise TokenError("the answer code was made for another action")
    good = any(
        hmac.compare_digest(_mac(k.secret, board, action_id, owner, t[1], t[2:6]), t[14:])
        for k in keys.keys
        if k.signs(parsed.expires, longest_expiry)
    )
    if not good:
        raise TokenError(
            "the answer code's signature does not match (it was altered, made with a key no "
            "longer in use, or made for another board or another person)"
        )
    if today > parsed.expires:
        raise TokenError(f"the answer code expired on {parsed.expires.isoformat()}")
    return parsed


def find_tokens(texts: Iterable[str]) -> list[str]:
    """Every token-shaped string in these texts, lower-cased, first seen first."""
    seen: list[str] = []
    for text in texts:
        for m in TOKEN_RE.finditer(text or ""):
            if (found := m.group(0).lower()) not in seen:
                seen.append(found)
    return seen


def plus_address(address: str, token: str) -> str:
    """``board-updates@x`` with the token as its plus part: ``board-updates+TOKEN@x``."""
    local, _, domain = address.rpartition("@")
    return f"{local.split('+')[0]}+{token}@{domain}"
