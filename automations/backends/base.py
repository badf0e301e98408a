"""The one small protocol every backend follows: read() -> raw tables; write_marks(plan)."""

from __future__ import annotations

from typing import Protocol

from automations.backends.marks import MarkPlan, WriteResult
from automations.model.raw import RawWorkbook


class Source(Protocol):
    name: str

    def read(self) -> RawWorkbook: ...

    def write_marks(self, plan: MarkPlan) -> WriteResult: ...
