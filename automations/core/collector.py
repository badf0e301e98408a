"""The garbage collector paused while a pass builds or writes a board.

Reading a tracker makes a value per cell and a record per row, and writing its marks tens of
thousands of short-lived objects, none of them in a reference cycle. The collector's passes
meanwhile go over the whole growing heap again and again and free nothing: on 100,000 actions
they were a quarter of the check (bench/README.md, issue 27). So they wait until the work is
done; the collector is left as it was found (a caller that had switched it off keeps it off)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def short_lived_process() -> Iterator[None]:
    """For a process that does one short job and exits (a plain `coprod validate`): the
    collector waits from the start, through the imports (tens of thousands of functions,
    classes and dicts, none of them garbage), and at the end every object is frozen, so the
    interpreter's shutdown does not go over them all once more. Together about 6 ms of an 80
    ms check (bench/README.md, "Starting up"). Not for `serve`, which runs for months."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
