"""The deployment files in deploy/ call commands that exist, with the exit status they use."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from automations.cli import EXIT_LOCKED, cli

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _commands() -> list[list[str]]:
    found = []
    for path in sorted(DEPLOY.iterdir()):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.search(r"(?:ExecStart=|&& )\S*coprod (.+?)(?: >>.*)?$", line)
            if match and not line.lstrip().startswith("#"):
                found.append(shlex.split(match.group(1)))
    return found


def test_every_deployed_command_exists_with_its_options() -> None:
    commands = _commands()
    assert sorted(c[0] for c in commands) == ["run", "run", "serve"]
    for args in commands:
        # --help after the real arguments: click rejects an unknown command or option first.
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


def test_systemd_treats_a_held_lock_as_success_not_a_crash() -> None:
    oneshot = (DEPLOY / "coprod.service").read_text(encoding="utf-8")
    serve = (DEPLOY / "coprod-serve.service").read_text(encoding="utf-8")
    assert f"SuccessExitStatus={EXIT_LOCKED}" in oneshot
    assert f"RestartPreventExitStatus={EXIT_LOCKED}" in serve
    assert "Persistent=true" in (DEPLOY / "coprod.timer").read_text(encoding="utf-8")
