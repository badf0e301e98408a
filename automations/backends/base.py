"""The one small protocol every backend follows: read() -> raw tables; write_marks(plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from automations.model.raw import RawWorkbook

if TYPE_CHECKING:  # a check that writes nothing does not load the marks
    from automations.backends.marks import MarkPlan, WriteResult


class Source(Protocol):
    name: str

    def read(self) -> RawWorkbook: ...

    def write_marks(self, plan: MarkPlan) -> WriteResult: ...
