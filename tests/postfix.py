"""A real MTA for the tests: Debian's Postfix, started on 127.0.0.1 with its own configuration,
queue and data folders under a temporary folder (`postfix -c DIR start`), relaying everything
to an aiosmtpd sink on loopback. Nothing is shared with a system Postfix (none needs to run),
and nothing listens beyond 127.0.0.1.

Two listeners (master.cf):
- ``port``: the usual path: Postfix takes the message into its queue, answers 250, and its
  smtp client relays it to ``relay_port`` (relayhost). Recipients in ``access`` get the reply
  written there (check_recipient_access), e.g. a 450 deferral.
- ``proxy_port``: a before-queue content filter (smtpd_proxy_filter) at ``filter_port``: Postfix
  answers the final dot only after the filter does, so a filter that hangs is a mail server
  that took the whole message and never answered (how a stuck content scanner behaves).

Needs root (Postfix's master runs as root and its daemons as the `postfix` user), and the
postfix package (scripts/install-test-deps.sh).
"""

from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
import tempfile
import time
from pathlib import Path

POSTFIX = "/usr/sbin/postfix"
# The Debian package's own services, without chroot (the temporary folder is not a chroot).
_MASTER = """\
127.0.0.1:{port} inet n - n - - smtpd
127.0.0.1:{proxy_port} inet n - n - - smtpd
  -o smtpd_proxy_filter=127.0.0.1:{filter_port}
  -o smtpd_proxy_timeout=60s
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""
_MAIN = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mta.coprod-test.invalid
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{relay_port}
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
local_recipient_maps =
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_recipient_access texthash:{root}/etc/access,
    permit_mynetworks, reject
maillog_file = {root}/postfix.log
maillog_file_prefixes = {root}
# Retry a deferred relay at once in tests; never bounce for hours.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"""


class Postfix:
    def __init__(self, port: int, proxy_port: int, filter_port: int, relay_port: int) -> None:
        self.port, self.proxy_port = port, proxy_port
        self.filter_port, self.relay_port = filter_port, relay_port
        # Not under pytest's tmp_path: Postfix's daemons run as the `postfix` user and must
        # reach their folders, while pytest's folders are private to root (mode 700).
        self.root = Path(tempfile.mkdtemp(prefix="coprod-postfix-"))
        self.root.chmod(0o755)
        self.etc = self.root / "etc"

    def start(self) -> Postfix:
        if not Path(POSTFIX).exists():
            raise RuntimeError(f"{POSTFIX} is missing: run scripts/install-test-deps.sh")
        self.etc.mkdir()
        (self.root / "queue").mkdir()
        data = self.root / "data"
        data.mkdir()
        shutil.chown(data, "postfix")  # the master writes its lock here as root, daemons too
        values = {
            "root": self.root,
            "port": self.port,
            "proxy_port": self.proxy_port,
            "filter_port": self.filter_port,
            "relay_port": self.relay_port,
        }
        (self.etc / "main.cf").write_text(_MAIN.format(**values), encoding="utf-8")
        (self.etc / "master.cf").write_text(_MASTER.format(**values), encoding="utf-8")
        self.set_access({})
        self._postfix("start")
        self._wait_listening()
        return self

    def set_access(self, replies: dict[str, str]) -> None:
        """Answer RCPT for these addresses with these replies (e.g. "450 4.2.1 Busy")."""
        lines = "".join(f"{addr} {reply}\n" for addr, reply in replies.items())
        (self.etc / "access").write_text(lines, encoding="utf-8")
        if (self.root / "queue" / "pid" / "master.pid").exists():
            self._postfix("reload")

    def wait_accepts(self, address: str, limit: float = 20) -> None:
        """After a reload: wait until a new session takes RCPT for ``address`` (no DATA)."""
        deadline = time.monotonic() + limit
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=5) as smtp:
                    smtp.ehlo()
                    smtp.mail("probe@example.org")
                    code, _ = smtp.rcpt(address)
                    smtp.rset()
            except (OSError, smtplib.SMTPException):
                code = 0  # caught between the old processes and the new: try again
            if code == 250:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"Postfix still refuses {address}:\n{self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        path = self.root / "postfix.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        pid_file = self.root / "queue" / "pid" / "master.pid"
        pid = int(pid_file.read_text().strip()) if pid_file.exists() else None
        subprocess.run([POSTFIX, "-c", str(self.etc), "stop"], capture_output=True, timeout=30)
        deadline = time.monotonic() + 20
        while pid and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)

    def _postfix(self, command: str) -> None:
        done = subprocess.run(
            [POSTFIX, "-c", str(self.etc), command], capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            # postfix(1) logs its reasons, not to stderr when there is no terminal.
            raise RuntimeError(f"postfix {command} failed ({done.stderr.strip()}):\n{self.log()}")

    def _wait_listening(self, limit: float = 20) -> None:
        deadline = time.monotonic() + limit
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=5) as smtp:
                    smtp.noop()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Postfix did not start listening:\n{self.log()}") from None
                time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
