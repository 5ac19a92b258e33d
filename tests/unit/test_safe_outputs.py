"""What Momento writes for other programs is safe to open (issue 13):

- every ``--json`` output of the command line is strict JSON: no ``NaN`` or ``Infinity``, which strict
  parsers refuse (a KPI with one answer has no interval: ``null``);
- every CSV download neutralises cells a spreadsheet would run as a formula, and leaves numbers alone;
- a new dataset's name is checked before anything is imported, on the command line as on the Data page.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from test_cli import cxdata

from cxdata.__main__ import json_text, strict
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from cxdata.ingest.names import MAX_NAME_CHARS, NEW_DATASET_LABEL, dataset_name_problem
from cxdata.screens.export import csv_bytes, formula_safe

BOM = b"\xef\xbb\xbf"
#: One phone contact that waited 30 s, one bot session, one row without a date (rejected).
CONTACTS = (b"id,date,channel,wait\n"
            b"I1,2025-03-01,phone,30\n"
            b"I2,never,chat,40\n"
            b"I3,2025-03-02,bot,5\n")


def refuse(constant: str) -> None:
    raise ValueError(f"not strict JSON: {constant}")


def strict_loads(text: str) -> object:
    """``json.loads`` as a strict parser reads: NaN, Infinity and -Infinity are errors."""
    return json.loads(text, parse_constant=refuse)


# ---------------------------------------------------------------- strict JSON


def test_non_finite_numbers_become_null_and_numpy_scalars_numbers() -> None:
    data = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "ok": 1.5, "int": np.int64(7),
            "float": np.float32(0.25), "npnan": np.float64("nan"), "bool": np.bool_(True),
            "nested": [(1, math.nan), {"x": np.array([1.0, np.inf])}], "text": "NaN"}
    assert strict_loads(json_text(data)) == {
        "nan": None, "inf": None, "-inf": None, "ok": 1.5, "int": 7, "float": 0.25, "npnan": None, "bool": True,
        "nested": [[1, None], {"x": [1.0, None]}], "text": "NaN"}
    assert type(strict(np.int64(7))) is int


def test_report_json_of_a_kpi_without_an_interval_is_strict(data_dir: Path, tmp_path: Path) -> None:
    """On the phone, one contact: its average speed of answer is its wait, 30 s, and no interval can be
    drawn from one value; the report says so with null, which a strict parser reads."""
    (tmp_path / "contacts.csv").write_bytes(CONTACTS)
    assert cxdata(data_dir, "import", str(tmp_path / "contacts.csv"), "--table", "interactions").returncode == 0
    run = cxdata(data_dir, "report", "--where", "channel=phone", "--json")
    assert run.returncode == 0, run.stderr
    report = strict_loads(run.stdout)
    asa = next(k for k in report["kpis"] if k["key"] == "asa")
    assert (asa["value"], asa["low"], asa["high"], asa["n"]) == (30.0, None, None, 1)


def test_import_and_info_json_are_strict(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_bytes(CONTACTS)
    run = cxdata(data_dir, "import", str(tmp_path / "contacts.csv"), "--table", "interactions", "--json")
    assert run.returncode == 0, run.stderr
    assert (strict_loads(run.stdout)["accepted"], strict_loads(run.stdout)["rejected"]) == (2, 1)
    info = cxdata(data_dir, "info", "--json")
    assert strict_loads(info.stdout)["datasets"][0]["tables"] == {"interactions": 2}


# ---------------------------------------------------------------- formula-safe CSV


FRAME = pl.DataFrame({
    "row": [3, -7, 12],
    "amount": [-5.5, 1e6, None],
    "value": ["=cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0"],
    "phone": ["+39 06 1234", "-5", "+3.25"],
    "note": ["\tTAB", "\rCR", "a = b, - c"],
    "channel": pl.Series(["=HYPERLINK(\"x\")", "phone", "chat"], dtype=pl.Categorical),
})


def read_back(data: bytes) -> pl.DataFrame:
    assert data.startswith(BOM), "a byte-order mark, so Excel reads UTF-8"
    return pl.read_csv(io.BytesIO(data[len(BOM):]), infer_schema=False)


def test_cells_a_spreadsheet_would_run_come_out_quoted() -> None:
    back = read_back(csv_bytes(FRAME))
    assert back.get_column("value").to_list() == ["'=cmd|' /C calc'!A0", "'@SUM(A1:A9)", "'-2+3+cmd|' /C calc'!A0"]
    assert back.get_column("note").to_list() == ["'\tTAB", "'\rCR", "a = b, - c"]
    assert back.get_column("channel").to_list() == ["'=HYPERLINK(\"x\")", "phone", "chat"]
    assert back.get_column("phone").to_list() == ["'+39 06 1234", "-5", "+3.25"], \
        "a phone number reads with its quote; a text cell that is a plain number stays as it is"


def test_number_columns_are_written_as_numbers() -> None:
    data = csv_bytes(FRAME)
    assert data[len(BOM):].decode().startswith("row,amount,value,phone,note,channel\n3,-5.5,")
    numbers = pl.read_csv(io.BytesIO(data[len(BOM):])).select("row", "amount")
    assert numbers.to_dict(as_series=False) == {"row": [3, -7, 12], "amount": [-5.5, 1e6, None]}
    assert formula_safe(FRAME).select("row", "amount").equals(FRAME.select("row", "amount"))


def test_the_problem_downloads_use_the_safe_writer() -> None:
    from ui import downloads

    assert downloads.csv_bytes is csv_bytes


# ---------------------------------------------------------------- dataset names


@pytest.mark.parametrize(("name", "sentence"), [
    ("", "Give the new dataset a name, e.g. crm-2026-q4."),
    ("   ", "Give the new dataset a name, e.g. crm-2026-q4."),
    ("x" * (MAX_NAME_CHARS + 1), f"A dataset name has at most 64 characters; this one has {MAX_NAME_CHARS + 1}."),
    ("crm/2026", "A dataset name may hold only letters, digits, spaces, hyphens, underscores and dots (this one "
                 "also has '/')."),
    ("a:b\tc", "A dataset name may hold only letters, digits, spaces, hyphens, underscores and dots (this one "
               "also has '\\t', ':')."),
    (NEW_DATASET_LABEL, "'New dataset…' is the name of the option that creates a dataset: choose another name."),
    ("new dataset...", "'new dataset...' is the name of the option that creates a dataset: choose another name."),
])
def test_a_name_that_cannot_be_used_gets_its_sentence(name: str, sentence: str) -> None:
    assert dataset_name_problem(name) == sentence


@pytest.mark.parametrize("name", ["crm-2026-q4", "Qualità 2026", "v1.2_final", "x" * MAX_NAME_CHARS, " padded "])
def test_a_usable_name_has_no_problem(name: str) -> None:
    assert dataset_name_problem(name) is None


def test_the_command_line_refuses_a_new_name_with_exit_2_and_the_sentence(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_bytes(CONTACTS)
    for name in ("", "crm/2026"):
        run = cxdata(data_dir, "import", str(tmp_path / "contacts.csv"), "--table", "interactions",
                     "--dataset", name)
        assert run.returncode == 2
        assert run.stderr == f"error: --dataset: {dataset_name_problem(name)}\n"
        assert run.stdout == ""
    assert not list(data_dir.rglob("*.parquet")), "nothing was imported"


def test_an_existing_dataset_keeps_taking_imports_whatever_its_name(data_dir: Path, tmp_path: Path) -> None:
    """A dataset named before the rules (by the engine here) is not a new name: the check does not apply."""
    import_file(Store(data_dir), CONTACTS, "old.csv", "interactions", dataset="Q4 (old)", actor=LOCAL)
    (tmp_path / "contacts.csv").write_bytes(CONTACTS.replace(b"30", b"31"))
    run = cxdata(data_dir, "import", str(tmp_path / "contacts.csv"), "--table", "interactions",
                 "--dataset", "Q4 (old)", "--json")
    assert run.returncode == 0, run.stderr
    assert (strict_loads(run.stdout)["dataset"], strict_loads(run.stdout)["version"]) == ("Q4 (old)", 2)
