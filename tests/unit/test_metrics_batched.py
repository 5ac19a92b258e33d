"""One query per scope: ``compute_many`` gives every metric what filtering its rows first and aggregating them alone gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cxdata.measures import metrics
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.customers import customer_frame
from cxdata.measures.metrics import (
    METRICS,
    REGISTRY,
    Base,
    Filters,
    Frames,
    Metric,
    Params,
    Shape,
    availability,
    compute,
    compute_many,
    estimates,
    kpi_status,
    kpi_statuses,
)
from cxdata.models.analysis import Tables, _contacts, _panel
from cxdata.sample import SampleParams, generate

#: Floats may differ in the last bits (the sums run over other chunks); a mean whose values are all equal has a
#: variance of rounding noise, Σx² − n·x̄² ≈ 1e-16·Σx², whose root differs by up to ~1e-8 between two summations.
FLOATS = {"rel_tol": 1e-12, "abs_tol": 1e-7}


@dataclass(frozen=True)
class Case:
    frames: Frames
    by: dict[Base, list[tuple[str, ...]]]


@pytest.fixture(scope="module")
def sample() -> Case:
    data = generate(SampleParams(n_customers=1500))
    tables = Tables(data.interactions, data.customers, data.revenue)
    contacts = _contacts(tables, Params())
    frames = Frames(contacts, _panel(tables, contacts, Params()), customer_frame(data.customers))
    return Case(frames, {Base.CONTACTS: [(), ("channel",), ("channel", "touchpoint"), ("month",)],
                         Base.CUSTOMER_MONTHS: [(), ("month",), ("segment",)],
                         Base.CUSTOMERS: [(), ("segment",), ("plan", "region")]})


def one_by_one(metric: Metric, frame: pl.DataFrame, by: tuple[str, ...], filters: Filters) -> pl.DataFrame:
    """The old way: the frame's rows filtered to ``filters`` and to the metric's population (with a complete
    follow-up window) first, then that metric alone aggregated over them."""
    rows, in_filters = metrics._rows([metric], frame, filters, Params())
    population = metric.population(Params()) & metrics._complete(metric, Params())
    return compute(metric, rows.filter(in_filters).filter(population).collect(), by=list(by))


def assert_same(got: pl.DataFrame, want: pl.DataFrame, what: str) -> None:
    exact = [c for c in want.columns if c not in ("value", "low", "high", "shrunk")]
    assert got.columns == want.columns and got.schema == want.schema, what
    try:
        assert_frame_equal(got.select(exact), want.select(exact), check_exact=True)
        assert_frame_equal(got, want, check_exact=False, **FLOATS)
    except AssertionError as e:
        raise AssertionError(f"{what}: {e}") from None


FILTERS = [Filters(), Filters.of(date(2025, 3, 1), date(2026, 2, 28), segment=["Consumer", "Enterprise"]),
           Filters.of(None, date(2025, 12, 31), channel=["phone"])]


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "period and segments", "phone to December"])
@pytest.mark.parametrize("base", list(Base))
def test_every_metric_of_a_base_in_one_query_equals_it_computed_alone(sample: Case, base: Base, filters: Filters):
    frame = sample.frames.of(base)
    assert frame is not None
    supported = [m for m in METRICS if m.base is base and availability(m, frame.columns) is None]
    shapes = {m.shape for m in supported}
    assert {Base.CONTACTS: set(Shape) - {Shape.RATIO}, Base.CUSTOMER_MONTHS: {Shape.PROPORTION, Shape.RATIO, Shape.MEAN},
            Base.CUSTOMERS: {Shape.PROPORTION, Shape.RATIO}}[base] <= shapes
    for by in sample.by[base]:
        tables = compute_many(supported, frame, by=list(by), filters=filters)
        assert list(tables) == [m.key for m in supported]
        for m in supported:
            assert_same(tables[m.key], one_by_one(m, frame, by, filters), f"{m.key} by {by}")


T0 = datetime(2025, 3, 3, 9, 0)


def test_a_group_without_rows_of_a_metric_is_left_out_of_its_table_only():
    """The bot answers no survey: CSAT by channel has no bot row, the contact volume has one. The frame lacks
    the optional columns (automated, escalated, abandoned), which count as unknown."""
    rows = [{"customer_id": "A", "channel": "phone", "started_at": T0 + timedelta(hours=i), "csat": 5 - i % 3,
             "wait_seconds": 10.0 * i} for i in range(6)]
    rows += [{"customer_id": "B", "channel": "bot", "started_at": T0 + timedelta(days=i)} for i in range(4)]
    frame = enrich_contacts(pl.DataFrame(rows, schema={"customer_id": pl.String, "channel": pl.String,
                                                       "started_at": pl.Datetime("us"), "csat": pl.Int64,
                                                       "wait_seconds": pl.Float64}))
    keys = ["csat", "contacts", "asa", "p90_wait", "repeat_7d", "fcr"]
    tables = compute_many(keys, frame, by=["channel"])
    assert tables["csat"].get_column("channel").to_list() == ["phone"]
    assert tables["contacts"].get_column("channel").to_list() == ["bot", "phone"]
    assert tables["contacts"].get_column("n").to_list() == [4, 6]
    for key in keys:
        assert_same(tables[key], one_by_one(REGISTRY[key], frame, ("channel",), Filters()), key)
    nothing = compute_many(keys, frame, filters=Filters(where=(("team", ("x",)),), restricted=("team",)))
    assert all(t.height == 1 and t.item(0, "n") == 0 and t.item(0, "value") is None for t in nothing.values())


def test_one_query_takes_metrics_of_one_base_and_the_fields_they_need(sample: Case):
    contacts = sample.frames.contacts
    assert contacts is not None
    with pytest.raises(ValueError, match="one base frame"):
        compute_many(["csat", "logo_churn"], contacts)
    with pytest.raises(KeyError, match="needs ces"):
        compute_many(["csat", "ces"], contacts.drop("ces"))
    assert compute_many([], contacts) == {}
    assert list(compute_many(["nps", REGISTRY["nps"], "csat"], contacts)) == ["nps", "csat"]


def test_the_statuses_of_every_kpi_equal_each_kpi_status(sample: Case):
    """Supported, unsupported (no customer-month panel) and withheld KPIs, each as :func:`kpi_status` gives it."""
    frames = Frames(sample.frames.contacts, None, sample.frames.customers)
    seen = set()
    for filters in (*FILTERS, Filters(where=(("channel", ("phone",)),), restricted=("channel",))):
        statuses = kpi_statuses(frames, METRICS, filters)
        assert list(statuses) == [m.key for m in METRICS]
        for m in METRICS:
            (got, status), (want, want_status) = statuses[m.key], kpi_status(frames, m, filters)
            seen.add(status.split(" ")[0])
            assert status == want_status, m.key
            if got is None or want is None:
                assert got is None and want is None, m.key
                continue
            assert got.n == want.n, m.key
            for a, b in ((got.value, want.value), (got.low, want.low), (got.high, want.high)):
                assert a == b or a == pytest.approx(b, rel=FLOATS["rel_tol"], abs=FLOATS["abs_tol"]), m.key
    assert seen >= {"ok", "needs", metrics.WITHHELD.split(" ")[0]}
    contacts = sample.frames.contacts
    assert contacts is not None
    keys = [m.key for m in METRICS if m.base is Base.CONTACTS and availability(m, contacts.columns) is None]
    assert set(estimates(keys, contacts)) == set(keys)
