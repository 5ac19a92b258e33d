"""Files built to hurt the reader (issue 13): each costs one sentence, and the next import works.

Every file is made here, byte by byte and small: a 1.6 KB workbook with one cell at XFD1048576
(the workbook reader would allocate 16,384 × 1,048,576 cells of 32 bytes, 512 GiB, and abort the
process), a 2 MB gzip file and a 2 MB workbook that inflate to 2 GiB, files wider than the column
limit. The reader runs in a worker process (:mod:`cxdata.ingest.isolate`), so even the crash of
the workbook reader leaves this test process — the server, in production — running.
"""

from __future__ import annotations

import gzip
import os
import signal
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxdata import bootstrap
from cxdata.catalog.store import Store
from cxdata.ingest.limits import range_cells
from cxdata.ingest.read import read_file, sheet_names
from nasty_files import (
    assert_store_untouched,
    column,
    csv_bytes,
    deflated,
    import_fails,
    import_ok,
    interactions_rows,
    raw_xlsx,
    sheet_xml,
    write_gzip,
)
from tests.app.apptest_helpers import APP, DATA_PAGE
from ui.text import plain

XFD_CELLS = 16_384 * 1_048_576  # every cell of a sheet from A1 to XFD1048576


def far_cell_workbook(dimension: str | None) -> bytes:
    """A workbook with a header in A1 and one cell at XFD1048576, its range declared as ``dimension``."""
    head, tail = sheet_xml({"A1": "date", "XFD1048576": "x"}, dimension)
    return raw_xlsx(head + tail)


def assert_next_import_works(store: Store, data: bytes | None = None, filename: str = "export.csv") -> None:
    """The import right after the hostile file: 3 rows in, 3 accepted, none rejected."""
    frame, report = import_ok(store, data or csv_bytes(interactions_rows(3)), filename)
    assert (report.rows_in, report.accepted, report.rejected) == (3, 3, 0)
    assert column(frame, "interaction_id") == ["I0", "I1", "I2"]


def test_a_declared_range_of_17_billion_cells_is_refused_before_the_reader_opens_it(store: Store) -> None:
    data = far_cell_workbook("A1:XFD1048576")
    assert len(data) < 2_000
    message = import_fails(store, data, "far.xlsx")
    assert message.startswith("'far.xlsx' could not be read: this workbook claims more cells than it holds")
    assert f"range A1:XFD1048576, {XFD_CELLS:,} cells" in message
    assert_store_untouched(store)
    assert_next_import_works(store)


def test_a_crash_of_the_workbook_reader_costs_one_sentence_not_the_process(store: Store,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    """Without a declared range nothing warns before the reader runs: it aborts (SIGABRT) in the worker."""
    pid = os.getpid()
    message = import_fails(store, far_cell_workbook(None), "far.xlsx")
    assert message.startswith("'far.xlsx' could not be read: the file reader crashed on this workbook")
    assert "4,096.0 MB of memory" in message  # MOMENTO_PARSE_MEMORY_MB's default
    assert f"killed by signal {signal.SIGABRT.value}" in caplog.text  # the reader's own abort, not a broken worker
    assert os.getpid() == pid
    assert_next_import_works(store)


def test_the_sheet_names_of_a_hostile_workbook_are_read_without_opening_a_sheet() -> None:
    """The Data page asks for the sheets in the server's own process: that must never load a sheet."""
    assert sheet_names(far_cell_workbook(None), "far.xlsx") == ["Sheet1"]
    with pytest.raises(ValueError, match="claims more cells than it holds"):
        sheet_names(far_cell_workbook("A1:XFD1048576"), "far.xlsx")


def test_a_gzip_bomb_is_stopped_at_the_inflated_size_limit(store: Store, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """2 GiB of zeros in a 2 MB file; inflating stops at the limit (lowered to 64 MB to keep the test fast)."""
    bomb = write_gzip(tmp_path / "bomb.csv.gz", deflated(b"id,date,channel\n", b"\0", 2048))
    assert bomb.stat().st_size < 3 * 2**20
    assert gzip.GzipFile(bomb).read(16) == b"id,date,channel\n"  # a real gzip file
    monkeypatch.setenv("MOMENTO_MAX_INFLATED_MB", "64")
    message = import_fails(store, bomb.read_bytes(), "bomb.csv.gz")
    assert message.startswith("'bomb.csv.gz' could not be read: this file would take more than 64.0 MB once "
                              "uncompressed (MOMENTO_MAX_INFLATED_MB)")
    assert_next_import_works(store, gzip.compress(csv_bytes(interactions_rows(3))), "export.csv.gz")


def test_a_zip_bomb_workbook_is_refused_from_its_declared_sizes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet part of 2 GiB of spaces (valid XML) in a 2 MB workbook, under the default limits:
    10 × the 200 MB upload limit = 2,000 MB, which the parts' declared 2,048 MiB exceed."""
    monkeypatch.delenv("MOMENTO_MAX_INFLATED_MB", raising=False)
    head, tail = sheet_xml({"A1": "date", "A2": "2025-03-01"}, "A1:A2")
    data = raw_xlsx(deflated(head, b" ", 2048, tail))
    assert len(data) < 3 * 2**20
    message = import_fails(store, data, "bomb.xlsx")
    assert message.startswith("'bomb.xlsx' could not be read: this file would take more than 2,000.0 MB once "
                              "uncompressed (MOMENTO_MAX_INFLATED_MB)")
    assert_next_import_works(store)


def test_a_file_wider_than_the_column_limit_is_refused(store: Store) -> None:
    header = ["date"] + [f"measure_{i}" for i in range(9_999)]
    rows = [header] + [["2025-03-01"] + ["1"] * 9_999 for _ in range(3)]
    message = import_fails(store, csv_bytes(rows), "wide.csv")
    assert message == ("'wide.csv' has 10,000 columns, more than the 2,000 the importer reads (MOMENTO_MAX_COLUMNS): "
                       "export only the columns you need, or split the file into tables of fewer columns.")
    assert_next_import_works(store)


def test_the_column_limit_is_inclusive_and_configurable(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOMENTO_MAX_COLUMNS", "3")
    _, report = import_ok(store, csv_bytes(interactions_rows(2)), "three.csv")  # id, date, channel
    assert report.accepted == 2
    four = [row + ["x"] for row in interactions_rows(2)]
    assert "has 4 columns, more than the 3 the importer reads" in import_fails(store, csv_bytes(four), "four.csv")
    workbook = raw_xlsx(b"".join(sheet_xml({"A1": "id", "B1": "date", "C1": "channel", "D1": "note",
                                            "A2": "I0", "B2": "2025-03-01", "C2": "phone", "D2": "x"}, "A1:D2")))
    assert "has 4 columns, more than the 3" in import_fails(store, workbook, "four.xlsx")


def test_a_read_that_takes_too_long_is_stopped(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A limit of 0.01 s is shorter than any worker's start, so the read is always stopped."""
    monkeypatch.setenv("MOMENTO_PARSE_SECONDS", "0.01")
    message = import_fails(store, csv_bytes(interactions_rows(3)), "slow.csv")
    assert message.startswith("'slow.csv' could not be read: reading this file took longer than 0.01 s "
                              "(MOMENTO_PARSE_SECONDS), so it was stopped")
    monkeypatch.delenv("MOMENTO_PARSE_SECONDS")
    assert_next_import_works(store)


def test_a_header_longer_than_64_kib_is_found() -> None:
    """1,500 names of 60 characters: the header line alone is ~90 KB, longer than the 64 KiB the
    separator and the header used to be read from."""
    header = [f"{i:04d}_" + "a_long_descriptive_measure_name_from_a_wide_export_".ljust(55, "x") for i in range(1_500)]
    assert len(",".join(header)) > 65_536
    raw = read_file(csv_bytes([header, ["1"] * 1_500, ["2"] * 1_500]), "wide.csv")
    assert raw.columns == header
    assert raw.frame.height == 2 and raw.header_row == 1


def test_range_cells() -> None:
    assert range_cells("A1:XFD1048576") == XFD_CELLS
    assert range_cells("B2") == 1
    assert range_cells("C3:A1") == 9  # corners in either order
    assert range_cells("$A$1:$B$10") == 20
    assert range_cells("not a range") is None


def test_the_data_page_shows_the_crash_as_one_sentence(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploading the XFD1048576 workbook on the Data page: the sentence and no exception; then a
    normal file uploaded to the same page is read and mapped (the server, and its worker, still work
    while Streamlit's ``__main__`` is the app script)."""
    monkeypatch.setattr(bootstrap, "SAMPLE_DIR", data_dir.parent / "no-sample-here")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(DATA_PAGE)
    at.run()
    at.file_uploader[0].set_value(("far.xlsx", far_cell_workbook(None), "application/octet-stream")).run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.error) == 1
    assert at.error[0].value.startswith(plain("'far.xlsx' could not be read: the file reader crashed on this workbook"))
    at.file_uploader[0].set_value(("export.csv", csv_bytes(interactions_rows(3)), "text/csv")).run()
    assert not at.exception and not at.error
    assert list(at.data_editor[0].value["source column"]) == ["id", "date", "channel"]
    st.cache_data.clear()
    st.cache_resource.clear()
