"""[rules] in config.toml: turn a rule off or change its severity, built-in and local rules
alike, and say where the officers' own checks are (default: checks.toml in [paths] schema_dir).

    [rules]
    checks_file = "checks.toml"            # relative to config.toml
    "tor.actions.stale" = "off"
    "tor.members.one_per_org" = "error"

The pipeline builds these settings on every pass (as it reads the schemas), and the settings
load builds them once up front, so a mistake is refused before any work is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from pathlib import Path

from automations.core.config import Config
from automations.core.errors import ConfigError
from automations.core.filecache import parsed, read_checks_file
from automations.core.findings import Finding, Severity
from automations.core.paths import readable_folder
from automations.core.records import record
from automations.core.text import close_matches
from automations.model.schema import TableSchema, load_schemas
from automations.rules import Rule, catalogue

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from typing import Any

CHECKS_FILE = "checks.toml"
OFF = "off"
CHOICES = (*(s.value for s in Severity), OFF)
# These say why a whole tab or column went unchecked; without them that would pass in silence.
ALWAYS_ON = ("schema.missing_tab", "schema.missing_column")


@record(frozen=True)
class RuleSettings:
    """[rules] as checked: rules switched off, severities changed and the officers' own checks."""

    local: tuple[Rule, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    off: frozenset[str] = frozenset()
    checks_file: Path | None = None  # the file the local checks came from, if any

    def listing(self) -> list[tuple[Rule, str]]:
        """Every rule (built-in, then local) with its severity as configured, or "off"."""
        out = []
        for r in [*catalogue(), *self.local]:
            state = OFF if r.id in self.off else self.severity.get(r.id, r.severity).value
            out.append((r, state))
        return out

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """Drop the findings of rules turned off; give the others their configured severity
        (every finding of a rule takes it, even one the rule itself made more or less severe)."""
        out = []
        for f in findings:
            if f.rule in self.off:
                continue
            wanted = self.severity.get(f.rule)
            out.append(replace(f, severity=wanted) if wanted and wanted != f.severity else f)
        return out


def rule_settings(cfg: Config, schemas: dict[str, TableSchema] | None = None) -> RuleSettings:
    """[rules] checked against every rule there is, the local checks loaded; or ConfigError."""
    section = cfg.section("rules")
    explicit = section.path("checks_file")
    path = explicit or readable_folder(cfg.schema_dir, "[paths] schema_dir") / CHECKS_FILE
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"rules.checks_file: there is no checks file at {explicit}")
    local = _local_rules(path, cfg, schemas) if path.is_file() else ()
    known = {r.id: r for r in [*catalogue(), *local]}
    severity: dict[str, Severity] = {}
    off: set[str] = set()
    for rule_id, value in _flatten({k: v for k, v in section.data.items() if k != "checks_file"}):
        _known(rule_id, known, path if local else None)
        if value == OFF and rule_id in ALWAYS_ON:
            raise ConfigError(
                f'[rules] "{rule_id}": cannot be turned off, as it is what tells you a tab or '
                "column was not checked at all; you may change its severity"
            )
        if value not in CHOICES:
            choices = ", ".join(f'"{c}"' for c in CHOICES)
            raise ConfigError(f'[rules] "{rule_id}": must be one of {choices}, got {value!r}')
        if value == OFF:
            off.add(rule_id)
        else:
            severity[rule_id] = Severity(value)
    return RuleSettings(local, severity, frozenset(off), path if local else None)


def _local_rules(
    path: Path, cfg: Config, schemas: dict[str, TableSchema] | None
) -> tuple[Rule, ...]:
    """The officers' own checks as rules. Their loader is imported only when the file holds
    something: the shipped file, every check commented out, needs none (issue 27)."""
    if not parsed(path, read_checks_file):
        return ()
    from automations.model.checks import load_checks
    from automations.rules.local import as_rule

    return tuple(as_rule(c) for c in load_checks(path, schemas or load_schemas(cfg.schema_dir)))


def _flatten(data: dict[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    # An id written without quotes (tor.actions.stale = "off") is nested tables to TOML.
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _known(rule_id: str, known: dict[str, Rule], checks: Path | None) -> None:
    if rule_id in known:
        return
    close = close_matches(rule_id, sorted(known), cutoff=0.6)
    hint = f' Did you mean "{close[0]}"?' if close else ""
    where = f" (nor in {checks})" if checks else ""
    raise ConfigError(
        f'[rules] "{rule_id}": there is no rule with this id{where}.{hint} '
        "`coprod rules` lists every id; checks_file is the only other setting here."
    )
