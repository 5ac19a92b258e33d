"""Excel-friendly downloads of small tables (the problems of an import) as CSV and XLSX; the CSV is
:func:`cxdata.screens.export.csv_bytes`, as every CSV download, so no cell runs as a formula."""

from __future__ import annotations

import io
from collections.abc import Callable

import polars as pl
import streamlit as st
from openpyxl import Workbook

from cxdata.screens.export import csv_bytes, text_cell

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "problems") -> bytes:
    """One-sheet workbook written with openpyxl (xlsxwriter is not a dependency).

    Text is always stored as text (:func:`cxdata.screens.export.text_cell`): a cell value such as
    ``=HYPERLINK(...)`` from an uploaded file must not become a formula.
    """
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(frame.columns)
    for row in frame.iter_rows():
        ws.append([text_cell(ws, v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download_buttons(load: Callable[[], pl.DataFrame], stem: str, key: str) -> None:
    """Two buttons side by side, CSV and Excel; ``load`` runs and the file is written only on click."""
    row = st.container(horizontal=True)
    row.download_button("CSV", lambda: csv_bytes(load()), file_name=f"{stem}.csv", mime="text/csv",
                        key=f"{key}-csv", on_click="ignore", icon=":material/download:")
    row.download_button("Excel", lambda: xlsx_bytes(load()), file_name=f"{stem}.xlsx", mime=XLSX_MIME,
                        key=f"{key}-xlsx", on_click="ignore", icon=":material/download:")
