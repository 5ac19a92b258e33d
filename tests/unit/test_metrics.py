"""Every metric of docs/method/contact-metrics.md on small tables whose answers are computed by hand."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from cxdata.measures import stats
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.metrics import REGISTRY, Base, Filters, Params, availability, compute, delta, estimate
from cxdata.measures.panel import build_panel

T0 = datetime(2025, 3, 3, 9, 0)
#: A contact of another customer 60 days later: the data runs long enough after the others that every
#: follow-up window (up to 30 days) is complete; itself it is too new to count in any of them.
LATER = {"customer_id": "Z", "reason": "other", "started_at": T0 + timedelta(days=60)}


def contacts(rows: list[dict]) -> pl.DataFrame:
    schema = {"interaction_id": pl.String, "customer_id": pl.String, "started_at": pl.Datetime("us"),
              "channel": pl.String, "reason": pl.String, "wait_seconds": pl.Float64, "abandoned": pl.Boolean,
              "transfers": pl.Int64, "automated": pl.Boolean, "escalated": pl.Boolean, "csat": pl.Int64,
              "nps": pl.Int64, "ces": pl.Int64}
    full = [{k: r.get(k) for k in schema} | {"interaction_id": r.get("interaction_id", f"I{i}")} for i, r in enumerate(rows)]
    return enrich_contacts(pl.DataFrame(full, schema=schema))


def test_wilson_matches_the_textbook_formula():
    lo, hi = pl.select(*(e.alias(f"b{i}") for i, e in enumerate(stats.wilson(pl.lit(8), pl.lit(10))))).row(0)
    z, p, n = stats.Z95, 0.8, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (lo, hi) == pytest.approx((centre - half, centre + half))
    assert (lo, hi) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # published value for 8/10


def test_nps_value_and_adjusted_wald_interval():
    scores = [10, 9, 9, 8, 7, 6, 3, 0, 10, 10]  # 5 promoters, 3 detractors of 10 → NPS 20
    frame = contacts([{"customer_id": "A", "started_at": T0 + timedelta(days=i), "nps": s} for i, s in enumerate(scores)])
    est = estimate("nps", frame)
    assert est.value == pytest.approx(20.0) and est.n == 10
    pp, pd = (5 + 0.75) / 13, (3 + 0.75) / 13
    se = 100 * math.sqrt((pp + pd - (pp - pd) ** 2) / 13)
    assert est.low == pytest.approx(100 * (pp - pd) - stats.Z95 * se)
    assert est.high == pytest.approx(100 * (pp - pd) + stats.Z95 * se)


def test_csat_is_top_two_box_and_negative_rate_bottom_two_box():
    frame = contacts([{"customer_id": "A", "started_at": T0, "csat": c} for c in [5, 4, 4, 3, 2, 1, 1, 5]])
    assert estimate("csat", frame).value == pytest.approx(100 * 4 / 8)
    assert estimate("negative_rate", frame).value == pytest.approx(100 * 3 / 8)


def test_ces_mean_and_share_easy():
    frame = contacts([{"customer_id": "A", "started_at": T0, "ces": c} for c in [7, 6, 5, 4, 1, None]])
    est = estimate("ces", frame)
    assert est.value == pytest.approx(23 / 5) and est.n == 5
    sd = pl.Series([7, 6, 5, 4, 1]).std()
    assert est.high - est.value == pytest.approx(stats.Z95 * sd / math.sqrt(5))
    assert estimate("ces_easy", frame).value == pytest.approx(60.0)


def test_repeat_contacts_and_fcr_window_edges():
    day = timedelta(days=1)
    rows = [
        # customer A, reason billing: t0, t0+7d exactly (inside W=7), t0+14d+1s (outside)
        {"customer_id": "A", "reason": "billing", "started_at": T0},
        {"customer_id": "A", "reason": "billing", "started_at": T0 + 7 * day},
        {"customer_id": "A", "reason": "billing", "started_at": T0 + 14 * day + timedelta(seconds=1)},
        # customer A, another reason 1 hour later: not a repeat of billing, itself never followed
        {"customer_id": "A", "reason": "delivery", "started_at": T0 + timedelta(hours=1)},
        # customer B: follow-up on the same reason through another channel after 1 day exactly
        {"customer_id": "B", "reason": "billing", "channel": "chat", "started_at": T0},
        {"customer_id": "B", "reason": "billing", "channel": "phone", "started_at": T0 + day},
        LATER,
    ]
    frame = contacts(rows)
    # repeat 7d: A1 (next at exactly 7d) and B1 → 2 of 6
    assert estimate("repeat_7d", frame).value == pytest.approx(100 * 2 / 6)
    # repeat 1d: only B1 (exactly 1 day) → 1 of 6
    assert estimate("repeat_1d", frame).value == pytest.approx(100 * 1 / 6)
    # repeat 30d: A1, A2 (7d + 1s later) and B1 → 3 of 6
    assert estimate("repeat_30d", frame).value == pytest.approx(100 * 3 / 6)
    # FCR, W=7: first contacts are A1, A3 (7d+1s after A2), A-delivery, B1; resolved first: A3, A-delivery → 2/4
    fcr = estimate("fcr", frame)
    assert (fcr.value, fcr.n) == (pytest.approx(50.0), 4)
    # the same follow-up in a filtered view still counts: chat only → B1 is not resolved
    assert estimate("fcr", frame, filters=Filters.of(channel=["chat"])).value == pytest.approx(0.0)


def test_abandonment_asa_p90_and_service_level():
    waits = [(3, True), (30, True), (10, False), (15, False), (25, False), (60, False)]
    frame = contacts([{"customer_id": "A", "started_at": T0, "wait_seconds": w, "abandoned": a} for w, a in waits])
    # short abandon (3 s < 5 s) removed from numerator and denominator: 1 / 5
    assert estimate("abandonment", frame).value == pytest.approx(20.0)
    asa = estimate("asa", frame)
    assert (asa.value, asa.n) == (pytest.approx((10 + 15 + 25 + 60) / 4), 4)
    # service level T = 20 s: answered within 20 s (10, 15) / offered − short abandons (5) = 40%
    assert estimate("service_level", frame).value == pytest.approx(40.0)
    p90 = estimate("p90_wait", frame)
    assert p90.value == pytest.approx(pl.Series([10.0, 15, 25, 60]).quantile(0.9, "linear"))
    assert p90.low <= p90.value <= p90.high


def test_transfer_rate_containment_verified_containment_and_escalation():
    day = timedelta(days=1)
    rows = [
        {"customer_id": "A", "started_at": T0, "transfers": 0},
        {"customer_id": "B", "started_at": T0, "transfers": 2},
        {"customer_id": "C", "started_at": T0, "transfers": 1, "abandoned": True},  # not handled
        # bot sessions: D contained, E contained but back on the phone within 7 days, F escalated,
        # G contained but CSAT 1 → not verified
        {"customer_id": "D", "started_at": T0, "automated": True, "escalated": False, "reason": "x"},
        {"customer_id": "E", "started_at": T0, "automated": True, "escalated": False, "reason": "x"},
        {"customer_id": "E", "started_at": T0 + 2 * day, "reason": "y", "channel": "phone"},
        {"customer_id": "F", "started_at": T0, "automated": True, "escalated": True},
        {"customer_id": "G", "started_at": T0, "automated": True, "escalated": False, "csat": 1},
        LATER,
    ]
    frame = contacts(rows)
    assert estimate("transfer_rate", frame).value == pytest.approx(50.0)
    assert estimate("containment", frame).value == pytest.approx(75.0)
    assert estimate("verified_containment", frame).value == pytest.approx(25.0)
    assert estimate("escalation_rate", frame).value == pytest.approx(25.0)


def test_cost_per_contact_uses_settings_by_channel():
    frame = contacts([{"customer_id": "A", "started_at": T0, "channel": c} for c in ["phone", "phone", "chatbot"]])
    params = Params(cost_per_contact={"phone": 8.0, "chatbot": 0.5})
    assert estimate("cost_per_contact", frame, params=params).value == pytest.approx((8 + 8 + 0.5) / 3)


def _panel():
    customers = pl.DataFrame({
        "customer_id": ["A", "B", "C", "D"],
        "segment": ["x", "x", "y", "y"],
        "joined_at": [date(2024, 1, 5), date(2024, 1, 5), date(2025, 1, 20), date(2024, 6, 1)],
        "churned_at": [None, date(2025, 2, 10), None, date(2025, 3, 31)],
    })
    revenue = pl.DataFrame({
        "customer_id": ["A", "A", "A", "B", "C", "C", "D", "D", "D"],
        "month": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 1, 1), date(2025, 2, 1),
                  date(2025, 3, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)],
        "revenue": [100.0, 100, 100, 50, 40, 40, 30, 30, 30],
        "expansion": [0.0, 0, 20, 0, 0, 0, 0, 0, 0],
        "contraction": [0.0, 10, 0, 0, 0, 0, 0, 0, 0],
    })
    inter = enrich_contacts(pl.DataFrame({
        "customer_id": ["A", "A", "D"], "channel": ["phone", "chat", "phone"],
        "started_at": [datetime(2025, 1, 10), datetime(2025, 2, 3), datetime(2025, 2, 3)],
        "csat": [1, 5, 2],
    }))
    return build_panel(customers, inter, revenue, cost_per_contact={"phone": 6.0, "chat": 3.0})


def test_panel_rows_outcome_and_lagged_exposures():
    panel = _panel()
    # A: Jan–Mar; B: Jan–Feb (churns Feb); C joined Jan → at risk Feb–Mar; D: Jan–Mar (churns Mar)
    counts = dict(panel.group_by("customer_id").len().iter_rows())
    assert counts == {"A": 3, "B": 2, "C": 2, "D": 3}
    assert panel.filter(pl.col("churn")).select("customer_id", "month").rows() == [("B", date(2025, 2, 1)), ("D", date(2025, 3, 1))]
    a = panel.filter(pl.col("customer_id") == "A").sort("month")
    # the January negative (CSAT 1) shows up in February's exposures, never in January's
    assert a.get_column("negatives_prev").to_list() == [0, 1, 0]
    assert a.get_column("contact_cost").to_list() == [6.0, 3.0, 0.0]
    d = panel.filter(pl.col("customer_id") == "D").sort("month")
    assert d.get_column("negatives_prev").to_list() == [0, 0, 1]


def test_logo_and_revenue_churn_and_cost_to_serve():
    panel = _panel()
    churn = estimate("logo_churn", panel)
    assert (churn.value, churn.n) == (pytest.approx(100 * 2 / 10), 10)
    # gross revenue churn: rows with revenue_prev — A Feb (100, contraction 10), A Mar (100), C Mar (40),
    # D Feb (30), D Mar (30, churns); B Feb (50, churns). lost = 10 + 30 + 50 = 90 of 350
    assert estimate("gross_revenue_churn", panel).value == pytest.approx(100 * 90 / 350)
    # net: minus A's March expansion 20 → 70 / 350
    assert estimate("net_revenue_churn", panel).value == pytest.approx(100 * 70 / 350)
    assert estimate("cost_to_serve", panel).value == pytest.approx((6 + 3 + 6) / 10)
    by_segment = compute("logo_churn", panel, by=["segment"])
    assert by_segment.get_column("small").all()  # 1 event per segment: too few to show


def test_grouping_shrinkage_and_small_cells():
    rows = [{"customer_id": "A", "started_at": T0, "channel": "phone", "csat": 5 if i % 2 else 1} for i in range(200)]
    rows += [{"customer_id": "B", "started_at": T0, "channel": "chat", "csat": 1} for _ in range(5)]
    rows += [{"customer_id": "C", "started_at": T0, "channel": "email", "csat": 5 if i % 4 else 1} for i in range(100)]
    table = compute("csat", contacts(rows), by=["channel"])
    chat = table.filter(pl.col("channel") == "chat").row(0, named=True)
    assert chat["small"] and chat["value"] == 0.0
    overall = 100 * (100 + 75) / 305
    assert chat["value"] < chat["shrunk"] <= overall  # pulled toward the overall rate
    phone = table.filter(pl.col("channel") == "phone").row(0, named=True)
    assert not phone["small"]


def _log_uniform(rng: np.random.Generator, k: int, high: int) -> np.ndarray:
    """k cell sizes from 5 to ``high`` answers, log-uniform: many small cells and a few large ones."""
    return np.round(np.exp(rng.uniform(math.log(5), math.log(high), k))).astype(int)


def _beta_binomial_cells(seed: int, big: tuple[int, ...] = (), k: int = 200, high: int = 2000
                         ) -> tuple[pl.Series, pl.Series]:
    """Cells with true rates drawn from Beta(8, 32) (mean 0.2, α + β = 40) and x ~ Binomial(n, rate): the
    ``big`` cells plus k log-uniform ones."""
    rng = np.random.default_rng(seed)
    n = np.concatenate([np.array(big, dtype=int), _log_uniform(rng, k, high)])
    return pl.Series(rng.binomial(n, rng.beta(8, 32, len(n)))), pl.Series(n)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_beta_binomial_prior_recovers_a_known_beta_from_cells_of_very_different_sizes(seed):
    # 200 cells of 5 to 2,000 answers. Truth: Beta(8, 32), mean 0.2, α + β = 40. Over 1,000 seeds of this
    # design the fitted mean has a standard deviation of 0.008 and never strayed 0.03 from 0.2; α + β has a
    # standard deviation of about 8 (20%), and 2.4% of the seeds land more than 50% away. So: mean within
    # 0.03, α + β within 50%. (The earlier estimator, variance minus p̄(1 − p̄)·mean(1/n), found no spread on
    # 363 of 400 seeds.)
    prior = stats.beta_binomial_prior(*_beta_binomial_cells(seed))
    assert prior is not None
    a, b = prior
    assert a / (a + b) == pytest.approx(0.2, abs=0.03)
    assert a + b == pytest.approx(40, rel=0.5)


def test_beta_binomial_prior_is_unbiased_when_a_few_cells_hold_most_answers():
    # Two cells of 20,000 answers beside 60 cells of 5–300 (a phone × support cell beside small ones). The
    # moment estimator's ρ = 1/(α + β + 1) must average the true 1/41 over many draws (within 25%); without
    # the N − Σn²/N term (variance minus p̄(1 − p̄)·k/N) it averages 40% low.
    rhos = []
    for seed in range(100):
        prior = stats.beta_binomial_prior(*_beta_binomial_cells(seed, big=(20_000, 20_000), k=60, high=300))
        rhos.append(0.0 if prior is None else 1 / (sum(prior) + 1))
    assert np.mean(rhos) == pytest.approx(1 / 41, rel=0.25)


def test_beta_binomial_prior_sees_no_spread_when_every_cell_has_the_same_rate():
    n = pl.Series([4, 8, 40, 400, 2000, 12])
    assert stats.beta_binomial_prior(n // 4, n) is None  # every cell at exactly 25%: pool fully
    assert stats.beta_binomial_prior(pl.Series([3]), pl.Series([10])) is None  # one cell: nothing to compare
    assert stats.beta_binomial_prior(pl.Series([0, 0]), pl.Series([10, 50])) is None  # p̄ = 0


def test_beta_binomial_prior_by_hand_and_the_shrunk_rate():
    # cells 2/10, 30/100, 90/200: N = 310, p̄ = 122/310, Σn² / N = 50,100/310
    x, n = pl.Series([2, 30, 90]), pl.Series([10, 100, 200])
    p = 122 / 310
    chi2 = (10 * (0.2 - p) ** 2 + 100 * (0.3 - p) ** 2 + 200 * (0.45 - p) ** 2) / (p * (1 - p))
    rho = (chi2 - 2) / (310 - 50_100 / 310 - 2)
    a, b = stats.beta_binomial_prior(x, n)
    assert (a, b) == pytest.approx((p * (1 / rho - 1), (1 - p) * (1 / rho - 1)))
    shrunk = pl.select(stats.shrink(pl.lit(2), pl.lit(10), (a, b), p)).item()
    assert shrunk == pytest.approx((2 + a) / (10 + a + b)) and 0.2 < shrunk < p
    # cells as far apart as rates can be (0 of 10 and 10 of 10): no pooling, each keeps its own rate
    assert stats.beta_binomial_prior(pl.Series([0, 10]), pl.Series([10, 10])) == (0.0, 0.0)


def test_every_contact_metric_has_no_value_where_nothing_is_left():
    """An empty period (a fresh upload's comparison period) gives n = 0 and no value or interval, not an error, for
    every shape (the P90's order statistics have no rank to read)."""
    frame = contacts([{"customer_id": "A", "channel": "phone", "started_at": T0, "wait_seconds": 30.0,
                       "abandoned": False, "transfers": 0, "csat": 5, "nps": 9, "ces": 2}, LATER])
    nothing = Filters.of(date(2020, 1, 1), date(2020, 1, 31))
    for metric in REGISTRY.values():
        if metric.base is not Base.CONTACTS or availability(metric, frame.columns):
            continue
        e = estimate(metric, frame, filters=nothing)
        assert (e.value, e.low, e.high, e.n) == (None, None, None, 0), metric.key


def test_missing_fields_say_what_is_needed():
    frame = contacts([{"customer_id": "A", "started_at": T0}]).drop("nps")
    assert availability(REGISTRY["nps"], frame.columns) == "needs nps"
    with pytest.raises(KeyError, match="needs nps"):
        compute("nps", frame)


def test_period_filter_and_delta():
    rows = [{"customer_id": "A", "started_at": datetime(2025, 1, 15), "csat": 5}] * 40
    rows += [{"customer_id": "A", "started_at": datetime(2025, 2, 15), "csat": c} for c in [5, 1] * 20]
    frame = contacts(rows)
    jan = estimate("csat", frame, filters=Filters.of(date(2025, 1, 1), date(2025, 1, 31)))
    feb = estimate("csat", frame, filters=Filters.of(date(2025, 2, 1), date(2025, 2, 28)))
    assert (jan.value, feb.value) == (pytest.approx(100.0), pytest.approx(50.0))
    d = delta(feb, jan)
    assert d.value == pytest.approx(-50.0) and d.low < -50 < d.high < 0


def test_e_value():
    assert stats.e_value(2.0) == pytest.approx(2 + math.sqrt(2))
    assert stats.e_value(0.5) == pytest.approx(2 + math.sqrt(2))


def test_nps_below_zero():
    frame = contacts([{"customer_id": "A", "started_at": T0, "nps": s} for s in [0, 1, 2, 10]])
    assert estimate("nps", frame).value == pytest.approx(-50.0)
    by = compute("nps", frame, by=["customer_id"])
    assert by.item(0, "value") == pytest.approx(-50.0)


def test_the_contact_frame_of_stored_rows_skips_the_sort_and_is_the_sorted_frame(sample_store) -> None:
    """The store keeps interactions in customer and time order, so the contact frame is read without sorting
    (``in_contact_order``); it equals the frame of the same rows shuffled, which is sorted."""
    from cxdata.measures.contacts import in_contact_order
    from cxdata.models.analysis import Tables

    tables = Tables.from_store(sample_store, sample_store.active_version("sample").version_id, scan_interactions=True)
    stored = tables.interactions.collect()
    shuffled = stored.sample(fraction=1.0, shuffle=True, seed=7)
    assert in_contact_order(stored) and not in_contact_order(shuffled)
    order = ["customer_id", "started_at", "interaction_id"]  # contacts at the same second may come in either order
    read = enrich_contacts(tables.interactions, tables.customers).sort(order)
    assert read.equals(enrich_contacts(shuffled, tables.customers).sort(order))
    assert read.height == stored.height
