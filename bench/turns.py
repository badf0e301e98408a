"""validate ÷ python-calamine's read at one size, in one process, for comparing two trees in
turns on a shared machine (bench/README.md, issue 27):

    PYTHONPATH=OLD_TREE python bench/turns.py 100000 --repeat 3 --parts

Prints the medians of ``repeat`` rounds, each reading every cell with python-calamine then
running validate; with --parts, also where validate's time goes (reading and its steps,
building the board, the rules, sorting), each timed on its own.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: its tree wins

from bench import measure
from bench.generate import TODAY, ensure


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def parts(path: Path) -> dict[str, float]:
    """validate's steps, each timed once (the reading's own steps, then the check's)."""
    from automations.backends.xlsx import source
    from automations.backends.xlsx.sniff import check_workbook_file, our_tabs
    from automations.model.board import build_board
    from automations.model.schema import load_schemas
    from automations.rules import run_rules

    cfg = measure.config_for(path, TODAY)
    ours = our_tabs(path)
    out = {
        "zip checks and our tabs": timed(lambda: (check_workbook_file(path), our_tabs(path))),
        "scan of the sheets' XML": timed(lambda: source.scan_sheets(path, ours)),
        "calamine read as RawWorkbook": timed(lambda: source.read_xlsx_calamine(path, ours)),
        "Excel tables": timed(lambda: source.excel_tables(path)),
    }
    raw = measure.read_raw(cfg)
    schemas = load_schemas(cfg.schema_dir)
    box: dict[str, object] = {}
    out["build_board"] = timed(lambda: box.update(b=build_board(raw, schemas, TODAY)[0]))
    out["run_rules"] = timed(lambda: run_rules(box["b"], cfg.tor, TODAY))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parts", action="store_true")
    args = parser.parse_args()
    path = ensure(args.rows)
    cfg = measure.config_for(path, TODAY)
    measure.run_validate(cfg, TODAY)  # warm: the file cache, schemas, imports
    floors, checks = [], []
    for _ in range(args.repeat):
        floors.append(timed(lambda: measure.read_calamine(path)))
        checks.append(timed(lambda: measure.run_validate(cfg, TODAY)))
    floor, check = statistics.median(floors), statistics.median(checks)
    import automations

    print(f"{Path(automations.__file__).parent.parent}: calamine {floor:.3f} s, "
          f"validate {check:.3f} s, ratio {check / floor:.2f}x")
    if args.parts:
        for name, took in parts(path).items():
            print(f"  {name}: {took:.3f} s")


if __name__ == "__main__":
    main()
