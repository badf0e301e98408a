"""Many boards in one pass (issue 32): 100 sample boards (`coprod init`'s board and config, the
mail going to each board's outbox), on SQLite and on PostgreSQL.

    python bench/boards.py                 # 1 and 100 boards, SQLite and PostgreSQL: ~6 minutes
    python bench/boards.py --boards 20     # a quick look

Each figure is one `run --once --boards DIR` pass in a child process (so its peak memory is its
own), timed inside the process around the pass only, after a warm-up pass over a board of its
own (the first pass of a process imports the mail, template and PDF libraries: a fixed cost
that would flatter the per-board figure); the one-board figures are the median of 5 runs.
Two passes per case: the first of the day, when the check and the digests are due on every
board, then one a minute later with nothing due.
PostgreSQL is a real server started here (tests/pg_server.py: Debian's postgresql, loopback,
fsync on, unlike the tests). Prints a markdown table and writes it to bench/BOARDS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2024, 3, 1)  # a Friday; the sample board is dated around it
FIRST = dt.datetime(2024, 3, 1, 10, 5, tzinfo=LONDON)  # the check and the digests are due
PASSWORD_ENV = "COPROD_BENCH_PG_PASSWORD"


def make_boards(folder: Path, count: int, state_for, prefix: str) -> None:
    """``count`` sample boards, ``folder/bNNN/config.toml`` each, with ``state_for(name)``
    appended (the board's name in PostgreSQL: unique per case, so each starts empty)."""
    from automations.starter.folder import init_directory

    for n in range(count):
        home = folder / f"b{n:03d}"
        init_directory(home, force=True, today=TODAY)
        config = home / "config.toml"
        extra = state_for(f"{prefix}_b{n:03d}")
        config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")


def child(folder: Path, warm: Path) -> None:
    """In the child process: a warm-up pass, then the two timed passes; JSON on stdout."""
    from automations.core.log import setup_logging
    from automations.service.boards import load_boards, run_boards
    from automations.service.transfer import _ensure_tables
    from automations.settings import load_settings

    setup_logging(None)
    run_boards(load_boards(warm, load_settings), FIRST)
    out = {}
    # The state made once, untimed in the passes: SQLite's tables, PostgreSQL's schema and
    # migrations (about half a second a board with fsync on: a one-time cost, shown apart).
    began = time.perf_counter()
    for board in load_boards(folder, load_settings):
        assert board.cfg is not None, board.error
        _ensure_tables(board.cfg)
    out["create"] = time.perf_counter() - began
    for name, when in (("first", FIRST), ("nothing_due", FIRST + dt.timedelta(minutes=1))):
        began = time.perf_counter()
        passes = run_boards(load_boards(folder, load_settings), when)
        out[name] = time.perf_counter() - began
        bad = [p.line() for p in passes if not p.ok]
        assert not bad, bad
    out["sent"] = sum(len(list(p.glob("*.eml"))) for p in folder.glob("*/outbox"))
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps(out))


def measure(folder: Path, warm: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), str(warm)],
        capture_output=True, text=True, check=True, env=os.environ.copy(),
    )  # fmt: skip
    return json.loads(done.stdout.splitlines()[-1])


def run_case(root: Path, backend: str, count: int, state_for, run: int = 0) -> dict[str, float]:
    tag = f"{backend}{count}r{run}"
    folder, warm = root / tag, root / f"{tag}-warm"
    make_boards(folder, count, state_for, tag)
    make_boards(warm, 1, state_for, f"{tag}warm")
    return measure(folder, warm)


def median_case(root: Path, backend: str, state_for, runs: int) -> dict[str, float]:
    """One board, ``runs`` times (each a fresh board and process): the median of each figure,
    as one board's pass is short enough for the machine's other work to swing it."""
    results = [run_case(root, backend, 1, state_for, n) for n in range(runs)]
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def table(rows: dict[tuple[str, int], dict[str, float]], count: int) -> str:
    lines = [
        "| state | boards | state made (once) | first pass (check + digests) | per board "
        "| per board vs one board | nothing due | peak memory | emails written |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (backend, n), r in sorted(rows.items()):
        one = rows[(backend, 1)]["first"]
        per = r["first"] / n
        lines.append(
            f"| {backend} | {n} | {r['create']:.2f} s | {r['first']:.2f} s | {per * 1000:.0f} ms "
            f"| {per / one:.2f}x "
            f"| {r['nothing_due']:.2f} s | {r['peak_mb']:.0f} MB | {int(r['sent'])} |"
        )
    sq, pg = rows[("SQLite", count)], rows[("PostgreSQL", count)]
    lines += [
        "",
        f"PostgreSQL over SQLite, {count} boards: first pass "
        f"{(pg['first'] / sq['first'] - 1) * 100:+.0f}%, nothing-due pass "
        f"{(pg['nothing_due'] / sq['nothing_due'] - 1) * 100:+.0f}%.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5, help="one-board runs (median)")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    from tests.pg_server import PgServer

    server = PgServer(fsync=True).init()  # durable, as SQLite's synchronous=FULL is
    os.environ[PASSWORD_ENV] = server.password
    url = server.create_database("bench")
    rows: dict[tuple[str, int], dict[str, float]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)

            def pg(name: str) -> str:
                return (
                    f'\n[state]\nurl = "{url}"\npassword_env = "{PASSWORD_ENV}"\nboard = "{name}"\n'
                )

            for backend, state_for in (("SQLite", lambda _: ""), ("PostgreSQL", pg)):
                rows[(backend, 1)] = median_case(root, backend.lower(), state_for, args.repeat)
                rows[(backend, args.boards)] = run_case(
                    root, backend.lower(), args.boards, state_for
                )
                print(f"{backend} done", file=sys.stderr, flush=True)
    finally:
        server.close()
    text = table(rows, args.boards)
    head = (
        f"# Many boards in one pass\n\n`python bench/boards.py --boards {args.boards}` on "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared), PostgreSQL from Debian on loopback.\n\n"
    )
    print(text)
    (REPO / "bench" / "BOARDS.md").write_text(head + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
