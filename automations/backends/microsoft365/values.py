"""Approved answers written into a workbook kept in Microsoft 365 (SharePoint, OneDrive, a
Teams channel's files): the workbook downloaded afresh, the Updates tab read from that copy,
the approved values and the tab written into it by the .xlsx writer (xlsx/values.py, with its
proof), and the copy uploaded with If-Match on the version downloaded, as the marks are
(source.py). A save by someone in between makes the upload fail with 412: nothing of theirs is
overwritten, and the next check reads the new version and writes the answers then."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

from automations.backends.microsoft365.source import Download, Microsoft365Source, _Dropped
from automations.backends.updates import UpdatesPlan, UpdatesResult


class M365Updates:
    """The read and the write of one pass, on one download (its eTag)."""

    def __init__(self, source: Microsoft365Source) -> None:
        self.source = source
        self.held: Download | None = None

    def _download(self) -> Download:
        if self.held is None:
            self.source.read()  # a fresh copy: the marks' upload spent the one before
            self.held, self.source._held = self.source._held, None
        assert self.held is not None
        return self.held

    def read_tab(self) -> list[list[Any]]:
        from automations.backends.xlsx.values import read_updates_tab

        return read_updates_tab(self._download().local)

    def write(self, plan: UpdatesPlan, today: dt.date) -> UpdatesResult:
        from automations.backends.xlsx.values import write_updates

        held, self.held = self._download(), None  # one upload per download
        work = held.local.parent.parent / "answers" / held.local.name
        shutil.rmtree(work.parent, ignore_errors=True)
        work.parent.mkdir()
        shutil.copy2(held.local, work)
        result = write_updates(work, plan, self.source.cfg, today)
        if not result.changed:
            return result
        try:
            with self.source._explained("uploading"):
                self.source._upload(held, work.read_bytes())
        except _Dropped:
            return UpdatesResult(
                stale=True,
                message=f"{held.name} was saved by someone in Microsoft 365 while the answers "
                "were being written, so nothing was uploaded; the next check writes them.",
            )
        result.message = (
            f"Wrote {len(result.applied)} approved answers and the Updates tab into {held.name} "
            "in Microsoft 365 (the previous version is in the file's version history)."
        )
        return result
