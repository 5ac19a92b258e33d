"""The Initiatives page's screen: the list and each initiative's detail (before/after, difference-in-differences,
placebo, realised value against the plan) against numbers worked out by hand on a small company, and against
plain Polars on the sample."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import polars as pl
import pytest

from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.actions.initiatives import Plan, create_initiative, delete_initiative
from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.metrics import Estimate
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.initiatives import Fact, initiatives_screen
from cxdata.settings import Settings

VERSION = VersionInfo(version_id=1, dataset="acme", number=2, created_at=datetime(2026, 7, 1), note="", active=True,
                      tables={})
START = date(2026, 4, 1)
#: CSAT answers by channel and half: before the start (Jan 1, the data's first day, and Mar 15) and after it (May 15, Jun 30, the data's
#: last day). Before/after windows: Jan–Mar and Apr–Jun 2026. Good answers (4–5): phone 2+2 of 5+5 before,
#: 4+4 after; chat 3+2 before, 3+3 after.
SCORES = {
    ("phone", date(2026, 1, 1)): [5, 4, 1, 2, 3], ("phone", date(2026, 3, 15)): [5, 5, 1, 1, 2],
    ("phone", date(2026, 5, 15)): [5, 4, 4, 5, 1], ("phone", date(2026, 6, 30)): [5, 5, 4, 4, 2],
    ("chat", date(2026, 1, 1)): [5, 5, 4, 1, 1], ("chat", date(2026, 3, 15)): [5, 4, 2, 1, 1],
    ("chat", date(2026, 5, 15)): [4, 4, 5, 2, 1], ("chat", date(2026, 6, 30)): [5, 5, 4, 1, 3],
}
PLAN = Plan("Faster answers", (10.0, 20.0, 30.0), 1_000.0, 50_000.0, 0.5)


def scope() -> Scope:
    return Scope("acme", VERSION, None, None, None)


def company() -> Analysis:
    rows = [{"interaction_id": f"{channel}-{day}-{k}", "customer_id": f"C{k}", "started_at": datetime.combine(day,
             datetime.min.time()), "channel": channel, "touchpoint": "billing", "csat": score}
            for (channel, day), scores in SCORES.items() for k, score in enumerate(scores)]
    return Analysis(enrich_contacts(pl.DataFrame(rows)), None)


@pytest.fixture
def tracked(store: Store) -> Store:
    """Two initiatives on the small company: phone (with a plan; its comparison group is chat) and everybody."""
    create_initiative(store, actor=LOCAL, dataset="acme", title="Everybody", metric="csat", start=START,
                      status="planned")
    create_initiative(store, dataset="acme", title="Phone fix", metric="csat", start=START, owner="Giulia",
                      where={"channel": ["phone"]}, status="active", target=90.0, investment=3_000.0, plan=PLAN,
                      baseline=Estimate(40.0, 20.0, 60.0, 10), actor=LOCAL)
    return store


def test_the_detail_of_an_initiative_with_a_comparison_group_and_a_plan_by_hand(tracked: Store) -> None:
    screen = initiatives_screen(company(), scope(), Settings(), tracked)
    assert [d.title for d in screen.details] == ["Phone fix", "Everybody"]  # active first
    d = screen.detail(2)
    assert (d.label, d.status_note) == ("#2 · Phone fix", None)
    assert d.facts == "● active · owner Giulia · CSAT · Channel: phone · starts 1 Apr 2026"
    before, after, did = d.tiles
    # phone: 4 of 10 good before, 8 of 10 after; chat: 5 of 10 before, 6 of 10 after
    assert (before.value, after.value) == ("40.0%", "80.0%")
    assert before.caption.startswith("Jan–Mar 2026 · 95% CI ") and before.caption.endswith(" · n = 10")
    assert after.caption.startswith("Apr–Jun 2026 · ") and after.delta == "+40.0 pts"
    assert did.value == fmt.delta((80 - 40) - (60 - 50), "%") == "+30.0 pts"
    assert did.caption.endswith("the comparison group changed by +10.0 pts")
    # placebo: phone 2 of 5 in each half of Jan–Mar, chat 3 of 5 then 2 of 5 → (40 − 40) − (40 − 60) = +20
    assert any(n.startswith("Pre-trend check passed") and "difference-in-differences +20.0 pts" in n for n in d.notes)
    assert d.target == (Fact("Baseline at creation ", "40.0%", " (95% CI 20.0% to 60.0%, n = 10)"),
                        Fact("target ", "90.0%", " (higher is better)"),
                        Fact("since the start ", "80.0%", " (Apr–Jun 2026, the After tile)"))
    assert d.chart is not None
    # realised: 1,000 a month × 30 / 20 = 1,500 a month over Apr 1–Jun 30 (91 days); cost 3,000
    months = 91 / (365.25 / 12)
    predicted, observed, value, roi = d.plan_tiles
    assert (predicted.value, observed.value, value.value) == ("+20.0 pts", "+30.0 pts", "€1.5k")
    assert roi.value == fmt.signed_percent((1_500 * months - 3_000) / 3_000) == "+49%"
    assert roi.caption.endswith(f"over {months:.1f} months") and d.plan_note is None


def test_the_list_and_an_initiative_without_a_comparison_group_or_a_plan(tracked: Store) -> None:
    screen = initiatives_screen(company(), scope(), Settings(), tracked)
    assert screen.intro.startswith("Findings turned into actions with a measured result. Dataset acme, version 2.")
    assert [m.key for m in screen.metrics[:2]] == ["negative_rate", "csat"]
    numbers = screen.portfolio.row(0, named=True)
    assert (numbers["title"], numbers["before"], numbers["after"], numbers["effect"]) == (
        "Phone fix", pytest.approx(40), pytest.approx(80), pytest.approx(30))
    assert numbers["effect low"] < 0 < numbers["effect high"]  # 10 answers a group: no clear change
    low, high = (fmt.delta(numbers[c], "%").removesuffix(" pts") for c in ("effect low", "effect high"))
    assert screen.table.rows() == [
        ("● active · Apr 2026", "Phone fix (Giulia)", "CSAT · phone", f"+30.0 ({low} to {high}) against a comparison group", "unclear",
         f"{fmt.signed_percent(numbers['realised ROI to date'])} ({fmt.signed_percent(numbers['planned ROI to date'])})"),
        ("○ planned · Apr 2026", "Everybody", "CSAT · all", screen.table.item(1, "effect"), "unclear", "no plan")]
    # everybody: 9 of 20 good before, 14 of 20 after
    everybody = screen.detail(1)
    assert [t.value for t in everybody.tiles] == ["45.0%", "70.0%", "–"]
    assert everybody.tiles[2].caption == "No comparison group: the scope covers every row."
    assert screen.table.item(1, "effect").startswith("+25.0 (") and screen.table.item(1, "effect").endswith(") before/after")
    assert everybody.plan_tiles == () and everybody.plan_note is not None
    assert everybody.plan_note.startswith("Not created from an ROI scenario")
    assert everybody.target[1] == Fact("no target set")


def test_data_that_ends_before_the_start_says_so(store: Store) -> None:
    create_initiative(store, dataset="acme", title="Later", metric="csat", start=date(2026, 9, 1), actor=LOCAL)
    [d] = initiatives_screen(company(), scope(), Settings(), store).details
    assert d.tiles[1].value == "–" and d.tiles[1].caption == "No data."
    assert d.notes[0] == "No data after the start (01 Sep 2026) yet: the data ends on 30 Jun 2026."
    assert d.plan_tiles == () and d.plan_note is not None and "Cost to date" not in d.plan_note


def test_nothing_is_measured_without_a_kpi_and_the_screen_is_frozen(tracked: Store) -> None:
    empty = initiatives_screen(Analysis(None, None), scope(), Settings(), tracked)
    assert (empty.metrics, empty.details, empty.table.height) == ((), (), 0)
    screen = initiatives_screen(company(), scope(), Settings(), tracked)
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.intro = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.details[0].tiles = ()  # type: ignore[misc]


# ---------------------------------------------------------------- the sample


def top2(frame: pl.DataFrame) -> tuple[float, int]:
    """Top-2-box CSAT (× 100) and its answers, in plain Polars."""
    answers = frame.filter(pl.col("csat").is_not_null())
    return float((answers.get_column("csat") >= 4).mean()) * 100, answers.height


def test_on_the_sample_the_tiles_are_the_kpi_in_the_windows(sample_store: Store, sample_analysis: Analysis) -> None:
    version = sample_store.active_version("sample")
    assert version is not None
    where = {"channel": ["phone"], "touchpoint": ["billing"]}
    added = create_initiative(sample_store, dataset="sample", title="Phone billing", metric="csat",
                              start=date(2026, 7, 1), where=where, status="active", actor=LOCAL)
    try:
        screen = initiatives_screen(sample_analysis, Scope("sample", version, None, None, None), Settings(),
                                    sample_store)
    finally:
        delete_initiative(sample_store, added, actor=LOCAL)
    assert screen.metrics[0].key == "negative_rate"
    d = screen.detail(added)
    ms = d.measurement
    assert ms.before_window is not None and ms.after_window is not None
    c = sample_analysis.contacts
    assert c is not None
    inside = (pl.col("channel") == "phone") & (pl.col("touchpoint") == "billing")

    def during(w) -> pl.Expr:
        return pl.col("started_at").dt.date().is_between(w.start, w.end)

    t_before, n_before = top2(c.filter(inside & during(ms.before_window)))
    t_after, n_after = top2(c.filter(inside & during(ms.after_window)))
    c_before, _ = top2(c.filter(~inside & during(ms.before_window)))
    c_after, _ = top2(c.filter(~inside & during(ms.after_window)))
    before, after, did = d.tiles
    assert (before.value, after.value) == (fmt.number(t_before, "%"), fmt.number(t_after, "%"))
    assert before.caption.endswith(f"n = {fmt.count(n_before)}") and after.caption.endswith(f"n = {fmt.count(n_after)}")
    assert ms.did is not None and ms.did.value == pytest.approx((t_after - t_before) - (c_after - c_before))
    assert did.value == fmt.delta((t_after - t_before) - (c_after - c_before), "%")
    assert "CSAT · phone · billing" in screen.table.get_column("KPI and scope").to_list()
