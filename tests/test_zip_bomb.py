"""A zip bomb as the workbook (a small file whose sheet unpacks to gigabytes, as a shared drive
may hold) is refused from the zip's directory before anything is unpacked: a clear message and
exit 2, not all the memory and a crash (issue 27). The bomb here is small and cheap to make
(20 MB of spaces packed into about 20 KB); the limits are the ones a real bomb meets."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.builders import TODAY, tables, write_workbook

CONFIG = f'today = {TODAY.isoformat()}\n[source]\nkind = "xlsx"\npath = "board.xlsx"\n'
PADDING = 20_000_000  # bytes of spaces after a sheet's XML (still well-formed)


def validate(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "automations", "validate", "--config", str(folder / "config.toml")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def with_padded_sheet(source: Path, target: Path) -> str:
    """A copy of ``source`` whose first sheet ends in PADDING spaces; the part's name."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        sheet = next(n for n in zin.namelist() if n.startswith("xl/worksheets/sheet"))
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == sheet:
                data += b" " * PADDING
            zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return sheet


def board(folder: Path, config: str = CONFIG) -> Path:
    folder.mkdir()
    (folder / "config.toml").write_text(config)
    return write_workbook(folder / "board.xlsx", tables())


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    plain = board(tmp_path / "plain")
    assert validate(tmp_path / "plain").returncode in (0, 1)  # the same board, unpadded, is read
    bomb_folder = tmp_path / "bomb"
    bomb_folder.mkdir()
    (bomb_folder / "config.toml").write_text(CONFIG)
    part = with_padded_sheet(plain, bomb_folder / "board.xlsx")
    packed = (bomb_folder / "board.xlsx").stat().st_size
    assert packed < PADDING / 100  # it really is a bomb: it unpacks more than 100 times
    done = validate(bomb_folder)
    assert done.returncode == 2, done.stderr
    assert f"its part {part} would unpack to" in done.stderr
    assert "zip bomb" in done.stderr and "min_compression_ratio" in done.stderr
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr


def test_the_largest_part_is_settable(tmp_path: Path) -> None:
    # The sample's sheets unpack to a few kilobytes each: allow 1 kB and they are refused.
    board(tmp_path / "b", CONFIG + "[limits]\nmax_part_megabytes = 0.001\n")
    done = validate(tmp_path / "b")
    assert done.returncode == 2, done.stderr
    assert "more than the 0.001 MB a part may unpack to" in done.stderr


def test_a_limit_that_is_not_a_number_names_the_key(tmp_path: Path) -> None:
    board(tmp_path / "b", CONFIG + '[limits]\nmin_compression_ratio = "low"\n')
    done = validate(tmp_path / "b")
    assert done.returncode == 2 and "limits.min_compression_ratio" in done.stderr, done.stderr
