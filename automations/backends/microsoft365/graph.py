"""Microsoft Graph over plain HTTPS (requests), with app-only tokens from MSAL.

Tokens: MSAL's client-credentials flow, with a client secret read from an environment variable
or a certificate (private key + SHA-1 thumbprint, as the Entra admin centre shows it). The MSAL
application is kept per process, so its token cache hands out the same token until it nears
expiry (MSAL >= 1.23 looks in its cache before it asks the token endpoint). A token is never
logged, put in a message or written anywhere.

Faults as Microsoft's throttling guidance says (learn.microsoft.com/graph/throttling: "wait the
number of seconds specified in the Retry-After header", otherwise back off exponentially): 429,
503 and 504 and lost connections are tried again with core.retry's bounded backoff, honouring
Retry-After, and then given up with a plain message.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from automations.core.config import Config
from automations.core.errors import ConfigError
from automations.core.retry import GaveUp, RetryPolicy, call_with_retry

AUTHORITY = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com/v1.0"
# Graph's simple upload (PUT .../content) "only supports files up to 250 MB in size"
# (learn.microsoft.com/graph/api/driveitem-put-content); above it, an upload session.
SIMPLE_UPLOAD_MAX = 250 * 1000 * 1000
# Upload-session fragments must be a multiple of 320 KiB and under 60 MiB
# (learn.microsoft.com/graph/api/driveitem-createuploadsession).
FRAGMENT_UNIT = 320 * 1024
DEFAULT_FRAGMENT = 32 * FRAGMENT_UNIT  # 10 MiB
RETRY_STATUS = {429, 503, 504}
DEFAULT_POLICY = RetryPolicy(attempts=5, first_wait=2.0, max_wait=60.0, give_up_after=180.0)

M365_KEYS = {
    "tenant_id", "client_id", "client_secret_env", "certificate_file", "certificate_thumbprint",
    "authority_url", "graph_url", "request_timeout_seconds", "retry_attempts",
    "retry_first_wait_seconds", "retry_max_wait_seconds", "give_up_after_seconds",
    "simple_upload_max_bytes", "upload_fragment_bytes",
}


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class M365Settings:
    tenant_id: str
    client_id: str
    client_secret_env: str | None = None
    certificate_file: Path | None = None
    certificate_thumbprint: str | None = None
    authority_url: str = AUTHORITY
    graph_url: str = GRAPH
    timeout: float = 60.0
    retry: RetryPolicy = DEFAULT_POLICY
    simple_upload_max: int = SIMPLE_UPLOAD_MAX
    fragment: int = DEFAULT_FRAGMENT

    @property
    def authority(self) -> str:
        return f"{self.authority_url}/{self.tenant_id}"

    def scope_for(self, resource: str) -> list[str]:
        """App-only tokens ask for a resource's ``/.default`` scope: every application
        permission the admin granted for it."""
        parts = urlsplit(resource)
        return [f"{parts.scheme}://{parts.netloc}/.default"]


def _https(section: Any, key: str, default: str) -> str:
    value = section.text(key, default).rstrip("/")
    if not value.startswith("https://"):
        raise ConfigError(f"microsoft365.{key}: expected an address starting https://, got "
                          f"{value!r}")
    return value


def m365_settings(cfg: Config) -> M365Settings | None:
    """[microsoft365], checked for every config; None when the section is absent."""
    section = cfg.section("microsoft365")
    section.reject_unknown(M365_KEYS)
    if not section.data:
        return None
    missing = [k for k in ("tenant_id", "client_id") if not section.text(k)]
    if missing:
        raise ConfigError(
            f"microsoft365.{missing[0]}: missing; copy it from the app's Overview page in the "
            "Microsoft Entra admin centre (App registrations)"
        )
    secret_env = section.text("client_secret_env")
    cert = section.path("certificate_file")
    thumbprint = section.text("certificate_thumbprint")
    if bool(secret_env) == bool(cert):
        raise ConfigError(
            "microsoft365.client_secret_env: give either client_secret_env (the NAME of an "
            "environment variable holding the client secret) or certificate_file and "
            "certificate_thumbprint, not both and not neither"
        )
    if cert and not thumbprint:
        raise ConfigError("microsoft365.certificate_thumbprint: missing; copy the certificate's "
                          "thumbprint from the app's Certificates & secrets page")
    if thumbprint and not _is_hex(thumbprint.replace(":", ""), 40):
        raise ConfigError(f"microsoft365.certificate_thumbprint: expected 40 hexadecimal "
                          f"characters (SHA-1), got {thumbprint!r}")
    fragment = section.integer("upload_fragment_bytes", DEFAULT_FRAGMENT, minimum=FRAGMENT_UNIT,
                               maximum=192 * FRAGMENT_UNIT)
    if fragment % FRAGMENT_UNIT:
        raise ConfigError(f"microsoft365.upload_fragment_bytes: must be a multiple of "
                          f"{FRAGMENT_UNIT} (320 KiB), got {fragment}")
    return M365Settings(
        tenant_id=section.text("tenant_id").strip(),
        client_id=section.text("client_id").strip(),
        client_secret_env=secret_env,
        certificate_file=cert,
        certificate_thumbprint=thumbprint.replace(":", "") if thumbprint else None,
        authority_url=_https(section, "authority_url", AUTHORITY),
        graph_url=_https(section, "graph_url", GRAPH),
        timeout=float(section.number("request_timeout_seconds", 60.0, minimum=1, maximum=600)),
        retry=_policy(section),
        simple_upload_max=section.integer("simple_upload_max_bytes", SIMPLE_UPLOAD_MAX,
                                          minimum=1, maximum=SIMPLE_UPLOAD_MAX),
        fragment=fragment,
    )


def _policy(section: Any) -> RetryPolicy:
    d = DEFAULT_POLICY
    return RetryPolicy(
        attempts=section.integer("retry_attempts", d.attempts, minimum=1, maximum=50),
        first_wait=float(section.number("retry_first_wait_seconds", d.first_wait, maximum=600)),
        max_wait=float(section.number("retry_max_wait_seconds", d.max_wait, maximum=3600)),
        give_up_after=float(section.number("give_up_after_seconds", d.give_up_after,
                                           maximum=7200)),
    )


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in "0123456789abcdefABCDEF" for c in text)


def required_settings(cfg: Config, needed_for: str) -> M365Settings:
    settings = m365_settings(cfg)
    if settings is None:
        raise ConfigError(
            f"[microsoft365]: missing; {needed_for} needs tenant_id, client_id and "
            "client_secret_env (or certificate_file and certificate_thumbprint)"
        )
    return settings


# ---------------------------------------------------------------- errors


class GraphError(Exception):
    """Graph (or the sign-in service) answered with an error. The message never holds a token
    or secret; ``code`` is Graph's error code (for example "resourceLocked")."""

    def __init__(self, status: int, code: str, message: str, retry_after: float = 0.0) -> None:
        super().__init__(f"{message} (status {status}{', ' + code if code else ''})")
        self.status, self.code, self.text, self.retry_after = status, code, message, retry_after


class SignInError(Exception):
    """The Microsoft identity platform refused the app; the message says what to check."""


class SignInUnreachable(SignInError):
    """The sign-in service could not be reached (worth trying again later)."""


class SignInBusy(Exception):
    """The sign-in service said "busy" (429 or 5xx). MSAL keeps that answer for the
    Retry-After it gave, 5 seconds when it gave none (msal/throttled_http_client.py), and
    replays it to every request in that time: so wait at least that long before trying
    again."""

    wait = 5.0


# OAuth's error codes for "try again later" (RFC 6749 section 5.2 and 4.1.2.1).
BUSY_ERRORS = {"temporarily_unavailable", "server_error"}


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, GraphError):
        return exc.status in RETRY_STATUS
    if isinstance(exc, requests.exceptions.SSLError):
        return False  # a certificate problem does not pass by itself
    return isinstance(exc, requests.ConnectionError | requests.Timeout)


def never_sent(exc: BaseException) -> bool:
    """Transient, and the request cannot have reached Graph: it was refused with a status, or
    no connection was made. A connection lost after sending may have been acted on."""
    if isinstance(exc, GraphError):
        return exc.status in RETRY_STATUS
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(
            exc, requests.exceptions.SSLError):
        from urllib3.exceptions import MaxRetryError, NewConnectionError

        reason = exc.args[0] if exc.args else None
        reason = reason.reason if isinstance(reason, MaxRetryError) else reason
        return isinstance(reason, NewConnectionError)
    return False


def retry_after(exc: BaseException) -> float:
    if isinstance(exc, SignInBusy):
        return exc.wait
    return exc.retry_after if isinstance(exc, GraphError) else 0.0


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, SignInBusy):
        return "Microsoft's sign-in service was busy"
    if isinstance(exc, GraphError) and exc.status == 429:
        return "Microsoft 365 said too many requests were made (status 429)"
    if isinstance(exc, GraphError):
        return f"Microsoft 365 was unavailable (status {exc.status})"
    if isinstance(exc, requests.Timeout):
        return "Microsoft 365 did not answer in time"
    return f"Could not connect to Microsoft 365 ({type(exc).__name__})"


def _graph_error(resp: requests.Response) -> GraphError:
    # Graph's error body: {"error": {"code": "...", "message": "..."}}
    # (learn.microsoft.com/graph/errors).
    try:
        err = resp.json().get("error", {})
        code, message = str(err.get("code", "")), str(err.get("message", ""))
    except (ValueError, AttributeError):
        code, message = "", ""
    try:
        wait = float(resp.headers.get("Retry-After", 0))
    except ValueError:
        wait = 0.0
    return GraphError(resp.status_code, code, message or resp.reason or "error", wait)


# ---------------------------------------------------------------- tokens


_APPS: dict[tuple[str, ...], Any] = {}
_APPS_LOCK = threading.Lock()


def _credential(settings: M365Settings) -> tuple[Any, str]:
    """(what MSAL takes as client_credential, a fingerprint of it for the app cache)."""
    import hashlib

    if settings.client_secret_env:
        secret = os.environ.get(settings.client_secret_env, "").strip()
        if not secret:
            raise SignInError(
                f"microsoft365.client_secret_env names ${settings.client_secret_env}, but that "
                "environment variable is not set, so the service cannot sign in to Microsoft 365."
            )
        return secret, hashlib.sha256(secret.encode()).hexdigest()
    path = settings.certificate_file
    assert path is not None and settings.certificate_thumbprint
    try:
        pem = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a PEM text file"
        raise SignInError(f"The certificate file {path} cannot be read ({reason}). Check "
                          "microsoft365.certificate_file.") from None
    if "PRIVATE KEY-----" not in pem:
        raise SignInError(f"{path} holds no private key. microsoft365.certificate_file must be a "
                          ".pem file with the certificate's private key in it.")
    credential = {"private_key": pem, "thumbprint": settings.certificate_thumbprint}
    return credential, hashlib.sha256(pem.encode() + settings.certificate_thumbprint.encode()) \
        .hexdigest()


def _app(settings: M365Settings, session: requests.Session) -> Any:
    """One MSAL application per tenant, app and credential, so its cache keeps tokens."""
    import msal

    credential, fingerprint = _credential(settings)
    key = (settings.authority, settings.client_id, fingerprint)
    with _APPS_LOCK:
        if key not in _APPS:
            try:
                _APPS[key] = msal.ConfidentialClientApplication(
                    settings.client_id,
                    client_credential=credential,
                    authority=settings.authority,
                    # A private cloud or the tests' stand-in is not in Microsoft's list of
                    # sign-in hosts: no instance discovery, no authority check (msal docs).
                    validate_authority=settings.authority_url == AUTHORITY,
                    instance_discovery=settings.authority_url == AUTHORITY,
                    http_client=session,
                    timeout=settings.timeout,
                )
            except ValueError as exc:
                # MSAL says ValueError for a tenant its discovery document does not know, and
                # for a key it cannot load; neither message holds the secret.
                raise SignInError(_sign_in_problem(settings, str(exc))) from None
        return _APPS[key]


def _sign_in_problem(settings: M365Settings, text: str) -> str:
    if "OIDC" in text or "authority" in text.lower():
        return (f"Microsoft's sign-in service does not know the tenant {settings.tenant_id!r}. "
                "Check microsoft365.tenant_id (the Directory (tenant) ID on the app's Overview "
                "page).")
    return (f"The app's certificate could not be used ({text.splitlines()[0][:200]}). Check "
            "microsoft365.certificate_file.")


def forget_tokens() -> None:
    """Drop every cached MSAL application (the tests start each case afresh)."""
    with _APPS_LOCK:
        _APPS.clear()


def token_roles(token: str) -> list[str] | None:
    """The application permissions an app-only token carries (its "roles" claim). Graph's
    access tokens are JWTs today, but Microsoft says clients should not rely on it: a token
    that cannot be read gives None (unknown), not "no permissions"."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return [str(r) for r in claims.get("roles", [])]
    except (IndexError, ValueError, AttributeError, UnicodeDecodeError):
        return None


# ---------------------------------------------------------------- the client


class GraphClient:
    """Calls to Graph, each tried again on passing faults; ``calls`` counts Graph requests by
    kind, so that a run's cost can be measured (sign-in requests are MSAL's, not counted)."""

    def __init__(self, settings: M365Settings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.calls: Counter[str] = Counter()

    # --- tokens

    def token(self, resource: str | None = None) -> str:
        scopes = self.settings.scope_for(resource or self.settings.graph_url)

        def once() -> str:
            from msal.exceptions import MsalServiceError

            try:
                result = _app(self.settings, self.session).acquire_token_for_client(
                    scopes=scopes)
            except MsalServiceError as exc:  # MSAL raises "HTTP Error: 503" for a bare 5xx
                raise SignInBusy(str(exc)) from None
            if "access_token" in result:
                return str(result["access_token"])
            if result.get("error") in BUSY_ERRORS:
                raise SignInBusy(str(result.get("error")))
            raise SignInError(self._refusal(result))

        def transient(exc: BaseException) -> bool:
            return isinstance(exc, SignInBusy) or is_transient(exc)

        try:
            return call_with_retry(once, policy=self.settings.retry, transient=transient,
                                   describe=describe_failure, min_wait=retry_after)
        except GaveUp as exc:
            raise SignInUnreachable(f"Signing in to Microsoft 365: {exc}") from None
        except requests.RequestException as exc:
            raise SignInUnreachable(f"Signing in to Microsoft 365: {describe_failure(exc)}.") \
                from None

    def _refusal(self, result: Mapping[str, Any]) -> str:
        error = str(result.get("error", "refused"))
        # The description starts with an AADSTS code that Microsoft documents; keep its first
        # line only (it never repeats the secret).
        detail = str(result.get("error_description", "")).splitlines()[:1]
        how = (f"the client secret in ${self.settings.client_secret_env}"
               if self.settings.client_secret_env
               else f"the certificate in {self.settings.certificate_file} and its thumbprint")
        said = f"{error}: {detail[0]}" if detail else error
        return (f"Microsoft 365 refused the app's sign-in ({said}). Check "
                f"microsoft365.client_id, microsoft365.tenant_id and {how}; a secret may have "
                "expired.")

    # --- requests

    def request(self, method: str, url: str, *, kind: str, expect: tuple[int, ...] = (200,),
                headers: Mapping[str, str] | None = None, data: bytes | None = None,
                body: Any = None, signed: bool = True, once_only: bool = False) \
            -> requests.Response:
        """One Graph call, tried again on 429/503/504 and lost connections. Raises GraphError
        for any other answer not in ``expect``, GaveUp when the tries run out.
        ``signed=False``: a pre-authenticated URL (an upload session's), sent without a token,
        as Graph asks. ``once_only``: a call that must not happen twice (sending mail) is not
        repeated after a connection lost once the request may have gone out."""
        full = url if url.startswith("https://") else self.settings.graph_url + url

        def once() -> requests.Response:
            sent = dict(headers or {})
            if signed:
                sent["Authorization"] = f"Bearer {self.token()}"
            self.calls[kind] += 1
            resp = self.session.request(method, full, headers=sent, data=data, json=body,
                                        timeout=self.settings.timeout)
            if resp.status_code not in expect:
                raise _graph_error(resp)
            return resp

        return call_with_retry(once, policy=self.settings.retry,
                               transient=never_sent if once_only else is_transient,
                               describe=describe_failure, min_wait=retry_after)

    def total_calls(self) -> int:
        return sum(self.calls.values())
