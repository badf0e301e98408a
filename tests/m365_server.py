"""A local HTTPS stand-in for the Microsoft identity platform and the Microsoft Graph calls the
service makes, for tests: the real `msal` and `requests` talk to it on 127.0.0.1 over TLS
(a throwaway trustme certificate authority).

Identity platform (evidence: msal/authority.py builds "{authority}/v2.0/.well-known/
openid-configuration" when instance discovery is off and reads authorization_endpoint and
token_endpoint from it; the token request and reply are as in "Microsoft identity platform and
the OAuth 2.0 client credentials flow" on learn.microsoft.com, errors as {"error":
"invalid_client", "error_description": "AADSTS7000215: ..."}):

    GET  /{tenant}/v2.0/.well-known/openid-configuration
    POST /{tenant}/oauth2/v2.0/token    client_secret, or client_assertion: a JWT signed with
                                        the app's certificate (RS256 + x5t, or PS256 +
                                        x5t#S256, as msal/oauth2cli/assertion.py makes it); the
                                        signature is checked with the registered certificate

Graph v1.0 (evidence: the learn.microsoft.com/graph/api pages named beside each route):

    GET  /v1.0/drives/{d}/items/{i}                driveitem-get: id, name, eTag, size, file,
                                                   parentReference.driveId
    GET  /v1.0/drives/{d}/items/{i}/content        driveitem-get-content: 302 to a
                                                   pre-authenticated download URL
    PUT  /v1.0/drives/{d}/items/{i}/content        driveitem-put-content; If-Match -> 412
    POST /v1.0/drives/{d}/items/{i}/createUploadSession   driveitem-createuploadsession:
                                                   uploadUrl, expirationDateTime,
                                                   nextExpectedRanges; If-Match -> 412
    PUT  /upload/{id}                              byte ranges (Content-Range), no token;
                                                   202 + nextExpectedRanges, then 201 + item
    DELETE /upload/{id}                            cancel: 204
    GET  /v1.0/shares/{u!base64url}/driveItem      shares-get: the shared driveItem
    POST /v1.0/users/{from}/sendMail               user-sendmail, MIME as base64 text/plain:
                                                   202, empty body

Graph mail, reading a shared mailbox (Mail.ReadWrite application permission; a message id
changes when it moves, as Graph's ids do unless ImmutableId is asked for):

    GET  /v1.0/users/{u}/mailFolders/{f}/messages  mailfolder-list-messages: value[] with id,
                                                   internetMessageId, from, isRead; $top and
                                                   @odata.nextLink paging; $expand of the
                                                   message size, PidTagMessageSize, as
                                                   singleValueExtendedProperties [{"id":
                                                   "Integer 0xe08", "value": "1234"}]
                                                   (singlevaluelegacyextendedproperty-get)
    GET  /v1.0/users/{u}/messages/{id}/$value      message-get "Get MIME content": the MIME
    GET  /v1.0/users/{u}/mailFolders?$filter=displayName eq 'X'   user-list-mailfolders
    POST /v1.0/users/{u}/mailFolders               user-post-mailfolders: 201 + the folder
    POST /v1.0/users/{u}/messages/{id}/move        message-move {"destinationId"}: 201 + the
                                                   message under its new id

Errors have Graph's shape {"error": {"code", "message"}} (learn.microsoft.com/graph/errors);
423 is "resourceLocked", 429 carries Retry-After (learn.microsoft.com/graph/throttling).
Tests inject failures per kind of call (``fail``), count calls (``counts``), and play a person
saving the file in between (``save_as_person``).
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import json
import secrets
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.local_http import serving

TENANT = "0b5e2c1a-9d1f-4c7e-8a3b-2f6d7e8c9a01"
CLIENT_ID = "7f3c2a10-5b6d-4e8f-9a01-23456789abcd"
SECRET = "Rk8Q~test-client-secret-not-real"
DRIVE = "b!boardDrive_AbC-123"
ITEM = "01BOARDITEMID"
SHARING_URL = "https://haringey.sharepoint.com/:x:/s/CoProductionBoard/EbOaRd?e=AbC123"
GRAPH_RESOURCE_ROLES = ("Files.ReadWrite.All", "Mail.Send")
Json = dict[str, Any]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Item:
    drive: str
    item_id: str
    name: str
    content: bytes
    version: int = 1
    locked: bool = False
    sharing_urls: set[str] = field(default_factory=set)
    history: list[bytes] = field(default_factory=list)  # every earlier version (version history)

    @property
    def etag(self) -> str:
        # SharePoint's eTags look like "{GUID},N"; quoted, as Graph sends them.
        return f'"{{{self.item_id}}},{self.version}"'

    def resource(self, base: str) -> Json:
        return {
            "@odata.context": f"{base}/v1.0/$metadata#drives('{self.drive}')/items/$entity",
            "id": self.item_id,
            "name": self.name,
            "eTag": self.etag,
            "cTag": f'"c:{{{self.item_id}}},{self.version}"',
            "size": len(self.content),
            "file": {"mimeType": "application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet"},
            "parentReference": {"driveType": "documentLibrary", "driveId": self.drive},
        }

    def replace(self, content: bytes) -> None:
        self.history.append(self.content)
        self.content = content
        self.version += 1


@dataclass
class App:
    client_id: str
    secret: str | None = None
    certificate: x509.Certificate | None = None
    roles: tuple[str, ...] = GRAPH_RESOURCE_ROLES


@dataclass
class Session:
    item: Item
    size: int | None = None
    received: bytearray = field(default_factory=bytearray)


@dataclass
class Failure:
    status: int  # 0: drop the connection without an answer
    left: int
    retry_after: int | None = None


class GraphServer:
    """The state behind the HTTPS server, and what tests use to set it up and inspect it."""

    GRAPH_CALLS = ("metadata", "shares", "content", "download", "upload", "upload-session",
                   "upload-fragment", "cancel-session", "sendMail")

    def __init__(self, ca: trustme.CA) -> None:
        self.ca = ca
        self.url = ""
        self.tenant = TENANT
        self.apps: dict[str, App] = {}
        self.items: dict[tuple[str, str], Item] = {}
        self.tokens: dict[str, tuple[str, str, tuple[str, ...]]] = {}  # token -> app, aud, roles
        self.token_lifetime = 3599
        self.allowed_senders: set[str] | None = None  # an application access policy; None: any
        self.sent: list[tuple[str, EmailMessage, bytes]] = []  # (mailbox, message, raw bytes)
        self.sessions: dict[str, Session] = {}
        self.downloads: dict[str, Item] = {}
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, str, dict[str, str]]] = []  # kind, path, headers as sent
        self.failures: dict[str, list[Failure]] = {}
        self.lock = threading.Lock()
        # Graph mail: mailbox -> folder id -> (display name, {message id: MIME bytes}).
        self.mail: dict[str, dict[str, tuple[str, dict[str, bytes]]]] = {}

    # --- set-up and inspection

    def add_app(self, client_id: str = CLIENT_ID, secret: str | None = SECRET,
                roles: tuple[str, ...] = GRAPH_RESOURCE_ROLES) -> App:
        app = App(client_id, secret, roles=roles)
        self.apps[client_id] = app
        return app

    def add_certificate_app(self, folder: Path, client_id: str = CLIENT_ID) -> tuple[Path, str]:
        """An app that signs in with a certificate: (PEM file with key and certificate,
        SHA-1 thumbprint in hex as the Entra admin centre shows it)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "coprod-board-check")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
        self.apps[client_id] = App(client_id, None, cert)
        path = folder / "coprod-app.pem"
        path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
            + cert.public_bytes(serialization.Encoding.PEM))
        return path, cert.fingerprint(hashes.SHA1()).hex().upper()

    def add_item(self, content: bytes, name: str = "Board tracker.xlsx", drive: str = DRIVE,
                 item_id: str = ITEM, sharing_url: str | None = SHARING_URL) -> Item:
        item = Item(drive, item_id, name, content)
        if sharing_url:
            item.sharing_urls.add(sharing_url)
        self.items[(drive, item_id)] = item
        return item

    def item(self, drive: str = DRIVE, item_id: str = ITEM) -> Item:
        return self.items[(drive, item_id)]

    def save_as_person(self, content: bytes, drive: str = DRIVE, item_id: str = ITEM) -> None:
        """A person saves the workbook (in Excel or the browser): a new version and eTag."""
        with self.lock:
            self.items[(drive, item_id)].replace(content)

    def fail(self, kind: str, status: int, times: int = 1, retry_after: int | None = None) \
            -> None:
        """The next ``times`` calls of ``kind`` answer ``status`` (0: the connection drops)."""
        with self.lock:
            self.failures.setdefault(kind, []).append(Failure(status, times, retry_after))

    def deliver(self, mailbox: str, raw: bytes, folder: str = "inbox") -> str:
        """A message arriving in a mailbox's folder (well-known name or id); its Graph id."""
        folders = self.mail.setdefault(mailbox.lower(), {"inbox": ("Inbox", {})})
        mid = "AAMk" + secrets.token_urlsafe(24)
        folders.setdefault(folder, (folder, {}))[1][mid] = raw
        return mid

    def folder_messages(self, mailbox: str, name: str) -> list[bytes]:
        for display, messages in self.mail.get(mailbox.lower(), {}).values():
            if display.lower() == name.lower():
                return list(messages.values())
        return []

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.log.clear()

    def graph_calls(self) -> int:
        return sum(self.counts[k] for k in self.GRAPH_CALLS)

    def issued_tokens(self) -> list[str]:
        return list(self.tokens)

    # --- dispatch

    def handle(self, method: str, target: str, headers: Any, body: bytes) \
            -> tuple[int, dict[str, str], bytes] | None:
        parts = urlsplit(target)
        path = unquote(parts.path)
        with self.lock:
            kind, route = self._route(method, path)
            self.counts[kind] += 1
            self.log.append((kind, path, {k: v for k, v in headers.items()
                                          if k.lower() != "authorization"}))
            injected = self._injected(kind)
            if injected is not None:
                return injected
            try:
                return route(method, path, parse_qs(parts.query), headers, body)
            except _Answer as answer:
                return answer.reply

    def _injected(self, kind: str) -> tuple[int, dict[str, str], bytes] | None:
        queue = self.failures.get(kind) or []
        if not queue:
            return None
        failure = queue[0]
        failure.left -= 1
        if failure.left <= 0:
            queue.pop(0)
        if failure.status == 0:
            return (0, {}, b"")
        extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None \
            else {}
        if kind == "token":  # the sign-in service answers in OAuth's shape (RFC 6749 5.2)
            status, headers, body = _token_error(failure.status, "temporarily_unavailable",
                                                 "AADSTS50196: Injected failure.")
            return status, {**headers, **extra}, body
        codes = {429: "TooManyRequests", 503: "serviceNotAvailable", 504: "gatewayTimeout",
                 423: "resourceLocked", 412: "resourceModified"}
        return _graph_error(failure.status, codes.get(failure.status, "generalException"),
                            "Injected failure", extra)

    def _route(self, method: str, path: str) -> tuple[str, Any]:
        t = f"/{self.tenant}"
        if method == "GET" and path == f"{t}/v2.0/.well-known/openid-configuration":
            return "discovery", self._discovery
        if method == "POST" and path == f"{t}/oauth2/v2.0/token":
            return "token", self._token
        if path.startswith("/download/"):
            return "download", self._download
        if path.startswith("/upload/"):
            return ("cancel-session" if method == "DELETE" else "upload-fragment"), self._fragment
        if path.startswith("/v1.0/shares/") and path.endswith("/driveItem"):
            return "shares", self._shares
        if method == "POST" and path.startswith("/v1.0/users/") and path.endswith("/sendMail"):
            return "sendMail", self._send_mail
        if path.startswith("/v1.0/users/") and not path.endswith("/sendMail"):
            parts = path[len("/v1.0/users/"):].split("/")
            shape = (method, *parts[1:2], *(p if p in ("messages", "move", "$value") else "*"
                                            for p in parts[2:]))
            mail_kinds = {("GET", "mailFolders", "*", "messages"): "mail-list",
                          ("GET", "messages", "*", "$value"): "mail-mime",
                          ("GET", "mailFolders"): "mail-folders",
                          ("POST", "mailFolders"): "mail-folder-create",
                          ("POST", "messages", "*", "move"): "mail-move"}
            if shape in mail_kinds:
                return mail_kinds[shape], self._mail
        if path.startswith("/v1.0/drives/"):
            rest = path[len("/v1.0/drives/"):].split("/")
            if len(rest) >= 3 and rest[1] == "items":
                tail = "/".join(rest[3:])
                kinds = {("GET", ""): "metadata", ("GET", "content"): "content",
                         ("PUT", "content"): "upload",
                         ("POST", "createUploadSession"): "upload-session"}
                if (method, tail) in kinds:
                    return kinds[(method, tail)], self._drive_item
        return "unknown", self._not_found

    # --- identity platform

    def _discovery(self, *_: Any) -> tuple[int, dict[str, str], bytes]:
        base = f"{self.url}/{self.tenant}"
        # The fields msal reads, with the values' shapes of the real document.
        return _json(200, {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "tenant_region_scope": "EU",
        })

    def _token(self, method: str, path: str, query: Any, headers: Any, body: bytes) \
            -> tuple[int, dict[str, str], bytes]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return _token_error(400, "unsupported_grant_type", "AADSTS70003")
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            return _token_error(400, "unauthorized_client", "AADSTS700016: Application with "
                                "identifier was not found in the directory.")
        if "client_assertion" in form:
            ok = app.certificate is not None and self._assertion_ok(app, form)
            if not ok:
                return _token_error(401, "invalid_client", "AADSTS700027: The certificate with "
                                    "identifier used to sign the client assertion is not "
                                    "registered on application.")
        elif app.secret is None or form.get("client_secret") != app.secret:
            return _token_error(401, "invalid_client", "AADSTS7000215: Invalid client secret "
                                "provided. Ensure the secret being sent in the request is the "
                                "client secret value, not the client secret ID.")
        scope = form.get("scope", "")
        resource = scope.split()[0].removesuffix("/.default") if scope else ""
        if not resource:
            return _token_error(400, "invalid_scope", "AADSTS1002012: The provided value for "
                                "scope is not valid.")
        roles = app.roles
        now = int(time.time())
        claims = {"aud": resource, "iss": f"https://sts.windows.net/{self.tenant}/",
                  "iat": now, "nbf": now, "exp": now + self.token_lifetime,
                  "appid": app.client_id, "tid": self.tenant, "roles": list(roles),
                  "uti": secrets.token_urlsafe(8)}
        # An access token shaped like Entra's (a JWT); the signature is random, since only this
        # server checks tokens.
        token = ".".join([b64url(json.dumps({"typ": "JWT", "alg": "RS256"}).encode()),
                          b64url(json.dumps(claims).encode()), b64url(secrets.token_bytes(64))])
        self.tokens[token] = (app.client_id, resource, roles)
        return _json(200, {"token_type": "Bearer", "expires_in": self.token_lifetime,
                           "ext_expires_in": self.token_lifetime, "access_token": token})

    def _assertion_ok(self, app: App, form: dict[str, str]) -> bool:
        if form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return False
        try:
            head_b64, claims_b64, sig_b64 = form["client_assertion"].split(".")
            head = json.loads(unb64url(head_b64))
            claims = json.loads(unb64url(claims_b64))
        except ValueError:
            return False
        cert = app.certificate
        assert cert is not None
        thumbs = {"x5t": cert.fingerprint(hashes.SHA1()),
                  "x5t#S256": cert.fingerprint(hashes.SHA256())}
        # msal pads its x5t with "=" (oauth2cli/assertion.py _encode_thumbprint); Entra takes it.
        if not any(str(head.get(k, "")).rstrip("=") == b64url(v) for k, v in thumbs.items()):
            return False
        schemes = {"RS256": padding.PKCS1v15(),
                   "PS256": padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH)}
        if head.get("alg") not in schemes:
            return False
        try:
            cert.public_key().verify(unb64url(sig_b64), f"{head_b64}.{claims_b64}".encode(),
                                     schemes[head["alg"]], hashes.SHA256())  # type: ignore[call-arg, arg-type]
        except Exception:
            return False
        endpoint = f"{self.url}/{self.tenant}/oauth2/v2.0/token"
        return (claims.get("aud") == endpoint and claims.get("iss") == app.client_id
                and claims.get("sub") == app.client_id and claims.get("exp", 0) > time.time())

    def valid_token(self, token: str, resource: str) -> tuple[str, ...] | None:
        """The roles of a token this server issued for ``resource``, if it is one and live."""
        entry = self.tokens.get(token)
        if entry is None or entry[1] != resource:
            return None
        claims = json.loads(unb64url(token.split(".")[1]))
        return entry[2] if claims["exp"] > time.time() else None

    # --- Graph

    def _roles(self, headers: Any) -> tuple[str, ...]:
        auth = headers.get("Authorization", "")
        roles = self.valid_token(auth.removeprefix("Bearer "), self.url)
        if roles is None:
            raise _Answer(_graph_error(401, "InvalidAuthenticationToken",
                                       "Access token validation failure. Invalid audience."))
        return roles

    def _check_files(self, headers: Any, writing: bool) -> None:
        roles = set(self._roles(headers))
        allowed = {"Files.ReadWrite.All", "Sites.ReadWrite.All"} if writing else \
            {"Files.ReadWrite.All", "Sites.ReadWrite.All", "Files.Read.All", "Sites.Read.All"}
        if not roles & allowed:
            raise _Answer(_graph_error(403, "accessDenied", "Access denied"))

    def _find(self, drive: str, item_id: str) -> Item:
        item = self.items.get((drive, item_id))
        if item is None:
            raise _Answer(_graph_error(404, "itemNotFound", "The resource could not be found."))
        return item

    def _drive_item(self, method: str, path: str, query: Any, headers: Any, body: bytes) \
            -> tuple[int, dict[str, str], bytes]:
        rest = path[len("/v1.0/drives/"):].split("/")
        writing = method in ("PUT", "POST")
        self._check_files(headers, writing)
        item = self._find(rest[0], rest[2])
        tail = "/".join(rest[3:])
        if method == "GET" and tail == "":
            return _json(200, item.resource(self.url))
        if method == "GET":
            token = secrets.token_urlsafe(16)
            self.downloads[token] = item
            # A pre-authenticated URL: no token is needed (or sent) to follow it.
            return 302, {"Location": f"{self.url}/download/{token}?tempauth=x",
                         "Content-Length": "0"}, b""
        self._precondition(item, headers)
        if tail == "content":
            item.replace(body)
            return _json(200, item.resource(self.url))
        upload_id = secrets.token_urlsafe(12)
        self.sessions[upload_id] = Session(item)
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
        return _json(200, {"uploadUrl": f"{self.url}/upload/{upload_id}",
                           "expirationDateTime": expires, "nextExpectedRanges": ["0-"]})

    def _precondition(self, item: Item, headers: Any) -> None:
        if item.locked:
            raise _Answer(_graph_error(423, "resourceLocked", "The resource you are attempting "
                                       "to access is locked"))
        wanted = headers.get("If-Match")
        if wanted is not None and wanted != item.etag:
            # OneDrive's answer to a stale If-Match on an upload: 412, code "resourceModified"
            # (quoted in github.com/skilion/onedrive issue 296).
            raise _Answer(_graph_error(412, "resourceModified", "ETag does not match current "
                                       "item's value"))

    def _download(self, method: str, path: str, *_: Any) -> tuple[int, dict[str, str], bytes]:
        item = self.downloads.pop(path[len("/download/"):], None)
        if item is None:
            return _graph_error(401, "unauthenticated", "tempauth expired")
        return 200, {"Content-Type": "application/octet-stream"}, item.content

    def _fragment(self, method: str, path: str, query: Any, headers: Any, body: bytes) \
            -> tuple[int, dict[str, str], bytes]:
        upload_id = path[len("/upload/"):]
        session = self.sessions.get(upload_id)
        if session is None:
            return _graph_error(404, "itemNotFound", "The upload session was not found.")
        if "Authorization" in headers:
            # The docs: including the Authorization header on these PUTs may make them fail.
            return _graph_error(401, "unauthenticated", "Unexpected Authorization header")
        if method == "DELETE":
            del self.sessions[upload_id]
            return 204, {}, b""
        first, last, size = _content_range(headers.get("Content-Range", ""))
        if first != len(session.received) or last - first + 1 != len(body):
            return _graph_error(416, "invalidRange", "The uploaded fragment overlaps or does "
                                "not start at the next expected byte.")
        if last + 1 < size and len(body) % (320 * 1024):
            return _graph_error(400, "invalidRequest", "Fragment size must be a multiple of "
                                "320 KiB.")
        session.received += body
        if len(session.received) < size:
            return _json(202, {"expirationDateTime": dt.datetime.now(dt.UTC).isoformat(),
                               "nextExpectedRanges": [f"{len(session.received)}-"]})
        del self.sessions[upload_id]
        try:
            self._precondition(session.item, {})
        except _Answer as answer:
            return answer.reply
        session.item.replace(bytes(session.received))
        return _json(201, session.item.resource(self.url))

    def _shares(self, method: str, path: str, query: Any, headers: Any, body: bytes) \
            -> tuple[int, dict[str, str], bytes]:
        self._check_files(headers, writing=False)
        token = path[len("/v1.0/shares/"):-len("/driveItem")]
        if not token.startswith("u!"):
            return _graph_error(400, "invalidRequest", "Invalid shares key.")
        try:
            url = unb64url(token[2:]).decode()
        except ValueError:
            return _graph_error(400, "invalidRequest", "Invalid shares key.")
        for item in self.items.values():
            if url in item.sharing_urls:
                return _json(200, item.resource(self.url))
        return _graph_error(404, "itemNotFound", "The sharing link no longer exists, or you "
                            "do not have permission to access it.")

    def _send_mail(self, method: str, path: str, query: Any, headers: Any, body: bytes) \
            -> tuple[int, dict[str, str], bytes]:
        roles = self._roles(headers)
        mailbox = path[len("/v1.0/users/"):-len("/sendMail")]
        if "Mail.Send" not in roles or (self.allowed_senders is not None
                                        and mailbox.lower() not in self.allowed_senders):
            return _graph_error(403, "ErrorAccessDenied", "Access is denied. Check credentials "
                                "and try again.")
        if not headers.get("Content-Type", "").startswith("text/plain"):
            return _graph_error(400, "RequestBodyRead", "Content-Type must be text/plain for "
                                "MIME content.")
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            return _graph_error(400, "ErrorMimeContentInvalidBase64String",
                                "Invalid base64 string for MIME content.")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.sent.append((mailbox, msg, raw))  # type: ignore[arg-type]
        return 202, {"Content-Length": "0"}, b""

    def _mail(self, method: str, path: str, query: Any, headers: Any, body: bytes) \
            -> tuple[int, dict[str, str], bytes]:
        if "Mail.ReadWrite" not in self._roles(headers):
            return _graph_error(403, "ErrorAccessDenied", "Access is denied. Check credentials "
                                "and try again.")
        parts = path[len("/v1.0/users/"):].split("/")
        folders = self.mail.get(parts[0].lower())
        if folders is None:
            return _graph_error(404, "ErrorInvalidUser", "The requested user is invalid.")
        if parts[1] == "mailFolders" and len(parts) == 2:
            return self._folders(method, folders, query, body)
        if parts[1] == "mailFolders":
            return self._list(parts[0], folders, parts[2], query)
        messages = next((msgs for _, msgs in folders.values() if parts[2] in msgs), None)
        if messages is None:
            return _graph_error(404, "ErrorItemNotFound", "The specified object was not found "
                                "in the store.")
        if parts[-1] == "$value":
            return 200, {"Content-Type": "text/plain"}, messages[parts[2]]
        target = json.loads(body or b"{}").get("destinationId", "")
        if target not in folders:
            return _graph_error(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        raw = messages.pop(parts[2])
        new_id = "AAMk" + secrets.token_urlsafe(24)
        folders[target][1][new_id] = raw
        return _json(201, {"id": new_id, "parentFolderId": target})

    def _folders(self, method: str, folders: dict[str, tuple[str, dict[str, bytes]]],
                 query: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if method == "POST":
            name = json.loads(body or b"{}").get("displayName", "")
            if any(d.lower() == name.lower() for d, _ in folders.values()):
                return _graph_error(409, "ErrorFolderExists", "A folder with the specified "
                                    "name already exists.")
            fid = "AAMkF" + secrets.token_urlsafe(16)
            folders[fid] = (name, {})
            return _json(201, {"id": fid, "displayName": name})
        wanted = (query.get("$filter") or [""])[0]
        name = wanted.split("eq", 1)[1].strip().strip("'") if "eq" in wanted else None
        value = [{"id": fid, "displayName": d} for fid, (d, _) in folders.items()
                 if name is None or d.lower() == name.lower()]
        return _json(200, {"value": value})

    def _list(self, user: str, folders: dict[str, tuple[str, dict[str, bytes]]], folder: str,
              query: Any) -> tuple[int, dict[str, str], bytes]:
        if folder not in folders:
            return _graph_error(404, "ErrorItemNotFound", "The specified folder was not found.")
        top = int((query.get("$top") or ["10"])[0])
        skip = int((query.get("$skip") or ["0"])[0])
        items = list(folders[folder][1].items())
        size = "0x0e08" in (query.get("$expand") or [""])[0].lower()
        value = []
        for mid, raw in items[skip:skip + top]:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            entry: Json = {"id": mid, "internetMessageId": str(msg.get("Message-ID", "")),
                           "isRead": False,
                           "from": {"emailAddress": {"address": str(msg.get("From", ""))}}}
            if size:
                entry["singleValueExtendedProperties"] = [
                    {"id": "Integer 0xe08", "value": str(len(raw))}]
            value.append(entry)
        out: Json = {"value": value}
        if skip + top < len(items):
            out["@odata.nextLink"] = (f"{self.url}/v1.0/users/{user}/mailFolders/{folder}/"
                                      f"messages?$top={top}&$skip={skip + top}"
                                      + (f"&$expand={query['$expand'][0]}" if size else ""))
        return _json(200, out)

    def _not_found(self, *_: Any) -> tuple[int, dict[str, str], bytes]:
        return _graph_error(400, "BadRequest", "Resource not found for the segment.")


class _Answer(Exception):
    def __init__(self, reply: tuple[int, dict[str, str], bytes]) -> None:
        self.reply = reply


def _json(status: int, payload: Json, extra: dict[str, str] | None = None) \
        -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **(extra or {})}, \
        json.dumps(payload).encode()


def _graph_error(status: int, code: str, message: str, extra: dict[str, str] | None = None) \
        -> tuple[int, dict[str, str], bytes]:
    inner = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
             "request-id": secrets.token_hex(8)}
    return _json(status, {"error": {"code": code, "message": message, "innerError": inner}},
                 extra)


def _token_error(status: int, error: str, description: str) \
        -> tuple[int, dict[str, str], bytes]:
    return _json(status, {"error": error, "error_description": description,
                          "error_codes": [int("".join(c for c in description.split(":")[0]
                                                      if c.isdigit()) or 0)],
                          "timestamp": dt.datetime.now(dt.UTC).isoformat(),
                          "trace_id": secrets.token_hex(8),
                          "correlation_id": secrets.token_hex(8)})


def _content_range(text: str) -> tuple[int, int, int]:
    try:
        span, total = text.removeprefix("bytes ").split("/")
        first, last = span.split("-")
        return int(first), int(last), int(total)
    except ValueError:
        return -1, -1, -1


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeGraph/1"
    api: GraphServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.api.handle(self.command, self.path, self.headers, body)
        if reply is None or reply[0] == 0:
            self.close_connection = True  # a dropped connection: no answer at all
            return
        status, headers, data = reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


def ca_bundle(ca: trustme.CA, folder: Path) -> Path:
    path = folder / "graph-test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@contextmanager
def running_graph(ca: trustme.CA) -> Iterator[GraphServer]:
    """A GraphServer on https://127.0.0.1:PORT for the duration of the block."""
    api = GraphServer(ca)
    handler = type("Handler", (_Handler,), {"api": api})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    api.url = f"https://127.0.0.1:{httpd.server_address[1]}"
    with serving(httpd):
        yield api


FAST_RETRY = {"retry_attempts": 4, "retry_first_wait_seconds": 0.01,
              "retry_max_wait_seconds": 0.05, "give_up_after_seconds": 10,
              "request_timeout_seconds": 10}


def m365_section(api: GraphServer, **extra: object) -> Json:
    """[microsoft365] pointed at this server, the client secret in $COPROD_TEST_M365_SECRET."""
    return {"tenant_id": api.tenant, "client_id": CLIENT_ID,
            "client_secret_env": "COPROD_TEST_M365_SECRET", "authority_url": api.url,
            "graph_url": f"{api.url}/v1.0", **FAST_RETRY, **extra}


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
