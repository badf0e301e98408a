"""The seal on a workbook the check marked: a run with nothing new knows it from the zip's
directory, without reading a sheet.

When the check writes a workbook, the Validation tab part starts with a comment holding one
hash of three things: what the check was asked to show (the mark plan, apart from the time it
ran), the writer's own code, and the name, size and checksum of every other part of the file as
written. A later run whose plan hashes the same, on a file whose other parts all still have that
size and checksum (read from the zip's central directory: nothing is unpacked), would write
exactly what the file already holds, so it writes nothing. Any program that saves the workbook
(Excel, LibreOffice, openpyxl) rewrites every part and drops the comment, so a file a person
saved never passes on its seal: the full comparison (marks.current_state) decides instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from automations.backends.marks import MarkPlan
from automations.backends.xlsx.digest import plain_bytes
from automations.backends.xlsx.package import Entry, Package, Piece, blocks_of
from automations.core.findings import Severity

SEAL = re.compile(rb"<!--coprod-seal:([0-9a-f]{64})-->")
HEAD = 512  # the seal sits just after the XML declaration and the rows' fingerprint
WRITER = (Path(__file__).parent, Path(__file__).parent.parent / "marks.py")


@cache
def _code() -> bytes:
    """The writer's source: a new version of the check that writes marks differently must
    not take an older version's seal for its own."""
    digest = hashlib.sha256()
    for place in WRITER:
        for file in sorted(place.glob("*.py")) if place.is_dir() else [place]:
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.digest()


def _plan(plan: MarkPlan) -> bytes:
    # Everything the writer is given but the time, which only the tab's stamp row shows. As
    # plain tuples of every field: a dataclass's own pickle or repr is several times slower.
    cells = _fields(type(plan.cells[0]))(plan.cells) if plan.cells else []
    findings = _fields(type(plan.findings[0]))(plan.findings) if plan.findings else []
    return plain_bytes((plan.source, cells, findings, plan.counts, dict(plan.about)))


@cache
def _fields(kind: type) -> Callable[[Iterable[object]], list[tuple[object, ...]]]:
    # A severity by its value, which plain_bytes can write as it is (an enum member it cannot).
    names = [f"{f.name}.value" if f.type in ("Severity", Severity) else f.name
             for f in dataclasses.fields(kind)]
    get = operator.attrgetter(*names)
    return lambda items: [get(item) for item in items]


def _entries(pkg: Package, skip: str) -> Iterable[Entry]:
    """(name, size, CRC-32) of every part of the file as read, but ``skip``."""
    return ((n, i.file_size, i.CRC) for n, i in pkg.infos.items() if n != skip)


def _seal(plan: bytes, entries: Iterable[Entry]) -> str:
    digest = hashlib.sha256(_code())
    digest.update(hashlib.sha256(plan).digest())
    for name, size, crc in sorted(entries):
        digest.update(f"{name}\0{size}\0{crc}\n".encode())
    return digest.hexdigest()


def put_seal(pkg: Package, tab_part: str, plan: MarkPlan) -> None:
    """Seal the package as it will be written: the tab part goes last, its seal made from the
    checksums the writer worked out for every other part as it wrote them."""
    data = b"".join(blocks_of(pkg.changes[tab_part]))  # the tab we just made: held anyway
    at = data.find(b"-->", 0, HEAD) + 3  # after the first comment (the rows' fingerprint)
    if at < 3:
        return
    wanted = _plan(plan)

    def sealed(entries: list[Entry]) -> list[Piece]:
        comment = f"<!--coprod-seal:{_seal(wanted, entries)}-->".encode()
        return [data[:at], comment, memoryview(data)[at:]]

    pkg.seal_last(tab_part, sealed)


def seal_holds(pkg: Package, tab_part: str, plan: MarkPlan) -> bool:
    """Whether the file is exactly as this check would write it for ``plan``."""
    info = pkg.infos.get(tab_part)
    if info is None or pkg.changes or pkg.removed:
        return False
    try:
        with pkg.zip.open(info) as stream:
            found = SEAL.search(stream.read(HEAD))
    except (zipfile.BadZipFile, OSError, zlib.error, EOFError):
        return False  # the full comparison will say what is wrong with the file
    if found is None:
        return False
    return found.group(1).decode() == _seal(_plan(plan), _entries(pkg, tab_part))
