"""Microsoft 365 calls per run, counted on the local identity/Graph stand-in from the tests.

The real msal and requests talk HTTPS to tests/m365_server.py on 127.0.0.1, so the counts are
the requests Microsoft would see. Run: python -m bench.m365_calls [ROWS ...]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from automations.app import write_back
from automations.backends.microsoft365.graph import forget_tokens
from automations.core.config import parse_config
from automations.pipeline import validate
from bench.generate import ensure
from bench.run import NOW, TODAY


def count_calls(path: Path) -> tuple[dict[str, int], dict[str, int], int]:
    """(calls of a first run that marks, calls of a second run that finds the same, bytes)."""
    import trustme

    from tests.m365_server import DRIVE, ITEM, SECRET, ca_bundle, m365_section, running_graph

    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as tmp, running_graph(ca) as api:
        os.environ["REQUESTS_CA_BUNDLE"] = str(ca_bundle(ca, Path(tmp)))
        os.environ["COPROD_TEST_M365_SECRET"] = SECRET
        forget_tokens()
        api.add_app()
        api.add_item(path.read_bytes())
        data = {"source": {"kind": "microsoft365", "drive_id": DRIVE, "item_id": ITEM},
                "microsoft365": m365_section(api)}
        cfg = parse_config(data, None)
        write_back(cfg, validate(cfg, TODAY), NOW)
        first = dict(api.counts)
        api.reset_counts()
        write_back(cfg, validate(cfg, TODAY), NOW + dt.timedelta(hours=1))
        return first, dict(api.counts), len(api.item().content)


def _calls(counts: dict[str, int]) -> str:
    return f"{sum(counts.values())}: " + ", ".join(f"{k} {v}" for k, v in counts.items())


def main(sizes: list[int]) -> None:
    print("| rows | first run (marks) | second run (no change) | workbook bytes |")
    print("|---|---|---|---|")
    for rows in sizes:
        first, again, size = count_calls(ensure(rows))
        print(f"| {rows:,} | {_calls(first)} | {_calls(again)} | {size:,} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 1000, 5000])
