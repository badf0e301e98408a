"""A real PostgreSQL server for the tests: Debian's `postgresql` package (installed by
scripts/install-test-deps.sh), started in a temporary folder on loopback.

initdb and pg_ctl refuse to run as root, so as root the server runs as the `postgres` account
the package creates (or `nobody`) through runuser(1); as any other user it runs as that user.
Password authentication (scram-sha-256) is on, so a wrong password is really refused.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "coprod"


def _bin(name: str) -> str:
    # Debian keeps the server programs out of PATH, in /usr/lib/postgresql/<version>/bin.
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    path = found[-1] if found else shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found: run scripts/install-test-deps.sh (postgresql)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _account() -> str | None:
    """The unprivileged account to run the server as (None: we are not root, run as us)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("no unprivileged account to run PostgreSQL as")


class PgServer:
    def __init__(self, fsync: bool = False) -> None:
        # fsync off for the tests (they kill clients and restart the server cleanly, never the
        # machine); bench/boards.py turns it on, as a real server has it.
        self.fsync = "on" if fsync else "off"
        self.folder = Path(tempfile.mkdtemp(prefix="coprod-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.password = secrets.token_hex(12)
        self.account = _account()
        if self.account:
            entry = pwd.getpwnam(self.account)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.account, "--"] if self.account else []
        return subprocess.run(
            [*prefix, *argv], capture_output=True, text=True, check=True, timeout=120
        )

    def init(self) -> PgServer:
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password, encoding="utf-8")
        if self.account:
            entry = pwd.getpwnam(self.account)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        self._run(
            _bin("initdb"), "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        pwfile.unlink()
        return self.start()

    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            f"-c fsync={self.fsync} -c max_connections=200"
        )

    def start(self) -> PgServer:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                  "-o", self._options(), "-w", "-t", "60", "start")  # fmt: skip
        return self

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        # -l as in start: without it the server writes to our pipe, and run() waits on it.
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                  "-m", "fast", "-w", "-t", "60", "-o", self._options(), "restart")  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        """The address as a config gives it: no password (that is in the environment)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), password=self.password, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
