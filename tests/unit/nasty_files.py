"""Hostile files for the importer tests, and the checks every import must pass.

Every file is made in code, byte by byte, so a test shows exactly what the analyst's export held:
``csv_bytes`` joins rows as they are (no quoting is added: write the quotes you want in the
cell text), ``xlsx_bytes`` builds a workbook with openpyxl, ``raw_xlsx`` writes a workbook's zip
and XML by hand (what no spreadsheet program writes: a cell at XFD1048576, a sheet part that
inflates to gigabytes). ``import_ok`` / ``import_fails`` run the real path
(:func:`cxdata.ingest.import_file` into a real :class:`~cxdata.catalog.store.Store`).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, select

from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.catalog.tables import ColumnMapping
from cxdata.ingest import ImportResult, UnusableFile, import_file
from cxdata.ingest.report import ValidationReport

Row = Sequence[object]


def csv_text(rows: Sequence[Row], sep: str = ",", newline: str = "\n") -> str:
    """Rows joined with ``sep`` and ``newline``, cells written as they are (``None`` → empty)."""
    return "".join(sep.join("" if c is None else str(c) for c in row) + newline for row in rows)


def csv_bytes(
    rows: Sequence[Row], sep: str = ",", encoding: str = "utf-8", bom: bool = False, newline: str = "\n"
) -> bytes:
    """A CSV file as a given export tool would write it: separator, encoding, BOM and line ending."""
    data = csv_text(rows, sep, newline).encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def xlsx_bytes(sheets: dict[str, Sequence[Row]], edit: Callable[[openpyxl.Workbook], None] | None = None,
               *, formulas: bool = False) -> bytes:
    """A workbook with one sheet per entry (in order); ``edit`` may merge cells or restyle before saving.

    Strings starting with ``=`` are stored as text, not as formulas, as a CRM export does when a
    customer typed one into a comment; with ``formulas=True`` they are formulas, saved as openpyxl
    saves them: without a calculated value (as a workbook built by a script and never opened in Excel).
    """
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        if not formulas:
            _text_not_formulas(sheet)
    if edit is not None:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def patch_xlsx(data: bytes, member: str, edit: Callable[[str], str]) -> bytes:
    """A saved workbook with one part's XML (e.g. ``xl/worksheets/sheet1.xml``) rewritten by ``edit``,
    to write what openpyxl cannot: error values and cached results as Excel saves them."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == member:
                # an empty value as openpyxl writes it with the standard library (<v />), also when lxml is there
                xml = content.decode("utf-8").replace("<v></v>", "<v />")
                edited = edit(xml)
                assert edited != xml, f"the edit changed nothing in {member}"
                content = edited.encode("utf-8")
            target.writestr(name, content)
    return out.getvalue()


# ---------------------------------------------------------------- hand-made archives

MIB = 1 << 20


@dataclass(frozen=True)
class Deflated:
    """A raw deflate stream with what a gzip or zip file records about it."""

    data: bytes
    crc: int  # CRC-32 of the inflated bytes
    size: int  # inflated size in bytes


def deflated(head: bytes, run: bytes = b"\0", mib: int = 0, tail: bytes = b"") -> Deflated:
    """``head``, then ``mib`` MiB of the byte ``run``, then ``tail``, as one raw deflate stream made
    without ever holding the run: a full flush after each part resets the compressor, so every MiB
    of the run compresses to the same block (about 1 KB), made once and repeated."""
    def block(part: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(part) + compressor.flush(zlib.Z_FULL_FLUSH)

    chunk = run * MIB
    crc = zlib.crc32(head)
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = block(head) + block(chunk) * mib + final.compress(tail) + final.flush()
    return Deflated(data, zlib.crc32(tail, crc), len(head) + mib * MIB + len(tail))


def write_gzip(path: Path, content: Deflated) -> Path:
    """A gzip file of one member holding ``content``."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    path.write_bytes(header + content.data + struct.pack("<II", content.crc, content.size & 0xFFFFFFFF))
    return path


def zip_archive(parts: dict[str, bytes | Deflated]) -> bytes:
    """A zip archive written field by field (deflated entries, no zip64), so an entry may be a
    :class:`Deflated` stream far bigger inflated than anything held in memory."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, part in parts.items():
        entry = part if isinstance(part, Deflated) else deflated(part)
        encoded, offset = name.encode(), out.tell()
        fields = (20, 0, 8, 0, 0, entry.crc, len(entry.data), entry.size, len(encoded), 0)
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + entry.data)
        directory.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset) + encoded)
    start, listing = out.tell(), directory.getvalue()
    out.write(listing + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(listing), start, 0))
    return out.getvalue()


_SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def sheet_xml(cells: dict[str, str], dimension: str | None = None) -> tuple[bytes, bytes]:
    """The XML of a sheet holding ``cells`` (reference → text), split around its rows' end so that
    filler can go between them: (everything up to the last row, the closing tags)."""
    rows: dict[int, list[str]] = {}
    for ref, text in cells.items():
        number = int(re.sub(r"^[A-Z]+", "", ref))
        rows.setdefault(number, []).append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
    body = "".join(f'<row r="{n}">{"".join(c)}</row>' for n, c in sorted(rows.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'{_XML}<worksheet xmlns="{_SPREADSHEET}">{dim}<sheetData>{body}'.encode(),
            b"</sheetData></worksheet>")


def raw_xlsx(sheet: bytes | Deflated) -> bytes:
    """The smallest XLSX a workbook reader opens: one sheet, 'Sheet1', whose XML part is ``sheet``."""
    override = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return zip_archive({
        "[Content_Types].xml": (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{override}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{override}.worksheet+xml"/>'
            f"</Types>").encode(),
        "_rels/.rels": (
            f'{_XML}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": (
            f'{_XML}<workbook xmlns="{_SPREADSHEET}" xmlns:r="{_RELATIONSHIPS}">'
            f'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>').encode(),
        "xl/worksheets/sheet1.xml": sheet,
    })


def _text_not_formulas(sheet: Worksheet) -> None:
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"


def interactions_rows(n: int, start_day: int = 1) -> list[list[object]]:
    """A small clean interactions table: id, date, channel (``n`` rows, one a day in March 2025)."""
    return [["id", "date", "channel"]] + [
        [f"I{i}", f"2025-03-{start_day + i:02d}", "phone"] for i in range(n)
    ]


# ---------------------------------------------------------------- checks


def parquet_files(store: Store) -> list[Path]:
    """Every Parquet file (and temporary file) under the data directory."""
    return sorted(p for p in store.data_dir.rglob("*") if p.is_file() and p.suffix in (".parquet", ".tmp"))


def snapshot(store: Store) -> tuple:
    """Everything an import could write: datasets, versions (active flag, tables), audit rows, mappings, files."""
    versions = [(v.dataset, v.number, v.active, tuple(sorted(v.tables.items())))
                for name in store.datasets() for v in store.versions(name)]
    with Session(store.engine) as s:
        mappings = len(s.exec(select(ColumnMapping)).all())
    return store.datasets(), versions, len(store.audit()), mappings, parquet_files(store)


def assert_store_untouched(store: Store) -> None:
    """Nothing was ever written: no dataset, no version, no audit row, no Parquet or temporary file."""
    assert snapshot(store) == ([], [], 0, 0, [])


def assert_one_sentence(message: str) -> None:
    """A message for the analyst: one line, one sentence, no traceback or exception jargon."""
    assert "\n" not in message, message
    assert message.endswith("."), message
    assert "Traceback" not in message and "Error(" not in message, message
    assert not re.search(r"[.!?]\s+[A-Z]", message[:-1]), f"more than one sentence: {message}"


def import_ok(store: Store, data: bytes, filename: str = "export.csv", table: str = "interactions",
              **kwargs) -> tuple[pl.DataFrame, ValidationReport]:
    """Import through the real path; return the stored table as the app will read it, and the report."""
    result: ImportResult = import_file(store, data, filename, table, **({"actor": LOCAL} | kwargs))
    assert result.status == "imported", result.message
    report = result.report
    assert report.accepted + report.rejected == report.rows_in
    frame = store.scan(result.version.version_id, table).collect()
    assert frame.height == result.version.tables[table]
    return frame, report


def import_fails(store: Store, data: bytes, filename: str = "export.csv", table: str = "interactions",
                 **kwargs) -> str:
    """Import must raise :class:`UnusableFile` with one sentence, and write nothing at all."""
    before = snapshot(store)
    with pytest.raises(UnusableFile) as info:
        import_file(store, data, filename, table, **({"actor": LOCAL} | kwargs))
    message = str(info.value)
    assert_one_sentence(message)
    assert snapshot(store) == before
    return message


def column(frame: pl.DataFrame, name: str) -> list:
    return frame.get_column(name).to_list()
