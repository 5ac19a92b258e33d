"""The command line (``python -m cxdata import | info``) run as a user runs it: a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nasty_files import csv_bytes, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]


def cxdata(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOMENTO_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "cxdata", *args], capture_output=True, text=True, env=env,
                          cwd=data_dir.parent, timeout=120)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "contacts.csv").write_bytes(csv_bytes(
        [["id", "date", "channel", "wait"], ["I1", "2025-03-01", "Telefono", "30"], ["I2", "never", "chat", "x"],
         ["I3", "2025-03-02", "bot", "5"]]))
    (folder / "customers.xlsx").write_bytes(xlsx_bytes({"Clienti": [["codice_cliente", "segmento"], ["C1", "Oro"]]}))
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (folder / "crm.csv").write_bytes(csv_bytes([["Quando", "Chi"], ["2025-03-01", "C1"]]))
    return folder


def test_import_json(data_dir, files):
    run = cxdata(data_dir, "import", str(files / "contacts.csv"), "--table", "interactions", "--dataset", "acme",
                 "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["status"], out["dataset"], out["version"]) == ("imported", "acme", 1)
    assert (out["rows_in"], out["accepted"], out["rejected"]) == (3, 2, 1)
    assert out["rejected_rows"] == [{"row": 3, "reason": "started_at 'never': not a date"}]
    assert out["mapping"] == {"id": "interaction_id", "date": "started_at", "channel": "channel",
                              "wait": "wait_seconds"}
    assert run.stderr == ""


def test_import_twice_is_recognised(data_dir, files):
    args = ("import", str(files / "contacts.csv"), "--table", "interactions", "--json")
    assert cxdata(data_dir, *args).returncode == 0
    again = cxdata(data_dir, *args)
    assert again.returncode == 0
    assert json.loads(again.stdout)["status"] == "identical"
    forced = cxdata(data_dir, *args, "--force")
    assert json.loads(forced.stdout)["version"] == 2


def test_import_workbook_sheet_and_text_output(data_dir, files):
    run = cxdata(data_dir, "import", str(files / "customers.xlsx"), "--table", "customers", "--sheet", "Clienti")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(
        "Imported 'customers.xlsx' as version 1 of 'default': 1 rows in: 1 accepted, 0 rejected.")


def test_import_with_map(data_dir, files):
    run = cxdata(data_dir, "import", str(files / "crm.csv"), "--table", "interactions",
                 "--map", "Quando=started_at", "--map", "Chi=customer_id", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["mapping"] == {"Quando": "started_at", "Chi": "customer_id"}


@pytest.mark.parametrize(("args", "expected"), [
    (("binary.csv", "--table", "interactions"),
     "error: 'binary.csv' is not a text file (it contains binary data): export the table as CSV or XLSX."),
    (("customers.xlsx", "--table", "customers", "--sheet", "Foglio1"),
     "error: 'customers.xlsx' has no sheet named 'Foglio1'; its sheets are: Clienti."),
    (("crm.csv", "--table", "interactions"), "error: No column holds 'started_at' (when the contact started)"),
    (("crm.csv", "--table", "interactions", "--map", "Quando"),
     "error: --map expects SOURCE_COLUMN=field, got 'Quando'."),
    (("missing.csv", "--table", "interactions"), "error: There is no file at"),
])
def test_unusable_file_exits_1_with_one_line(data_dir, files, args, expected):
    run = cxdata(data_dir, "import", str(files / args[0]), *args[1:], "--json")
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.startswith(expected)
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert not list(data_dir.rglob("*.parquet"))


def test_bad_arguments_exit_2(data_dir, files):
    run = cxdata(data_dir, "import", str(files / "contacts.csv"), "--table", "orders")
    assert run.returncode == 2 and "invalid choice" in run.stderr


def test_info_json_lists_what_was_imported(data_dir, files):
    empty = cxdata(data_dir, "info", "--json")
    assert empty.returncode == 0 and json.loads(empty.stdout)["datasets"] == []
    cxdata(data_dir, "import", str(files / "customers.xlsx"), "--table", "customers")
    cxdata(data_dir, "import", str(files / "contacts.csv"), "--table", "interactions")
    run = cxdata(data_dir, "info", "--json")
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    assert Path(info["data_dir"]) == data_dir
    assert [(d["dataset"], d["version"], d["active"], d["tables"]) for d in info["datasets"]] == [
        ("default", 2, True, {"customers": 1, "interactions": 2}),
        ("default", 1, False, {"customers": 1}),
    ]
    text = cxdata(data_dir, "info")
    assert text.returncode == 0 and "customers 1, interactions 2" in text.stdout.replace("\n", " ")
