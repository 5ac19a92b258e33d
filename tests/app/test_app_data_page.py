"""The Data page: the datasets and their row counts, the import flow end to end, unusable files,
identical files, and version management."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import DATA_PAGE, by_label, metrics, parquet_rows, run_app, shown, table_with
from cxdata.catalog.store import Store
from cxdata.ingest import UnusableFile
from cxdata.ingest.names import dataset_name_problem
from cxdata.ingest.read import read_file
from ui.text import plain

# Row 3 has an unusable date: the only required field of interactions, so the row is rejected.
BAD_ROW_CSV = (b"Data contatto;Codice cliente;Canale;Attesa (sec)\n"
               b"05/03/2026 09:15;C1;telefono;12,5\n"
               b"non una data;C2;chat;3\n"
               b"06/03/2026 11:00;C3;WhatsApp;abc\n")
UNRECOGNISED_CSV = b"when,who\n2026-03-01,A1\n2026-03-02,A2\n"


def csv_rows(path: Path) -> int:
    data = path.read_bytes()
    return pl.read_csv(gzip.decompress(data) if path.suffix == ".gz" else data, infer_schema=False).height


def upload(at: AppTest, name: str, data: bytes, *, new_dataset: str | None = None) -> AppTest:
    """Choose the target (a new dataset when named), then upload ``data`` as ``name``."""
    if new_dataset is not None:
        by_label(at.selectbox, "Into dataset").set_value("").run()
        by_label(at.text_input, "Name of the new dataset").input(new_dataset).run()
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def edit_mapping(at: AppTest, column: str, target: str) -> AppTest:
    """Set the "maps to" cell of source ``column`` in the mapping editor, as a click would."""
    editor = at.data_editor[0]
    row = list(editor.value["source column"]).index(column)
    at.session_state[editor.key] = {"edited_rows": {row: {"maps to": target}}, "added_rows": [], "deleted_rows": []}
    return at.run()


def import_button(at: AppTest):
    return next(b for b in at.button if b.label in ("Import", "Import anyway"))


def test_lists_the_sample_with_the_row_counts_of_its_files(loaded_store: Path, sample_dir: Path) -> None:
    at = run_app(DATA_PAGE)
    assert [e.label for e in at.expander if "version" in e.label] == ["sample · 3 versions"]
    versions = table_with(at, "version")
    active = versions[versions["active"]].iloc[0]
    for table, file in {"interactions": "interactions.csv.gz", "customers": "customers.csv",
                        "revenue": "revenue.csv.gz"}.items():
        assert active[table] == csv_rows(sample_dir / file) == parquet_rows(loaded_store, "sample", table)
    tables = table_with(at, "rows rejected")
    assert dict(zip(tables["table"], tables["rows"])) == Store(loaded_store).active_version("sample").tables
    assert set(tables["rows rejected"]) == {0}


def test_upload_map_import_and_report(loaded_store: Path) -> None:
    at = upload(run_app(DATA_PAGE), "contatti.csv", BAD_ROW_CSV, new_dataset="march")
    mapping = at.data_editor[0].value
    assert list(mapping["maps to"]) == ["started_at", "customer_id", "channel", "wait_seconds"]
    assert "05/03/2026 09:15" in mapping["sample values"][0]
    assert any(c.value.startswith("Suggested from the column names") for c in at.caption)

    import_button(at).click().run()
    assert not at.exception
    assert shown(at.success[0].value).startswith("Imported 'contatti.csv' as version 1 of 'march'")
    tiles = metrics(at)
    assert (tiles["Rows in"], tiles["Accepted"], tiles["Rejected"], tiles["Values cleared"]) == ("3", "2", "1", "1")
    rejected = table_with(at, "reason")
    assert list(rejected["row"]) == [3] and "non una data" in rejected["reason"][0]
    assert {b.label for b in at.download_button} >= {"CSV", "Excel"}
    assert at.sidebar.selectbox[0].value == "march", "the sidebar follows the import"
    assert not at.file_uploader[0].value, "the uploader is emptied for the next file"
    assert Store(loaded_store).active_version("march").tables == {"interactions": 2}


def test_an_unusable_file_gets_one_sentence_and_no_traceback(loaded_store: Path) -> None:
    data = bytes(range(256)) * 8
    with pytest.raises(UnusableFile) as expected:
        read_file(data, "export.csv")
    at = upload(run_app(DATA_PAGE), "export.csv", data)
    assert [e.value for e in at.error] == [plain(str(expected.value))]
    assert not at.data_editor and not [b for b in at.button if b.label == "Import"]


@pytest.mark.parametrize("name", ["crm/2026", "New dataset…", "Q4: final"])
def test_a_new_dataset_name_that_cannot_be_used_says_why_and_blocks_the_import(loaded_store: Path,
                                                                              name: str) -> None:
    at = run_app(DATA_PAGE)
    by_label(at.selectbox, "Into dataset").set_value("").run()
    field = by_label(at.text_input, "Name of the new dataset")
    field.input(name).run()
    sentence = dataset_name_problem(name)
    assert [shown(e.value) for e in at.error] == [sentence]
    at.file_uploader[0].set_value(("contatti.csv", BAD_ROW_CSV, "text/csv")).run()
    assert import_button(at).disabled
    assert sentence in [shown(w.value) for w in at.warning], "the disabled button says why"
    assert Store(loaded_store).datasets() == ["sample"]


def test_a_missing_required_field_blocks_the_import_until_mapped(loaded_store: Path) -> None:
    at = upload(run_app(DATA_PAGE), "unrecognised.csv", UNRECOGNISED_CSV, new_dataset="remapped")
    assert "No column holds 'started_at'" in shown(at.error[0].value)
    assert import_button(at).disabled

    at = edit_mapping(at, "when", "started_at")
    assert not at.error and not import_button(at).disabled
    at = edit_mapping(at, "when", "ignore")
    assert "No column holds 'started_at'" in shown(at.error[0].value)

    at = edit_mapping(at, "when", "started_at")
    import_button(at).click().run()
    assert metrics(at)["Accepted"] == "2"
    assert Store(loaded_store).active_version("remapped").tables == {"interactions": 2}


def test_an_identical_file_is_recognised_and_can_be_imported_anyway(loaded_store: Path) -> None:
    at = upload(run_app(DATA_PAGE), "contatti.csv", BAD_ROW_CSV, new_dataset="twice")
    import_button(at).click().run()
    at = upload(at, "contatti.csv", BAD_ROW_CSV)
    import_button(at).click().run()
    assert "is identical to the file already imported as version 1" in shown(at.info[0].value)
    assert import_button(at).label == "Import anyway"
    import_button(at).click().run()
    assert [v.number for v in Store(loaded_store).versions("twice")] == [2, 1]


def test_activate_and_delete_a_version(loaded_store: Path) -> None:
    at = run_app(DATA_PAGE)
    by_label(at.selectbox, "Version").set_value(2).run()
    by_label(at.button, "Make active").click().run()
    store = Store(loaded_store)
    assert store.active_version("sample").number == 2

    by_label(at.button, "Delete…").click().run()
    assert "Delete version 2?" in at.warning[0].value
    by_label(at.button, "Yes, delete version 2").click().run()
    assert not at.exception
    assert [v.number for v in store.versions("sample")] == [3, 1]
    assert store.active_version("sample").number == 3, "the newest left becomes active"
    assert [e.label for e in at.expander if "version" in e.label] == ["sample · 2 versions"]


def test_delete_can_be_cancelled(loaded_store: Path) -> None:
    at = run_app(DATA_PAGE)
    by_label(at.button, "Delete…").click().run()
    by_label(at.button, "Cancel").click().run()
    assert not at.warning
    assert len(Store(loaded_store).versions("sample")) == 3


def test_deleting_the_only_version_removes_the_dataset_and_its_files(loaded_store: Path) -> None:
    at = upload(run_app(DATA_PAGE), "contatti.csv", BAD_ROW_CSV, new_dataset="solo")
    import_button(at).click().run()
    files = sorted((loaded_store / "datasets" / "solo").iterdir())
    assert len(files) == 2, "the table and its problems"

    solo = next(e for e in at.expander if e.label.startswith("solo"))
    by_label(solo.button, "Delete…").click().run()
    assert "the only one, so the whole dataset goes" in at.warning[0].value
    by_label(at.button, "Yes, delete version 1").click().run()
    assert not at.exception
    assert Store(loaded_store).datasets() == ["sample"]
    assert not any(f.exists() for f in files)
    assert at.sidebar.selectbox[0].value == "sample"
