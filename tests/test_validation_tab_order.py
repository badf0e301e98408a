"""The Validation tab as a co-chair reads it, read back with openpyxl after a real write-back of
the sample board: errors first, then warnings, then information, and plain words where the
rule id was."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from automations.app import write_back
from automations.backends.marks import HEADER_ROW, SEVERITY_LABEL, VALIDATION_HEADER
from automations.rules import catalogue
from tests.digest_setup import SAMPLE_NOW, sample


def test_errors_come_first_and_each_row_says_in_words_what_it_is_about(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    write_back(cfg, validation, now=SAMPLE_NOW)
    assert cfg.source.path is not None
    ws = load_workbook(cfg.source.path)["Validation"]
    assert [c.value for c in ws[HEADER_ROW]][: len(VALIDATION_HEADER)] == list(VALIDATION_HEADER)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=HEADER_ROW + 1)]
    labels = list(SEVERITY_LABEL.values())
    order = [labels.index(r[0]) for r in rows]
    assert order == sorted(order) and len(set(order)) == 3, order  # all three kinds, in order
    assert rows[0][0] == "Error"
    summaries = {r.summary for r in catalogue()}
    assert all(r[1] in summaries for r in rows), [r[1] for r in rows if r[1] not in summaries]
    assert not any(str(r[1]).startswith(("tor.", "schema.", "access.")) for r in rows)
