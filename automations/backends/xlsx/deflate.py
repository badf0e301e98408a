"""Packing and unpacking the large parts of a workbook, with the quickest deflate to hand.

A large tracker's Actions tab is most of a write-back's time: unpacked to find where its cells
end, unpacked again to be written, packed, and unpacked once more for the after-save proof.
ISA-L (python-isal, Intel's deflate, the same format every zip reader takes) does each of those
two to three times as fast as the standard library's zlib, and at its level 2 packs a sheet a
little smaller than zlib's level 1. Without it (a platform with no wheel) zlib does the work.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

try:
    from isal import isal_zlib as _quick

    QUICK_LEVEL = 2
except ImportError:  # pragma: no cover - every platform this runs on has a wheel today
    _quick = zlib
    QUICK_LEVEL = 1

crc32 = _quick.crc32
RAW = 1 << 20  # compressed bytes read from the file at a time
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # APPNOTE.TXT 4.3.7


def quick_packer() -> Any:
    """A raw deflate compressor (zip's own form: no zlib header) at the quick level."""
    return _quick.compressobj(QUICK_LEVEL, _quick.DEFLATED, -15)


def unpacked(zf: zipfile.ZipFile, info: zipfile.ZipInfo, block: int,
             limit: int | None = None) -> Iterator[bytes]:
    """A part's bytes in blocks of at most ``block``, the first ``limit`` of them (None: all,
    and then its size and CRC-32 are checked against the zip's directory, as zipfile does).
    Read through a handle of its own, so it never disturbs another stream on the same file."""
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or not zf.filename:
        yield from _through_zipfile(zf, info, block, limit)
        return
    inflater = _quick.decompressobj(-15)
    crc, size = 0, 0
    for data in _inflated(zf.filename, info, inflater, block):
        if limit is not None:
            data = data[: limit - size]
        size += len(data)
        if limit is None:
            crc = crc32(data, crc)
        if data:
            yield data
        if limit is not None and size >= limit:
            return
    if limit is not None or size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"{info.filename} is damaged: it does not unpack to the "
                                 "size and checksum the zip says")


def _inflated(path: str, info: zipfile.ZipInfo, inflater: Any, block: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        fields = LOCAL_HEADER.unpack(fh.read(LOCAL_HEADER.size))
        fh.seek(info.header_offset + LOCAL_HEADER.size + fields[9] + fields[10])
        left = info.compress_size
        while left > 0 and not inflater.eof:
            chunk = fh.read(min(RAW, left))
            if not chunk:
                break
            left -= len(chunk)
            yield from _cut(inflater.decompress(chunk, block), block)
            while inflater.unconsumed_tail and not inflater.eof:
                yield from _cut(inflater.decompress(inflater.unconsumed_tail, block), block)
        yield from _cut(inflater.flush(), block)


def _cut(data: bytes, block: int) -> Iterator[bytes]:
    # ISA-L may hand back more than max_length asked for (it keeps no unconsumed tail).
    if len(data) <= block:
        yield data
        return
    view = memoryview(data)
    for at in range(0, len(data), block):
        yield bytes(view[at : at + block])


def _through_zipfile(zf: zipfile.ZipFile, info: zipfile.ZipInfo, block: int,
                     limit: int | None) -> Iterator[bytes]:
    left = info.file_size if limit is None else limit
    with zf.open(info) as stream:  # reading to the end also checks the stored checksum
        while left > 0 and (data := stream.read(min(block, left))):
            left -= len(data)
            yield data
        if limit is None:
            stream.read()
    if left > 0:
        raise zipfile.BadZipFile(f"{info.filename} ends early")
