"""The benchmark script runs on the 1,000-row size and fills every row of its table.

No timing is asserted: only that each measure produced a figure.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench.run import GOOGLE_HEADER, ROWS, STARTUP_ROWS

REPO = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"^\d[\d,]*(\.\d+)?×?$")


def _row(text: str, label: str) -> list[str]:
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r} in the table")


def test_bench_runs_on_1000_rows_and_fills_every_row(tmp_path):
    output = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--sizes", "1000", "--repeat", "1",
         "--google-sizes", "10", "--output", str(output)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    written = output.read_text(encoding="utf-8")
    assert written in done.stdout  # printed and written alike
    header = _row(written, "measure")
    assert header == ["measure", "1,000 rows", "target"]
    for label in ROWS:
        figure = _row(written, label)[1]
        if label == "findings / cells marked":
            assert re.fullmatch(r"[\d,]+ / [\d,]+", figure), figure
        else:
            assert NUMBER.match(figure), f"{label}: {figure!r}"
    assert _row(written, GOOGLE_HEADER[0])[1:] == list(GOOGLE_HEADER[1:])
    google = _row(written, "10")
    assert len(google) == len(GOOGLE_HEADER) and all(NUMBER.match(c) for c in google)
    assert "## Targets" in written and "Google: the same number of calls" in written
    # The whole-process table: the sample board and 1,000 actions, each with a figure.
    for label in STARTUP_ROWS:
        assert all(NUMBER.match(c) for c in _row(written, label)[1:3]), label
    assert "within 5× of the floor process (sample board)" in written
