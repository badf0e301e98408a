"""[mail] auth = "xoauth2": SMTP AUTH with an OAuth 2.0 access token instead of a password.

Exchange Online is ending Basic authentication for SMTP AUTH, and Google Workspace expects
OAuth too. The SASL XOAUTH2 string is base64("user=" + mailbox + "^Aauth=Bearer " + token +
"^A^A"), ^A being the byte 0x01 (learn.microsoft.com/exchange/client-developer/legacy-protocols/
how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth; developers.google.com/gmail/
imap/xoauth2-protocol). Tokens:

- ``oauth_provider = "microsoft365"`` (the default): MSAL's client-credentials token for
  Exchange Online (scope https://outlook.office365.com/.default), with the [microsoft365] app.
  The admin grants SMTP.SendAsApp and registers the app's service principal in Exchange Online
  with send permission on the mailbox.
- ``oauth_provider = "google"``: google-auth's service-account credentials with domain-wide
  delegation, acting as the sender (``subject`` = mail.username), scope https://mail.google.com/.

The token is never logged or put in a message; a refused login names what to check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from automations.core.config import Config, Section
from automations.core.errors import ConfigError, CoprodError, PermanentMailError, TemporaryMailError

if TYPE_CHECKING:
    import smtplib  # imported where a login or a check runs: not by a run that sends no mail

EXCHANGE_ONLINE = "https://outlook.office365.com"
GMAIL_SCOPE = "https://mail.google.com/"
PROVIDERS = ("microsoft365", "google")


def xoauth2_string(user: str, token: str) -> str:
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


@dataclass
class XOAuth2Login:
    """Logs an open SMTP connection in with a fresh (or cached) token."""

    username: str
    provider: str
    token: Callable[[], str]

    def __call__(self, smtp: smtplib.SMTP) -> None:
        import smtplib

        try:
            blob = xoauth2_string(self.username, self.token())
        except TokenError as exc:
            raise PermanentMailError(str(exc)) from None
        except TransientTokenError as exc:
            raise TemporaryMailError(str(exc), unreachable=True) from None

        def answer(challenge: bytes | None = None) -> str:
            # After a refusal the server sends a 334 with an error; an empty reply ends it.
            return blob if challenge is None else ""

        smtp.ehlo_or_helo_if_needed()
        try:
            smtp.auth("XOAUTH2", answer, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentMailError(self._refused(exc)) from None

    def _refused(self, exc: smtplib.SMTPAuthenticationError) -> str:
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        said = f"{exc.smtp_code} {' '.join(reply.split())}"
        if self.provider == "google":
            return (f"the mail server refused the XOAUTH2 login for {self.username} ({said}). "
                    "The service account needs domain-wide delegation for the scope "
                    f"{GMAIL_SCOPE} in the Google Workspace admin console.")
        return (f"the mail server refused the XOAUTH2 login for {self.username} ({said}). The "
                "app needs the SMTP.SendAsApp permission, and its service principal must be "
                "registered in Exchange Online with permission to send as this mailbox; SMTP "
                "AUTH must be on for the mailbox.")


class TokenError(CoprodError):
    """No token: a setting or a permission is wrong (the message says which)."""


class TransientTokenError(CoprodError):
    """No token now: the sign-in service could not be reached."""


def xoauth2_login(cfg: Config, section: Section, username: str) -> XOAuth2Login:
    provider = section.text("oauth_provider", "microsoft365", choices=PROVIDERS)
    if provider == "google":
        key = section.path("oauth_key_file")
        if key is None:
            raise ConfigError('mail.oauth_key_file: missing; give the service account\'s .json '
                              'key file for oauth_provider = "google"')
        return XOAuth2Login(username, provider, _google_token(key, username))
    if section.text("oauth_key_file"):
        raise ConfigError('mail.oauth_key_file: only for oauth_provider = "google"; Exchange '
                          "Online uses the [microsoft365] app")
    return XOAuth2Login(username, provider, _exchange_token(cfg))


def oauth_mail_settings(cfg: Config) -> str | None:
    """Checks the OAuth keys of [mail] up front (settings.load_settings), without signing in:
    the provider whose token is needed ("microsoft365", "google"), or None."""
    section = cfg.section("mail")
    transport = section.text("transport", "outbox")
    auth = section.text("auth", "password", choices=("password", "xoauth2"))
    if transport == "graph":
        _required_m365(cfg, 'mail.transport = "graph"')
        return "microsoft365"
    if auth != "xoauth2":
        return None
    if not section.text("username"):
        raise ConfigError('mail.username: missing; with auth = "xoauth2" give the mailbox the '
                          'digests are sent from, e.g. username = "board@council.gov.uk"')
    provider = section.text("oauth_provider", "microsoft365", choices=PROVIDERS)
    if provider == "google":
        if section.path("oauth_key_file") is None:
            raise ConfigError('mail.oauth_key_file: missing; give the service account\'s .json '
                              'key file for oauth_provider = "google"')
    else:
        _required_m365(cfg, 'mail.auth = "xoauth2"')
    return str(provider)


def _required_m365(cfg: Config, needed_for: str) -> None:
    # Imported only when [mail] needs Microsoft 365: graph.py brings in requests.
    from automations.backends.microsoft365.graph import required_settings

    required_settings(cfg, needed_for)


def _exchange_token(cfg: Config) -> Callable[[], str]:
    from automations.backends.microsoft365.graph import (
        GraphClient,
        SignInError,
        SignInUnreachable,
        required_settings,
    )

    client = GraphClient(required_settings(cfg, 'mail.auth = "xoauth2"'))

    def token() -> str:
        try:
            return client.token(EXCHANGE_ONLINE)
        except SignInUnreachable as exc:
            raise TransientTokenError(str(exc)) from None
        except SignInError as exc:
            raise TokenError(str(exc)) from None

    return token


def _google_token(key_file: Path, subject: str) -> Callable[[], str]:
    held: list[object] = []  # the credentials, kept so that a live token is reused

    def token() -> str:
        import google.auth.exceptions
        from google.auth.transport.requests import Request
        from google.oauth2.service_account import Credentials

        if not held:
            try:
                held.append(Credentials.from_service_account_file(
                    str(key_file), scopes=[GMAIL_SCOPE], subject=subject))
            except (OSError, ValueError, KeyError):
                raise TokenError(f"{key_file} is not a readable service account key (.json); "
                                 "check mail.oauth_key_file.") from None
        creds: Credentials = held[0]  # type: ignore[assignment]
        if creds.valid:
            return str(creds.token)
        try:
            creds.refresh(Request())
        except google.auth.exceptions.TransportError:
            raise TransientTokenError("could not reach Google's sign-in service for the mail "
                                      "token") from None
        except google.auth.exceptions.RefreshError as exc:
            reason = exc.args[0] if exc.args else "refused"
            raise TokenError(f"Google did not give a mail token for {subject} ({reason}). "
                             "The service account needs domain-wide delegation for "
                             f"{GMAIL_SCOPE}.") from None
        return str(creds.token)

    return token


def xoauth2_send_as_line(login: XOAuth2Login, connect: Callable[[], smtplib.SMTP],
                         host: str) -> tuple[bool, str]:
    """Log in with XOAUTH2 and say goodbye without sending: the server checks there whether
    the token may send as the mailbox."""
    import smtplib

    from automations.core.errors import MailError

    try:
        smtp = connect()
        try:
            login(smtp)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    except MailError as exc:
        return False, f"Send-as: cannot send as {login.username}: {exc}"
    except (smtplib.SMTPException, OSError) as exc:
        return False, f"Send-as: could not reach the mail server at {host} ({exc})."
    return True, f"Send-as: {host} accepted the XOAUTH2 login for {login.username}."
