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
