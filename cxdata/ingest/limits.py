"""What a file may cost the reader, and the cheap checks made before a file is opened (issue 13).

A small upload can claim a huge amount of memory once opened: a gzip stream that inflates a
thousandfold, a workbook zip whose parts inflate to gigabytes, or a sheet whose declared range
(``<dimension ref="A1:XFD1048576"/>``) makes the workbook reader allocate every cell of it —
16,384 columns × 1,048,576 rows × 32 bytes = 512 GiB for one filled cell. The limits below are
checked before the expensive step, each with one sentence that says what the file claims and
what to do; :mod:`cxdata.ingest.isolate` runs the reader in a worker process with the same
memory and time limits as a last line of defence.

Every limit is read from the environment at call time, so an administrator (or a test) can
change it without a restart:

=============================  ======================  =========================================
variable                       default                 limit
=============================  ======================  =========================================
``MOMENTO_PARSE_MEMORY_MB``    4096                    memory of the reader's worker process
``MOMENTO_PARSE_SECONDS``      300                     wall-clock time of one read
``MOMENTO_MAX_INFLATED_MB``    10 × the upload limit   a file's size once uncompressed
``MOMENTO_MAX_COLUMNS``        2000                    columns of a table
=============================  ======================  =========================================
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass

from cxdata.ingest.errors import UnusableFile

DEFAULT_MEMORY_MB = 4096
DEFAULT_SECONDS = 300.0
DEFAULT_COLUMNS = 2000
INFLATION = 10  # the inflated-size limit's default, as a multiple of the upload limit
# Memory the reader needs per cell of a sheet's range: calamine holds every cell of the range, filled
# or not, as a 32-byte value, and the frame of strings built from it takes about 16 bytes more.
CELL_BYTES = 48
_CHUNK = 1 << 20  # bytes inflated at a time
_DIMENSION_WINDOW = 1 << 16  # the dimension element comes before the rows: the first 64 KiB of the sheet XML
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=[\"']([^\"']+)[\"']")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def _env_number(name: str, default: float) -> float:
    """A positive number from ``$name``; ``default`` when it is unset, unreadable or not positive."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def megabytes(nbytes: int) -> str:
    """A size for a sentence, written as the upload limit's is (:func:`cxdata.ingest.pipeline.megabytes`)."""
    from cxdata.ingest.pipeline import megabytes as written  # the pipeline imports the reader, which imports this

    return written(nbytes)


@dataclass(frozen=True)
class Limits:
    """What reading one file may cost."""

    memory_bytes: int  # address space of the reader's worker process
    seconds: float  # wall-clock time of one read
    inflated_bytes: int  # a file's size once uncompressed (gzip stream, or every part of a workbook zip)
    columns: int  # columns of a table

    @classmethod
    def from_env(cls, upload_bytes: int | None = None) -> Limits:
        """The limits of the environment; the inflated-size default is ``INFLATION`` × ``upload_bytes``
        (the product's upload limit, ``MOMENTO_MAX_UPLOAD_MB``, when not given)."""
        if upload_bytes is None:
            from cxdata.ingest.pipeline import max_upload_bytes  # the pipeline imports the reader, which imports this

            upload_bytes = max_upload_bytes()
        inflated_mb = _env_number("MOMENTO_MAX_INFLATED_MB", INFLATION * upload_bytes / 2**20)
        return cls(
            memory_bytes=round(_env_number("MOMENTO_PARSE_MEMORY_MB", DEFAULT_MEMORY_MB) * 2**20),
            seconds=_env_number("MOMENTO_PARSE_SECONDS", DEFAULT_SECONDS),
            inflated_bytes=round(inflated_mb * 2**20),
            columns=int(_env_number("MOMENTO_MAX_COLUMNS", DEFAULT_COLUMNS)),
        )

    @property
    def cells(self) -> int:
        """The most cells a sheet's range may span: the reader's memory ÷ ``CELL_BYTES``."""
        return self.memory_bytes // CELL_BYTES


def too_big_inflated(filename: str, limits: Limits) -> UnusableFile:
    return UnusableFile(
        f"'{filename}' could not be read: this file would take more than {megabytes(limits.inflated_bytes)} once "
        "uncompressed (MOMENTO_MAX_INFLATED_MB), which no real export needs; unpack it and check what it holds, "
        "or split the export by period."
    )


def gunzip(data: bytes, filename: str, limits: Limits) -> bytes:
    """Inflate a gzip file once its inflated size is known to be within ``limits.inflated_bytes``.

    The size is measured first by inflating every member a megabyte at a time and keeping
    nothing, stopping as soon as it passes the limit: a bomb costs a megabyte of memory and the
    time to inflate the limit, never its claimed size. A damaged archive gets its own sentence.
    """
    rest, size = data, 0
    try:
        while rest:
            stream = zlib.decompressobj(wbits=31)
            while rest and not stream.eof:
                size += len(stream.decompress(rest, _CHUNK))
                rest = stream.unconsumed_tail
                if size > limits.inflated_bytes:
                    raise too_big_inflated(filename, limits)
            rest = stream.unused_data.lstrip(b"\x00") if stream.eof else b""  # the next member, after any padding
        return gzip.decompress(data)
    except (zlib.error, OSError, EOFError) as exc:
        raise UnusableFile(f"'{filename}' is a damaged gzip archive ({exc}); compress it again.") from None


def check_workbook_zip(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse a workbook zip before the workbook reader opens it, from its directory and the head of
    each sheet: when its parts declare more than ``limits.inflated_bytes`` once uncompressed, or when a
    sheet declares a range of more cells than the reader's memory can hold (``limits.cells``).

    A declared range of more cells than its sheet's XML has bytes (each filled cell takes a dozen
    bytes or more) is mostly empty: the workbook claims more cells than it holds, the mark of a
    hostile or broken file rather than of a big table. A damaged zip is left to the reader's own sentence.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if sum(p.file_size for p in parts) > limits.inflated_bytes:
                raise too_big_inflated(filename, limits)
            for part in parts:
                if _SHEET_PART.match(part.filename):
                    with archive.open(part) as stream:
                        head = stream.read(_DIMENSION_WINDOW)
                    _check_dimension(head, part.file_size, filename, limits)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError):
        return


def _check_dimension(head: bytes, xml_bytes: int, filename: str, limits: Limits) -> None:
    found = _DIMENSION.search(head)
    if found is None:
        return
    ref = found.group(1).decode("ascii", "replace")
    cells = range_cells(ref)
    if cells is None or cells <= limits.cells:
        return
    if cells > xml_bytes:
        raise UnusableFile(
            f"'{filename}' could not be read: this workbook claims more cells than it holds (a sheet declares the "
            f"range {ref}, {cells:,} cells, in {xml_bytes:,} bytes of sheet data), so reading it would take "
            f"{megabytes(cells * CELL_BYTES)} of memory; copy the table into a new workbook and save that, "
            "or export it as CSV."
        )
    raise UnusableFile(
        f"'{filename}' could not be read: a sheet spans the range {ref}, {cells:,} cells, more than the "
        f"{limits.cells:,} the reader's {megabytes(limits.memory_bytes)} of memory can hold (MOMENTO_PARSE_MEMORY_MB); "
        "export the table as CSV, or split it by period."
    )


def range_cells(ref: str) -> int | None:
    """Cells in a range such as ``A1:XFD1048576`` (rows × columns; 1 for a single cell); None when unreadable."""
    parts = ref.split(":")
    corners = [c for part in parts if (c := _CELL.match(part.strip())) is not None]
    if not 1 <= len(parts) <= 2 or len(corners) < len(parts):
        return None
    rows = [int(c.group(2)) for c in corners]
    columns = [_column_number(c.group(1)) for c in corners]
    return (abs(rows[-1] - rows[0]) + 1) * (abs(columns[-1] - columns[0]) + 1)


def _column_number(letters: str) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27, ``XFD`` → 16,384."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def check_columns(width: int, filename: str, limits: Limits) -> None:
    """Refuse a table wider than ``limits.columns`` before its columns are split and read."""
    if width > limits.columns:
        raise UnusableFile(
            f"'{filename}' has {width:,} columns, more than the {limits.columns:,} the importer reads "
            "(MOMENTO_MAX_COLUMNS): export only the columns you need, or split the file into tables of fewer columns."
        )
