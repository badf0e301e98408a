"""One `coprod run --once --boards DIR` process at a simulated time, for the fault tests:
``python -m tests.boards_driver DIR ISO-TIME`` (the real command follows the real clock)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from automations.core.log import setup_logging
from automations.service.boards import load_boards, run_boards
from automations.settings import load_settings


def main() -> int:
    setup_logging(None)
    folder, now = Path(sys.argv[1]), dt.datetime.fromisoformat(sys.argv[2])
    passes = run_boards(load_boards(folder, load_settings), now)
    for p in passes:
        print(p.line(), flush=True)
    return 0 if all(p.ok for p in passes) else 4


if __name__ == "__main__":
    sys.exit(main())
