"""Answer tokens: made and checked with real keys; forged, altered, expired, other board,
other action, other owner, rotation."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest

from automations.core.errors import ConfigError
from automations.inbox import tokens
from automations.inbox.tokens import TokenError

TODAY = dt.date(2026, 12, 7)
KEY = secrets.token_urlsafe(32)
RING = tokens.parse_keys(KEY, "test")
ARGS = ("Haringey Board", "A-017", "jo@example.org")


def made(kind: str = "done", ring: tokens.Keyring = RING, days: int = 45) -> str:
    return tokens.make_token(ring, *ARGS, kind, TODAY, days)


def test_a_token_is_short_lower_case_and_fits_an_address_local_part() -> None:
    token = made()
    assert len(token) == tokens.TOKEN_LENGTH and re.fullmatch(r"[a-z2-7]+", token[1:])
    address = tokens.plus_address("board-updates@council.gov.uk", token)
    assert address == f"board-updates+{token}@council.gov.uk"
    assert len(address.split("@")[0]) <= 64  # RFC 5321 section 4.5.3.1.1


@pytest.mark.parametrize("kind", sorted(tokens.KIND_CODES))
def test_each_kind_verifies_and_says_its_kind(kind: str) -> None:
    got = tokens.verify(RING, made(kind), *ARGS, TODAY)
    assert got.kind == kind and got.expires == TODAY + dt.timedelta(days=45)


def test_upper_case_as_some_servers_write_it_still_verifies() -> None:
    assert tokens.verify(RING, made().upper(), *ARGS, TODAY).kind == "done"


def test_a_forged_token_with_another_key_fails() -> None:
    forged = made(ring=tokens.parse_keys(secrets.token_urlsafe(32), "other"))
    with pytest.raises(TokenError, match="signature"):
        tokens.verify(RING, forged, *ARGS, TODAY)


@pytest.mark.parametrize("position", [1, 3, 8, 20, 29])
def test_an_altered_character_anywhere_fails(position: int) -> None:
    token = made()
    swapped = "d" if token[position] != "d" else "s"
    altered = token[:position] + swapped + token[position + 1 :]
    with pytest.raises(TokenError):
        tokens.verify(RING, altered, *ARGS, TODAY)


def test_a_more_time_token_cannot_be_turned_into_done() -> None:
    token = made("more_time")
    with pytest.raises(TokenError, match="signature"):
        tokens.verify(RING, token[0] + "d" + token[2:], *ARGS, TODAY)


def test_an_expired_token_fails_the_day_after_its_expiry() -> None:
    token = made(days=3)
    assert tokens.verify(RING, token, *ARGS, TODAY + dt.timedelta(days=3))
    with pytest.raises(TokenError, match="expired on 2026-12-10"):
        tokens.verify(RING, token, *ARGS, TODAY + dt.timedelta(days=4))


def test_another_board_another_action_another_owner_fail() -> None:
    token = made()
    with pytest.raises(TokenError, match="signature"):
        tokens.verify(RING, token, "Another Board", "A-017", "jo@example.org", TODAY)
    with pytest.raises(TokenError, match="another action"):
        tokens.verify(RING, token, "Haringey Board", "A-018", "jo@example.org", TODAY)
    with pytest.raises(TokenError, match="signature"):
        tokens.verify(RING, token, "Haringey Board", "A-017", "sam@example.org", TODAY)


def test_garbage_is_not_a_token() -> None:
    for text in ("", "hello", made()[:-1], made() + "a", "2" + made()[1:]):
        with pytest.raises(TokenError):
            tokens.verify(RING, text, *ARGS, TODAY)


def test_a_rotated_key_is_accepted_until_its_tokens_have_expired() -> None:
    old_token = made()
    new_key = secrets.token_urlsafe(32)
    rotated = tokens.parse_keys(f"{new_key}\n{KEY} retired {TODAY.isoformat()}\n", "file")
    assert tokens.verify(rotated, old_token, *ARGS, TODAY + dt.timedelta(days=45)).kind == "done"
    new_token = tokens.make_token(rotated, *ARGS, "help", TODAY)
    assert new_token != tokens.make_token(RING, *ARGS, "help", TODAY)
    with pytest.raises(TokenError, match="signature"):
        tokens.verify(RING, new_token, *ARGS, TODAY)  # the old ring knows no new key
    # A leaked old key cannot forge a code that outlives its own last codes.
    forged = tokens.make_token(RING, *ARGS, "done", TODAY + dt.timedelta(days=10), 45)
    with pytest.raises(TokenError, match="signature"):
        tokens.verify(rotated, forged, *ARGS, TODAY + dt.timedelta(days=11))
    assert tokens.verify(RING, forged, *ARGS, TODAY + dt.timedelta(days=11)).kind == "done"


def test_tokens_are_found_in_addresses_subjects_and_references() -> None:
    token = made()
    texts = [
        f"Board updates <board-updates+{token}@council.gov.uk>",
        f"Re: Done (ref {token.upper()})",
        f"<coprod-reminder.x@council.gov.uk> <{token}@updates>",
    ]
    assert tokens.find_tokens(texts) == [token]
    assert tokens.find_tokens([f"x{token}"]) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("short", "at least 32"),
        (f"{KEY} retired 2026-01-01", "first key is the current"),
        (f"{KEY}\n{KEY[::-1]}", "needs 'retired"),
        (f"{KEY}\n{KEY[::-1]} retired soon", "retired YYYY-MM-DD"),
        ("# only a comment\n", "no key"),
    ],
)
def test_bad_key_text_is_named(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        tokens.parse_keys(text, "updates.key")


def test_keys_come_from_the_environment_or_a_file(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TEST_UPDATES_KEY", KEY)
    assert tokens.load_keys("TEST_UPDATES_KEY", None).current.secret == KEY.encode()
    monkeypatch.delenv("TEST_UPDATES_KEY")
    with pytest.raises(ConfigError, match=r"updates\.key_env: the environment variable"):
        tokens.load_keys("TEST_UPDATES_KEY", None)
    key_file = tmp_path / "updates.key"
    with pytest.raises(ConfigError, match=r"updates\.key_file: no file"):
        tokens.load_keys("TEST_UPDATES_KEY", key_file)
    key_file.write_text(KEY + "\n")
    assert tokens.load_keys("TEST_UPDATES_KEY", key_file).current.secret == KEY.encode()
