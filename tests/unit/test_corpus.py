"""Real public exports in, right numbers out: every export of tests/corpus/ through the real command line.

Each folder holds one export nobody on the team wrote (or names it: docs/corpus.md says where the exports
are kept), its SOURCE, and REFERENCE.json: the figures its reference.py computed from the export with the
standard library alone. Always checked: the manifest — SOURCE records origin, commit, licence and SHA-256,
and REFERENCE names only fields, KPIs and choices the product has. Where the export is at hand (SHA-256 as
recorded), it is imported into a fresh store with only the overrides an analyst would need (REFERENCE's
map_args, values_args, unit_args), and `report --json` must agree with the reference.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from test_cli import cxdata

from cxdata.ingest.choices import parse_cli
from cxdata.measures.metrics import REGISTRY
from cxdata.schema import TABLES

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("refkit", ROOT / "tests" / "corpus" / "refkit.py")
refkit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refkit)

FOLDERS = refkit.folders()
COUNTS = {"contacts", "customers", "churned"}
TOLERANCE = 0.05  # percentage points, NPS points or seconds


def reference(folder: Path) -> dict:
    return json.loads((folder / "REFERENCE.json").read_text(encoding="utf-8"))


def with_export(folder: Path):
    """The folder as a test parameter, run where its export is at hand (docs/corpus.md says where to put it)."""
    path = refkit.export_path(folder, reference(folder)["file"])
    return pytest.param(folder, path, id=folder.name, marks=pytest.mark.skipif(
        path is None, reason=f"the export of {folder.name} is not at hand here: see docs/corpus.md"))


def close(actual, expected, key: str) -> bool:
    if actual is None:
        return False
    if key in COUNTS:
        return actual == pytest.approx(expected, rel=1e-6)
    return abs(actual - expected) <= TOLERANCE


def test_the_corpus_has_eight_exports_of_every_kind_the_issue_names():
    tables = [reference(f)["table"] for f in FOLDERS]
    assert len(FOLDERS) >= 8 and {"interactions", "customers"} <= set(tables)


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_manifest_names_its_origin_and_only_what_the_product_has(folder: Path):
    source = (folder / "SOURCE").read_text(encoding="utf-8")
    for line in ("repository: https://github.com/", "commit: ", "licence: ", "cut: "):
        assert f"\n{line}" in f"\n{source}", f"SOURCE lacks '{line.strip()}'"
    assert len(refkit.source_sha256(folder)) == 64
    ref = reference(folder)
    table = TABLES[ref["table"]]
    assert {f for f in ref["mapping"].values() if f is not None} <= set(table.names)
    assert set(ref["kpis"]) <= set(REGISTRY)
    assert all(a.split("=", 1)[1] in table.names for a in ref["map_args"])
    parse_cli(ref["values_args"], ref["unit_args"], [], []).check(table)  # raises on a choice the product refuses


@pytest.mark.parametrize("folder, path", [with_export(f) for f in FOLDERS])
def test_corpus_export_reproduces_its_reference(folder: Path, path: Path, tmp_path: Path):
    assert refkit.sha256(path) == refkit.source_sha256(folder), f"{path} is not the export SOURCE records"
    ref = reference(folder)
    args = ["import", str(path), "--table", ref["table"], "--json"]
    for flag, key in (("--map", "map_args"), ("--values", "values_args"), ("--unit", "unit_args")):
        for value in ref.get(key, []):
            args += [flag, value]
    data_dir = tmp_path / "data"
    run = cxdata(data_dir, *args)
    assert run.returncode == 0, f"import failed: {run.stderr.strip()}"
    out = json.loads(run.stdout)

    problems = []
    if out["rows_in"] != ref["rows"]:
        problems.append(f"rows_in {out['rows_in']} != {ref['rows']}")
    if "accepted" in ref and out["accepted"] != ref["accepted"]:
        problems.append(f"accepted {out['accepted']} != {ref['accepted']} (rejected: {out['rejected_rows'][:3]})")
    overridden = {a.split("=", 1)[0] for a in ref.get("map_args", [])}
    for column, field in out["mapping"].items():
        if column in overridden or column not in ref["mapping"]:
            continue
        if field != ref["mapping"][column]:
            problems.append(f"column {column!r} mapped to {field!r}, should be {ref['mapping'][column]!r}")

    report = cxdata(data_dir, "report", "--json")
    assert report.returncode == 0, f"report failed: {report.stderr.strip()}"
    result = json.loads(report.stdout)
    kpis = {k["key"]: k for k in result["kpis"]}
    for key, expected in ref["kpis"].items():
        if key not in kpis:
            problems.append(f"kpi {key}: not reported")
        elif not close(kpis[key]["value"], expected, key):
            problems.append(f"kpi {key}: {kpis[key]['value']} (n={kpis[key]['n']}, {kpis[key]['status']}) "
                            f"!= {expected}")
    for key, expected in ref.get("customer_churn", {}).items():
        actual = (result.get("customer_churn") or {}).get(key)
        if not close(actual, expected, key):
            problems.append(f"customer_churn.{key}: {actual} != {expected}")
    assert not problems, f"{folder.name}:\n  " + "\n  ".join(problems)
