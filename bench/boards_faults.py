"""The issue's full-size concurrency case (the tests run 3 boards over 5 days): one process (the
reference), then two, then four `run --once --boards` processes started together every
simulated day, on the same 20 boards and the same PostgreSQL, for 30 days; a real SMTP server
counts every copy.

    python bench/boards_faults.py                       # 20 boards x 30 days: ~6 minutes
    python bench/boards_faults.py --boards 5 --days 10  # a quick look

Each day's pass is at 10:05 London time, when the check, the digests, the reminders and the
pack can all be due. Each board's meetings are its own (a board's next meeting is 13 March
plus its number of days), so the digests, packs and reminders fall on different days across
the boards. Writes the counts to bench/BOARDS-FAULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LONDON = ZoneInfo("Europe/London")
START = dt.date(2024, 3, 1)
PASSWORD_ENV = "COPROD_TEST_PG_PASSWORD"  # the name tests/boards_support's configs use


def run(boards: int, days: int, processes: int, url: str, port: int, root: Path,
        start: dt.date) -> list[str]:  # fmt: skip
    from tests.boards_support import add_board

    folder = root / f"p{processes}"
    state = f'[state]\nurl = "{url}"\npassword_env = "{PASSWORD_ENV}"\n'
    for n in range(boards):
        meeting = dt.date(2024, 3, 13) + dt.timedelta(days=n % 7)
        add_board(folder, f"b{n:02d}p{processes}", meeting, state=state,
                  extra="[reminders]\n\n[pack]\n", smtp_port=port)  # fmt: skip
    problems = []
    for day in range(days):
        when = dt.datetime.combine(start + dt.timedelta(days=day), dt.time(10, 5), LONDON)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.boards_driver", str(folder), when.isoformat()],
                cwd=REPO,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(processes)
        ]
        for p in procs:
            out, err = p.communicate(timeout=1800)
            if p.returncode != 0 or "Traceback" in err:
                problems.append(f"{when:%d %b}: exit {p.returncode}: {out[-300:]} {err[-300:]}")
        print(f"{processes} processes, day {day + 1}/{days}", file=sys.stderr, flush=True)
    return problems


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=START)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args(argv)
    from tests.pg_server import PgServer
    from tests.smtp_server import FaultServer

    server = PgServer().init()
    os.environ[PASSWORD_ENV] = server.password
    lines = [
        f"# Many processes, many boards\n\n`python bench/boards_faults.py --boards {args.boards} "
        f"--days {args.days} --start {args.start} --processes "
        f"{' '.join(map(str, args.processes))}`: real processes, one PostgreSQL, one SMTP "
        "server counting copies.\n",
        "| processes | boards | days | emails (message x recipient) | sent twice | kinds | "
        "failed runs | minutes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for processes in args.processes:  # one process: the reference
                url = server.create_database(f"faults{processes}")
                began = time.monotonic()
                with FaultServer() as smtp:
                    problems = run(
                        args.boards, args.days, processes, url, smtp.port, Path(tmp), args.start
                    )
                    copies = smtp.handler.copies()
                kinds: dict[str, int] = {}
                for mid, _ in copies:
                    kind = mid.strip("<").split(".")[0].removeprefix("coprod-")
                    kinds[kind] = kinds.get(kind, 0) + 1
                twice = sum(1 for n in copies.values() if n > 1)
                shown = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
                lines.append(
                    f"| {processes} | {args.boards} | {args.days} | {len(copies)} | {twice} | "
                    f"{shown} | {len(problems)} | {(time.monotonic() - began) / 60:.1f} |"
                )
                lines += [f"\n- {p}" for p in problems[:5]]
    finally:
        server.close()
    text = "\n".join(lines) + "\n"
    print(text)
    (REPO / "bench" / "BOARDS-FAULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
