"""Real public exports in, right numbers out: every file of tests/corpus/ through the real command line.

Each folder holds one export nobody on the team wrote, its SOURCE, and REFERENCE.json: the figures its
reference.py computed from the file with the standard library alone. The file is imported into a fresh
store with only the overrides an analyst would need (REFERENCE's map_args, values_args, unit_args), then
`report --json` must agree with the reference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"  # where the fetched exports live (see tests/corpus/.gitignore)
FOLDERS = sorted(p.parent for p in CORPUS.glob("*/REFERENCE.json"))
COUNTS = {"contacts", "customers", "churned"}
TOLERANCE = 0.05  # percentage points, NPS points or seconds


def cxdata(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOMENTO_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "cxdata", *args], capture_output=True, text=True, env=env,
                          cwd=data_dir.parent, timeout=120)


def close(actual, expected, key: str) -> bool:
    if actual is None:
        return False
    if key in COUNTS:
        return actual == pytest.approx(expected, rel=1e-6)
    return abs(actual - expected) <= TOLERANCE


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_corpus_file(folder: Path, tmp_path: Path):
    ref = json.loads((folder / "REFERENCE.json").read_text(encoding="utf-8"))
    data_file = next((d / ref["file"] for d in (folder, SHARED_CORPUS / folder.name) if (d / ref["file"]).exists()),
                     None)
    if data_file is None:
        pytest.skip(f"{ref['file']} is neither in {folder} nor in {SHARED_CORPUS / folder.name}")
    args = ["import", str(data_file), "--table", ref["table"], "--json"]
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
