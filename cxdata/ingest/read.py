"""Readers: bytes of a CSV or XLSX file → a frame of strings with its header found (DESIGN.md §5).

Every cell is read as text; typing happens in :mod:`cxdata.ingest.normalise`, where each
conversion is counted. The reader only decides how to split the file into rows and columns:

- CSV: gzip is unpacked; the encoding is UTF-8 (with or without BOM), UTF-16 (with BOM), else
  Windows-1252 (a superset of Latin-1's printable range), and is recorded in the notes; the
  separator is sniffed among ``,`` ``;`` tab ``|``; quoted fields may hold separators and newlines.
- XLSX/XLS (recognised by content, whatever the file is named): read with fastexcel (calamine).
- In both, the header is the first row among the first 30 that is (nearly) as wide as the widest
  one and holds no numbers or dates, so title rows above a table are skipped.

Rows are numbered as a spreadsheet shows them (the first line of the file is row 1), so a
rejected row can be found in Excel.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import fastexcel
import polars as pl

from cxdata.ingest.errors import UnusableFile

ROW = "__row"  # the spreadsheet row number of every data row
SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_HEADER_SCAN_ROWS = 30
_NUMBERLIKE = re.compile(r"^[\s+-]*[\d.,:/ -]+[%]?$")


@dataclass
class RawTable:
    """A file split into rows and named columns, every value a string (``None`` for empty)."""

    frame: pl.DataFrame  # the data rows: one String column per header cell, plus ROW (Int64)
    columns: list[str]  # header names in file order (deduplicated, never empty)
    kind: str  # "csv" or "excel"
    header_row: int  # spreadsheet row number of the header
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the file was read, for the report
    too_long_rows: pl.DataFrame | None = None  # ROW of rows with more fields than the header

    @property
    def decimal_hint(self) -> str:
        """Decimal mark to assume where a column alone cannot tell: ``,`` in ``;``-separated files."""
        return "," if self.separator == ";" else "."


def is_excel(data: bytes) -> bool:
    """True for an XLSX/XLSM (zip) or legacy XLS (OLE2) workbook."""
    return data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sheet_names(data: bytes, filename: str = "workbook") -> list[str]:
    """Names of the sheets of a workbook, in order."""
    return list(_open_workbook(data, filename).sheet_names)


def read_file(data: bytes, filename: str, sheet: str | None = None) -> RawTable:
    """Read an uploaded file of any supported kind. Raises :class:`UnusableFile` with one sentence."""
    if not data:
        raise UnusableFile(f"'{filename}' is empty (0 bytes): export it again from the source system.")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise UnusableFile(f"'{filename}' is a damaged gzip archive ({exc}); compress it again.") from None
    if is_excel(data):
        return read_excel(data, filename, sheet)
    return read_csv(data, filename)


# ---------------------------------------------------------------- CSV


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """Decode text bytes; return (text, encoding name).

    UTF-8 (BOM stripped) first, UTF-16 when it carries a BOM, else Windows-1252, which maps
    every Latin-1 letter the same way and adds € and curly quotes. A file with NUL bytes and no
    UTF-16 BOM is binary and is refused rather than guessed at.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", filename), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", filename), "UTF-16"
    if b"\x00" in data[:65536]:
        raise UnusableFile(
            f"'{filename}' is not a text file (it contains binary data): export the table as CSV or XLSX."
        )
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (ISO-8859-1)"


def _strict(data: bytes, encoding: str, filename: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnusableFile(
            f"'{filename}' says it is {encoding.upper()} but byte {exc.start} is not valid {encoding.upper()}: "
            "save it again as UTF-8 CSV."
        ) from None


def sniff_separator(text: str) -> str:
    """The separator among , ; tab | that splits the first lines into the most consistent columns.

    Score = (share of the first 50 records with the modal field count, modal count); a separator
    that never splits a line scores zero. Quoted fields are respected.
    """
    head = text[:65536]
    best, best_score = ",", (0.0, 0)
    for sep in SEPARATORS:
        counts = [len(r) for r in _head_records(head, sep) if any(cell.strip() for cell in r)]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (round(freq / len(counts), 2), mode)
        if score > best_score:
            best, best_score = sep, score
    return best


def _head_records(head: str, sep: str, limit: int = 50) -> list[list[str]]:
    rows = []
    try:
        for row in csv.reader(io.StringIO(head, newline=""), delimiter=sep):
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    if len(rows) >= limit or len(head) < 65536:
        return rows
    return rows[:-1]  # the last record may be cut by the 64 KiB window


def read_csv(data: bytes, filename: str) -> RawTable:
    """Read a delimited text file; see the module docstring."""
    text, encoding = decode(data, filename)
    if not text.strip():
        raise UnusableFile(f"'{filename}' holds no data (only blank lines): export it again with its rows.")
    if "<html" in text[:2048].lower() or "<!doctype" in text[:2048].lower():
        raise UnusableFile(f"'{filename}' is a web page, not a CSV: download the export itself, not the page.")
    separator = sniff_separator(text)
    head = _head_records(text[:65536], separator, limit=_HEADER_SCAN_ROWS + 5)
    width = max((len(r) for r in head), default=0)
    names = [f"c{i}" for i in range(width + 1)]  # one spare column catches rows that are too long
    grid = _split(data if encoding == "UTF-8" else text.encode("utf-8"), text, separator, names, filename)
    notes = [f"Read as {encoding} text, {SEPARATOR_NAMES[separator]}-separated."]
    h = find_header_row(grid.drop(names[-1]))
    fields = len(head[h]) if h < len(head) else width
    raw = _with_header(grid.select(names[:fields]), filename, "csv", notes, header_index=h)
    raw.encoding, raw.separator = encoding, separator
    raw.too_long_rows = _too_long(grid.select(names[fields:]), raw.header_row)
    raw.notes += _swallowed_lines(raw, separator)
    return raw


def _swallowed_lines(raw: RawTable, separator: str) -> list[str]:
    """A note for values that span lines and hold the separator: the mark of a missing closing quote,
    which makes the following lines part of one value."""
    columns = [c for c in raw.columns if raw.frame.schema[c] == pl.String]
    if not columns:
        return []
    suspect = raw.frame.select(
        pl.col(ROW),
        pl.any_horizontal((pl.col(c).str.contains("\n", literal=True) & pl.col(c).str.contains(separator, literal=True))
                          .fill_null(False) for c in columns).alias("s"),
    ).filter("s")
    if suspect.is_empty():
        return []
    rows = ", ".join(str(r) for r in suspect.get_column(ROW).head(5).to_list())
    return [f"{suspect.height} value(s) span several lines and contain the separator (row {rows}): if a closing "
            "quote is missing there, the lines after it were read into that value — check those rows."]


def _split(payload: bytes, text: str, separator: str, names: list[str], filename: str) -> pl.DataFrame:
    """Split CSV text into a grid of strings with the given column names.

    Polars' reader first (fast); when it refuses the file (a stray quote inside a field next to
    Windows line endings, old Mac line endings), Python's csv module, which accepts what Excel
    accepts. Only when both refuse is the file unusable.
    """
    try:
        return pl.read_csv(
            payload,
            has_header=False,
            separator=separator,
            infer_schema=False,
            schema={n: pl.String for n in names},
            missing_columns="insert",
            truncate_ragged_lines=True,
            quote_char='"',
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        pass
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as exc:
        raise UnusableFile(
            f"'{filename}' could not be split into rows and columns ({exc}): "
            "check that quotes are balanced and save it again as CSV."
        ) from None
    width = len(names)
    cells = [[c if c != "" else None for c in r[: width - 1]] + [_spare(r, width)] for r in records]
    cells = [r + [None] * (width - len(r)) for r in cells]
    return pl.DataFrame(cells, schema={n: pl.String for n in names}, orient="row")


def _spare(record: list[str], width: int) -> str | None:
    """What a record holds beyond the grid's last regular column, joined (None when nothing)."""
    rest = [c for c in record[width - 1 :] if c != ""]
    return ",".join(rest) if rest else None


def _too_long(overflow: pl.DataFrame, header_row: int) -> pl.DataFrame:
    """ROW of the data rows holding a value beyond the header's last field.

    The header record decides the width (a trailing empty name counts, so ``a,b,`` has three
    fields); a longer row had an unquoted separator inside a value and cannot be trusted.
    """
    return (
        overflow.with_row_index(ROW, offset=1)
        .filter(pl.any_horizontal(pl.exclude(ROW).is_not_null()) & (pl.col(ROW) > header_row))
        .select(pl.col(ROW).cast(pl.Int64))
    )


# ---------------------------------------------------------------- Excel


def _open_workbook(data: bytes, filename: str) -> fastexcel.ExcelReader:
    """Open a workbook; a zip archive that is not one (a zipped CSV) gets its own sentence."""
    if data[:4] == b"PK\x03\x04" and not _is_office_zip(data):
        raise UnusableFile(
            f"'{filename}' is a zip archive, not a workbook: unzip it and upload the CSV or XLSX inside."
        )
    try:
        return fastexcel.read_excel(data)
    except Exception as exc:  # fastexcel raises its own error types for damaged or protected files
        raise UnusableFile(
            f"'{filename}' could not be opened as a workbook ({str(exc).splitlines()[0]}): "
            "if it is password-protected or damaged, save an unprotected copy as XLSX."
        ) from None


def _is_office_zip(data: bytes) -> bool:
    """True when a zip holds an Office Open XML package (every XLSX lists ``[Content_Types].xml``)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except zipfile.BadZipFile:
        return True  # damaged: let the workbook reader say so


def read_excel(data: bytes, filename: str, sheet: str | None = None) -> RawTable:
    """Read one sheet of a workbook as strings. Without ``sheet``, the first sheet with data."""
    book = _open_workbook(data, filename)
    names = list(book.sheet_names)
    if sheet is not None and sheet not in names:
        raise UnusableFile(f"'{filename}' has no sheet named '{sheet}'; its sheets are: {', '.join(names)}.")
    candidates = [sheet] if sheet is not None else names
    for name in candidates:
        try:
            grid = book.load_sheet(name, header_row=None, dtypes="string").to_polars()
        except Exception as exc:
            raise UnusableFile(f"Sheet '{name}' of '{filename}' could not be read ({exc}).") from None
        if grid.width and grid.select(pl.any_horizontal(pl.all().is_not_null()).any()).item():
            break
    else:
        which = f"Sheet '{sheet}'" if sheet is not None else "Every sheet"
        raise UnusableFile(f"{which} of '{filename}' is empty: choose the sheet that holds the table.")
    grid = grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})
    notes = [f"Read sheet '{name}' of {len(names)}." if len(names) > 1 else f"Read sheet '{name}'."]
    raw = _with_header(grid, filename, "excel", notes)
    raw.sheet, raw.sheets = name, names
    return raw


# ---------------------------------------------------------------- header


def _looks_like_value(cell: str) -> bool:
    return bool(_NUMBERLIKE.match(cell))


def find_header_row(grid: pl.DataFrame) -> int:
    """0-based index of the header among the first rows of a string grid.

    The table's width is the most common number of filled cells among the rows with two or more
    (so one ragged data row cannot set it). The header is the first row with at least 60% of that
    width and no cell that looks like a number or a date; failing that, the first row of that width.
    """
    head = grid.head(_HEADER_SCAN_ROWS).rows()
    filled = [[c for c in row if c is not None and c.strip()] for row in head]
    widths = Counter(len(f) for f in filled if len(f) >= 2)
    width = widths.most_common(1)[0][0] if widths else max((len(f) for f in filled), default=0)
    for i, cells in enumerate(filled):
        if cells and len(cells) >= 0.6 * width and not any(_looks_like_value(c) for c in cells):
            return i
    return next((i for i, f in enumerate(filled) if len(f) >= width), 0)


def _with_header(
    grid: pl.DataFrame, filename: str, kind: str, notes: list[str], header_index: int | None = None
) -> RawTable:
    """Find the header in a grid (unless given), name the columns and return the data rows below it."""
    if grid.height == 0 or grid.width == 0:
        raise UnusableFile(f"'{filename}' holds no rows: export it again with its data.")
    h = find_header_row(grid) if header_index is None else header_index
    header = [" ".join((c or "").split()) for c in grid.row(h)]  # Excel line breaks in a header cell → spaces
    while header and not header[-1] and grid.select(pl.nth(len(header) - 1).slice(h + 1).is_null().all()).item():
        header.pop()  # trailing columns with neither a name nor data
    grid = grid.select(grid.columns[: len(header)])
    columns, renamed = _unique_names(header)
    if h:
        notes.append(f"Header found on row {h + 1}; {h} row(s) above it skipped.")
    if renamed:
        notes.append("Header cells renamed: " + "; ".join(renamed) + ".")
    data = (
        grid.with_row_index(ROW, offset=1)
        .slice(h + 1)
        .with_columns(pl.col(ROW).cast(pl.Int64))
        .rename(dict(zip(grid.columns, columns)))
    )
    empty = data.select(pl.all_horizontal(pl.exclude(ROW).is_null() | (pl.exclude(ROW).str.strip_chars() == ""))).to_series()
    n_empty = int(empty.sum())
    if n_empty:
        data = data.filter(~empty)
        notes.append(f"{n_empty} empty row(s) skipped.")
    if data.height == 0:
        raise UnusableFile(f"'{filename}' has a header but no data rows: export it again with its rows.")
    return RawTable(frame=data, columns=columns, kind=kind, header_row=h + 1, notes=notes)


def _unique_names(header: list[str]) -> tuple[list[str], list[str]]:
    """Give every column a non-empty, unique name; return the names and what was renamed."""
    seen: Counter[str] = Counter({ROW: 1})  # the row-number column's name is taken
    names, renamed = [], []
    for i, name in enumerate(header):
        new = name or f"column_{i + 1}"
        seen[new] += 1
        if seen[new] > 1:
            new = f"{new}_{seen[new]}"
        if new != name:
            renamed.append(f"column {i + 1} {'(empty, merged cells?)' if not name else repr(name)} → '{new}'")
        names.append(new)
    return names, renamed
