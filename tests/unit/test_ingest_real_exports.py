"""Issue 11: what real exports need — mapping without false positives, status words, opposite fields,
units, dates, absurd values and mixed scales — through the real import path (files written here)."""

from __future__ import annotations

import io
import json
from datetime import datetime, time, timedelta

import openpyxl
import polars as pl
import pytest
from test_cli import cxdata

from cxdata.access import LOCAL
from cxdata.ingest import UnusableFile, import_file, prepare
from cxdata.ingest.choices import Choices
from nasty_files import column, csv_bytes, import_fails, import_ok
from test_ingest_files import conversion, warnings


def _contacts(header: list[str], rows: list[list[str]]) -> bytes:
    return csv_bytes([header, *rows])


# ---------------------------------------------------------------- mapping: whole words and content


def test_no_prefix_or_substring_mapping_and_each_automatic_mapping_says_why(store):
    rows = [[f"2026-01-{d:02d}", city, f"C{d % 7}", str(h), "yes" if d % 2 else "no"]
            for d, city, h in zip(range(1, 29), ["Roma", "Milano", "Napoli", "Torino"] * 7, range(28), strict=True)]
    data = _contacts(["date", "customer_city", "customer", "resolution_hours", "resolved"], rows)
    frame, report = import_ok(store, data)
    assert report.mapping == {"date": "started_at", "customer": "customer_id", "resolved": "resolved"}
    assert "customer_city" in report.extras and "resolution_hours" in report.extras
    # kept, never cleared into 'resolved' (the file is stored in customer and time order: back to the file's)
    assert column(frame.sort("started_at"), "resolution_hours")[:3] == [0.0, 1.0, 2.0]
    assert set(report.mapping_reasons) == {"date", "customer", "resolved"}
    assert "100% of 28 values read as yes/no" in report.mapping_reasons["resolved"]
    assert "7 distinct values" in report.mapping_reasons["customer"]


def test_a_name_match_whose_content_does_not_fit_is_only_suggested(store):
    # 'customer' names an id but holds 2 values over 200 rows; 'resolved' holds hours, not yes/no.
    rows = [[f"2026-01-{1 + i % 28:02d}", "Roma" if i % 2 else "Milano", str(i % 9 + 0.5)] for i in range(200)]
    prepared = prepare(store, _contacts(["date", "customer", "resolved"], rows), "x.csv", "interactions")
    assert prepared.mapping == {"date": "started_at"}
    reasons = {s["column"]: (s["field"], s["reason"]) for s in prepared.suggestions}
    assert reasons["customer"][0] == "customer_id" and "2 distinct values in 200" in reasons["customer"][1]
    assert reasons["resolved"][0] == "resolved" and "0% of 200 values read as yes/no" in reasons["resolved"][1]


def test_a_header_containing_a_field_name_is_suggested_not_mapped(store):
    rows = [[f"2026-01-{d:02d}", f"C{d}"] for d in range(1, 29)]
    prepared = prepare(store, _contacts(["date", "customer_code_crm"], rows), "x.csv", "interactions")
    assert "customer_code_crm" not in prepared.mapping
    assert prepared.suggestions[0]["column"] == "customer_code_crm"
    assert prepared.suggestions[0]["field"] == "customer_id"


# ---------------------------------------------------------------- status words, opposites, value maps


STATUSES = ["Solved", "Closed", "Resolved", "Risolto", "Chiuso", "Resuelto", "Fechado", "Fermé", "Gelöst",
            "Open", "Pending", "In Progress", "Escalated", "Aperto", "In lavorazione", "Pendiente", "Em andamento",
            "En attente", "In Bearbeitung"]


def test_help_desk_status_words_in_six_languages_read_as_resolved(store):
    rows = [[f"T{i}", "2026-02-01", s] for i, s in enumerate(STATUSES)]
    frame, report = import_ok(store, _contacts(["ticket_id", "created_at", "status"], rows))
    assert report.mapping["status"] == "resolved"
    assert column(frame, "resolved") == [True] * 9 + [False] * 10
    assert conversion(report, "resolved", "status words read") == 19


def test_a_value_map_from_the_command_line_overrides_and_is_saved(store):
    rows = [["T1", "2026-02-01", "Solved"], ["T2", "2026-02-01", "Pending"], ["T3", "2026-02-01", "Awaiting parts"]]
    data = _contacts(["ticket_id", "created_at", "status"], rows)
    choices = Choices(values={"resolved": {"pending": "yes", "awaiting_parts": "no"}})
    frame, report = import_ok(store, data, overrides={"status": "resolved"}, choices=choices)
    assert column(frame, "resolved") == [True, True, False]
    assert conversion(report, "resolved", "value map applied") == 2
    # The next file of the same export format gets the saved value map without being told.
    again = _contacts(["ticket_id", "created_at", "status"], [["T9", "2026-03-01", "Awaiting parts"]])
    frame, _ = import_ok(store, again, dataset="other")
    assert column(frame, "resolved") == [False]


def test_an_answered_column_is_stored_as_the_opposite_of_abandoned(store):
    rows = [["2026-01-01", "Y"], ["2026-01-01", "N"], ["2026-01-02", "Sì"], ["2026-01-02", ""]]
    frame, report = import_ok(store, _contacts(["Date", "Answered (Y/N)"], rows))
    assert report.mapping["Answered (Y/N)"] == "answered"
    assert column(frame, "abandoned") == [False, True, False, None]
    assert "answered" not in frame.columns
    assert conversion(report, "abandoned", "opposite of 'Answered (Y/N)'") == 3


def test_mapping_a_field_and_its_opposite_is_refused(store):
    data = _contacts(["date", "abandoned", "answered"], [["2026-01-01", "no", "yes"]])
    message = import_fails(store, data, overrides={"abandoned": "abandoned", "answered": "answered"})
    assert "opposite" in message


# ---------------------------------------------------------------- units


def test_units_are_read_from_the_header_and_converted(store):
    rows = [["2026-01-01", "1.5", "2", "0:02:30"], ["2026-01-02", "3", "0.5", "1:00:00"]]
    data = _contacts(["date", "first_response_minutes", "resolution_hours", "handle"], rows)
    frame, report = import_ok(store, data)
    assert report.mapping["first_response_minutes"] == "wait_seconds"
    assert column(frame, "wait_seconds") == [90.0, 180.0]
    assert column(frame, "handle_seconds") == [150.0, 3600.0]
    assert conversion(report, "wait_seconds", "values in minutes converted to seconds (× 60)") == 2
    frame, _ = import_ok(store, _contacts(["date", "attesa_min"], rows and [["2026-01-01", "2"]]), dataset="it")
    assert column(frame, "wait_seconds") == [120.0]


def test_milliseconds_and_an_analyst_unit_override(store):
    data = _contacts(["date", "wait_ms", "handle"], [["2026-01-01", "1500", "2"], ["2026-01-02", "250", "3"]])
    frame, report = import_ok(store, data, choices=Choices(units={"handle_seconds": "minutes"}))
    assert column(frame, "wait_seconds") == [1.5, 0.25]
    assert column(frame, "handle_seconds") == [120.0, 180.0]


def test_excel_time_cells_are_durations_not_cleared_dates(store):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Call Id", "Date", "Time", "AvgTalkDuration"])
    sheet.append(["ID1", datetime(2021, 1, 1), time(9, 12, 58), timedelta(minutes=2, seconds=23)])
    sheet.append(["ID2", datetime(2021, 1, 2), time(15, 0, 5), timedelta(hours=25, seconds=1)])
    buffer = io.BytesIO()
    book.save(buffer)
    frame, report = import_ok(store, buffer.getvalue(), "calls.xlsx")
    assert column(frame, "handle_seconds") == [143.0, None]  # 25 h is over the 24-hour limit
    assert column(frame, "started_at") == [datetime(2021, 1, 1, 9, 12, 58), datetime(2021, 1, 2, 15, 0, 5)]
    assert conversion(report, "handle_seconds", "Excel time cells") == 2
    assert warnings(report) == {("handle_seconds", "absurd: over 24 hours"): 1}


def test_non_finite_and_absurd_durations_are_cleared_and_counted(store):
    rows = [["2026-01-01", "1e308", "30"], ["2026-01-01", "inf", "86401"], ["2026-01-01", "700000", "60"],
            ["2026-01-01", "20", "40"]]
    frame, report = import_ok(store, _contacts(["date", "wait", "handle"], rows),
                              overrides={"wait": "wait_seconds"})
    assert column(frame, "wait_seconds") == [None, None, None, 20.0]
    assert column(frame, "handle_seconds") == [30.0, None, 60.0, 40.0]
    assert warnings(report) == {("wait_seconds", "absurd value (beyond ±10^15)"): 1,
                                ("wait_seconds", "not a number"): 1,
                                ("wait_seconds", "absurd: over 7 days"): 1,
                                ("handle_seconds", "absurd: over 24 hours"): 1}


# ---------------------------------------------------------------- dates


def test_day_first_two_digit_years_and_month_names(store):
    rows = [["C1", "22-04-15"], ["C2", "03-05-15"], ["C3", "22-Apr-15"], ["C4", "5-mag-16"], ["C5", "1 août 2016"]]
    frame, report = import_ok(store, _contacts(["id", "date received"], rows))
    assert column(frame, "started_at") == [datetime(2015, 4, 22), datetime(2015, 5, 3), datetime(2015, 4, 22),
                                           datetime(2016, 5, 5), datetime(2016, 8, 1)]
    assert conversion(report, "started_at", "dates read as day-month-year (22-04-15 → 2015-04-22)") == 5
    assert conversion(report, "started_at", "month names read") == 3


def test_twelve_hour_times_and_month_first_when_the_values_prove_it(store):
    rows = [["A", "4/15/2022 3:53:50 PM"], ["B", "4/16/2022 12:05:00 AM"], ["C", "April 17 2022 9:00"]]
    frame, report = import_ok(store, _contacts(["id", "timestamp"], rows))
    assert column(frame, "started_at") == [datetime(2022, 4, 15, 15, 53, 50), datetime(2022, 4, 16, 0, 5),
                                           datetime(2022, 4, 17, 9, 0)]
    assert conversion(report, "started_at", "12-hour times") == 2
    assert not any("FLAGGED" in n.message for n in report.conversions)


def test_a_column_that_reads_two_ways_is_flagged_and_the_analyst_can_choose(store):
    data = _contacts(["id", "date"], [["A", "03/04/2026"], ["B", "05/06/2026"]])
    frame, report = import_ok(store, data)
    assert column(frame, "started_at") == [datetime(2026, 4, 3), datetime(2026, 6, 5)]
    assert conversion(report, "started_at", "FLAGGED: every date could also be read as month-day-year") == 2
    frame, _ = import_ok(store, data, dataset="us", force=True, choices=Choices(orders={"started_at": "mdy"}))
    assert column(frame, "started_at") == [datetime(2026, 3, 4), datetime(2026, 5, 6)]


# ---------------------------------------------------------------- one scale per column


def test_a_csat_column_mixing_scales_is_asked_never_rescaled_row_by_row(store):
    answers = ["5", "4", "4", "5", "3", "4", "5", "4"] * 4 + ["9", "10", "8", "10", "7", "9"] * 3
    rows = [[f"2026-01-{1 + i % 28:02d}", a] for i, a in enumerate(answers)]
    data = _contacts(["date", "csat"], rows)
    with pytest.raises(UnusableFile, match=r"csat answers in 'csat' mix scales.*--scale csat=1-5"):
        import_file(store, data, "mixed.csv", "interactions", actor=LOCAL)
    frame, report = import_ok(store, data, choices=Choices(scales={"csat": "1-5"}))
    assert column(frame, "csat").count(None) == 18 and report.accepted == 50
    assert warnings(report) == {("csat", "outside the 1–5 scale"): 18}
    frame, _ = import_ok(store, data, dataset="b", force=True, choices=Choices(scales={"csat": "0-10"}))
    assert column(frame, "csat")[:2] == [3, 2]  # ⌈x/2⌉ for every answer: the analyst's choice, stated


def test_a_genuine_one_to_ten_column_is_still_converted_without_asking(store):
    answers = ["10", "9", "8", "9", "7", "10", "6", "8", "3", "9"] * 3
    frame, report = import_ok(store, _contacts(["date", "csat"], [["2026-01-01", a] for a in answers]))
    assert conversion(report, "csat", "1–10 scale converted to 1–5") == 30


# ---------------------------------------------------------------- the command line


def test_cli_values_unit_scale_and_dates_flags(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(_contacts(["ticket_id", "created", "status", "first_response"],
                               [["T1", "03/04/2026", "Pending", "2"], ["T2", "05/06/2026", "Solved", "1.5"]]))
    run = cxdata(tmp_path / "store", "import", str(path), "--table", "interactions", "--json",
                 "--values", "resolved:Pending=yes", "--unit", "wait_seconds=minutes", "--dates", "started_at=mdy")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["choices"]["units"] == {"wait_seconds": "minutes"}
    assert out["mapping_reasons"]["status"].startswith("its name is 'status'")
    run = cxdata(tmp_path / "store", "import", str(path), "--table", "interactions", "--force",
                 "--unit", "resolved=hours")
    assert run.returncode == 1 and "takes no unit" in run.stderr and "Traceback" not in run.stderr


def test_the_parsed_durations_match_an_independent_reading():
    """read_excel_times against datetime arithmetic on the same strings."""
    from cxdata.ingest.convert import read_excel_times

    texts = ["1899-12-31 00:02:23", "1900-01-01 06:00:01", "1899-12-30 01:00:00", "2021-01-01 00:00:00"]
    expected = [143.0, 86400 + 6 * 3600 + 1.0, 3600.0, None]
    assert read_excel_times(pl.Series(texts)).to_list() == expected
