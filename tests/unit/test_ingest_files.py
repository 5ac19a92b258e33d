"""The importer on hostile files (docs/architecture.md "Import", "Tests"): every file is built here and goes through the real path.

Each test asserts either the exact typed values an analyst would see after the import (worked
out by hand in the test) or an :class:`UnusableFile` whose message is one sentence naming the
problem and the fix, with nothing written to the store.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import zipfile
from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import UnusableFile, import_file, prepare
from nasty_files import (
    assert_store_untouched,
    column,
    csv_bytes,
    import_fails,
    import_ok,
    interactions_rows,
    snapshot,
    xlsx_bytes,
)

D = datetime  # short for expected timestamps


def rejected(report) -> dict[int, str]:
    """Spreadsheet row → reason, for the rejected rows of a report."""
    return dict(report.rejected_rows().iter_rows())


def warnings(report) -> dict[tuple[str, str], int]:
    """(field, problem) → number of values cleared."""
    cleared = report.problems.filter(pl.col("action") == "value cleared")
    return {(f, p): n for f, p, n in cleared.group_by("field", "problem").len().iter_rows()}


def conversion(report, field: str, words: str) -> int:
    """Count of the conversion note of ``field`` whose message contains ``words`` (0 when none)."""
    return sum(n.count for n in report.conversions if n.field == field and words in n.message)


# ---------------------------------------------------------------- encodings


def test_utf8(store):
    data = csv_bytes([["id", "date", "channel", "comment"],
                      ["A1", "2025-03-01 09:15:00", "phone", "Perché no? Però sì — 10 €"]])
    frame, report = import_ok(store, data)
    assert frame.rows() == [("A1", D(2025, 3, 1, 9, 15), "phone", "Perché no? Però sì — 10 €")]
    assert frame.columns == ["interaction_id", "started_at", "channel", "comment"]
    assert frame.schema["started_at"] == pl.Datetime("us")
    assert report.notes[0] == "Read as UTF-8 text, comma-separated."


def test_utf8_with_bom_header_is_clean(store):
    data = csv_bytes([["id", "date"], ["A1", "2025-03-01"]], bom=True)
    frame, report = import_ok(store, data)
    assert report.mapping == {"id": "interaction_id", "date": "started_at"}  # not '\ufeffid'
    assert column(frame, "interaction_id") == ["A1"]
    assert "UTF-8 with BOM" in report.notes[0]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_windows_1252_and_latin1_accents_intact(store, encoding):
    comment = "Perché è già così? Più caffè, Nöel" + (" 5 €" if encoding == "cp1252" else "")
    data = csv_bytes([["id", "data", "commento"], ["A1", "01/03/2025", comment], ["A2", "02/03/2025", "ù à"]],
                     sep=";", encoding=encoding)
    frame, report = import_ok(store, data)
    assert column(frame, "comment") == [comment, "ù à"]
    assert "Windows-1252" in report.notes[0]


def test_utf16_with_bom(store):
    data = "id\tdate\tcomment\r\nA1\t2025-03-01\tcaffè\r\n".encode("utf-16")
    frame, report = import_ok(store, data)
    assert frame.rows() == [("A1", D(2025, 3, 1), "caffè")]
    assert report.notes[0] == "Read as UTF-16 text, tab-separated."


# ---------------------------------------------------------------- separators and quoting


@pytest.mark.parametrize(("sep", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_separators_are_sniffed(store, sep, name):
    rows = [["id", "date", "channel", "wait"], ["S1", "2025-03-01", "email", "30"],
            ["S2", "2025-03-02", "chat", "45"]]
    frame, report = import_ok(store, csv_bytes(rows, sep=sep))
    assert frame.rows() == [("S1", D(2025, 3, 1), "email", 30.0), ("S2", D(2025, 3, 2), "chat", 45.0)]
    assert report.notes[0] == f"Read as UTF-8 text, {name}-separated."


def test_quoted_fields_with_newlines_separators_and_quotes(store):
    data = csv_bytes([
        ["id", "date", "comment"],
        ["Q1", "2025-03-01", '"first line\nsecond line, with a comma; and a semicolon"'],
        ["Q2", "2025-03-02", '"she said ""hello"", then left"'],
        ["Q3", "2025-03-03", '"multi\r\nline with CRLF"'],
        ["Q4", "2025-03-04", "plain"],
    ])
    frame, report = import_ok(store, data)
    assert column(frame, "comment") == [
        "first line\nsecond line, with a comma; and a semicolon",
        'she said "hello", then left',
        "multi\r\nline with CRLF",
        "plain",
    ]
    assert report.rows_in == 4 and report.rejected == 0


def test_stray_quote_inside_a_field_with_windows_line_endings(store):
    # Polars' reader refuses this file; the csv-module fallback reads it as Excel would.
    data = csv_bytes([["id", "date", "comment"], ["Q1", "2025-03-01", 'a 5" screen'], ["Q2", "2025-03-02", "ok"]],
                     newline="\r\n")
    frame, _ = import_ok(store, data)
    assert column(frame, "comment") == ['a 5" screen', "ok"]


def test_old_mac_line_endings(store):
    data = csv_bytes([["id", "date", "nps"], ["M1", "2025-03-01", "9"], ["M2", "2025-03-02", "3"]], newline="\r")
    frame, report = import_ok(store, data)
    assert frame.rows() == [("M1", D(2025, 3, 1), 9), ("M2", D(2025, 3, 2), 3)]
    assert report.rows_in == 2


def test_gzipped_csv(store):
    frame, _ = import_ok(store, gzip.compress(csv_bytes(interactions_rows(3))), "export.csv.gz")
    assert column(frame, "interaction_id") == ["I0", "I1", "I2"]


# ---------------------------------------------------------------- numbers


def test_decimal_comma_and_thousands_dots(store):
    data = csv_bytes([
        ["id", "data", "attesa", "durata", "costo"],
        ["N1", "01/03/2025", "1.234,56", "12,5", "€ 3,20"],
        ["N2", "01/03/2025", "1.234", "45", "1.000"],
        ["N3", "01/03/2025", "7", "0,75", "2.500,00 €"],
    ], sep=";")
    frame, report = import_ok(store, data)
    assert column(frame, "wait_seconds") == [1234.56, 1234.0, 7.0]
    assert column(frame, "handle_seconds") == [12.5, 45.0, 0.75]
    assert column(frame, "cost") == [3.2, 1000.0, 2500.0]
    assert conversion(report, "wait_seconds", "decimal comma") == 1  # only 1.234,56 had a comma
    assert conversion(report, "handle_seconds", "decimal comma") == 2


def test_us_thousands_commas(store):
    data = csv_bytes([
        ["id", "date", "wait", "handle time", "cost"],
        ["U1", "2025-03-01", '"1,234.56"', "12.5", "$3.20"],
        ["U2", "2025-03-01", '"1,234"', "45", '"1,000"'],
        ["U3", "2025-03-01", "7", "0.75", "2500"],
    ])
    frame, _ = import_ok(store, data)
    assert column(frame, "wait_seconds") == [1234.56, 1234.0, 7.0]
    assert column(frame, "handle_seconds") == [12.5, 45.0, 0.75]
    assert column(frame, "cost") == [3.2, 1000.0, 2500.0]


def test_a_value_only_one_convention_accepts_is_read_in_it(store):
    # An Excel column of real numbers with one European value typed as text: 1.234,5 is 1234.5, not 1.2345.
    data = xlsx_bytes({"Data": [["id", "date", "wait"], ["X1", date(2025, 3, 1), 12.5],
                                ["X2", date(2025, 3, 1), "1.234,5"], ["X3", date(2025, 3, 1), "1,234.5"]]})
    frame, report = import_ok(store, data, "export.xlsx")
    assert column(frame, "wait_seconds") == [12.5, 1234.5, 1234.5]
    assert report.problems.is_empty()


def test_text_in_numeric_columns_is_cleared_and_counted_never_zero(store):
    data = csv_bytes([
        ["id", "date", "wait", "transfers", "value"],
        ["T1", "2025-03-01", "abc", "2", "10"],
        ["T2", "2025-03-01", "12abc", "two", "n/a"],
        ["T3", "2025-03-01", "1.2.3", "2.5", "inf"],
        ["T4", "2025-03-01", "30", "1", "-"],
    ])
    frame, report = import_ok(store, data, overrides={"wait": "wait_seconds"})  # too few numbers to map by itself
    assert column(frame, "wait_seconds") == [None, None, None, 30.0]
    assert column(frame, "transfers") == [2, None, None, 1]
    assert frame.schema["transfers"] == pl.Int64
    assert column(frame, "value") == [10.0, None, None, None]  # n/a and - are blanks, inf is not a number
    assert report.accepted == 4 and report.rejected == 0
    assert warnings(report) == {
        ("wait_seconds", "not a number"): 3,
        ("transfers", "not a number"): 1,
        ("transfers", "not a whole number"): 1,
        ("value", "not a number"): 1,
    }


def test_negative_durations_are_cleared(store):
    data = csv_bytes([["id", "date", "wait", "handle_time"], ["N1", "2025-03-01", "-5", "120"],
                      ["N2", "2025-03-01", "0", "-0,5"]], sep=";")
    frame, report = import_ok(store, data)
    assert column(frame, "wait_seconds") == [None, 0.0]
    assert column(frame, "handle_seconds") == [120.0, None]
    assert warnings(report) == {("wait_seconds", "negative"): 1, ("handle_seconds", "negative"): 1}
    cleared = report.problems.filter(pl.col("field") == "wait_seconds")
    assert cleared.select("row", "column", "value", "action").rows() == [(2, "wait", "-5", "value cleared")]


# ---------------------------------------------------------------- survey scores


def test_out_of_range_scores_are_cleared(store):
    csat = ["1", "2", "3", "4", "5"] * 2 + ["9", "4"]  # a 1–5 column with one stray 9
    nps = ["0", "10", "11", "7"] + ["8"] * 8
    ces = ["1", "7", "8", "-1"] + ["5"] * 8
    rows = [["id", "date", "csat", "nps", "ces"]] + [
        [f"S{i}", "2025-03-01", c, n, e] for i, (c, n, e) in enumerate(zip(csat, nps, ces, strict=True))
    ]
    frame, report = import_ok(store, csv_bytes(rows))
    assert column(frame, "csat") == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, None, 4]
    assert column(frame, "nps") == [0, 10, None, 7] + [8] * 8
    assert column(frame, "ces") == [1, 7, None, None] + [5] * 8
    assert warnings(report) == {
        ("csat", "outside the 1–5 scale"): 1,
        ("nps", "outside the 0–10 scale"): 1,
        ("ces", "outside the 1–7 scale"): 2,
    }
    assert conversion(report, "csat", "scale") == 0  # not mistaken for a 1–10 column


def test_csat_on_a_1_to_10_scale_is_converted_with_the_recorded_rule(store):
    raw = [str(x) for x in range(1, 11)] * 5 + ["0", "11"]
    rows = [["id", "date", "csat"]] + [[f"C{i}", "2025-03-01", v] for i, v in enumerate(raw)]
    frame, report = import_ok(store, csv_bytes(rows))
    # ⌈x/2⌉: 1,2→1  3,4→2  5,6→3  7,8→4  9,10→5;  0→1;  11 is off both scales → cleared, not clipped to 5
    assert column(frame, "csat") == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5] * 5 + [1, None]
    assert conversion(report, "csat", "1–10 scale converted to 1–5") == 51
    assert warnings(report) == {("csat", "outside the 1–5 scale"): 1}


def test_csat_on_a_0_to_100_scale_is_converted(store):
    raw = ["0", "20", "50", "75", "100", "90", "80"]
    rows = [["id", "date", "csat"]] + [[f"C{i}", "2025-03-01", v] for i, v in enumerate(raw)]
    frame, report = import_ok(store, csv_bytes(rows))
    # 1 + round(x/25): 0→1, 20→2, 50→3, 75→4, 100→5, 90→5 (3.6→4), 80→4 (3.2→3)
    assert column(frame, "csat") == [1, 2, 3, 4, 5, 5, 4]
    assert conversion(report, "csat", "0–100 scale") == 7


# ---------------------------------------------------------------- dates


def test_iso_day_first_and_excel_serial_dates(store):
    data = csv_bytes([
        ["id", "date"],
        ["D1", "2025-03-01"],
        ["D2", "2025-03-01T14:05:00"],
        ["D3", "2025-03-01 14:05"],
        ["D4", "13/02/2025"],
        ["D5", "01/02/2025 10:30"],
        ["D6", "45678"],
        ["D7", "45678.5"],
        ["D8", "1.3.2025"],
    ])
    frame, report = import_ok(store, data)
    assert column(frame, "started_at") == [
        D(2025, 3, 1), D(2025, 3, 1, 14, 5), D(2025, 3, 1, 14, 5),
        D(2025, 2, 13), D(2025, 2, 1, 10, 30),  # 13/02 proves day-first, so 01/02 is 1 February
        D(2025, 1, 21), D(2025, 1, 21, 12),  # Excel day 45678 = 2025-01-21
        D(2025, 3, 1),
    ]
    assert conversion(report, "started_at", "dates read as day-month-year") == 3
    assert conversion(report, "started_at", "Excel serial") == 2


def test_month_first_dates_when_the_column_proves_it(store):
    data = csv_bytes([["id", "date"], ["D1", "02/13/2025"], ["D2", "03/01/2025 08:00"]])
    frame, report = import_ok(store, data)
    assert column(frame, "started_at") == [D(2025, 2, 13), D(2025, 3, 1, 8)]
    assert conversion(report, "started_at", "month-day-year") == 2


def test_unparseable_dates_in_the_required_column_reject_the_row(store):
    data = csv_bytes([
        ["id", "date", "channel"],
        ["D1", "2025-03-01", "phone"],
        ["D2", "31/02/2025", "phone"],
        ["D3", "", "phone"],
        ["D4", "yesterday", "phone"],
        ["D5", "1899-12-31", "phone"],
        ["D6", "n/a", "phone"],
    ])
    frame, report = import_ok(store, data, overrides={"date": "started_at"})  # too few dates to map by itself
    assert column(frame, "interaction_id") == ["D1"]
    assert (report.rows_in, report.accepted, report.rejected) == (6, 1, 5)
    assert rejected(report) == {
        3: "started_at '31/02/2025': not a date",
        4: "started_at is empty",
        5: "started_at 'yesterday': not a date",
        6: "started_at '1899-12-31': implausible year",
        7: "started_at is empty",
    }


def test_no_usable_row_at_all_is_one_sentence(store):
    data = csv_bytes([["id", "date"], ["A", "soon"], ["B", "later"]])
    message = import_fails(store, data, "bad.csv")  # the name says started_at, the content does not
    assert message.startswith("No column holds 'started_at'")
    assert "'date' is named like it, but only 0% of 2 values read as dates" in message
    message = import_fails(store, data, "bad.csv", overrides={"date": "started_at"})
    assert message.startswith("None of the 2 rows of 'bad.csv' could be used (row 2: started_at 'soon': not a date)")


# ---------------------------------------------------------------- files that cannot be used


def test_empty_file(store):
    message = import_fails(store, b"", "empty.csv")
    assert message == "'empty.csv' is empty (0 bytes): export it again from the source system."


@pytest.mark.parametrize("data", [b"\n\n  \r\n", b"\xef\xbb\xbf", b"\t \n"])
def test_blank_file(store, data):
    assert "holds no data" in import_fails(store, data, "blank.csv")


@pytest.mark.parametrize("data", [b"id,date,channel\n", b"id,date,channel\n,,\n\n", b"\xef\xbb\xbfid;data\r\n"])
def test_header_only(store, data):
    message = import_fails(store, data, "header.csv")
    assert message == "'header.csv' has a header but no data rows: export it again with its rows."


@pytest.mark.parametrize(("table", "rows", "missing"), [
    ("interactions", [["id", "channel"], ["A1", "phone"]], "started_at"),
    ("customers", [["segment", "region"], ["Gold", "North"]], "customer_id"),
    ("revenue", [["customer_id", "month"], ["C1", "2025-06"]], "revenue"),
])
def test_missing_required_column_names_the_field(store, table, rows, missing):
    message = import_fails(store, csv_bytes(rows), table=table)
    assert f"No column holds '{missing}'" in message
    assert ", ".join(rows[0]) in message  # lists the file's columns
    assert f"rename one of them to '{missing}' or choose it in the mapping" in message


def test_binary_file_named_csv(store):
    noise = bytes((i * 7919 + 13) % 256 for i in range(4096))
    message = import_fails(store, noise, "export.csv")
    assert message == "'export.csv' is not a text file (it contains binary data): export the table as CSV or XLSX."


def test_png_named_csv(store):
    assert "not a text file" in import_fails(store, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "a.csv")


def test_zipped_csv_is_not_taken_for_a_workbook(store):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.csv", "id,date\n1,2025-03-01\n")
    message = import_fails(store, buffer.getvalue(), "export.zip")
    assert message == "'export.zip' is a zip archive, not a workbook: unzip it and upload the CSV or XLSX inside."


def test_damaged_workbook(store):
    data = xlsx_bytes({"Data": interactions_rows(2)})
    message = import_fails(store, data[: len(data) // 2], "cut.xlsx")
    assert message.startswith("'cut.xlsx' could not be opened as a workbook")


def test_web_page_saved_as_csv(store):
    data = b"<!DOCTYPE html><html><body><table><tr><td>id</td></tr></table></body></html>\n"
    assert "is a web page, not a CSV" in import_fails(store, data, "export.csv")


def test_file_over_the_size_limit(store, monkeypatch):
    monkeypatch.setenv("MOMENTO_MAX_UPLOAD_MB", "0.001")  # 1,048 bytes
    data = csv_bytes(interactions_rows(28) * 2)
    assert len(data) > 1048
    message = import_fails(store, data, "big.csv")
    assert message.startswith(f"'big.csv' is {len(data) / 2**20:.3g} MB, over the 0.001 MB limit")
    assert message.endswith("split the export by period, or compress it as .csv.gz.")


def test_mapping_naming_a_column_the_file_lacks(store):
    message = import_fails(store, csv_bytes(interactions_rows(2)), overrides={"Quando": "started_at"})
    assert message == ("The mapping names a column 'Quando' that the file does not have; "
                       "its columns are: id, date, channel.")


# ---------------------------------------------------------------- ragged rows


def test_ragged_rows(store):
    data = csv_bytes([
        ["id", "date", "channel"],
        ["R1", "2025-03-01", "phone", "EXTRA"],  # unquoted separator in a value: rejected
        ["R2", "2025-03-02"],  # too few: the missing trailing value is empty
        ["R3", "2025-03-03", "chat"],
        ["R4", "2025-03-04", "email", ""],  # a trailing separator holds nothing: fine
    ])
    frame, report = import_ok(store, data)
    assert frame.rows() == [("R2", D(2025, 3, 2), None), ("R3", D(2025, 3, 3), "chat"),
                            ("R4", D(2025, 3, 4), "email")]
    assert rejected(report) == {2: "more fields than the header (an unquoted separator inside a value?)"}
    assert list(report.extras) == []  # the overflow did not become a column


# ---------------------------------------------------------------- text kept verbatim


HOSTILE_COMMENTS = [
    "<script>alert('x')</script>",
    '=HYPERLINK("http://evil.example","click me")',
    "<b>bold</b> & <i>more</i>",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
]


def test_html_and_formulas_in_csv_comments_are_kept_as_text(store):
    quoted = ['"' + c.replace('"', '""') + '"' for c in HOSTILE_COMMENTS]
    rows = [["id", "date", "comment"]] + [[f"H{i}", "2025-03-01", c] for i, c in enumerate(quoted)]
    frame, report = import_ok(store, csv_bytes(rows))
    assert column(frame, "comment") == HOSTILE_COMMENTS
    assert frame.schema["comment"] == pl.String and report.problems.is_empty()


def test_html_and_formulas_in_xlsx_comments_are_kept_as_text(store):
    rows = [["id", "date", "comment"]] + [[f"H{i}", date(2025, 3, 1), c] for i, c in enumerate(HOSTILE_COMMENTS)]
    frame, _ = import_ok(store, xlsx_bytes({"Export": rows}), "export.xlsx")
    assert column(frame, "comment") == HOSTILE_COMMENTS


# ---------------------------------------------------------------- workbooks


def test_xlsx_named_csv_is_read_as_a_workbook(store):
    rows = [["id", "date", "wait"], ["W1", datetime(2025, 3, 1, 9, 30), 12.5], ["W2", 45678, 30]]
    frame, report = import_ok(store, xlsx_bytes({"Dati": rows}), "export.csv")
    assert frame.rows() == [("W1", D(2025, 3, 1, 9, 30), 12.5), ("W2", D(2025, 1, 21), 30.0)]
    assert report.notes[0] == "Read sheet 'Dati'."


def test_xlsx_title_rows_above_the_header(store):
    rows = [
        ["Contact report Q1 2025"],
        ["Generated 2025-04-01 by CRM"],
        [],
        ["ID", "Date", "Channel", "CSAT"],
        ["T1", datetime(2025, 1, 2, 9, 30), "Telefono", 4],
        ["T2", "03/02/2025 14:05", "WhatsApp", 5],
    ]
    frame, report = import_ok(store, xlsx_bytes({"Report": rows}), "report.xlsx")
    assert frame.rows() == [("T1", D(2025, 1, 2, 9, 30), "phone", 4), ("T2", D(2025, 2, 3, 14, 5), "messaging", 5)]
    assert "Header found on row 4; 3 row(s) above it skipped." in report.notes
    assert report.problems.get_column("row").to_list() == []
    assert report.rows_in == 2


def test_xlsx_merged_header_cells(store):
    rows = [
        ["Contact", None, None, "Survey", None],
        ["id", "date", "channel", "csat", "nps"],
        ["M1", date(2025, 3, 1), "email", 3, 9],
        ["M2", date(2025, 3, 2), "chat", 5, 10],
    ]

    def merge(book):
        book["Sheet1"].merge_cells("A1:C1")
        book["Sheet1"].merge_cells("D1:E1")

    frame, report = import_ok(store, xlsx_bytes({"Sheet1": rows}, merge), "merged.xlsx")
    assert frame.rows() == [("M1", D(2025, 3, 1), "email", 3, 9), ("M2", D(2025, 3, 2), "chat", 5, 10)]
    assert report.mapping == {"id": "interaction_id", "date": "started_at", "channel": "channel",
                              "csat": "csat", "nps": "nps"}


def test_xlsx_header_cell_merged_over_two_data_columns(store):
    rows = [["id", "date", "Comment", None], ["M1", date(2025, 3, 1), "first", "more"],
            ["M2", date(2025, 3, 2), "x", None]]
    frame, report = import_ok(store, xlsx_bytes({"S": rows}, lambda b: b["S"].merge_cells("C1:D1")), "m.xlsx")
    assert column(frame, "comment") == ["first", "x"]
    assert column(frame, "column_4") == ["more", None]  # kept, with a name saying where it came from
    assert any("column 4 (empty, merged cells?)" in note for note in report.notes)


def test_xlsx_first_sheet_empty_reads_the_first_with_data(store):
    book = xlsx_bytes({"Cover": [], "Data": interactions_rows(2)})
    frame, report = import_ok(store, book, "book.xlsx")
    assert column(frame, "interaction_id") == ["I0", "I1"]
    assert report.notes[0] == "Read sheet 'Data' of 2."


def test_xlsx_sheet_that_does_not_exist(store):
    book = xlsx_bytes({"Cover": [], "Data": interactions_rows(2), "Notes": [["x"]]})
    message = import_fails(store, book, "book.xlsx", sheet="Dati")
    assert message == "'book.xlsx' has no sheet named 'Dati'; its sheets are: Cover, Data, Notes."


def test_xlsx_chosen_sheet_is_empty(store):
    book = xlsx_bytes({"Cover": [], "Data": interactions_rows(2)})
    message = import_fails(store, book, "book.xlsx", sheet="Cover")
    assert message == "Sheet 'Cover' of 'book.xlsx' is empty: choose the sheet that holds the table."


def test_xlsx_chosen_sheet(store):
    book = xlsx_bytes({"Old": interactions_rows(1), "New": interactions_rows(3)})
    frame, _ = import_ok(store, book, "book.xlsx", sheet="New")
    assert frame.height == 3


# ---------------------------------------------------------------- keys


def test_duplicated_interaction_ids_reject_the_later_rows(store):
    data = csv_bytes([["id", "date"], ["I1", "2025-03-01"], ["I2", "2025-03-01"], ["I1", "2025-03-02"],
                      [" I1 ", "2025-03-03"], ["12345.0", "2025-03-01"], ["12345", "2025-03-01"]])
    frame, report = import_ok(store, data)
    assert column(frame, "interaction_id") == ["I1", "I2", "12345"]
    assert column(frame, "started_at") == [D(2025, 3, 1)] * 3  # the first occurrence is the one kept
    assert rejected(report) == {
        4: "duplicate interaction_id 'I1' (first on row 2)",
        5: "duplicate interaction_id 'I1' (first on row 2)",
        7: "duplicate interaction_id '12345' (first on row 6)",
    }


def test_ids_are_generated_when_absent(store):
    frame, report = import_ok(store, csv_bytes([["date"], ["2025-03-01"], ["2025-03-02"]]))
    ids = column(frame, "interaction_id")
    assert len(set(ids)) == 2 and ids[0].endswith("-2") and ids[1].endswith("-3")
    assert conversion(report, "interaction_id", "ids generated") == 2


# ---------------------------------------------------------------- vocabularies


BOOLEANS = [("sì", True), ("si", True), ("SÌ", True), ("no", False), ("vero", True), ("falso", False),
            ("yes", True), ("Yes", True), ("true", True), ("TRUE", True), ("false", False), ("1", True),
            ("0", False), ("Y", True), ("N", False), ("y", True), ("n", False), ("", None), ("maybe", None)]


def test_booleans_in_italian_and_english(store):
    rows = [["id", "date", "risolto"]] + [[f"B{i}", "2025-03-01", w] for i, (w, _) in enumerate(BOOLEANS)]
    frame, report = import_ok(store, csv_bytes(rows), overrides={"risolto": "resolved"})  # 'maybe': under 95% yes/no
    assert column(frame, "resolved") == [v for _, v in BOOLEANS]
    assert frame.schema["resolved"] == pl.Boolean
    assert warnings(report) == {("resolved", "not a yes/no value"): 1}  # 'maybe'; the empty cell is just empty
    assert conversion(report, "resolved", "read as yes/no") == 14  # every word but true/TRUE/false/''/'maybe'


def test_channel_synonyms(store):
    words = ["Telefono", "call center", "WhatsApp", "bot", "Live Chat", "E-mail", "Negozio", "Phone - inbound",
             "chat", "carrier pigeon"]
    rows = [["id", "date", "canale"]] + [[f"C{i}", "2025-03-01", w] for i, w in enumerate(words)]
    frame, report = import_ok(store, csv_bytes(rows))
    assert column(frame, "channel") == ["phone", "phone", "messaging", "chatbot", "chat", "email", "store",
                                        "phone", "chat", "other"]
    assert conversion(report, "channel", "channel names mapped") == 8
    assert conversion(report, "channel", "not recognised, counted as 'other': 'carrier pigeon'") == 1


# ---------------------------------------------------------------- mapping and extra columns


def test_italian_headers_map_automatically(store):
    interactions = csv_bytes([
        ["codice_cliente", "data", "canale", "attesa", "soddisfazione", "motivo", "durata", "risolto"],
        ["007", "01/03/2025 09:00", "Telefono", "30", "4", "Fattura", "125,5", "sì"],
    ], sep=";")
    frame, report = import_ok(store, interactions)
    assert report.mapping == {"codice_cliente": "customer_id", "data": "started_at", "canale": "channel",
                              "attesa": "wait_seconds", "soddisfazione": "csat", "motivo": "reason",
                              "durata": "handle_seconds", "risolto": "resolved"}
    row = frame.drop("interaction_id").row(0, named=True)
    assert row == {"customer_id": "007", "started_at": D(2025, 3, 1, 9), "channel": "phone", "reason": "Fattura",
                   "wait_seconds": 30.0, "handle_seconds": 125.5, "resolved": True, "csat": 4}

    customers = csv_bytes([["codice_cliente", "segmento", "ricavo", "data_disdetta"],
                           ["007", "Oro", "1.234,50", "31/03/2025"]], sep=";")
    frame, report = import_ok(store, customers, "clienti.csv", table="customers")
    assert report.mapping == {"codice_cliente": "customer_id", "segmento": "segment", "ricavo": "monthly_revenue",
                              "data_disdetta": "churned_at"}
    assert frame.row(0, named=True) == {"customer_id": "007", "segment": "Oro", "churned": True,
                                        "churned_at": date(2025, 3, 31), "monthly_revenue": 1234.5}

    revenue = csv_bytes([["codice_cliente", "mese", "ricavo"], ["007", "03/2025", "99,90"]], sep=";")
    frame, report = import_ok(store, revenue, "ricavi.csv", table="revenue")
    assert report.mapping == {"codice_cliente": "customer_id", "mese": "month", "ricavo": "revenue"}
    assert frame.rows() == [("007", date(2025, 3, 1), 99.9)]


def test_extra_columns_are_kept_as_measures_and_dimensions(store):
    data = csv_bytes([
        ["id", "date", "Store code", "Basket value", "Region", "Mixed"],
        ["E1", "2025-03-01", "007", "12.50", "North", "10"],
        ["E2", "2025-03-01", "010", "", "South", "abc"],
        ["E3", "2025-03-01", "123", "7", "North", "3"],
    ])
    frame, report = import_ok(store, data)
    assert report.extras == {"store_code": "dimension", "basket_value": "measure", "region": "dimension",
                             "mixed": "dimension"}
    assert frame.columns[-4:] == ["store_code", "basket_value", "region", "mixed"]
    assert column(frame, "store_code") == ["007", "010", "123"]  # codes keep their leading zeros
    assert column(frame, "basket_value") == [12.5, None, 7.0]
    assert frame.schema["basket_value"] == pl.Float64
    assert column(frame, "mixed") == ["10", "abc", "3"]


def test_a_column_named_like_the_internal_row_number(store):
    frame, report = import_ok(store, csv_bytes([["__row", "date"], ["x", "2025-03-01"]]))
    assert column(frame, "row_2") == ["x"]


def test_revenue_with_only_required_fields(store):
    # Every column is a required field, so no value can be merely cleared.
    frame, report = import_ok(store, csv_bytes([["customer_id", "month", "revenue"], ["C1", "2025-06", "10"]]),
                              table="revenue")
    assert frame.rows() == [("C1", date(2025, 6, 1), 10.0)]
    assert report.problems.is_empty()


# ---------------------------------------------------------------- revenue and customers


def test_revenue_month_in_several_forms(store):
    data = csv_bytes([
        ["customer", "month", "revenue"],
        ["C1", "2025-06", "100"],
        ["C2", "06/2025", "50"],
        ["C3", "2025/07", "75.5"],
        ["C4", "6/2025", "10"],
        ["C5", "2025-06-15", "20"],
        ["C1", "06/2025", "1"],  # same customer and month as row 2
        ["C6", "13/2025", "1"],
    ])
    frame, report = import_ok(store, data, table="revenue")
    assert frame.rows() == [("C1", date(2025, 6, 1), 100.0), ("C2", date(2025, 6, 1), 50.0),
                            ("C3", date(2025, 7, 1), 75.5), ("C4", date(2025, 6, 1), 10.0),
                            ("C5", date(2025, 6, 1), 20.0)]
    assert rejected(report) == {7: "duplicate customer_id + month 'C1 / 2025-06-01' (first on row 2)",
                                8: "month '13/2025': not a date"}


def test_customers_churn_date_implies_churned(store):
    data = csv_bytes([
        ["customer_id", "churned", "churned_at"],
        ["C1", "no", "2025-03-31"],  # the date wins, and the report counts it
        ["C2", "", "30/04/2025"],
        ["C3", "sì", ""],
        ["C4", "no", ""],
        ["C5", "", ""],  # unknown stays unknown
        ["C6", "maybe", ""],  # cleared, and stays unknown
    ])
    frame, report = import_ok(store, data, table="customers", overrides={"churned": "churned"})
    assert column(frame, "churned") == [True, True, True, False, None, None]
    assert column(frame, "churned_at") == [date(2025, 3, 31), date(2025, 4, 30), None, None, None, None]
    assert conversion(report, "churned", "set to yes for customers with a churn date") == 2


def test_customers_churned_derived_from_the_date_alone(store):
    data = csv_bytes([["customer_id", "churn_date"], ["C1", "2025-03-31"], ["C2", ""]])
    frame, _ = import_ok(store, data, table="customers")
    assert frame.select("customer_id", "churned", "churned_at").rows() == [
        ("C1", True, date(2025, 3, 31)), ("C2", False, None)]


# ---------------------------------------------------------------- versions


def test_identical_reupload_is_recognised(store):
    data = csv_bytes(interactions_rows(3))
    import_ok(store, data)
    again = import_file(store, data, "export (1).csv", "interactions", actor=LOCAL)
    assert again.status == "identical" and again.report is None
    assert again.message == ("'export (1).csv' is identical to the file already imported as version 1 of 'default'; "
                             "nothing was imported.")
    assert [v.number for v in store.versions("default")] == [1]
    forced = import_file(store, data, "export.csv", "interactions", force=True, actor=LOCAL)
    assert forced.status == "imported" and forced.version.number == 2
    other = import_file(store, data, "export.csv", "interactions", dataset="other", actor=LOCAL)
    assert other.status == "imported" and other.version.number == 1


def test_append_rejects_ids_already_in_the_dataset(store):
    import_ok(store, csv_bytes(interactions_rows(3)))  # I0, I1, I2
    more = csv_bytes([["id", "date", "channel"], ["I2", "2025-04-01", "chat"], ["I3", "2025-04-02", "chat"]])
    frame, report = import_ok(store, more, "more.csv", mode="append")
    assert rejected(report) == {2: "interaction_id already in the dataset"}
    assert column(frame, "interaction_id") == ["I0", "I1", "I2", "I3"]
    assert column(frame, "started_at")[2] == D(2025, 3, 3)  # the stored I2 is untouched
    assert [v.number for v in store.versions("default")] == [2, 1]


def test_append_of_only_known_rows_writes_nothing(store):
    import_ok(store, csv_bytes(interactions_rows(3)))
    again = csv_bytes([["id", "date"], ["I0", "2025-04-01"], ["I1", "2025-04-01"]])
    message = import_fails(store, again, "again.csv", mode="append")
    assert "None of the 2 rows of 'again.csv' could be used (row 2: interaction_id already in the dataset)" in message
    assert [v.number for v in store.versions("default")] == [1]


def test_prepare_does_not_write(store):
    prepared = prepare(store, csv_bytes(interactions_rows(2)), "export.csv", "interactions")
    assert prepared.mapping_source == "suggested"
    assert_store_untouched(store)


# ---------------------------------------------------------------- property: never anything but a result or one sentence


HEADERS = ["id", "date", "data", "channel", "canale", "customer_id", "month", "revenue", "wait", "csat", "nps",
           "resolved", "churned_at", "comment", "x", "", "__row", "Data", "date"]
CELL = st.one_of(
    st.sampled_from(["", "2025-03-01", "13/02/2025", "45678", "1.234,56", "1,234.56", "-5", "9", "11", "sì",
                     "maybe", "phone", "bot", "n/a", "=1+1", "<b>", '"', '""', ",", ";", "\n", "\r", "\t", "|",
                     "0", "007", "2025-06", "06/2025", "inf", "nan", "1e400", "99999999999999999999"]),
    st.text(max_size=12),
)


def _write_csv(header: list[str], rows: list[list[str]], sep: str, quoted: bool) -> bytes:
    """Properly quoted (csv module) or naively joined, so broken quoting is exercised too."""
    if quoted:
        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator="\n").writerows([header, *rows])
        return out.getvalue().encode("utf-8", "surrogatepass")
    return "".join(sep.join(r) + "\n" for r in [header, *rows]).encode("utf-8", "surrogatepass")


_datasets = itertools.count()


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory) -> Store:
    """One store for every example (a fresh one costs more than the import); each example gets its own dataset."""
    return Store(tmp_path_factory.mktemp("property"))


def _import_or_refuse(store: Store, data: bytes, filename: str, table: str) -> None:
    """The property: a result whose rows add up and match the stored table, or UnusableFile and nothing written."""
    dataset = f"d{next(_datasets)}"
    before = snapshot(store)
    try:
        result = import_file(store, data, filename, table, dataset=dataset, actor=LOCAL)
    except UnusableFile as exc:
        message = str(exc)
        assert "\n" not in message and message.endswith("."), message
        assert snapshot(store) == before
        return
    report = result.report
    assert report.accepted + report.rejected == report.rows_in
    assert report.accepted == result.version.tables[table] > 0
    assert store.scan(result.version.version_id, table).collect().height == report.accepted


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=8)), min_size=1, max_size=6),
    rows=st.lists(st.lists(CELL, max_size=7), max_size=8),
    sep=st.sampled_from([",", ";", "\t", "|"]),
    quoted=st.booleans(),
    table=st.sampled_from(["interactions", "customers", "revenue"]),
)
def test_random_tables_import_or_refuse_in_one_sentence(shared_store, header, rows, sep, quoted, table):
    try:
        data = _write_csv(header, rows, sep, quoted)
    except UnicodeEncodeError:
        return
    _import_or_refuse(shared_store, data, "random.csv", table)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300), table=st.sampled_from(["interactions", "customers"]))
def test_random_bytes_import_or_refuse_in_one_sentence(shared_store, data, table):
    _import_or_refuse(shared_store, data, "random.csv", table)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5),
    rows=st.lists(st.lists(st.one_of(CELL, st.integers(-10, 50_000), st.floats(allow_nan=False, allow_infinity=False)),
                           max_size=6), max_size=6),
)
def test_random_workbooks_import_or_refuse_in_one_sentence(shared_store, header, rows):
    cleaned = [[c.replace("\r", "") if isinstance(c, str) else c for c in r] for r in [header, *rows]]
    try:
        data = xlsx_bytes({"Sheet": cleaned})
    except Exception:  # openpyxl refuses control characters: such a workbook cannot exist
        return
    _import_or_refuse(shared_store, data, "random.xlsx", "interactions")
