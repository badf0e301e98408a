"""Backends behind one small protocol: read() -> raw tables; write_marks(plan) -> what changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..config import Config
    from ..marks import MarkPlan, WriteResult


class SourceError(Exception):
    """The workbook could not be read or written; the message says why and what to do."""


@dataclass
class RawTable:
    """One tab as typed values: row 1 is the header, each row keeps its spreadsheet row number."""

    title: str
    header: list[object]
    rows: list[tuple[int, Sequence[object]]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    name: str  # shown to people: a file name or a spreadsheet title
    tables: dict[str, RawTable]  # keyed by the tab's title as it is in the workbook


class Source(Protocol):
    name: str

    def read(self) -> RawWorkbook: ...

    def write_marks(self, plan: MarkPlan) -> WriteResult: ...


def is_blank_row(values: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def open_source(cfg: Config) -> Source:
    if cfg.source.kind == "google":
        from .google import GoogleSheetSource

        return GoogleSheetSource.from_config(cfg)
    from .xlsx import XlsxSource

    assert cfg.source.path is not None
    return XlsxSource(cfg.source.path, cfg)
