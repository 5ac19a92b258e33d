"""Problem downloads: what an analyst opens in Excel must be the values, as text, never formulas."""

from __future__ import annotations

import io

import polars as pl
from openpyxl import load_workbook

from ui.downloads import csv_bytes, xlsx_bytes

PROBLEMS = pl.DataFrame({
    "row": [3, 7],
    "value": ["=HYPERLINK(\"http://x\",\"click\")", "Perché\x07 così"],
    "problem": ["not a date", "not a number"],
})


def test_xlsx_keeps_text_as_text_and_drops_characters_xml_cannot_hold() -> None:
    sheet = load_workbook(io.BytesIO(xlsx_bytes(PROBLEMS))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("row", "value", "problem")
    assert rows[1] == (3, "=HYPERLINK(\"http://x\",\"click\")", "not a date")
    assert sheet["B2"].data_type == "s" and sheet["B2"].quotePrefix, "a formula-looking value stays a string"
    assert rows[2] == (7, "Perché così", "not a number")


def test_csv_has_a_byte_order_mark_for_excel_and_no_live_formula() -> None:
    data = csv_bytes(PROBLEMS)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(data[3:])
    assert back.get_column("value").to_list() == ["'=HYPERLINK(\"http://x\",\"click\")", "Perché\x07 così"]
    assert back.drop("value").equals(PROBLEMS.drop("value")), "numbers and plain text come back as they were"
