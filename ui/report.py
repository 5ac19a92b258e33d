"""The validation report of an import (docs/architecture.md "Import"): counts, how the file was read, conversions,
cleared values and rejected rows, with the problems downloadable."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

import polars as pl
import streamlit as st

from cxdata.format import count
from cxdata.ingest.convert import Note
from cxdata.ingest.report import CLEARED, ValidationReport
from ui.downloads import download_buttons
from ui.text import NO_VALUE, plain

#: Rejected rows listed on the page; the downloads always hold all of them.
SHOWN_ROWS = 5_000
_NOTE_COLUMNS = {"values": st.column_config.NumberColumn(format="localized", width="small")}


def notes_frame(notes: list[Note], what: str) -> pl.DataFrame:
    """A conversions or warnings list as a table: field, ``what``, values."""
    return pl.DataFrame(
        {"field": [n.field for n in notes], what: [n.message for n in notes], "values": [n.count for n in notes]},
        schema={"field": pl.String, what: pl.String, "values": pl.Int64},
    )


def problems_stem(filename: str) -> str:
    """``interactions_2026-10.xlsx`` → ``interactions_2026-10-problems``."""
    name = PurePath(filename).name
    for suffix in (".gz", ".csv", ".tsv", ".txt", ".xlsx", ".xls"):
        name = name.removesuffix(suffix)
    return f"{name or 'import'}-problems"


def fired_alerts(messages: Sequence[str]) -> None:
    """The alerts the new version fired (:func:`cxdata.actions.alerts.after_import`), one warning each, and where to manage them."""
    for message in messages:
        st.warning(plain(message), icon=":material/notifications_active:")
    if messages:
        st.page_link("app_pages/alerts.py", label="See the alerts", icon=":material/notifications:")


def show_report(report: ValidationReport, key: str) -> None:
    """Draw ``report``; ``key`` keeps its download buttons apart from others on the page."""
    cleared = int((report.problems.get_column("action") == CLEARED).sum())
    tiles = st.columns(4)
    tiles[0].metric("Rows in", count(report.rows_in), border=True)
    tiles[1].metric("Accepted", count(report.accepted), border=True)
    tiles[2].metric("Rejected", count(report.rejected), border=True,
                    help="Rows left out of the dataset; each has a reason below.")
    tiles[3].metric("Values cleared", count(cleared), border=True,
                    help="Unusable optional values emptied; their rows were kept.")

    st.markdown("**How the file was read**")
    for line in report.notes:
        st.text(line)
    if report.extras:
        kept = ", ".join(f"{name} ({kind})" for name, kind in report.extras.items())
        st.text(f"Extra columns kept for drill-down: {kept}.")

    if report.conversions:
        st.markdown("**Conversions**")
        st.dataframe(notes_frame(report.conversions, "conversion"), hide_index=True, placeholder=NO_VALUE, column_config=_NOTE_COLUMNS)
    warnings = report.warnings()
    if warnings:
        st.markdown("**Cleared values**")
        st.dataframe(notes_frame(warnings, "problem"), hide_index=True, placeholder=NO_VALUE, column_config=_NOTE_COLUMNS)

    rejected = report.rejected_rows()
    if rejected.height:
        st.markdown(f"**Rejected rows** ({count(rejected.height)})")
        if rejected.height > SHOWN_ROWS:
            st.caption(f"The first {count(SHOWN_ROWS)} are listed; the downloads hold all of them.")
        st.dataframe(rejected.head(SHOWN_ROWS), hide_index=True, placeholder=NO_VALUE,
                     column_config={"row": st.column_config.NumberColumn("row in file", format="%d")})
    if report.problems.height:
        st.markdown("**Download the problems** (every rejected row and cleared value, with its column and raw value)")
        download_buttons(lambda: report.problems, problems_stem(report.filename), key=f"{key}-problems")
