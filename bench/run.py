"""How the service's cost grows with the tracker, against the floor and against a peer.

    python bench/run.py                      # 1,000 / 10,000 / 100,000 rows, 5 runs each
    python bench/run.py --sizes 1000 --repeat 1 --google-sizes 10

Prints a markdown table and writes it to bench/RESULTS.md (or --output). Each timing is the
median of --repeat runs; within a size the measures take turns run by run, so that a busy
moment on a shared machine falls on all of them alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import platform
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from automations.core.config import Config

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `python bench/run.py` puts bench/ first, not the repository
    sys.path.insert(0, str(REPO))

from bench import google_calls, measure, peer  # noqa: E402
from bench.generate import TODAY, ensure, scale  # noqa: E402

NOW = dt.datetime(2024, 3, 1, 9, 0)
RESULTS = REPO / "bench" / "RESULTS.md"

# The rows of the main table, in order (tests/test_bench.py checks that each one is filled).
VALIDATE = "validate, end to end (s)"
MEMORY = "validate, peak memory of the whole process (MB)"
OPENPYXL = "openpyxl read-only, every cell (s)"
CALAMINE = "python-calamine, every cell (s)"
VS_OPENPYXL = "validate ÷ openpyxl"
VS_CALAMINE = "validate ÷ python-calamine"
PEER = "frictionless: Actions tab against a Table Schema (s)"
VS_PEER = "frictionless ÷ validate"
DIGEST = "digest rendering, one email: the slowest audience (s)"
DIGESTS = "digest rendering, a whole pass: templates and 3 emails (s)"
FINDINGS = "findings / cells marked"
FIRST_WRITE = "validate + first write-back (s)"
NO_CHANGE = "validate + write-back with nothing new (s)"
VS_FIRST = "first write-back ÷ validate"
VS_NO_CHANGE = "nothing new ÷ validate"
WRITE_MEMORY = "write-back, peak memory of the whole process (MB)"
CHECK = "the check alone (board and rules, no own checks) (s)"
CHECK_LOCAL = "the check with 20 of the Board's own checks (s)"
VS_LOCAL = "with 20 own checks ÷ without"
ROWS = (VALIDATE, MEMORY, OPENPYXL, CALAMINE, VS_OPENPYXL, VS_CALAMINE, PEER, VS_PEER, DIGEST,
        DIGESTS, FINDINGS, FIRST_WRITE, NO_CHANGE, VS_FIRST, VS_NO_CHANGE, WRITE_MEMORY,
        CHECK, CHECK_LOCAL, VS_LOCAL)
# Whole processes: `coprod validate` started as cron or a person starts it, against a floor
# process (a fresh interpreter that imports python-calamine and reads every cell of the file).
STARTUP_SIZES = (1000,)  # besides the sample board; larger sizes are about the check itself
PROCESS = "coprod validate, whole process (s)"
FLOOR = "floor process: python-calamine reads every cell (s)"
VS_FLOOR = "coprod validate ÷ floor process"
FIRST = "the first run: no parsed settings cached yet (s)"
FIRST_VS_FLOOR = "the first run ÷ floor process"
STARTUP_ROWS = (PROCESS, FLOOR, VS_FLOOR, FIRST, FIRST_VS_FLOOR)
GOOGLE_HEADER = ("action rows", "read calls", "write calls (first run)",
                 "calls on a run with nothing new", "cells marked", "naive gspread calls")


@dataclass
class SizeResult:
    rows: int
    times: dict[str, list[float]] = field(default_factory=dict)
    memory_mb: float = 0.0
    write_memory_mb: float = 0.0
    findings: int = 0
    marked: int = 0
    peer_errors: int | None = None

    def median(self, name: str) -> float | None:
        runs = self.times.get(name)
        return statistics.median(runs) if runs else None

    def digests(self) -> list[float]:
        return [statistics.median(t) for k, t in self.times.items() if k.startswith(_DIGEST)]


_DIGEST = "digest: "
# The check alone, timed just before each write-back on the same copy: what its ratio divides by.
_ALONE = "alone: "


def measure_size(rows: int, repeat: int, with_peer: bool) -> SizeResult:
    path = ensure(rows)
    cfg = measure.config_for(path, TODAY)
    # validate and calamine's read first, in turns, while the process holds nothing else, as a
    # run of `coprod validate` does: with this size's board, workbook and digests alive (for the
    # rows below) the next validate at 100,000 actions took 6-7% longer (bench/README.md).
    first = _validate_and_floor(path, cfg, repeat)
    validation = measure.run_validate(cfg, TODAY)
    result = SizeResult(rows, findings=len(validation.report.findings))
    for name, times in first.items():
        result.times[name] = times
    from automations.backends.marks import plan_marks

    result.marked = len(plan_marks(validation.report, NOW).cells)
    raw = measure.read_raw(cfg)  # the check is timed without the reading
    with_checks = measure.config_for(path, TODAY, measure.LOCAL_CHECKS)
    steps: dict[str, Callable[[], object]] = {
        OPENPYXL: lambda: measure.read_openpyxl(path),
        CHECK: lambda: measure.run_check(raw, cfg, TODAY),
        CHECK_LOCAL: lambda: measure.run_check(raw, with_checks, TODAY),
    }
    for audience, render in measure.digest_renderers(cfg, validation, NOW).items():
        steps[_DIGEST + audience] = render
    steps[DIGESTS] = lambda: measure.render_pass(cfg, validation, NOW)
    if with_peer:
        _, errors = peer.frictionless_validate(path)
        result.peer_errors = errors
        steps[PEER] = lambda: peer.frictionless_validate(path)
    # Write-backs time themselves: each needs a fresh copy of the workbook, made untimed.
    timed: dict[str, Callable[[], tuple[float, float]]] = {
        FIRST_WRITE: lambda: measure.write_back_seconds(path, TODAY, NOW, marked=False),
        NO_CHANGE: lambda: measure.write_back_seconds(path, TODAY, NOW, marked=True),
    }
    for run in range(repeat):
        for name, step in steps.items():
            gc.collect()
            result.times.setdefault(name, []).append(measure.seconds(step))
        for name, timer in timed.items():
            alone, with_write = timer()
            result.times.setdefault(_ALONE + name, []).append(alone)
            result.times.setdefault(name, []).append(with_write)
        _progress(f"{rows:,} rows: run {run + 1}/{repeat} done")
    result.memory_mb = measure.peak_memory_mb(path, TODAY)
    result.write_memory_mb = measure.peak_memory_mb(path, TODAY, write=True)
    return result


@dataclass
class StartupResult:
    label: str
    process: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)  # no settings cache (core/filecache.py)

    def ratio(self, times: list[float] | None = None) -> float:
        return statistics.median(times or self.process) / statistics.median(self.floor)


def _validate_and_floor(path: Path, cfg: Config, repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {CALAMINE: [], VALIDATE: []}
    for _ in range(repeat):
        gc.collect()
        times[CALAMINE].append(measure.seconds(lambda: measure.read_calamine(path)))
        gc.collect()
        times[VALIDATE].append(measure.seconds(lambda: measure.run_validate(cfg, TODAY)))
    return times


def measure_startup(sizes: list[int], repeat: int) -> list[StartupResult]:
    """The sample board of `coprod init`, then each size in STARTUP_SIZES that is measured:
    the CLI and the floor process take turns, once each to warm the file cache first."""
    sample = measure.sample_folder()
    cases = [("sample board", sample / "config.toml", sample / "board.xlsx")]
    cases += [(f"{n:,} actions", measure.config_file_for(ensure(n), TODAY), ensure(n))
              for n in sizes if n in STARTUP_SIZES]
    out = []
    for label, config, workbook in cases:
        measure.validate_process_seconds(config)  # warm: the file cache and the bytecode
        measure.floor_process_seconds(workbook)
        result = StartupResult(label)
        for _ in range(max(repeat, 5)):  # short runs: at least five of each
            result.process.append(measure.validate_process_seconds(config))
            result.floor.append(measure.floor_process_seconds(workbook))
            result.first.append(measure.validate_process_seconds(config, settings_cache=False))
        out.append(result)
        _progress(f"startup, {label}: done")
    return out


def startup_table(results: list[StartupResult]) -> str:
    head = ["measure", *(r.label for r in results), "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in STARTUP_ROWS:
        values = [
            _s(statistics.median(r.process)) if row == PROCESS
            else _s(statistics.median(r.floor)) if row == FLOOR
            else _s(statistics.median(r.first)) if row == FIRST
            else f"{r.ratio(r.first if row == FIRST_VS_FLOOR else None):.2f}×"
            for r in results
        ]
        target = "≤ 5 on the sample board" if row == VS_FLOOR else ""
        lines.append("| " + " | ".join([row, *values, target]) + " |")
    return "\n".join(lines)


def warm_up(rows: int, with_peer: bool) -> None:
    """Imports and first-call caches, once, so the first size measured is not penalised."""
    path = ensure(rows)
    cfg = measure.config_for(path, TODAY)
    validation = measure.run_validate(cfg, TODAY)
    measure.run_check(measure.read_raw(cfg), measure.config_for(path, TODAY, measure.LOCAL_CHECKS),
                      TODAY)
    measure.read_openpyxl(path)
    measure.read_calamine(path)
    for render in measure.digest_renderers(cfg, validation, NOW).values():
        render()
    measure.render_pass(cfg, validation, NOW)
    measure.write_back_seconds(path, TODAY, NOW, marked=True)
    if with_peer:
        peer.frictionless_validate(path)


# ---------------------------------------------------------------- the tables


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def cells(r: SizeResult) -> dict[str, str]:
    v = r.median(VALIDATE)
    peer_s = r.median(PEER)
    peer_cell = _s(peer_s)
    if peer_s is not None and r.peer_errors:
        peer_cell += f" ({r.peer_errors} errors!)"
    return {
        VALIDATE: _s(v),
        MEMORY: f"{r.memory_mb:.0f}",
        OPENPYXL: _s(r.median(OPENPYXL)),
        CALAMINE: _s(r.median(CALAMINE)),
        VS_OPENPYXL: _ratio(v, r.median(OPENPYXL)),
        VS_CALAMINE: _ratio(v, r.median(CALAMINE)),
        PEER: peer_cell if peer_s is not None else "frictionless not installed",
        VS_PEER: _ratio(peer_s, v),
        DIGEST: _s(max(r.digests(), default=None)),
        DIGESTS: _s(r.median(DIGESTS)),
        FINDINGS: f"{r.findings:,} / {r.marked:,}",
        FIRST_WRITE: _s(r.median(FIRST_WRITE)),
        NO_CHANGE: _s(r.median(NO_CHANGE)),
        VS_FIRST: _ratio(r.median(FIRST_WRITE), r.median(_ALONE + FIRST_WRITE)),
        VS_NO_CHANGE: _ratio(r.median(NO_CHANGE), r.median(_ALONE + NO_CHANGE)),
        WRITE_MEMORY: f"{r.write_memory_mb:.0f}",
        CHECK: _s(r.median(CHECK)),
        CHECK_LOCAL: _s(r.median(CHECK_LOCAL)),
        VS_LOCAL: _ratio(r.median(CHECK_LOCAL), r.median(CHECK)),
    }


TARGETS = {
    VALIDATE: "",
    MEMORY: "< 500 at 100,000",
    VS_OPENPYXL: "< 1 at 100,000",
    VS_CALAMINE: "≤ 2 at 100,000",
    VS_PEER: "≥ 5 at 100,000",
    DIGEST: "< 0.5 at 10,000",
    VS_FIRST: "≤ 2 at 1,000; ≤ 1.5 at 10,000 and 100,000",
    VS_NO_CHANGE: "≤ 1.2",
    WRITE_MEMORY: "< 300 at 100,000",
    VS_LOCAL: "≤ 1.3 at 10,000",
}


def main_table(results: list[SizeResult]) -> str:
    head = ["measure", *(f"{r.rows:,} rows" for r in results), "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    filled = [cells(r) for r in results]
    for row in ROWS:
        lines.append("| " + " | ".join([row, *(c[row] for c in filled), TARGETS.get(row, "")])
                     + " |")
    return "\n".join(lines)


def google_table(counts: list[google_calls.GoogleCalls]) -> str:
    lines = ["| " + " | ".join(GOOGLE_HEADER) + " |", "|" + "---|" * len(GOOGLE_HEADER)]
    for c in counts:
        lines.append(f"| {c.rows:,} | {c.first_reads} | {c.first_writes} | {c.again} | "
                     f"{c.marked:,} | {c.naive:,} |")
    return "\n".join(lines)


def verdicts(results: list[SizeResult], counts: list[google_calls.GoogleCalls],
             startup: list[StartupResult] | None = None) -> list[str]:
    by_size = {r.rows: r for r in results}
    out = [_verdict(f"`coprod validate` within 5× of the floor process ({r.label})",
                    r.ratio() <= 5) for r in startup or [] if r.label == "sample board"]
    big, mid = by_size.get(100_000), by_size.get(10_000)
    if big:
        v = big.median(VALIDATE) or 0
        out.append(_verdict("validate faster than openpyxl alone", v < big.median(OPENPYXL)))
        out.append(_verdict("validate within 2× of python-calamine",
                            v <= 2 * big.median(CALAMINE)))
        if big.median(PEER) is not None:
            out.append(_verdict("≥ 5× faster than frictionless", big.median(PEER) >= 5 * v))
        out.append(_verdict("memory under 500 MB", big.memory_mb < 500))
    else:
        out.append("- 100,000-row targets: not measured in this run")
    for r in results:
        first, again = r.median(FIRST_WRITE) or 0, r.median(NO_CHANGE) or 0
        # Its fixed costs weigh on a short check: 2× at 1,000 actions, 1.5× from 10,000.
        most = 2.0 if r.rows < 10_000 else 1.5
        out.append(_verdict(f"first write-back within {most:g}× of validate at {r.rows:,}",
                            first <= most * (r.median(_ALONE + FIRST_WRITE) or 0)))
        out.append(_verdict(f"a write-back with nothing new within 1.2× of validate at "
                            f"{r.rows:,}", again <= 1.2 * (r.median(_ALONE + NO_CHANGE) or 0)))
    if big:
        out.append(_verdict("write-back memory under 300 MB", big.write_memory_mb < 300))
    if mid:
        slowest = max(mid.digests(), default=float("inf"))
        out.append(_verdict("a digest for 10,000 actions under 0.5 s", slowest < 0.5))
        local = (mid.median(CHECK_LOCAL) or 0) / (mid.median(CHECK) or float("inf"))
        out.append(_verdict("20 own checks add at most 30% to the check at 10,000 actions",
                            local <= 1.3))
    if counts:
        same = len({(c.first_reads, c.first_writes, c.again) for c in counts}) == 1
        out.append(_verdict("Google: the same number of calls at every size", same))
    return out


def _verdict(what: str, met: bool) -> str:
    return f"- {what}: **{'met' if met else 'missed'}**"


def _versions() -> str:
    names = ("openpyxl", "python-calamine", "frictionless", "gspread")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def report(args: argparse.Namespace, results: list[SizeResult],
           counts: list[google_calls.GoogleCalls], google_note: str | None,
           startup: list[StartupResult] | None = None) -> str:
    shapes = "; ".join(
        f"{r.rows:,} actions: " + ", ".join(f"{v:,} {k}" for k, v in scale(r.rows).items()
                                            if k != "actions")
        for r in results
    )
    parts = [
        "# Benchmark results",
        "",
        f"`python bench/run.py {' '.join(args.argv)}`".replace(" `", "`"),
        f"on {dt.date.today().isoformat()}: Python {platform.python_version()}, "
        f"{platform.machine()}, {_cpu_count()} cores shared with other work, {_versions()}.",
        "",
        f"Times are medians of {_runs(args)} (the measures take turns run by run). The "
        "machine is shared, so single figures are noisy; ratios within a column are the "
        "steadier thing to read. Workbooks: " + shapes + ".",
        "",
        main_table(results),
        "",
        "- **validate**: `automations.pipeline.validate(cfg, today)` in-process, as `coprod "
        "validate` runs it without write-back: read the file, build the typed board, run every "
        "rule, sort the findings.",
        "- **memory**: peak resident set (VmHWM in /proc/self/status) of a fresh Python process "
        "that imports the service and runs validate once; it counts memory the Rust reader "
        "allocates, which tracemalloc would miss (ru_maxrss is not used: on Linux a child "
        "inherits its parent's figure). Imports alone: "
        f"{args.baseline_mb:.0f} MB.",
        "- **write-back**: `validate` then `app.write_back` in-process, as `coprod validate "
        "--write-back` runs them, on a fresh copy of the workbook each time (the copy is not "
        "timed). *First*: the copy has no marks yet; *nothing new*: it already shows these "
        "findings, so the file is read and left as it is. Each ratio divides by validate "
        "alone, timed just before on the same copy, in the same state of the process (the "
        "untimed marking of a large copy slows the next check, which the validate row, timed "
        "elsewhere, does not see). Memory: the same fresh process as above, running validate "
        "and the first write-back.",
        "- **floors**: opening the same file and reading every cell of every tab, nothing else.",
        "- **frictionless**: `Package.validate()` on the Members and Actions tabs with a Table "
        "Schema for Actions (types, required, Status values, unique Action ID, Owner a foreign "
        "key to Member ID). It reported no errors on these valid workbooks unless shown.",
        "- **digest**: `render_digest` (text, HTML with inlined CSS, the email message) for each "
        "audience of config.example.toml (HBP in easy read, DMT, Senior Head), for the latest "
        "meeting held; validate not included. The target applies to one email (templates "
        "already compiled); the pass row adds loading the settings and compiling the templates "
        "once, as a sending pass does.",
        "- **own checks**: `pipeline.check` alone (the workbook already read: schemas and rule "
        "settings loaded, board built, every rule run, findings sorted), first with the shipped "
        "checks.toml (no check switched on), then with `bench/checks20.toml`: 20 checks of all "
        "five kinds, 16 of them on the Actions tab, 7 with a `when`.",
        "",
        "## Starting up: `coprod validate` as a whole process",
        "",
        startup_table(startup) if startup else "Not measured in this run.",
        "",
        "Each figure is the median of at least five runs of a fresh process, the two taking "
        "turns: `python -m automations validate --config FILE` (the sample board from `coprod "
        "init`, and the 1,000-action workbook with the example config), against a fresh "
        "interpreter that imports python-calamine and reads every cell of the same file. "
        "Bytecode is cached as in an installed package (PYTHONDONTWRITEBYTECODE is left out of "
        "the environment: with it, every run compiles the package's source again). The parsed "
        "settings files are cached as any run after the first finds them (core/filecache.py); "
        "the first run's rows start with none (COPROD_CACHE_DIR empty), taking turns with the "
        "other two.",
        "",
        "## Google Sheets: API calls per run",
        "",
    ]
    if counts:
        parts += [
            google_table(counts),
            "",
            "Counted on the local Sheets API server (tests/sheets_api_server.py) with the real "
            "gspread and google-auth clients; each run also makes one token request, not counted. "
            f"A naive gspread approach: {google_calls.TABS} tab reads, one call per marked cell, "
            "one call for the Validation tab.",
        ]
    else:
        parts.append(f"Not measured: {google_note}.")
    parts += ["", "## Targets", "", *verdicts(results, counts, startup), ""]
    return "\n".join(parts)


def _runs(args: argparse.Namespace) -> str:
    if args.big_repeat is None or args.big_repeat == args.repeat:
        return f"{args.repeat} runs"
    return f"{args.repeat} runs ({args.big_repeat} at 100,000 rows and more)"


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--big-repeat", type=int, default=None,
                        help="runs per timing at 100,000 rows and more (default: --repeat)")
    parser.add_argument("--google-sizes", type=int, nargs="*", default=[10, 1000, 5000])
    parser.add_argument("--skip-google-if-unavailable", action="store_true",
                        help="leave the Google table out if the local Sheets server is missing")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-startup", action="store_true",
                        help="leave out the whole-process timings of `coprod validate`")
    parser.add_argument("--profile", action="store_true",
                        help="also profile validate at the largest size (needs pyinstrument)")
    args = parser.parse_args(argv)
    args.argv = argv
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with_peer = peer.available()
    sizes = sorted(set(args.sizes))
    warm_up(sizes[0], with_peer)
    big = args.repeat if args.big_repeat is None else args.big_repeat
    results = [measure_size(n, big if n >= 100_000 else args.repeat, with_peer) for n in sizes]
    startup = [] if args.no_startup else measure_startup(sizes, args.repeat)
    args.baseline_mb = measure.peak_memory_mb(ensure(sizes[0]), TODAY, run=False)
    google_note = google_calls.available()
    if google_note and not args.skip_google_if_unavailable:
        raise SystemExit(f"Google part: {google_note} (use --skip-google-if-unavailable)")
    counts = [] if google_note else [
        google_calls.count_calls(ensure(n), n, TODAY, NOW) for n in args.google_sizes
    ]
    text = report(args, results, counts, google_note, startup)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    _progress(f"written to {args.output}")
    if args.profile:
        _progress(f"profile written to {profile(sizes[-1])}")
    return 0


def profile(rows: int) -> Path:
    from pyinstrument import Profiler

    path = ensure(rows)
    cfg = measure.config_for(path, TODAY)
    profiler = Profiler(interval=0.001)
    profiler.start()
    measure.run_validate(cfg, TODAY)
    profiler.stop()
    out = path.with_name(f"profile-validate-{rows}.txt")
    out.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
