"""What to fund, on the sample: each moment of service gets the best of the default fixes, costed from the moment's own
contacts; the fixes that pay are ranked by median 36-month net value; when none pays, or the data shows no link from
experience to churn, one sentence says so."""

from __future__ import annotations

import dataclasses

import polars as pl

from cxdata import format as fmt
from cxdata.actions.funding import FIXES, TOP_FIXES, price_every_moment, sized_scenario
from cxdata.actions.roi import PlannerBase
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.dashboard import moments_in_scope
from cxdata.screens.funding import funding_of, funding_screen
from cxdata.screens.overview import TOP_MOMENTS
from cxdata.screens.pack import meeting_pack
from cxdata.settings import Settings

MOMENT = ("channel", "touchpoint", "segment")


def handling_cost(planner: PlannerBase, channel: str, touchpoint: str, segment: str, **more: str) -> float:
    """By hand: the moment's baseline contacts (the planner's 3 months) a month × the phone/email/… cost per contact;
    ``more``: other filters (``region="North"``)."""
    wanted = {"channel": channel, "touchpoint": touchpoint, "segment": segment, **more}
    rows = planner.contacts.filter(*[pl.col(c).cast(pl.String) == v for c, v in wanted.items()])
    return rows.height / 3 * Settings().cost_per_contact[channel]


def test_each_moment_gets_its_best_default_fix_costed_from_its_own_volume(
        sample_analysis: Analysis, planner: PlannerBase) -> None:
    screen = funding_screen(sample_analysis, planner, (), Settings())
    moments = moments_in_scope(sample_analysis, (), TOP_MOMENTS).select(MOMENT).rows()
    assert set(screen.fixes) == set(moments) and len(moments) == TOP_MOMENTS
    best = {}
    for moment in moments:
        scenario = screen.fixes[moment]
        (lever,) = scenario.levers
        assert lever.scope == tuple(sorted(zip(MOMENT, ((v,) for v in moment), strict=True)))
        h = handling_cost(planner, *moment)
        fix = next(f for f in FIXES if f.kind == lever.kind)
        assert scenario.economics.investment == round(fix.investment * h, -1)
        assert scenario.economics.running_cost == round(fix.running * h, -1)
        tried = {f.kind: planner.evaluate(sized_scenario(f, lever.scope, h, Settings().economics())) for f in FIXES}
        assert lever.kind == max(tried, key=lambda k: tried[k].npv[36].p50)
        best[moment] = tried[lever.kind]
    paying = sorted((m for m in moments if best[m].pays), key=lambda m: best[m].npv[36].p50, reverse=True)
    assert paying, "the sample plants an effect: some fix pays"
    assert [r.title for r in screen.rows] == [
        " · ".join([next(f.name for f in FIXES if f.kind == screen.fixes[m].levers[0].kind), *m])
        for m in paying[:TOP_FIXES]]
    first, r = screen.rows[0], best[paying[0]]
    assert (first.net_value.value, first.net_value.band) == (
        fmt.money(r.npv[36].p50, "€"), fmt.span(fmt.money(r.npv[36].p10, "€"), fmt.money(r.npv[36].p90, "€")))
    assert (first.verdict.kind, first.verdict.text) == (r.verdict("€").kind, r.verdict("€").text)
    assert screen.finding is None


def test_the_filters_in_force_narrow_the_moments_and_the_fixes_scope_and_cost(
        sample_analysis: Analysis, planner: PlannerBase) -> None:
    where = (("channel", ("phone",)), ("region", ("North",)))
    screen = funding_screen(sample_analysis, planner, where, Settings())
    assert screen.fixes and all(moment[0] == "phone" for moment in screen.fixes)
    for moment, scenario in screen.fixes.items():
        (lever,) = scenario.levers
        assert dict(lever.scope) == {"channel": ("phone",), "touchpoint": (moment[1],), "segment": (moment[2],),
                                     "region": ("North",)}
        fix = next(f for f in FIXES if f.kind == lever.kind)
        h = handling_cost(planner, *moment, region="North")
        assert 0 < h < handling_cost(planner, *moment)
        assert scenario.economics.investment == round(fix.investment * h, -1)


def test_when_no_fix_pays_at_these_costs_it_says_so_and_names_the_best(
        sample_analysis: Analysis, planner: PlannerBase) -> None:
    dear = Settings(cost_per_contact={k: v * 1_000 for k, v in Settings().cost_per_contact.items()})
    screen = funding_screen(sample_analysis, planner, (), dear)
    assert screen.rows == () and screen.fixes
    assert screen.finding is not None and screen.finding.startswith("No fix pays at these costs. The best, ")


def test_a_world_with_no_link_from_experience_to_churn_recommends_nothing(
        sample_analysis: Analysis, planner: PlannerBase) -> None:
    churn = sample_analysis.churn
    assert churn is not None
    null = dataclasses.replace(sample_analysis, churn=dataclasses.replace(churn, gamma=(churn.gamma[0], -0.01,
                                                                                        churn.gamma[2])))
    screen = funding_screen(null, planner, (), Settings())
    assert screen.rows == () and not screen.fixes
    assert screen.finding is not None and "this data shows no evidence that the experience drives churn" in screen.finding


def test_the_meeting_pack_carries_what_to_fund_as_the_overview_shows_it(
        sample_store, sample_analysis: Analysis, planner: PlannerBase) -> None:
    screen = funding_screen(sample_analysis, planner, (), Settings())
    assert funding_of(sample_analysis, (), Settings()) == screen  # the pack's own planner gives the same fixes
    version = sample_store.active_version("sample")
    pack = meeting_pack(sample_analysis, Scope("sample", version, None, None, None), Settings(), funding=screen)
    sheet = next(s for s in pack.sheets if s.title == "What to fund")
    assert sheet.frame.rows() == [(r.title, r.net_value.value, r.net_value.band, r.cost, r.verdict.text)
                                  for r in screen.rows]
    best = screen.rows[0]
    assert sheet.finding.startswith(f"Fund first: {best.title}, {best.net_value.value} net over 36 months.")
    titles = [s.title for s in pack.sheets]
    assert titles.index("What to fund") == titles.index("Moments of service") + 1


def test_what_to_fund_of_a_view_reads_the_fixes_priced_once(sample_analysis, monkeypatch):
    """The app prices every moment's fixes once per version in the background (``price_every_moment``); What to fund
    of a view filtered on a moment's dimension then reads those results, and shows what pricing them gives."""
    settings, where = Settings(), (("channel", ("chat",)),)
    expected = funding_screen(sample_analysis, PlannerBase.build(sample_analysis), where, settings)
    base = PlannerBase.build(sample_analysis)
    chat = sample_analysis.risk.moments.filter(pl.col("channel") == "chat")
    assert price_every_moment(base, chat.iter_rows(named=True), settings.economics()) == chat.height

    def priced_again(*_args, **_kwargs):
        raise AssertionError("a fix was priced again")

    monkeypatch.setattr(PlannerBase, "_evaluate", priced_again)
    served = funding_screen(sample_analysis, base, where, settings)
    assert expected.rows and served == expected
