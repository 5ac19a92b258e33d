"""Every shape of data lights up what it can, end to end: a customers-only churn file (one row per customer,
no dates, no interactions) and a call-centre log without customer ids, each imported through
``cxdata.ingest.import_file`` into a real store, then read back through ``python -m cxdata report --json``
run as a user runs it. The expected numbers are worked out here from the rows written, by hand."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from tests.shape_files import TELCO_CSV, call_log

ROOT = Path(__file__).resolve().parents[2]
Z = 1.959963984540054


def cxdata(data_dir: Path, *args: str) -> str:
    """Run ``python -m cxdata ARGS`` on the store in ``data_dir``; its standard output."""
    env = {**os.environ, "MOMENTO_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-m", "cxdata", *args], capture_output=True, text=True, env=env,
                         cwd=data_dir.parent, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout


def report(data_dir: Path, dataset: str) -> dict:
    return json.loads(cxdata(data_dir, "report", "--dataset", dataset, "--json"))


def wilson_pct(x: int, n: int) -> tuple[float, float]:
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


# ---------------------------------------------------------------- a customers-only churn file



def test_a_customers_only_churn_file_gives_churn_lost_revenue_and_churn_by_attribute(data_dir: Path,
                                                                                   store: Store) -> None:
    result = import_file(store, TELCO_CSV.encode(), "telco.csv", "customers", dataset="telco", actor=LOCAL)
    assert result.status == "imported"
    out = report(data_dir, "telco")
    rows = [line.split(",") for line in TELCO_CSV.strip().splitlines()[1:]]
    churned = [r for r in rows if r[6] == "Yes"]
    left = out["customer_churn"]
    # 6 of 20 left; they paid 53.85 + 70.70 + 99.65 + 104.80 + 103.70 + 55.20 = 487.90 a month
    assert (left["customers"], left["churned"]) == (20, 6) == (len(rows), len(churned))
    assert left["rate_pct"] == pytest.approx(30.0)
    assert (left["low_pct"], left["high_pct"]) == pytest.approx(wilson_pct(6, 20))
    assert left["lost_monthly_revenue"] == pytest.approx(487.90)
    assert left["monthly_revenue"] == pytest.approx(sum(float(r[5]) for r in rows))
    assert left["monthly_revenue"] == pytest.approx(1397.40)
    assert left["lost_revenue_share_pct"] == pytest.approx(100 * 487.90 / 1397.40)
    contract = {r["value"]: r for r in left["by"]["contract"]}
    assert {k: (v["customers"], v["churned"]) for k, v in contract.items()} == {
        "Month-to-month": (12, 6), "One year": (5, 0), "Two year": (3, 0)}
    assert contract["Month-to-month"]["rate_pct"] == pytest.approx(50.0)
    assert (contract["Month-to-month"]["low_pct"], contract["Month-to-month"]["high_pct"]) == pytest.approx(
        wilson_pct(6, 12))
    # tenure, 20 whole values: quartiles 10, 23.5, 49.75 → edges 10, 24, 50 (two significant digits)
    tenure = {r["value"]: (r["customers"], r["churned"]) for r in left["by"]["tenure"]}
    assert tenure == {"< 10": (4, 3), "10 to 23": (6, 1), "24 to 49": (5, 2), "≥ 50": (5, 0)}
    assert {r["value"] for r in left["by"]["gender"]} == {"Female", "Male"}
    assert [r["value"] for r in left["by"]["seniorcitizen"]] == ["0", "1"]
    kpis = {k["key"]: k for k in out["kpis"]}
    assert kpis["customer_churn"]["status"] == "ok" and kpis["customer_churn"]["value"] == pytest.approx(30.0)
    assert kpis["lost_revenue_share"]["n"] == 20
    assert kpis["csat"]["status"] == "needs interactions" and kpis["logo_churn"]["status"] == "needs interactions"
    assert any("Monthly churn and the churn models need" in n for n in out["notes"])


def test_the_meeting_pack_of_a_customers_only_file_carries_its_churn(data_dir: Path, store: Store,
                                                                     tmp_path: Path) -> None:
    import_file(store, TELCO_CSV.encode(), "telco.csv", "customers", dataset="telco", actor=LOCAL)
    out = cxdata(data_dir, "export", "--dataset", "telco", "--out", str(tmp_path / "pack.xlsx"),
                 "--where", "gender=Female")
    assert out.strip().endswith("telco v1 · all dates · Gender: Female")
    book = load_workbook(tmp_path / "pack.xlsx")
    assert "Customers who left" in book.sheetnames and "Trend by month" not in book.sheetnames
    rows = list(book["KPIs"].iter_rows(min_row=7, values_only=True))
    churn = next(r for r in rows if r[0] == "Customers who left")
    # women: 0001, 0005, 0006, 0008, 0009, 0019, 0020 (month-to-month), 0017 (one year), 0012, 0016 (two year):
    # 10, of whom 4 left (0005, 0006, 0009, 0019)
    assert churn[1] == pytest.approx(40.0) and churn[4] == 10
    left = [r for r in book["Customers who left"].iter_rows(min_row=7, values_only=True) if r[0] == "Contract"]
    assert [(r[1], r[2], r[3]) for r in left] == [("Month-to-month", 7, 4), ("One year", 1, 0), ("Two year", 2, 0)]
    assert [r[0] for r in book["Headlines"].iter_rows(min_row=7, values_only=True)][0].startswith(
        "40.0% of customers left (95% CI")


# ---------------------------------------------------------------- a call-centre log without customer ids


def test_a_call_centre_log_without_customer_ids_gives_its_kpis_and_key_drivers(data_dir: Path, store: Store) -> None:
    text, rows = call_log()
    result = import_file(store, text.encode(), "calls.csv", "interactions", dataset="calls", actor=LOCAL)
    assert result.status == "imported"
    out = report(data_dir, "calls")
    kpis = {k["key"]: k for k in out["kpis"]}
    assert kpis["contacts"]["value"] == len(rows) == 900
    handled = [r["handle_seconds"] for r in rows if not r["abandoned"]]
    assert kpis["aht"]["value"] == pytest.approx(sum(handled) / len(handled))
    known = [r for r in rows if r["resolved"] is not None]
    assert kpis["resolution_rate"]["value"] == pytest.approx(100 * sum(r["resolved"] for r in known) / len(known))
    offered = [r for r in rows if not (r["abandoned"] and r["wait_seconds"] < 5)]
    answered = [r for r in offered if not r["abandoned"]]
    assert kpis["answer_rate"]["value"] == pytest.approx(100 * len(answered) / len(offered))
    assert kpis["answer_rate"]["n"] == len(offered)
    answered_waits = [r["wait_seconds"] for r in rows if not r["abandoned"]]
    assert kpis["asa"]["value"] == pytest.approx(sum(answered_waits) / len(answered_waits))
    surveyed = [r["csat"] for r in rows if r["csat"] is not None]
    assert len(surveyed) >= 200
    assert kpis["csat"]["value"] == pytest.approx(100 * sum(c >= 4 for c in surveyed) / len(surveyed))
    assert kpis["fcr"]["status"] == "needs customer_id" and kpis["customer_churn"]["status"] == "needs customers"
    # the experience model needs no customer id: key drivers and marginal effects are there
    drivers = {d["driver"]: d for d in out["key_drivers"]}
    assert set(drivers) == {"wait_minutes", "unresolved"}
    assert sum(d["share"] for d in drivers.values()) == pytest.approx(100.0)
    effects = {e["term"]: e for e in out["experience_effects"]}
    assert effects["wait_minutes"]["low"] > 0 and effects["unresolved"]["low"] > 0  # both planted, both found
    assert out["customer_churn"] is None and out["churn_model"] is None
