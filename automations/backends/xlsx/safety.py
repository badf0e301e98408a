"""Writing an .xlsx without losing anything: lock files, parts openpyxl would drop, backups and
an atomic replace. Used by xlsx_marks; knows nothing about findings."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from automations.core.errors import SourceError
from automations.core.log import get

if TYPE_CHECKING:
    from openpyxl import Workbook

    from automations.core.config import Config

REPORT_HINT = (
    "To see the marks without changing the workbook, write a marked copy instead: "
    "coprod validate --report FILE.xlsx"
)

# Zip parts that openpyxl does not carry through a save, with what a person would call them.
RISKY_PARTS: tuple[tuple[str, str], ...] = (
    (r"xl/charts/", "charts"),
    (r"xl/chartsheets/", "chart sheets"),
    (r"xl/media/", "pictures"),
    (r"xl/pivotTables/", "pivot tables"),
    (r"xl/pivotCache/", "pivot tables"),
    (r"xl/slicers/", "slicers"),
    (r"xl/slicerCaches/", "slicers"),
    (r"xl/timelines/", "timelines"),
    (r"xl/embeddings/", "embedded objects"),
    (r"xl/ctrlProps/", "form controls (buttons, tick boxes)"),
    (r"xl/threadedComments/", "threaded comments (replies)"),
    (r"xl/richData/", "pictures in cells"),
)
# Shapes and text boxes live in DrawingML parts; an empty drawing part holds nothing to lose.
DRAWING_PART = re.compile(r"xl/drawings/drawing\d+\.xml$")
DRAWING_ANCHOR = re.compile(rb"<(?:\w+:)?(?:twoCellAnchor|oneCellAnchor|absoluteAnchor)\b")
# Legacy (VML) drawings hold notes, which openpyxl keeps, and old form controls, which it drops.
VML_PART = re.compile(r"xl/drawings/\w+\.vml$")
VML_NON_NOTE = re.compile(rb'ObjectType="(?!Note")')
# Parts of a sheet that openpyxl reads only partly (Excel 2010 extensions).
SHEET_PART = re.compile(r"xl/worksheets/sheet\d+\.xml$")
SHEET_EXTENSIONS = (
    (b"x14:dataValidation", "drop-down lists that refer to another tab (Excel 2010 style)"),
    (b"x14:conditionalFormatting", "data bars or icon sets (Excel 2010 style)"),
    (b"x14:sparklineGroup", "sparklines"),
)

log = get("xlsx")


@dataclass(frozen=True)
class WriteSettings:
    backups: int = 5
    backup_dir: Path | None = None  # None: a "backups" folder beside the workbook
    keep_vba: bool = False

    @classmethod
    def from_config(cls, cfg: Config | None) -> WriteSettings:
        if cfg is None:
            return cls()
        section = cfg.section("marks")
        section.reject_unknown({"backups", "backup_dir", "keep_vba"})
        return cls(
            backups=section.integer("backups", cls.backups, minimum=1, maximum=1000),
            backup_dir=section.path("backup_dir"),
            keep_vba=section.flag("keep_vba", cls.keep_vba),
        )

    def folder_for(self, path: Path) -> Path:
        return self.backup_dir or path.parent / "backups"


def lock_files(path: Path) -> list[Path]:
    """Owner files that Excel (~$NAME) and LibreOffice (.~lock.NAME#) keep while a file is open.
    Excel shortens the name for long file names, so both spellings are checked."""
    names = {f".~lock.{path.name}#", f"~${path.name}", f"~${path.name[2:]}"}
    return [path.parent / n for n in sorted(names) if (path.parent / n).exists()]


def refuse_if_open(path: Path) -> None:
    locks = lock_files(path)
    if locks:
        raise SourceError(
            f"{path.name} is open in Excel or LibreOffice (lock file {locks[0].name}), so it was "
            "not changed. Close it everywhere and run again. If nobody has it open, the lock "
            f"file was left behind by a program that closed unexpectedly: delete it. {REPORT_HINT}"
        )


def parts_at_risk(path: Path, keep_vba: bool) -> list[str]:
    """What a save through openpyxl would lose, in words; empty when nothing is at risk."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            found = [w for prefix, w in RISKY_PARTS if any(n.startswith(prefix) for n in names)]
            for name in names:
                found += _inside_part(zf, name)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path.name} is not a readable .xlsx file: {exc}") from None
    if "xl/vbaProject.bin" in names and not (keep_vba and path.suffix.lower() == ".xlsm"):
        found.append("macros")
    return list(dict.fromkeys(found))


def _inside_part(zf: zipfile.ZipFile, name: str) -> list[str]:
    if DRAWING_PART.match(name) and DRAWING_ANCHOR.search(zf.read(name)):
        return ["pictures, shapes or text boxes"]
    if VML_PART.match(name) and VML_NON_NOTE.search(zf.read(name)):
        return ["form controls (buttons, tick boxes)"]
    if SHEET_PART.match(name):
        data = zf.read(name)
        return [what for tag, what in SHEET_EXTENSIONS if tag in data]
    return []


def refuse_if_at_risk(path: Path, keep_vba: bool) -> None:
    risky = parts_at_risk(path, keep_vba)
    if risky:
        raise SourceError(
            f"{path.name} holds {', '.join(risky)}, which would be lost if the check saved it, "
            f"so it was not changed. {REPORT_HINT}"
        )


@dataclass(frozen=True)
class FileStamp:
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns)


def real_target(path: Path) -> Path:
    """The file the marks must land in: through a symbolic link (a shared drive mounted
    elsewhere, a synced folder) to the real workbook, so the link stays a link. A workbook
    its owner made read-only is refused, never replaced."""
    target = path.resolve()
    if target.exists() and not os.access(target, os.W_OK):
        raise SourceError(
            f"{path.name} is read-only, so it was not changed: make it writable (or ask its "
            f"owner to), or use --report FILE.xlsx for a marked copy."
        )
    return target


def keep_owner(original: Path, replacement: Path) -> None:
    """Give ``replacement`` the original's mode, and its owner and group where the service
    may set them (a workbook shared through a group stays shared)."""
    st = original.stat()
    shutil.copymode(original, replacement)  # mkstemp makes the file private
    try:
        os.chown(replacement, st.st_uid, st.st_gid)
    except PermissionError:
        log.warning(
            "%s: could not keep its owner and group (uid %s, gid %s); the marked file belongs "
            "to the service's user",
            original.name,
            st.st_uid,
            st.st_gid,
        )


def save_verified(wb: Workbook, target: Path, verify: Callable[[Path], None]) -> None:
    """Save to a temporary file beside ``target``, run ``verify`` on it, then rename it over
    ``target`` in one step. On any failure the temporary file goes and ``target`` is untouched."""
    target = real_target(target)
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
        os.close(fd)
        tmp = Path(name)
        wb.save(tmp)
        if target.exists():
            keep_owner(target, tmp)
        verify(tmp)
        os.replace(tmp, target)
    except OSError as exc:  # permission denied, a full disk, a read-only folder
        raise SourceError(
            f"{target.name} could not be written in {target.parent} ({exc.strerror}), so it "
            "was not changed."
        ) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def backup(path: Path, settings: WriteSettings, now: dt.datetime) -> Path:
    """Copy ``path`` into the backup folder and keep only the newest ``settings.backups``."""
    folder = settings.folder_for(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(folder, path, now)
        shutil.copy2(path, target)
    except OSError as exc:
        raise SourceError(
            f"Could not keep a backup of {path.name} in {folder} ({exc.strerror}), so the "
            "workbook was not changed. Set [marks] backup_dir to a folder that can be written."
        ) from None
    for old in backups_of(path, settings)[settings.backups :]:
        old.unlink(missing_ok=True)
    return target


def backups_of(path: Path, settings: WriteSettings) -> list[Path]:
    """This workbook's backups, newest first (the names sort by time)."""
    folder = settings.folder_for(path)
    pattern = re.compile(
        re.escape(path.stem) + r"\.backup-([\d-]+T[\d-]{8})(?:-(\d+))?" + re.escape(path.suffix)
    )
    if not folder.is_dir():
        return []
    found = [(m, p) for p in folder.iterdir() if (m := pattern.fullmatch(p.name))]
    found.sort(key=lambda mp: (mp[0][1], int(mp[0][2] or 0)), reverse=True)
    return [p for _, p in found]


def _free_name(folder: Path, path: Path, now: dt.datetime) -> Path:
    base = f"{path.stem}.backup-{now:%Y-%m-%dT%H-%M-%S}"
    candidate = folder / f"{base}{path.suffix}"
    n = 1
    while candidate.exists():
        candidate = folder / f"{base}-{n}{path.suffix}"
        n += 1
    return candidate
