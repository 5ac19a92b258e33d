"""Readers: bytes of a CSV or XLSX file → a frame of strings with its header found (docs/architecture.md "Import").

Every cell is read as text; typing happens in :mod:`cxdata.ingest.normalise`, where each
conversion is counted. The reader only decides how to split the file into rows and columns:

- CSV: gzip is unpacked; the encoding is UTF-8 (with or without BOM), UTF-16 (with BOM), else
  Windows-1252 (a superset of Latin-1's printable range), and is recorded in the notes. A file
  that mixes UTF-8 and Windows-1252 lines is decoded line by line (each line in the encoding it is
  valid in) and the odd lines are listed, so one Windows-1252 line never turns every accent of
  the other rows into mojibake. The separator is sniffed among ``,`` ``;`` tab ``|``; quoted
  fields may hold separators and newlines; lines may end with LF, CRLF or a lone CR (old Mac).
- XLSX/XLS (recognised by content, whatever the file is named): read with fastexcel (calamine).
  Formula cells calamine reads as empty (an error such as ``#DIV/0!``, or a formula the
  workbook was saved without calculating) are found in the sheet's XML
  (:mod:`cxdata.ingest.formulas`) and listed in ``RawTable.cell_problems``.
- In both, the header is the first row among the first 30 that is (nearly) as wide as the widest
  one and holds no numbers or dates, so title rows above a table are skipped.

The reader never drops or merges a row silently: a row it cannot split reliably (more fields
than the header; a quote that is never closed, which swallows the lines after it) stays in the
frame with its row number and is listed with its reason in ``RawTable.reader_rejects``; each
line a missing closing quote swallowed is a row of its own there, so rows in add up to the
lines of the file.

Rows are numbered as a spreadsheet shows them (the first line of the file is row 1), so a
rejected row can be found in Excel.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import fastexcel
import numpy as np
import polars as pl

from cxdata.ingest.errors import UnusableFile
from cxdata.ingest.formulas import NO_SAVED_VALUE, formula_cells, workbook_sheet_names
from cxdata.ingest.limits import Limits, check_columns, check_workbook_zip, gunzip

ROW = "__row"  # the spreadsheet row number of every data row
SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
TOO_LONG = "more fields than the header (an unquoted separator inside a value?)"
REJECT_SCHEMA = {ROW: pl.Int64, "reason": pl.String}
CELL_PROBLEM_SCHEMA = {ROW: pl.Int64, "column": pl.String, "value": pl.String, "problem": pl.String}
_HEADER_SCAN_ROWS = 30
_HEAD_CHARS = 1 << 16  # the head of a file the separator and the header are found in…
_HEAD_LINES = 3  # …widened to hold this many whole lines (a header of thousands of columns is longer)
_HEAD_MAX_CHARS = 1 << 24  # …but never past 16 Mi characters (a file without line breaks)
_NUMBERLIKE = re.compile(r"^[\s+-]*[\d.,:/ -]+[%]?$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ENDS_WITH_BREAK = re.compile(r"(?:\r\n|\r|\n)\Z")
_LONE_CR = re.compile(r"\r(?!\n)")
# a valid multi-byte UTF-8 sequence: without one, a file that is not UTF-8 is Windows-1252 throughout
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_LISTED_ROWS = 20  # row numbers listed in a note before "and N more"


@dataclass
class RawTable:
    """A file split into rows and named columns, every value a string (``None`` for empty)."""

    frame: pl.DataFrame  # every data row: ROW (Int64) + one String column per header cell
    columns: list[str]  # header names in file order (deduplicated, never empty)
    kind: str  # "csv" or "excel"
    header_row: int  # spreadsheet row number of the header
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the file was read, for the report
    # rows the reader could not split reliably (ROW, reason); they are in ``frame`` too, maybe with null values
    reader_rejects: pl.DataFrame | None = None
    # cells the reader emptied (ROW, column, value, problem): formula errors, formulas without a saved value
    cell_problems: pl.DataFrame | None = None

    @property
    def decimal_hint(self) -> str:
        """Decimal mark to assume where a column alone cannot tell: ``,`` in ``;``-separated files."""
        return "," if self.separator == ";" else "."


def is_excel(data: bytes) -> bool:
    """True for an XLSX/XLSM (zip) or legacy XLS (OLE2) workbook."""
    return data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sheet_names(data: bytes, filename: str = "workbook", limits: Limits | None = None) -> list[str]:
    """Names of the sheets of a workbook, in order.

    The page asks this in the server's own process, so an XLSX is answered from its workbook part
    (after the checks of :func:`~cxdata.ingest.limits.check_workbook_zip`) without opening a sheet;
    only a legacy XLS, which is not compressed, is opened with the workbook reader.
    """
    limits = limits or Limits.from_env()
    if data[:4] == b"PK\x03\x04":
        _check_zip(data, filename, limits)
        names = workbook_sheet_names(data)
        if names is not None:
            return names
    return list(_open_workbook(data, filename, limits).sheet_names)


def read_file(data: bytes, filename: str, sheet: str | None = None, limits: Limits | None = None) -> RawTable:
    """Read an uploaded file of any supported kind within ``limits`` (the environment's by default).

    A gzip file is inflated a megabyte at a time up to the inflated-size limit; a workbook zip is
    checked before it is opened (:mod:`cxdata.ingest.limits`). Raises :class:`UnusableFile` with one sentence.
    """
    if not data:
        raise UnusableFile(f"'{filename}' is empty (0 bytes): export it again from the source system.")
    limits = limits or Limits.from_env()
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, filename, limits)
    if is_excel(data):
        return read_excel(data, filename, sheet, limits)
    return read_csv(data, filename, limits)


def _rows_text(rows: list[int]) -> str:
    """``12, 40, 41`` (at most 20 numbers, then ``and N more``)."""
    text = ", ".join(str(r) for r in rows[:_LISTED_ROWS])
    return text + (f" and {len(rows) - _LISTED_ROWS:,} more" if len(rows) > _LISTED_ROWS else "")


# ---------------------------------------------------------------- CSV


@dataclass
class Decoded:
    """Text decoded from bytes: its encoding, and the lines decoded in the other one (mixed files)."""

    text: str
    encoding: str
    odd_lines: list[int] = field(default_factory=list)  # 1-based physical lines read as ``odd_encoding``
    odd_encoding: str | None = None


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """Decode text bytes; return (text, encoding name). See :func:`decode_lines`."""
    decoded = decode_lines(data, filename)
    return decoded.text, decoded.encoding


def decode_lines(data: bytes, filename: str) -> Decoded:
    """Decode text bytes, line by line where the file mixes UTF-8 and Windows-1252.

    UTF-8 (BOM stripped) first, UTF-16 when it carries a BOM, else Windows-1252, which maps
    every Latin-1 letter the same way and adds € and curly quotes. When the whole file is not
    valid UTF-8 but holds valid UTF-8 letters, each line is decoded in the encoding it is valid
    in (UTF-8 first) and the lines in the minority encoding are returned. A file with NUL bytes
    and no UTF-16 BOM is binary and is refused rather than guessed at.
    """
    bom = data.startswith(b"\xef\xbb\xbf")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(_strict(data, "utf-16", filename), "UTF-16")
    if not bom and b"\x00" in data[:65536]:
        raise UnusableFile(
            f"'{filename}' is not a text file (it contains binary data): export the table as CSV or XLSX."
        )
    body, label = (data[3:], "UTF-8 with BOM") if bom else (data, "UTF-8")
    try:
        return Decoded(body.decode("utf-8"), label)  # the fast path: one decode of the whole file
    except UnicodeDecodeError:
        pass
    if not bom and not _UTF8_SEQUENCE.search(body):
        try:
            return Decoded(body.decode("cp1252"), "Windows-1252 (Latin-1)")
        except UnicodeDecodeError:
            return Decoded(body.decode("latin-1"), "Latin-1 (ISO-8859-1)")
    parts: list[str] = []
    utf8_lines: list[int] = []  # lines with letters beyond ASCII that are valid UTF-8
    cp1252_lines: list[int] = []
    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        try:
            parts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            parts.append(_cp1252(line))
            cp1252_lines.append(number)
        else:
            if not line.isascii():
                utf8_lines.append(number)
    text = "".join(parts)
    if bom or len(utf8_lines) >= len(cp1252_lines):
        return Decoded(text, label, cp1252_lines, "Windows-1252")
    return Decoded(text, "Windows-1252 (Latin-1)", utf8_lines, "UTF-8")


def _cp1252(line: bytes) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return line.decode("latin-1")


def _strict(data: bytes, encoding: str, filename: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnusableFile(
            f"'{filename}' says it is {encoding.upper()} but byte {exc.start} is not valid {encoding.upper()}: "
            "save it again as UTF-8 CSV."
        ) from None


def head_of(text: str) -> str:
    """The head of a text the separator and the header are read from: its first 64 Ki characters,
    or its first three lines when they are longer (at most 16 Mi characters)."""
    end = -1
    for _ in range(_HEAD_LINES):
        end = text.find("\n", end + 1, _HEAD_MAX_CHARS)
        if end < 0:
            return text[:_HEAD_MAX_CHARS]
    return text[: max(_HEAD_CHARS, end + 1)]


def sniff_separator(text: str) -> str:
    """The separator among , ; tab | that splits the first lines into the most consistent columns.

    Score = (share of the first 50 records of :func:`head_of` with the modal field count, modal
    count); a separator that never splits a line scores zero. Quoted fields are respected.
    """
    head = head_of(text)
    whole = len(head) == len(text)
    best, best_score = ",", (0.0, 0)
    for sep in SEPARATORS:
        counts = [len(r) for r in _head_records(head, sep, whole=whole) if any(cell.strip() for cell in r)]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (round(freq / len(counts), 2), mode)
        if score > best_score:
            best, best_score = sep, score
    return best


def _head_records(head: str, sep: str, limit: int = 50, *, whole: bool) -> list[list[str]]:
    """The first ``limit`` records of ``head``; the last is left out when ``head`` is not the
    ``whole`` text and the records ran out first (it may be cut)."""
    rows = []
    try:
        for row in csv.reader(io.StringIO(head, newline=""), delimiter=sep):
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    if len(rows) >= limit or whole:
        return rows
    return rows[:-1]  # the last record may be cut by the window


def read_csv(data: bytes, filename: str, limits: Limits | None = None) -> RawTable:
    """Read a delimited text file; see the module docstring. A table wider than ``limits.columns``
    is refused from its first lines, before it is split."""
    decoded = decode_lines(data, filename)
    text, encoding = decoded.text, decoded.encoding
    if not text.strip():
        raise UnusableFile(f"'{filename}' holds no data (only blank lines): export it again with its rows.")
    if "<html" in text[:2048].lower() or "<!doctype" in text[:2048].lower():
        raise UnusableFile(f"'{filename}' is a web page, not a CSV: download the export itself, not the page.")
    body = text.lstrip("\r\n")  # the head is read from the first line with text (blank lines above it count)
    lead = len(_LINE_BREAK.findall(text[: len(text) - len(body)]))
    separator = sniff_separator(body)
    window = head_of(body)
    head = _head_records(window, separator, limit=_HEADER_SCAN_ROWS + 5, whole=len(window) == len(body))
    width = max((len(r) for r in head), default=0)
    check_columns(width, filename, limits or Limits.from_env())
    names = [f"c{i}" for i in range(width + 1)]  # one spare column catches rows that are too long
    notes = [f"Read as {encoding} text, {SEPARATOR_NAMES[separator]}-separated."]
    python = False  # split with the csv module rather than Polars
    if "\r" in text and _LONE_CR.search(text) is not None:
        text, python = _lone_cr_to_lf(text, separator, width)
        if python or text is not decoded.text:
            notes.append("Lines end with a lone carriage return (CR, as old Mac files do): rows were split there.")
    payload = data if text is decoded.text and encoding == "UTF-8" and not decoded.odd_lines else text.encode("utf-8")
    grid = _split(payload, text, separator, names, filename, python=python)
    grid = grid.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    h = header_index_of(grid.select(names[:-1]))
    fields = len(head[h - lead]) if 0 <= h - lead < len(head) else width

    data_rows = pl.col(ROW) > h + 1
    too_long = grid.filter(data_rows & pl.any_horizontal(pl.col(names[fields:]).is_not_null())).get_column(ROW)
    breaks = grid.filter(_has_break(names, cr="\r" in text))
    swallowed = _unclosed_quotes(grid, breaks, h, names, fields, separator)
    grid, row_of_line, new_rows_of = _expand(grid, breaks, swallowed)

    rejects = _rejects(too_long, swallowed)
    raw = _with_header(grid.select(ROW, *names[:fields]), filename, "csv", notes, header_index=h,
                       keep=rejects.get_column(ROW))
    raw.encoding, raw.separator = encoding, separator
    raw.reader_rejects = rejects
    raw.cell_problems = pl.DataFrame(schema=CELL_PROBLEM_SCHEMA)
    if decoded.odd_lines:
        rows = sorted({row_of_line(line) for line in decoded.odd_lines})
        described = ("were not valid UTF-8 and were read as Windows-1252" if decoded.odd_encoding == "Windows-1252"
                     else "were valid UTF-8 and were read as UTF-8")
        raw.notes.append(f"{len(decoded.odd_lines):,} line(s) {described}: row{'s' * (len(rows) > 1)} "
                         f"{_rows_text(rows)}.")
    opened = _renumbered(swallowed)
    if opened:
        lines = sum(n for _, n in opened)
        raw.notes.append(
            f"A closing quote is missing on row{'s' * (len(opened) > 1)} {_rows_text([r for r, _ in opened])}: "
            f"the {lines:,} line(s) after {'it' if len(opened) == 1 else 'them'} were read into one value, so "
            f"they were rejected with {'that row' if len(opened) == 1 else 'those rows'}; close the quote and import "
            "the file again."
        )
    spanning = raw.frame.join(pl.DataFrame({ROW: new_rows_of(breaks.get_column(ROW))}, schema={ROW: pl.Int64}),
                              on=ROW, how="semi") if breaks.height else raw.frame.clear()
    raw.notes += _values_spanning_lines(raw.columns, spanning, separator, {r for r, _ in opened})
    return raw


def _lone_cr_to_lf(text: str, separator: str, width: int) -> tuple[str, bool]:
    """Make lone-CR line ends (old Mac) LF, which is all Polars splits on; return (text, needs the csv module).

    When every quote stands at the edge of a field, the parts between quotes alternate outside and
    inside quoted values, so the lone CRs outside can be told apart from those inside (which stay in
    their value). In a file without LF, each lone CR outside quotes ends a line. In a file that also
    uses LF, a lone CR ends a line only where the text on both sides of it holds a whole row (the
    ``width`` of the table): a CR typed inside an unquoted value stays in it rather than cutting the
    row in two. A quote inside a field (``a 5" screen``) breaks the alternation: then the csv
    module, which splits on every CR as Excel does, reads the file unchanged.
    """
    edge = re.escape(separator) + '\r\n"'
    if re.search(f'[^{edge}]"[^{edge}]', text) or text.count('"') % 2:
        return text, True
    parts = text.split('"')
    if any("\n" in part for part in parts[::2]):
        masked = '""'.join(parts[::2])  # quoted contents dropped: every line break left is a row's end
        pieces = re.split(r"(\r\n|\r|\n)", masked)
        enough = max(width - 1, 1)
        ends = iter([pieces[i] == "\r" and pieces[i - 1].count(separator) >= enough
                     and pieces[i + 1].count(separator) >= enough for i in range(1, len(pieces), 2)
                     if pieces[i] == "\r"])
        parts[::2] = [_LONE_CR.sub(lambda _: "\n" if next(ends) else "\r", part) if "\r" in part else part
                      for part in parts[::2]]
    else:
        parts[::2] = [_LONE_CR.sub("\n", part) if "\r" in part else part for part in parts[::2]]
    joined = '"'.join(parts)
    return (joined, False) if joined != text else (text, False)


def _has_break(columns: list[str], cr: bool = True) -> pl.Expr:
    """True for the rows with a line break in a value (``cr=False``: the text holds no CR, look for LF only)."""
    def one(c: str) -> pl.Expr:
        lf = pl.col(c).str.contains("\n", literal=True)
        return (lf | pl.col(c).str.contains("\r", literal=True)) if cr else lf

    return pl.any_horizontal(one(c).fill_null(False) for c in columns)


def _value_class(cell: str) -> str:
    """A coarse shape of a value: ``number`` (also dates and times), ``token`` (no spaces) or ``text``."""
    cell = cell.strip()
    if _NUMBERLIKE.match(cell):
        return "number"
    return "token" if not any(ch.isspace() for ch in cell) else "text"


def _column_shapes(sample: pl.DataFrame, columns: list[str]) -> list[set[str] | None]:
    """Per column, the value shapes its clean rows allow (None when anything fits: free text, too few values)."""
    shapes: list[set[str] | None] = []
    for c in columns:
        values = [v for v in sample.get_column(c).to_list() if v is not None and v.strip()]
        seen = {_value_class(v) for v in values}
        if len(values) < 3 or "text" in seen:
            shapes.append(None)
        else:
            shapes.append({"token", "number"} if "token" in seen else {"number"})  # codes and numbers mix
    return shapes


def _looks_like_record(line: str, separator: str, fields: int, shapes: list[set[str] | None]) -> bool:
    """True when a line inside a value splits like a whole row: the header's width, each value of its column's shape."""
    if fields < 2 or not line.strip():
        return False
    try:
        cells = next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return False
    if len(cells) < fields or any(c.strip() for c in cells[fields:]):
        return False
    cells = cells[:fields]
    if sum(bool(c.strip()) for c in cells) < 2:
        return False
    return all(not c.strip() or shape is None or _value_class(c) in shape for c, shape in zip(cells, shapes))


def _unclosed_quotes(grid: pl.DataFrame, breaks: pl.DataFrame, h: int, names: list[str], fields: int,
                     separator: str) -> list[tuple[int, int]]:
    """(ROW, lines swallowed) of the rows where a quote that was never closed swallowed the lines after it.

    The mark: a value spanning lines of which at least one (after the first) splits like a whole
    row of the file (the header's width, each value of its column's shape), and either two do, or
    the value runs to the end of the file, or it holds a stray quote (the rest of the later quoted
    value whose opening quote closed it). A comment that legitimately spans lines reads as prose.
    """
    if breaks.is_empty():
        return []
    clean = grid.slice(h + 1, 1000 + breaks.height).join(breaks.select(ROW), on=ROW, how="anti").head(1000)
    shapes = _column_shapes(clean, names[:fields])
    last_row = grid.height
    found = []
    for record in breaks.filter(pl.col(ROW) > h + 1).select(ROW, *names).iter_rows():
        row, values = record[0], [v for v in record[1:] if v]
        pieces = [piece for v in values for piece in _LINE_BREAK.split(v)[1:]]
        like_rows = sum(_looks_like_record(p, separator, fields, shapes) for p in pieces)
        # one row-like line is enough when the value ran to the end of the file or holds what is left of
        # the quote that closed it ('…,"later comment"' leaves 'later comment"'); else it takes two
        if not like_rows or (like_rows < 2 and row != last_row and not any('"' in v for v in values)):
            continue
        n = sum(len(_LINE_BREAK.findall(v)) for v in values)
        if row == last_row and _ENDS_WITH_BREAK.search(values[-1]):
            n -= 1  # the value ran to the end of the file and holds its final line break
        found.append((row, n))
    return found


def _expand(grid: pl.DataFrame, breaks: pl.DataFrame, swallowed: list[tuple[int, int]]):
    """Give every line a swallowing row took its own row (null values) and renumber the rows after it.

    Returns the grid, a function from a physical line number of the file to its row number, and
    one from the grid's row numbers before to after.
    """
    n_rows = grid.height
    lines = np.ones(n_rows, dtype=np.int64)  # physical lines per record
    if not breaks.is_empty():
        counts = breaks.select(
            ROW, pl.sum_horizontal(pl.exclude(ROW).str.count_matches(r"\r\n|\r|\n").fill_null(0)).alias("n"))
        lines[counts.get_column(ROW).to_numpy() - 1] += counts.get_column("n").to_numpy()
    for row, n in swallowed:
        lines[row - 1] = 1 + n
    first_line = np.concatenate([[1], 1 + np.cumsum(lines)[:-1]]) if n_rows else np.ones(0, dtype=np.int64)

    added_after = np.zeros(n_rows + 1, dtype=np.int64)
    for row, n in swallowed:
        added_after[row] += n  # index row is the record after the swallowing one (0-based)
    new_row = np.arange(1, n_rows + 1) + np.cumsum(added_after)[:n_rows]  # shifted by the lines added before
    is_swallower = np.zeros(n_rows, dtype=bool)
    for row, _ in swallowed:
        is_swallower[row - 1] = True

    def row_of_line(line: int) -> int:
        i = int(np.searchsorted(first_line, line, side="right")) - 1
        i = min(max(i, 0), n_rows - 1)
        return int(new_row[i] + (line - first_line[i] if is_swallower[i] else 0))

    def new_rows_of(rows: pl.Series) -> np.ndarray:
        return new_row[rows.to_numpy() - 1] if len(rows) else np.zeros(0, dtype=np.int64)

    if not swallowed:
        return grid, row_of_line, new_rows_of
    added = pl.DataFrame(
        {ROW: [int(new_row[row - 1]) + k for row, n in swallowed for k in range(1, n + 1)]},
        schema={ROW: pl.Int64},
    )
    grid = pl.concat([grid.with_columns(pl.Series(ROW, new_row, dtype=pl.Int64)), added], how="diagonal")
    return grid.sort(ROW), row_of_line, new_rows_of


def _renumbered(swallowed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The swallowing rows numbered as in the expanded grid (each swallowed line before them is a row)."""
    out, shift = [], 0
    for row, n in swallowed:
        out.append((row + shift, n))
        shift += n
    return out


def _rejects(too_long: pl.Series, swallowed: list[tuple[int, int]]) -> pl.DataFrame:
    """The reader's rejected rows: too many fields; a missing closing quote and every line it swallowed."""
    rows: list[int] = []
    reasons: list[str] = []
    for new, n in _renumbered(swallowed):
        rows.append(new)
        reasons.append(f"unclosed quote: this row and the {n:,} line{'s' * (n != 1)} after it were read as one value")
        rows += [new + k for k in range(1, n + 1)]
        reasons += [f"unclosed quote on row {new}: this line was read into that row's value"] * n
    moved = too_long.to_list()
    if swallowed:  # renumber the too-long rows like the grid
        starts = np.array([r for r, _ in swallowed])
        cum = np.cumsum([n for _, n in swallowed])
        idx = np.searchsorted(starts, np.array(moved, dtype=np.int64), side="left")
        moved = [int(r + (cum[i - 1] if i else 0)) for r, i in zip(moved, idx)]
    frame = pl.DataFrame({ROW: rows + moved, "reason": reasons + [TOO_LONG] * len(moved)}, schema=REJECT_SCHEMA)
    return frame.group_by(ROW, maintain_order=True).agg(pl.col("reason").str.join("; ")).sort(ROW)


def _values_spanning_lines(names: list[str], frame: pl.DataFrame, separator: str, rejected: set[int]) -> list[str]:
    """A note for values that span lines and hold the separator (and were not rejected as an unclosed
    quote): the mark of a missing closing quote, which makes the following lines part of one value.
    ``frame`` holds the data rows with a line break in a value."""
    schema = frame.schema  # once: each call builds the schema of every column
    columns = [c for c in names if schema[c] == pl.String]
    if not columns or frame.is_empty():
        return []
    suspect = frame.select(
        pl.col(ROW),
        pl.any_horizontal((pl.col(c).str.contains("\n", literal=True) & pl.col(c).str.contains(separator, literal=True))
                          .fill_null(False) for c in columns).alias("s"),
    ).filter(pl.col("s") & ~pl.col(ROW).is_in(sorted(rejected)))
    if suspect.is_empty():
        return []
    rows = ", ".join(str(r) for r in suspect.get_column(ROW).head(5).to_list())
    return [f"{suspect.height} value(s) span several lines and contain the separator (row {rows}): if a closing "
            "quote is missing there, the lines after it were read into that value — check those rows."]


def _split(payload: bytes, text: str, separator: str, names: list[str], filename: str,
           python: bool = False) -> pl.DataFrame:
    """Split CSV text into a grid of strings with the given column names.

    Polars' reader first (fast); when it refuses the file (a stray quote inside a field next to
    Windows line endings, a quote never closed), or when lines end with a lone CR (``python``:
    Polars splits only on LF), Python's csv module, which accepts what Excel accepts. Only when
    both refuse is the file unusable.
    """
    if not python:
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


# ---------------------------------------------------------------- Excel


def _check_zip(data: bytes, filename: str, limits: Limits) -> None:
    """A zip archive that is not a workbook (a zipped CSV) gets its own sentence; a workbook zip is
    checked against ``limits`` before anything opens it (:func:`~cxdata.ingest.limits.check_workbook_zip`)."""
    if not _is_office_zip(data):
        raise UnusableFile(
            f"'{filename}' is a zip archive, not a workbook: unzip it and upload the CSV or XLSX inside."
        )
    check_workbook_zip(data, filename, limits)


def _open_workbook(data: bytes, filename: str, limits: Limits) -> fastexcel.ExcelReader:
    """Open a workbook (a zip after :func:`_check_zip`)."""
    if data[:4] == b"PK\x03\x04":
        _check_zip(data, filename, limits)
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


def read_excel(data: bytes, filename: str, sheet: str | None = None, limits: Limits | None = None) -> RawTable:
    """Read one sheet of a workbook as strings. Without ``sheet``, the first sheet with data.

    Leading empty rows are kept so that ``ROW`` is the spreadsheet's row number. Formula cells
    calamine reads as empty (an error value, or no value saved) are listed in ``cell_problems``.
    A workbook zip is checked first (:func:`~cxdata.ingest.limits.check_workbook_zip`); a sheet
    wider than ``limits.columns`` is refused.
    """
    limits = limits or Limits.from_env()
    book = _open_workbook(data, filename, limits)
    names = list(book.sheet_names)
    if sheet is not None and sheet not in names:
        raise UnusableFile(f"'{filename}' has no sheet named '{sheet}'; its sheets are: {', '.join(names)}.")
    candidates = [sheet] if sheet is not None else names
    for name in candidates:
        try:
            loaded = book.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
            grid = loaded.to_polars()
        except Exception as exc:
            raise UnusableFile(f"Sheet '{name}' of '{filename}' could not be read ({exc}).") from None
        if grid.width and grid.select(pl.any_horizontal(pl.all().is_not_null()).any()).item():
            break
    else:
        which = f"Sheet '{sheet}'" if sheet is not None else "Every sheet"
        raise UnusableFile(f"{which} of '{filename}' is empty: choose the sheet that holds the table.")
    check_columns(grid.width, filename, limits)
    found = formula_cells(data, name) if data[:4] == b"PK\x03\x04" else []
    grid = _cover(grid, loaded.available_columns()[0].absolute_index, found)
    grid = grid.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    origin = min([loaded.available_columns()[0].absolute_index] + [c for _, c, *_ in found])
    cells = [(row, col - origin, value, problem) for row, col, value, problem in found]
    notes = [f"Read sheet '{name}' of {len(names)}." if len(names) > 1 else f"Read sheet '{name}'."]
    raw = _with_header(grid, filename, "excel", notes, keep=pl.Series([r for r, *_ in cells], dtype=pl.Int64),
                       keep_columns={c for _, c, *_ in cells})
    raw.sheet, raw.sheets = name, names
    raw.reader_rejects = pl.DataFrame(schema=REJECT_SCHEMA)
    problems = pl.DataFrame(
        [(r, raw.columns[c], v, p) for r, c, v, p in cells if r > raw.header_row and c < len(raw.columns)],
        schema=CELL_PROBLEM_SCHEMA, orient="row",
    )
    raw.cell_problems = problems
    if problems.height:
        raw.frame = raw.frame.with_columns(
            pl.when(pl.col(ROW).is_in(rows)).then(None).otherwise(pl.col(column)).alias(column)
            for column, rows in problems.group_by("column").agg(pl.col(ROW)).iter_rows()
        )
        raw.notes.append(_formula_note(problems))
    return raw


def _cover(grid: pl.DataFrame, first_column: int, found: list[tuple[int, int, str, str]]) -> pl.DataFrame:
    """The grid named c0, c1… from its first column, widened and lengthened with empty cells to hold every
    listed cell (calamine's range ends at the last cell with a value, so a row or column holding only
    formulas without a saved value lies outside it)."""
    if not found:
        return grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})
    origin = min([first_column] + [c for _, c, *_ in found])
    last = max([first_column + grid.width - 1] + [c for _, c, *_ in found])
    height = max([grid.height] + [r for r, *_ in found])
    grid = pl.DataFrame([
        (grid.to_series(c - first_column) if 0 <= c - first_column < grid.width
         else pl.Series(values=[None] * grid.height, dtype=pl.String)).alias(f"c{c - origin}")
        for c in range(origin, last + 1)
    ])
    if height > grid.height:
        grid = pl.concat([grid, pl.DataFrame({c: [None] * (height - grid.height) for c in grid.columns},
                                             schema={c: pl.String for c in grid.columns})])
    return grid


def _formula_note(problems: pl.DataFrame) -> str:
    errors = problems.filter(pl.col("problem") != NO_SAVED_VALUE)
    unsaved = problems.height - errors.height
    parts = []
    if errors.height:
        codes = ", ".join(errors.get_column("value").unique(maintain_order=True).to_list())
        parts.append(f"{errors.height:,} formula error(s) ({codes})")
    if unsaved:
        parts.append(f"{unsaved:,} formula(s) without a saved value (open the workbook in Excel and save it "
                     "so its formulas are calculated)")
    rows = sorted(set(problems.get_column(ROW).to_list()))
    return f"{' and '.join(parts)} read as empty cells: row{'s' * (len(rows) > 1)} {_rows_text(rows)}."


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


def header_index_of(cells: pl.DataFrame) -> int:
    """0-based index of the header row of a string grid, scanning from its first row with a value
    (a table may start far down a sheet, below blank lines)."""
    for scope in (cells.head(1000), cells):
        filled = scope.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
        if filled.any():
            first = int(filled.arg_true()[0])
            return first + find_header_row(cells.slice(first))
    return find_header_row(cells)


def _with_header(
    grid: pl.DataFrame,
    filename: str,
    kind: str,
    notes: list[str],
    header_index: int | None = None,
    keep: pl.Series | None = None,
    keep_columns: set[int] | None = None,
) -> RawTable:
    """Find the header in a grid (ROW + String columns) unless given, name the columns and return
    the data rows below it. Empty rows are skipped unless their ROW is in ``keep`` (rows the reader
    rejects or emptied a cell of); an unnamed trailing column without data is dropped unless its
    index is in ``keep_columns``."""
    cells = grid.drop(ROW)
    if grid.height == 0 or cells.width == 0:
        raise UnusableFile(f"'{filename}' holds no rows: export it again with its data.")
    h = header_index_of(cells) if header_index is None else header_index
    header = [" ".join((c or "").split()) for c in cells.row(h)]  # Excel line breaks in a header cell → spaces
    while (header and not header[-1] and len(header) - 1 not in (keep_columns or ())
           and cells.select(pl.nth(len(header) - 1).slice(h + 1).is_null().all()).item()):
        header.pop()  # trailing columns with neither a name nor data
    kept = cells.columns[: len(header)]
    columns, renamed = _unique_names(header)
    header_row = int(grid.get_column(ROW)[h])
    if h:
        notes.append(f"Header found on row {header_row}; {h} row(s) above it skipped.")
    if renamed:
        notes.append("Header cells renamed: " + "; ".join(renamed) + ".")
    data = grid.slice(h + 1).select(ROW, *kept).rename(dict(zip(kept, columns)))
    is_empty = pl.all_horizontal(pl.exclude(ROW).is_null() | (pl.exclude(ROW).str.strip_chars() == ""))
    if keep is not None and keep.len():
        is_empty = is_empty & ~pl.col(ROW).is_in(keep.implode())
    empty = data.select(is_empty).to_series()
    n_empty = int(empty.sum())
    if n_empty:
        data = data.filter(~empty)
        notes.append(f"{n_empty} empty row(s) skipped.")
    if data.height == 0:
        raise UnusableFile(f"'{filename}' has a header but no data rows: export it again with its rows.")
    return RawTable(frame=data, columns=columns, kind=kind, header_row=header_row, notes=notes)


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
