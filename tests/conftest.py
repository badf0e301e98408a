"""Fixtures shared by several test modules."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sheets_api_server import EMAIL, SheetsServer, running_server

# The parsed settings files' cache (core/filecache.py) of this run, not the user's own: every
# process the tests start inherits it.
os.environ["COPROD_CACHE_DIR"] = tempfile.mkdtemp(prefix="coprod-test-cache-")


@pytest.fixture
def api() -> Iterator[SheetsServer]:
    """The local Sheets API server (with its OAuth token endpoint) on 127.0.0.1."""
    with running_server() as server:
        yield server


@pytest.fixture
def key_file(api: SheetsServer, tmp_path: Path) -> Path:
    """A service-account key file, made now, whose token_uri is the local server."""
    return api.add_account(tmp_path, EMAIL)


@pytest.fixture(scope="session")
def graph_ca():
    import trustme

    return trustme.CA()


@pytest.fixture
def graph(graph_ca, tmp_path, monkeypatch):
    """The local Microsoft identity platform + Graph stand-in (HTTPS on 127.0.0.1), an app
    registered with a client secret, and requests told to trust the test CA."""
    from automations.backends.microsoft365.graph import forget_tokens
    from tests.m365_server import SECRET, ca_bundle, running_graph

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_bundle(graph_ca, tmp_path)))
    monkeypatch.setenv("COPROD_TEST_M365_SECRET", SECRET)
    forget_tokens()
    with running_graph(graph_ca) as server:
        server.add_app()
        yield server
    forget_tokens()


# ---------------------------------------------------------------- PostgreSQL state (issue 32)

PG_PASSWORD_ENV = "COPROD_TEST_PG_PASSWORD"


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server for the session (tests/pg_server.py); each test that uses it
    gets a database of its own (pg_url)."""
    from tests.pg_server import PgServer

    server = PgServer().init()
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server, request, monkeypatch) -> str:
    """A fresh database for this test; its password in the environment, as a council's would."""
    import re

    from automations.core import store

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[-50:]
    monkeypatch.setenv(PG_PASSWORD_ENV, pg_server.password)
    store.forget()
    yield pg_server.create_database(name)
    store.forget()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_toml(request, tmp_path) -> str:
    """The [state] section for each backend ("" for SQLite, the embedded default), so a test
    runs on both."""
    if request.param == "sqlite":
        return ""
    url = request.getfixturevalue("pg_url")
    return f'\n[state]\nurl = "{url}"\npassword_env = "{PG_PASSWORD_ENV}"\n'
