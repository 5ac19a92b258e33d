"""Import edge cases found while driving the app: ragged rows below a narrow header, tiny score
columns, a missing closing quote, appends with nothing new, durations, progress, first-start sample, and plain
numbers read by the quick path exactly as by the full rules."""

from __future__ import annotations

import gzip

import polars as pl
import pytest

from cxdata import bootstrap
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import convert, import_file, prepare
from nasty_files import column, csv_bytes, import_fails, import_ok


def test_a_wider_data_row_does_not_become_the_header(store):
    data = b"started_at,channel\n2026-01-01,phone\n2026-01-02,chat,extra,more\n2026-01-03,email\n"
    prepared = prepare(store, data, "x.csv", "interactions")
    assert prepared.raw.columns == ["started_at", "channel"] and prepared.raw.header_row == 1
    frame, report = import_ok(store, data)
    assert column(frame, "channel") == ["phone", "email"]
    assert report.rejected_rows().get_column("row").to_list() == [3]


def test_a_tiny_score_column_with_one_stray_value_keeps_its_scale(store):
    frame, report = import_ok(store, csv_bytes([["date", "csat"], ["2026-01-01", 4], ["2026-01-02", 5],
                                                ["2026-01-03", 12]]))
    assert column(frame, "csat") == [4, 5, None]
    assert [w.field for w in report.warnings()] == ["csat"]


def test_a_missing_closing_quote_is_pointed_out(store):
    data = b'started_at,comment\n2026-01-01,ok\n2026-01-02,"never closed\n2026-01-03,ok\n2026-01-04,ok\n'
    _, report = import_ok(store, data)
    assert (report.rows_in, report.accepted, report.rejected) == (4, 1, 3)  # one row per physical line
    assert any("closing quote" in n and "row 3" in n for n in report.notes)
    assert report.rejected_rows().get_column("reason").to_list() == [
        "unclosed quote: this row and the 2 lines after it were read as one value",
        "unclosed quote on row 3: this line was read into that row's value",
        "unclosed quote on row 3: this line was read into that row's value",
    ]
    message = import_fails(store, b'started_at,comment\n2026-01-01,"never closed\n2026-01-02,ok\n')
    assert message.endswith("close the quote on row 2 and import again.")


def test_appending_a_file_already_in_the_dataset_says_so(store):
    data = csv_bytes([["interaction_id", "started_at"], ["A", "2026-01-01"]])
    import_file(store, data, "a.csv", "interactions", dataset="d", actor=LOCAL)
    message = import_fails(store, data, "a.csv", mode="append", force=True, dataset="d")
    assert "nothing new to append" in message and "mapping" not in message


def test_durations_in_h_mm_ss_and_a_header_called_handle(store):
    frame, report = import_ok(store, csv_bytes([["date", "handle", "wait"], ["2026-01-01", "00:05:30", "1:20"],
                                                ["2026-01-02", "1:02:03", "45"], ["2026-01-03", "7:75", "x"]]))
    assert report.mapping["handle"] == "handle_seconds"
    assert column(frame, "handle_seconds") == [330.0, 3723.0, None]  # 7:75 is no duration
    assert column(frame, "wait_seconds") == [80.0, 45.0, None]
    assert any("[h:]mm:ss" in n.message for n in report.conversions)


def test_progress_is_reported_while_converting(store):
    seen = []
    import_file(store, csv_bytes([["date", "channel", "csat"], ["2026-01-01", "phone", 5]]), "p.csv",
                "interactions", progress=lambda f, m: seen.append((f, m)), actor=LOCAL)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert sum("Converting" in m for _, m in seen) == 3


def test_the_sample_loads_once_and_never_comes_back_after_deletion(tmp_path, monkeypatch):
    sample = tmp_path / "sample"
    sample.mkdir()
    for table, name in bootstrap.SAMPLE_FILES.items():
        rows = {"customers": [["customer_id"], ["C1"]], "revenue": [["customer_id", "month", "revenue"], ["C1", "2026-01", 9]],
                "interactions": [["customer_id", "started_at"], ["C1", "2026-01-05"]]}[table]
        data = csv_bytes(rows)
        (sample / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    store = Store(tmp_path / "store")
    assert bootstrap.ensure_sample(store, sample)
    for version in store.versions(bootstrap.SAMPLE_DATASET):
        store.delete_version(bootstrap.SAMPLE_DATASET, version.number, actor=LOCAL)
    assert store.datasets() == []
    assert not bootstrap.ensure_sample(store, sample)  # deleted on purpose: stays deleted
    assert not bootstrap.ensure_sample(Store(tmp_path / "other"), tmp_path / "missing")  # no files: no sample


@pytest.mark.parametrize("decimal", [".", ","])
@pytest.mark.parametrize("values", [
    ["12", "-3", "007", "-0", None, "1234567", "9" * 30, "1" + "0" * 400],  # whole numbers, one that overflows
    ["3.5", "0.000001", "12.50", None, "1.234"],  # "1.234" groups thousands under a decimal comma
    ["1.5", "2", "12,5"],  # not all plain: the full rules
])
def test_plain_numbers_read_by_the_quick_path_as_by_the_full_rules(monkeypatch, decimal, values) -> None:
    raw = pl.Series("x", values, pl.String)
    quick = convert.read_numbers(raw, decimal)
    monkeypatch.setattr(convert, "_plain", lambda raw, decimal: False)
    full = convert.read_numbers(raw, decimal)
    assert quick[0].to_list() == full[0].to_list() and quick[1].to_list() == full[1].to_list()
