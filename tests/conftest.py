"""Fixtures shared by several test modules."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sheets_api_server import EMAIL, SheetsServer, running_server


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
