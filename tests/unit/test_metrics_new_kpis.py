"""The contact-centre KPIs (contact volume, AHT, resolved in contact, answer rate) and the customers
table's KPIs (customers who left, monthly revenue lost, churn by attribute) on small hand-made tables;
every expected number is worked out here by hand, never by the code under test."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import polars as pl
import pytest

from cxdata.measures.customers import (
    attributes,
    band_labels,
    churn_by,
    churn_summary,
    customer_frame,
    ranked_attributes,
)
from cxdata.measures.metrics import REGISTRY, Base, Filters, by_month, compute, estimate
from cxdata.models.analysis import Analysis
from cxdata.screens.readiness import kpi_readiness, page_readiness

Z = 1.959963984540054
T0 = datetime(2026, 3, 2, 9, 0)


def wilson(x: int, n: int) -> tuple[float, float]:
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


def log(rows: list[tuple]) -> pl.DataFrame:
    """A contact log without customer ids: (day offset, abandoned, wait, handle, resolved)."""
    return pl.DataFrame(
        [{"started_at": T0 + timedelta(days=d), "abandoned": ab, "wait_seconds": w, "handle_seconds": h, "resolved": r}
         for d, ab, w, h, r in rows],
        schema={"started_at": pl.Datetime("us"), "abandoned": pl.Boolean, "wait_seconds": pl.Float64,
                "handle_seconds": pl.Float64, "resolved": pl.Boolean}).with_columns(
        month=pl.col("started_at").dt.truncate("1mo").dt.date())


CALLS = log([
    (0, False, 10.0, 300.0, True),
    (1, False, 20.0, 200.0, False),
    (2, False, 30.0, 400.0, True),
    (3, True, 2.0, None, None),     # a short abandon (under 5 s): not offered
    (4, True, 40.0, None, None),    # a real abandon
    (5, False, 15.0, None, True),   # handled, no handle time recorded
    (6, None, 12.0, 100.0, None),   # abandoned unknown: handled for AHT, outside the answer rate
    (35, False, 5.0, 500.0, True),  # next month
])


def test_contact_volume_is_the_count_with_an_exact_poisson_interval():
    est = estimate("contacts", CALLS)
    assert (est.value, est.n) == (8, 8)
    # Garwood: [χ²(0.025; 16)/2, χ²(0.975; 18)/2] for n = 8 (published: 3.454, 15.763)
    assert (est.low, est.high) == pytest.approx((3.4538, 15.7632), abs=1e-3)
    march = estimate("contacts", CALLS, filters=Filters.of(date(2026, 3, 1), date(2026, 3, 31)))
    assert march.value == 7
    by = compute("contacts", CALLS, by=["month"])
    assert by.get_column("n").to_list() == [7, 1] and not by.get_column("small").any()
    zero = compute("contacts", CALLS.head(0))
    assert zero.get_column("n").to_list() == [0]


def test_aht_is_the_mean_handle_time_of_handled_contacts():
    est = estimate("aht", CALLS)
    handled = [300.0, 200.0, 400.0, 100.0, 500.0]  # not abandoned (unknown counts as handled), with a time
    mean = sum(handled) / 5
    sd = math.sqrt(sum((h - mean) ** 2 for h in handled) / 4)
    assert (est.value, est.n) == (pytest.approx(300.0), 5)
    assert (est.low, est.high) == pytest.approx((mean - Z * sd / math.sqrt(5), mean + Z * sd / math.sqrt(5)))
    assert not REGISTRY["aht"].higher_is_better


def test_resolution_rate_counts_contacts_with_a_known_resolved_value():
    est = estimate("resolution_rate", CALLS)
    assert (est.value, est.n) == (pytest.approx(100 * 4 / 5), 5)
    assert (est.low, est.high) == pytest.approx(wilson(4, 5))


def test_answer_rate_is_the_complement_of_abandonment_on_the_same_population():
    # known abandoned flag: 7 contacts; minus the short abandon (2 s < 5 s) → 6 offered, 5 answered
    answer, abandon = estimate("answer_rate", CALLS), estimate("abandonment", CALLS)
    assert (answer.value, answer.n) == (pytest.approx(100 * 5 / 6), 6)
    assert (answer.low, answer.high) == pytest.approx(wilson(5, 6))
    assert answer.value + abandon.value == pytest.approx(100.0) and abandon.n == answer.n


# ---------------------------------------------------------------- the customers table


def telco() -> pl.DataFrame:
    """Twelve customers: churned yes/no, monthly revenue, a contract, a 0/1 flag and a tenure in months."""
    rows = [  # id, churned, revenue, contract, senior, tenure
        ("C01", True, 70.0, "Monthly", 0, 1), ("C02", True, 90.0, "Monthly", 1, 2),
        ("C03", False, 20.0, "Monthly", 0, 3), ("C04", True, 80.0, "Monthly", 1, 5),
        ("C05", False, 50.0, "Yearly", 0, 10), ("C06", False, 60.0, "Yearly", 0, 20),
        ("C07", True, 30.0, "Yearly", 1, 30), ("C08", False, 40.0, "Yearly", 0, 40),
        ("C09", False, 100.0, None, 0, 50), ("C10", None, 55.0, "Monthly", 0, 60),
        ("C11", False, None, "Yearly", 0, 70), ("C12", False, 25.0, "Yearly", 1, 72),
    ]
    return pl.DataFrame(rows, schema={"customer_id": pl.String, "churned": pl.Boolean, "monthly_revenue": pl.Float64,
                                      "contract": pl.String, "senior": pl.Int64, "tenure": pl.Float64}, orient="row")


def test_customers_who_left_is_a_wilson_proportion_of_known_churn_values():
    frame = customer_frame(telco())
    est = estimate("customer_churn", frame)
    assert (est.value, est.n) == (pytest.approx(100 * 4 / 11), 11)  # C10 has no churned value
    assert (est.low, est.high) == pytest.approx(wilson(4, 11))
    # a snapshot: the period does not apply
    assert estimate("customer_churn", frame, filters=Filters.of(date(2020, 1, 1), date(2020, 1, 31))).n == 11
    assert not by_month(REGISTRY["customer_churn"]) and REGISTRY["customer_churn"].base is Base.CUSTOMERS


def test_monthly_revenue_lost_is_a_ratio_of_totals_with_a_delta_method_interval():
    frame = customer_frame(telco())
    est = estimate("lost_revenue_share", frame)
    # both known: C01–C09, C12 (C10 churned unknown, C11 revenue unknown) → 10 customers
    revenue = [70, 90, 20, 80, 50, 60, 30, 40, 100, 25]
    lost = [70, 90, 0, 80, 0, 0, 30, 0, 0, 0]
    r = sum(lost) / sum(revenue)  # 270 / 565
    resid = sum((y - r * x) ** 2 for y, x in zip(lost, revenue))
    se = math.sqrt(resid / (10 * 9)) / (sum(revenue) / 10)
    assert (est.value, est.n) == (pytest.approx(100 * 270 / 565), 10)
    assert (est.low, est.high) == pytest.approx((100 * (r - Z * se), 100 * (r + Z * se)))


def test_churn_by_text_numeric_and_banded_attributes():
    frame = customer_frame(telco())
    groups = attributes(frame)
    assert set(groups) == {"monthly_revenue", "contract", "senior", "tenure"}
    tables = churn_by(frame)
    contract = tables["contract"]
    assert contract.get_column("value").to_list() == ["(missing)", "Monthly", "Yearly"]
    assert contract.get_column("customers").to_list() == [1, 4, 6]  # C10 (unknown churn) is not counted
    assert contract.get_column("churned").to_list() == [0, 3, 1]
    assert contract.get_column("rate").to_list() == pytest.approx([0.0, 75.0, 100 / 6])
    assert contract.row(1, named=True)["low"] == pytest.approx(wilson(3, 4)[0])
    assert tables["senior"].get_column("value").to_list() == ["0", "1"]  # two values: by value, in order
    assert tables["senior"].get_column("churned").to_list() == [1, 3]
    # tenure, 12 whole values 1…72: quartiles 4.5, 25, 52.5 → edges 5, 25, 52 (2 significant digits, whole)
    tenure = tables["tenure"]
    assert tenure.get_column("value").to_list() == ["< 5", "5 to 24", "25 to 51", "≥ 52"]
    assert tenure.get_column("customers").to_list() == [3, 3, 3, 2]  # 1,2,3 | 5,10,20 | 30,40,50 | 70,72 (60: unknown)
    assert tenure.get_column("churned").to_list() == [2, 1, 1, 0]
    assert all(tenure.get_column("small"))  # under 30 customers


def test_band_labels_read_as_whole_numbers_on_whole_numbers():
    assert band_labels([9.0, 29.0, 55.0], integral=True) == ["< 9", "9 to 28", "29 to 54", "≥ 55"]
    assert band_labels([43.0, 73.5], integral=False) == ["< 43", "43 to 73.5", "≥ 73.5"]


def test_churn_summary_and_attributes_ranked_by_spread():
    frame = customer_frame(telco().filter(pl.col("customer_id") != "C09"))
    s = churn_summary(frame)
    assert (s["customers"], s["churned"]) == (10, 4)
    assert (s["lost_monthly_revenue"], s["monthly_revenue"]) == (270.0, 465.0)
    assert s["lost_revenue_share_pct"] == pytest.approx(100 * 270 / 465)
    assert [r["value"] for r in s["by"]["contract"]] == ["Monthly", "Yearly"]
    big = pl.concat([telco().select("customer_id", "churned", "contract", "senior")] * 10)
    tables = churn_by(customer_frame(big))
    # senior: 75% (30 of 40) vs 14.3% (10 of 70) = 60.7 points; contract: 75% vs 16.7% = 58.3 points;
    # the 10 customers without a contract are too few to count
    assert ranked_attributes(tables) == ["senior", "contract"]
    assert churn_summary(customer_frame(telco().drop("churned"))) is None


def test_churned_at_alone_means_churned_and_joined_at_gives_a_tenure():
    customers = pl.DataFrame({"customer_id": ["A", "B"], "joined_at": [date(2025, 1, 1), date(2025, 6, 1)],
                              "churned_at": [date(2025, 7, 1), None]})
    frame = customer_frame(customers)
    assert frame.get_column("churned").to_list() == [True, False]
    # A: 181 days to its churn; B: to the latest date of the table (2025-07-01), 30 days
    assert frame.get_column("tenure_months").to_list() == [round(181 / 30.4375, 1), round(30 / 30.4375, 1)]


def test_readiness_says_what_unlocks_each_kpi_in_plain_words():
    a = Analysis(None, None, customer_frame(telco()))
    tables = {"customers"}
    kpis = {k.key: k for k in kpi_readiness(a, tables)}
    assert kpis["customer_churn"].ready and kpis["lost_revenue_share"].ready
    assert kpis["resolution_rate"].unlock == "Upload an interactions table with a resolved column."
    assert kpis["logo_churn"].unlock == "Upload an interactions table with a customer id column."
    contacts = CALLS.drop("resolved")
    b = Analysis(contacts, None, None)
    kpis = {k.key: k for k in kpi_readiness(b, {"interactions"})}
    assert kpis["resolution_rate"].unlock == "Map a column to resolved."
    assert kpis["customer_churn"].unlock == "Upload a customers table with a churned column."
    assert kpis["aht"].ready and kpis["contacts"].ready
    assert kpis["containment"].unlock == "Map columns to automated and escalated."
    assert kpis["logo_churn"].unlock == ("Upload a customers table with a churned column and map a column of the "
                                         "interactions to customer id.")
    pages = {p.page: p for p in page_readiness(b, {"interactions"})}
    assert pages["Journeys"].unlock == ("Map a column of the interactions to customer id to see journeys and "
                                        "customer histories.",)
    assert ("Upload a customers table with churned and monthly revenue columns to see customers who left, by "
            "customer attribute, and the monthly revenue they took.") in pages["Churn & Revenue"].unlock
    assert [p.page for p in page_readiness(b, {"interactions"})] == [
        "Overview", "Drill-down", "Journeys", "Voice of the customer", "Churn & Revenue", "ROI planner",
        "Initiatives", "Alerts"]
