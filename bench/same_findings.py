"""Whether a change to the reading path or the board building left every report as it was.

    python bench/same_findings.py save  DIR      # the reports of this tree, as JSON, into DIR
    python bench/same_findings.py check DIR      # this tree's reports against those in DIR

The reports compared: the bench workbooks of 1,000, 10,000 and 100,000 actions (each also with
bench/checks20.toml, the Board's own checks), the sample board of `coprod init`, and each
tracker of the test corpus (tests/corpus/) with the config `coprod adopt` writes for it. Used
when making the check faster (bench/README.md, issue 27): the sorted findings must not change.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import measure  # noqa: E402
from bench.generate import TODAY, ensure  # noqa: E402

SIZES = (1000, 10000, 100000)


def reports(sizes: tuple[int, ...]) -> Iterator[tuple[str, Callable[[], str]]]:
    """(name, a function giving the report as JSON) for every board compared."""
    from automations.pipeline import validate
    from automations.settings import load_settings

    for size in sizes:
        path = ensure(size)
        for label, checks in (("", None), ("-checks20", measure.LOCAL_CHECKS)):
            cfg = measure.config_for(path, TODAY, checks)
            yield f"board-{size}{label}", lambda cfg=cfg: validate(cfg, TODAY).report.dumps()
    sample = measure.sample_folder() / "config.toml"
    yield "sample", lambda: validate(load_settings(sample)).report.dumps()
    yield from _corpus()


def _corpus() -> Iterator[tuple[str, Callable[[], str]]]:
    from automations.pipeline import validate
    from automations.settings import load_settings
    from automations.starter.adopt import adopt
    from tests.corpus import TRACKERS, build, truth
    from tests.corpus.measure import prepared_config

    for name in TRACKERS:
        folder = Path(tempfile.mkdtemp(prefix=f"same-{name}-"))
        adopt(build(name, folder), folder / "adopted")
        config = folder / "adopted" / "config.toml"
        prepared_config(config, truth(name)["today"])
        yield f"corpus-{name}", lambda c=config: validate(load_settings(c)).report.dumps()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("save", "check"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    differ = []
    for name, report in reports(tuple(args.sizes)):
        text = report()
        saved = args.folder / f"{name}.json"
        if args.what == "save":
            saved.write_text(text, encoding="utf-8")
            print(f"saved {saved} ({len(text):,} characters)")
        elif saved.read_text(encoding="utf-8") != text:
            differ.append(name)
            print(f"DIFFERENT: {name}")
        else:
            print(f"same: {name}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
