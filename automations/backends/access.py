"""`coprod check-access`: can the service read and write the board's sheet? One line says."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from automations.core.errors import SourceError

if TYPE_CHECKING:
    from automations.core.config import Config


def check_access(cfg: Config) -> tuple[bool, str]:
    """(can write, a line for people). Raises SourceError when the sheet cannot be read."""
    if cfg.source.kind == "google":
        from automations.backends.google.source import GoogleSheetSource

        return GoogleSheetSource.from_config(cfg).check_access()
    if cfg.source.kind == "microsoft365":
        from automations.backends.microsoft365.source import Microsoft365Source

        can_write, lines = Microsoft365Source.from_config(cfg).check_access()
        return can_write, "\n".join(lines)
    path = cfg.source.path
    assert path is not None
    if not path.exists():
        raise SourceError(f"The workbook {path} does not exist. Check [source] path in the config.")
    if not os.access(path, os.R_OK):
        raise SourceError(f"The workbook {path} cannot be read: permission denied.")
    # Marks are saved beside the workbook and then moved over it, so the folder must be writable.
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return False, f"Can read {path.name} but cannot write to it or to its folder."
    return True, f"Can read and write {path.name}."
