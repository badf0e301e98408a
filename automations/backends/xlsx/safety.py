"""Writing an .xlsx without losing anything: lock files, read-only files, backups and an atomic
replace. Used by xlsx/marks.py; knows nothing about findings."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from automations.core.errors import SourceError
from automations.core.records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from automations.core.config import Config

REPORT_HINT = (
    "To see the marks without changing the workbook, write a marked copy instead: "
    "coprod validate --report FILE.xlsx"
)


@record(frozen=True)
class WriteSettings:
    """[marks]: how many backups to keep, and where."""

    backups: int = 5
    backup_dir: Path | None = None  # None: a "backups" folder beside the workbook

    @classmethod
    def from_config(cls, cfg: Config | None) -> WriteSettings:
        if cfg is None:
            return cls()
        section = cfg.section("marks")
        # keep_vba is still accepted: macros are now always kept, so it has nothing to say.
        section.reject_unknown({"backups", "backup_dir", "keep_vba"})
        section.flag("keep_vba", False)
        return cls(
            backups=section.integer("backups", cls.backups, minimum=1, maximum=1000),
            backup_dir=section.path("backup_dir"),
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


def refuse_if_read_only(path: Path) -> None:
    """A workbook nobody may write stays as it is, even for root (who could write it anyway)."""
    if not path.stat().st_mode & 0o222 or not os.access(path, os.W_OK):
        raise SourceError(f"{path.name} is read-only: make it writable or use --report FILE.xlsx.")


def real_file(path: Path) -> Path:
    """The file a symbolic link points at: marks are written there, and the link stays a link."""
    return path.resolve() if path.is_symlink() else path


@record(frozen=True)
class FileStamp:
    """A file's size and modification time, to see whether it changed since it was read."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns)


def save_verified(
    write: Callable[[Path], None], target: Path, verify: Callable[[Path], None]
) -> None:
    """``write`` a temporary file beside ``target``, run ``verify`` on it, then rename it over
    ``target`` in one step. On any failure the temporary file goes and ``target`` is untouched.
    The new file keeps the old one's mode, and its owner and group where allowed."""
    import tempfile  # only when writing: a check starts without it

    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
        os.close(fd)
        tmp = Path(name)
        write(tmp)
        if target.exists():
            _keep_owner_and_mode(target, tmp)
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


def _keep_owner_and_mode(original: Path, new: Path) -> None:
    st = original.stat()
    shutil.copymode(original, new)  # mkstemp makes the file private; keep the original's
    try:
        os.chown(new, st.st_uid, st.st_gid)
    except OSError:  # only root may give a file away; the group is kept when we belong to it
        with contextlib.suppress(OSError):
            os.chown(new, -1, st.st_gid)
    shutil.copymode(original, new)  # chown may clear set-group-id bits


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
