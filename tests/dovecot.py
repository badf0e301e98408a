"""A real IMAP server for tests: Debian's Dovecot, started from a private config folder as the
unprivileged user `nobody`, listening on 127.0.0.1 only, TLS with a throwaway trustme
certificate (implicit TLS on one port, STARTTLS on another). Logins: a password from a
passwd-file, and XOAUTH2 through Dovecot's oauth2 passdb, which asks a token-introspection
endpoint (RFC 7662, served here on loopback) whether a token is live; that endpoint asks the
local Microsoft identity stand-in (tests/m365_server.py) whether it issued the token for
Exchange Online, as Exchange itself would.

Needs root (to start Dovecot as `nobody`) and the dovecot-imapd package
(scripts/install-test-deps.sh).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import trustme

from tests.smtp_server import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "nobody"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain xoauth2
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {starttls_port}
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {root}/oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  mechanisms = plain
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
"""
OAUTH2 = """
introspection_mode = post
introspection_url = http://127.0.0.1:{port}/introspect
username_attribute = username
active_attribute = active
active_value = true
"""


class Introspection(BaseHTTPRequestHandler):
    """POST /introspect token=... -> {"active": true, "username": ...} for a live token."""

    check: Callable[[str], str | None] = staticmethod(lambda token: None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        user = type(self).check(form.get("token", [""])[0])
        body = json.dumps({"active": True, "username": user} if user else {"active": False})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


class Dovecot:
    def __init__(self, users: dict[str, str], token_user: Callable[[str], str | None]) -> None:
        # Not under pytest's tmp_path (root only): Dovecot runs as `nobody` and reads it.
        self.root = Path(tempfile.mkdtemp(prefix="coprod-dovecot-"))
        self.users = users
        self.port, self.starttls_port = free_port(), free_port()
        self.ca = trustme.CA()
        self.ca_file = self.root / "ca.pem"
        handler = type("Check", (Introspection,), {"check": staticmethod(token_user)})
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def start(self) -> Dovecot:
        root, who = self.root, pwd.getpwnam(USER)
        for sub in ("run", "state", "home"):
            (root / sub).mkdir()
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        cert.private_key_pem.write_to_path(str(root / "key.pem"))
        cert.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        (root / "passwd").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items())
        )
        self.thread.start()
        (root / "oauth2.conf.ext").write_text(OAUTH2.format(port=self.http.server_port))
        group = grp.getgrgid(who.pw_gid).gr_name
        (root / "dovecot.conf").write_text(
            CONFIG.format(root=root, user=USER, group=group, port=self.port,
                          starttls_port=self.starttls_port)
        )  # fmt: skip
        for path in [root, *root.rglob("*")]:
            os.chown(path, who.pw_uid, who.pw_gid)
        root.chmod(0o755)
        # Output to a file, not a pipe: the daemon keeps its copies of the start's pipes open.
        with (root / "start.log").open("w") as out:
            done = subprocess.run(
                ["runuser", "-u", USER, "--", DOVECOT, "-c", str(root / "dovecot.conf")],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=60,
            )  # fmt: skip
        if done.returncode != 0:
            started = (root / "start.log").read_text()
            raise RuntimeError(f"dovecot did not start: {started}\n{self.log()}")
        self._wait()
        return self

    def _wait(self) -> None:
        import socket

        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot is not listening:\n{self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message into a user's folder, as the mail server would."""
        from imap_tools import MailBox

        with MailBox("127.0.0.1", self.port, ssl_context=self.context()).login(
            user, self.users[user]
        ) as box:
            box.append(raw, folder)

    def folder(self, user: str, folder: str) -> list[bytes]:
        from imap_tools import MailBox

        with MailBox("127.0.0.1", self.port, ssl_context=self.context()).login(
            user, self.users[user], initial_folder=None
        ) as box:
            if not box.folder.exists(folder):
                return []
            box.folder.set(folder)
            return [m.obj.as_bytes() for m in box.fetch(mark_seen=False)]

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        self.http.shutdown()
        shutil.rmtree(self.root, ignore_errors=True)
