"""The formula cells of a workbook sheet that the workbook reader sees as empty: an error value
(``#DIV/0!``, ``#N/A``…) or a formula without a saved value, found in the sheet's XML so the reader
can list them as cleared values instead of letting them pass as empty cells.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from xml.etree import ElementTree
from xml.sax.saxutils import unescape

NO_SAVED_VALUE = "formula without a saved value"

# The marks of a cell calamine reads as empty: an error value, or a formula with no value after it. Each
# pattern starts with a literal, so a sheet of 50 MB is searched in a few hundredths of a second.
_ERROR_MARKS = (b't="e"', b"t='e'")
_FORMULA_END = re.compile(rb"</f>(?!\s*<v>\s*[^<\s])")
_SHARED_FORMULA = re.compile(rb"<f\s[^<>]*/>(?!\s*<v>\s*[^<\s])")
_PREFIXED_FORMULA = re.compile(rb"(?:</\w+:f>|<\w+:f\s[^<>]*/>)(?!\s*<\w+:v>\s*[^<\s])")  # <x:f> (rare writers)
_TEXT_KINDS = ("str", "s", "inlineStr")  # an empty <v> of these is a saved empty text, not a missing value
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_CHUNK = 1 << 20


def formula_cells(data: bytes, sheet: str) -> list[tuple[int, int, str, str]]:
    """(spreadsheet row, 0-based column, value, problem) of the formula cells of ``sheet`` calamine
    reads as empty: an error (``t="e"``: ``#DIV/0!``, ``#N/A``…) or a formula without a saved value.

    The sheet's XML is read in blocks of whole rows; in each, fast literal-led patterns find the
    marks of such cells, and only the cells holding a mark are parsed, so a 100k-row sheet costs
    a few tenths of a second however many formulas it holds. A cell without a reference (``r``) or
    in a prefixed namespace sends the whole sheet to the streaming parser instead.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            path = _sheet_path(archive, sheet)
            if path is None:
                return []
            try:
                return _marked_cells(archive, path)
            except _NeedsFullParse:
                with archive.open(path) as stream:
                    return _scan_cells(stream)
    except (zipfile.BadZipFile, zlib.error, KeyError, ElementTree.ParseError, ValueError, OSError, EOFError,
            RuntimeError):
        return []  # calamine read the sheet; a part this scan cannot read leaves nothing to list


class _NeedsFullParse(Exception):
    pass


_CELL_START = re.compile(rb"<c[\s>/]")
_SHARED_MASTER = re.compile(rb"<f\s([^<>]*\bt=[\"']shared[\"'][^<>]*)>([^<]+)</f>")
_SI = re.compile(rb"\bsi=[\"'](\d+)[\"']")
_REF_ATTR = re.compile(rb"\br=[\"']([A-Za-z]{1,3}\d+)[\"']")
_ERROR_ATTR = re.compile(rb"\bt=[\"']e[\"']")


def _row_blocks(archive: zipfile.ZipFile, path: str):
    """The sheet's XML in blocks that end after a ``</row>`` (so no cell is cut in two)."""
    rest = b""
    with archive.open(path) as stream:
        while chunk := stream.read(4 * _CHUNK):
            block = rest + chunk
            cut = block.rfind(b"</row>")
            if cut < 0:
                rest = block
                continue
            cut += len(b"</row>")
            yield block[:cut]
            rest = block[cut:]
    if rest:
        yield rest


def _marked_cells(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, str, str]]:
    found: list[tuple[int, int, str, str]] = []
    shared: dict[str, tuple[str, str]] = {}
    for block in _row_blocks(archive, path):
        if b":f" in block and _PREFIXED_FORMULA.search(block):
            raise _NeedsFullParse
        if b"shared" in block:
            for m in _SHARED_MASTER.finditer(block):
                si = _SI.search(m.group(1))
                ref = _cell_ref(block, m.start())
                if si is not None and ref:
                    text = unescape(m.group(2).decode("utf-8"), {"&quot;": '"', "&apos;": "'"}).strip()
                    shared.setdefault(si.group(1).decode(), (text, ref))
        marks = [m.start() for pattern in (_FORMULA_END, _SHARED_FORMULA) for m in pattern.finditer(block)]
        if any(mark in block for mark in _ERROR_MARKS):
            marks += [m.start() for m in _ERROR_ATTR.finditer(block)]
        starts = sorted({_cell_start(block, pos) for pos in marks} - {-1})
        for start in starts:
            cell = _cell_at(block, start)
            address = None if cell is None else cell.get("r")
            if cell is None or not address:
                raise _NeedsFullParse
            problem = _cell_problem(cell, shared)
            if problem is not None:
                row, col = _split_ref(address)
                found.append((row, col, *problem))
    return found


def _cell_start(block: bytes, pos: int) -> int:
    """Where the ``<c`` element holding position ``pos`` starts (-1 when none)."""
    start = block.rfind(b"<c", 0, pos + 1)
    while start >= 0 and not _CELL_START.match(block, start):
        start = block.rfind(b"<c", 0, start)
    return start


def _cell_ref(block: bytes, pos: int) -> str:
    start = _cell_start(block, pos)
    if start < 0:
        return ""
    m = _REF_ATTR.search(block, start, block.find(b">", start))
    return m.group(1).decode() if m else ""


def _cell_at(block: bytes, start: int) -> ElementTree.Element | None:
    tag_end = block.find(b">", start)
    if tag_end < 0:
        return None
    end = tag_end + 1 if block[tag_end - 1 : tag_end] == b"/" else block.find(b"</c>", tag_end)
    if end < 0:
        return None
    snippet = block[start : end if block[tag_end - 1 : tag_end] == b"/" else end + 4]
    try:
        return ElementTree.fromstring(snippet)
    except ElementTree.ParseError:
        return None


def _split_ref(ref: str) -> tuple[int, int]:
    m = _CELL_REF.match(ref)
    if m is None:
        raise _NeedsFullParse
    return int(m.group(2)), _column_index(m.group(1))


def _cell_problem(cell: ElementTree.Element, shared: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """(value, problem) of a ``<c>`` element calamine reads as empty; None for a cell with a usable value.

    ``t="e"`` is an error value (listed with its code); a formula whose ``<v>`` is missing, or empty
    for a number (an empty text result is a value), was saved without being calculated.
    """
    kind = cell.get("t", "n")
    formula = value = None
    has_value = False
    for child in cell:
        tag = _local(child.tag)
        if tag == "f":
            formula = child
        elif tag == "v":
            has_value, value = True, child.text
    if kind == "e":
        code = (value or "").strip() or "#ERROR"
        return code, f"formula error {code}"
    if formula is None or (has_value and ((value or "").strip() or kind in _TEXT_KINDS)):
        return None
    text = (formula.text or "").strip()
    si = formula.get("si")
    if not text and si in shared:
        return _translate(*shared[si], cell.get("r") or ""), NO_SAVED_VALUE
    return ("=" + text if text and not text.startswith("=") else text), NO_SAVED_VALUE


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def workbook_sheet_names(data: bytes) -> list[str] | None:
    """The names of an XLSX's sheets in workbook order, read from its workbook part without opening a
    sheet; None when that part cannot be read or names no sheet."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [element.get("name") for element in _sheet_elements(archive, _workbook_path(archive))]
    except (zipfile.BadZipFile, zlib.error, KeyError, ElementTree.ParseError, ValueError, OSError, EOFError,
            RuntimeError):
        return None
    return [n for n in names if n] or None


def _workbook_path(archive: zipfile.ZipFile) -> str:
    """The zip path of the workbook part (named by the package's relationships; ``xl/workbook.xml`` by convention)."""
    book = "xl/workbook.xml"
    if "_rels/.rels" in archive.namelist():
        for rel in ElementTree.fromstring(archive.read("_rels/.rels")):
            if rel.get("Type", "").endswith("/officeDocument"):
                book = rel.get("Target", book).lstrip("/")
    return book


def _sheet_elements(archive: zipfile.ZipFile, book: str) -> list[ElementTree.Element]:
    return [e for e in ElementTree.fromstring(archive.read(book)).iter() if _local(e.tag) == "sheet"]


def _sheet_path(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip path of the XML of the sheet named ``sheet`` (workbook → its relationships → target)."""
    book = _workbook_path(archive)
    rid = None
    for element in _sheet_elements(archive, book):
        if element.get("name") == sheet:
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
    if rid is None:
        return None
    folder = posixpath.dirname(book)
    rels = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    for rel in ElementTree.fromstring(archive.read(rels)):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            return path if path in archive.namelist() else None
    return None


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _scan_cells(stream) -> list[tuple[int, int, str, str]]:
    """The streaming parse of a whole sheet (the fallback of :func:`_marked_cells`)."""
    found: list[tuple[int, int, str, str]] = []
    shared: dict[str, tuple[str, str]] = {}  # shared formula id → (formula text, its cell)
    row = col = 0
    sheet_data = None
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            if tag == "row":
                row = int(element.get("r") or row + 1)
                col = -1
            elif tag == "sheetData":
                sheet_data = element
            continue
        if tag == "row":
            if sheet_data is not None:
                sheet_data.clear()  # stream: keep no finished row in memory
            continue
        if tag != "c":
            continue
        ref = _CELL_REF.match(element.get("r") or "")
        if ref:
            row, col = int(ref.group(2)), _column_index(ref.group(1))
        else:
            col += 1
            element.set("r", f"{_column_letters(col)}{row}")
        for child in element:
            if _local(child.tag) == "f" and child.get("t") == "shared" and (child.text or "").strip():
                shared.setdefault(child.get("si") or "", (child.text.strip(), element.get("r")))
        problem = _cell_problem(element, shared)
        if problem is not None:
            found.append((row, col, *problem))
        element.clear()
    return found


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _translate(formula: str, origin: str, destination: str) -> str:
    """A shared formula's text as it reads in one of the cells that share it (=B2/C2 from D2 → =B5/C5 in D5)."""
    try:
        from openpyxl.formula.translate import Translator

        return Translator("=" + formula, origin=origin).translate_formula(destination)
    except Exception:  # noqa: BLE001 — an untranslatable formula is listed with its first cell's text
        return "=" + formula
