"""Re-saving a workbook with real LibreOffice (headless), as an officer's copy of Calc would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    assert found, "LibreOffice is needed for this test: .ci/run installs libreoffice-calc"
    return found


def convert(path: Path, to: str, outdir: Path) -> Path:
    """Convert with LibreOffice (which recalculates formulas); returns the new file."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"  # a private profile, so parallel runs never share one
    subprocess.run(
        [soffice(), f"-env:UserInstallation=file://{profile.resolve()}", "--headless",
         "--convert-to", to, "--outdir", str(outdir), str(path)],
        check=True, capture_output=True, timeout=120)
    result = outdir / f"{path.stem}.{to.split(':')[0]}"
    assert result.exists(), f"LibreOffice did not write {result}"
    return result
