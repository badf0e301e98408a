"""A board kept in more than one workbook ([source.tabs.<Tab>] path or url), or whose tabs need
naming (tab) or a header row set by hand (header_row).

Each workbook is read once and marked once, with only its own findings: its cells, notes and
its own Validation tab. Nothing of one workbook is written into another (the members list is
often kept apart because it holds personal data).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import field, replace

from automations.core.config import TabSource
from automations.core.errors import ConfigError
from automations.core.findings import Finding
from automations.core.records import record
from automations.model.raw import RawWorkbook, the_checks_own

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:  # a check that writes nothing does not load the marks
    from automations.backends.base import Source
    from automations.backends.marks import MarkPlan, WriteResult

MAIN = ""  # the id of the workbook named in [source]


@record
class Part:
    """One workbook of a board kept in several, and the tabs it keeps."""

    id: str  # MAIN, or "workbook 2", ...: RawTable.workbook of its tabs
    source: Source
    tabs: list[str] = field(default_factory=list)  # canonical tabs kept here (none for MAIN)


class BoardSource:
    """Several sources read and marked as one board."""

    def __init__(self, parts: list[Part], settings: dict[str, TabSource]) -> None:
        self.parts, self.settings = parts, settings
        self.name = parts[0].source.name
        self._homes: dict[str, str] = {}

    def read(self) -> RawWorkbook:
        merged = RawWorkbook(name="", tables={})
        for part in self.parts:
            raw = part.source.read()
            for title, table in raw.tables.items():
                key = title if part.id == MAIN else f"{part.id}: {title}"
                merged.tables[key] = replace(table, workbook=part.id)
            for tab in part.tabs:
                merged.homes[tab] = part.id
                _choose(merged, raw, part, tab, self.settings[tab])
            if part.id == MAIN:
                merged.name = raw.name
                for tab, setting in self.settings.items():
                    if tab not in merged.homes:
                        _choose(merged, raw, part, tab, setting)
        merged.header_rows = {t: s.header_row for t, s in self.settings.items() if s.header_row}
        self.name, self._homes = merged.name, dict(merged.homes)
        return merged

    def owner(self, finding: Finding) -> str:
        return self._homes.get(finding.tab or "", MAIN)

    def plan_for(self, plan: MarkPlan, part: Part) -> MarkPlan:
        from automations.backends.marks import plan_for

        return plan_for(plan, part.source.name, lambda f: self.owner(f) == part.id)

    def write_marks(self, plan: MarkPlan) -> WriteResult:
        from automations.backends.marks import WriteResult

        results = [p.source.write_marks(self.plan_for(plan, p)) for p in self.parts]
        return WriteResult(
            changed=any(r.changed for r in results),
            cells_marked=sum(r.cells_marked for r in results),
            cells_cleared=sum(r.cells_cleared for r in results),
            backup=results[0].backup,
            report=results[0].report,
            message="\n".join(r.message for r in results if r.message),
        )


def home_of(board: BoardSource, tab: str) -> Source:
    """The source that keeps ``tab``: the workbook its [source.tabs] settings name, or the
    main one."""
    return next((p.source for p in board.parts if tab in p.tabs), board.parts[0].source)


def _choose(merged: RawWorkbook, raw: RawWorkbook, part: Part, tab: str, s: TabSource) -> None:
    """Which tab of ``raw`` holds ``tab``: the one named by ``tab =``; in a workbook of its own
    with a single tab, that one; otherwise the board looks it up by its name and aliases."""
    key = (lambda title: title) if part.id == MAIN else (lambda title: f"{part.id}: {title}")
    titles = [t for t, table in raw.tables.items() if not the_checks_own(table)]
    for name in s.tabs:  # same-shaped tabs read together as one list
        if name not in raw.tables:
            found = ", ".join(repr(t) for t in titles) or "none"
            raise ConfigError(
                f"source.tabs.{tab}.tabs: {raw.name} has no tab called {name!r} (tabs found: "
                f"{found}). Give each tab's name exactly as it is shown in the workbook."
            )
    if s.tabs:
        merged.together[tab] = [key(name) for name in s.tabs]
        if s.tab is None:
            merged.chosen[tab] = key(s.tabs[0])
    if s.tab is not None:
        if s.tab not in raw.tables:
            found = ", ".join(repr(t) for t in titles) or "none"
            raise ConfigError(
                f"source.tabs.{tab}.tab: {raw.name} has no tab called {s.tab!r} (tabs found: "
                f"{found}). Give the tab's name exactly as it is shown in the workbook."
            )
        merged.chosen[tab] = key(s.tab)
    elif part.id != MAIN and len(titles) == 1:
        merged.chosen[tab] = key(titles[0])


def board_source(
    settings: dict[str, TabSource],
    main: Source,
    main_place: str,
    place: Callable[[str, TabSource], str | None],
    make: Callable[[str], Source],
) -> Source:
    """``main`` alone when no tab has settings; else the board across its workbooks.
    ``place(tab, setting)``: where a tab's own workbook is (None: in the main one), in the
    same terms as ``main_place``; ``make(place)`` opens it. Each workbook is opened once."""
    if not settings:
        return main
    by_place: dict[str, list[str]] = defaultdict(list)
    for tab, s in settings.items():
        where = place(tab, s)
        if where is not None and where != main_place:
            by_place[where].append(tab)
    parts = [Part(MAIN, main)]
    for n, (where, tabs) in enumerate(by_place.items(), start=2):
        parts.append(Part(f"workbook {n}", make(where), tabs))
    return BoardSource(parts, settings)
