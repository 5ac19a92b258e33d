"""The Initiatives page: a moment-of-service link fills in the New initiative form, saving it stores the
initiative, and the page then shows the numbers ``cxdata.actions.initiatives.measure`` gives for it (computed here,
independently of the page); a link with the initiative's number opens it; the ROI planner's "Track as an
initiative" stores the scenario's plan; an empty store says what to do."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from apptest_helpers import by_label, metrics, run_app, shown, table_with
from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.actions.initiatives import (
    baseline,
    baseline_of,
    create_initiative,
    list_initiatives,
    measure,
    plan_from,
    plan_of,
)
from cxdata.actions.roi import Lever, PlannerBase, Scenario, scenario_to_dict
from cxdata.catalog.store import Store
from dashboard_helpers import page_links

PAGE = "app_pages/initiatives.py"
ROI_PAGE = "app_pages/roi.py"
MOMENT = {"channel": ["phone"], "touchpoint": ["billing"], "segment": ["Small Business"]}
START = date(2026, 7, 1)


def captions(at) -> list[str]:
    return [shown(c.value) for c in at.caption]


def interval_of(change, unit: str = "%") -> str:
    """``95% CI −22.9 to −1.8 pts``, written out here from the engine's estimate."""
    return f"95% CI {fmt.delta(change.low, unit).removesuffix(' pts')} to {fmt.delta(change.high, unit)}"


def test_an_empty_store_says_what_to_do(empty_store: Path) -> None:
    at = run_app(PAGE)
    assert at.title[0].value == "Initiatives"
    assert "No data yet" in at.info[0].value


def test_a_moment_link_fills_the_form_and_the_saved_initiative_shows_its_measurement(
        analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    params = settings.params()
    at = run_app(PAGE, new="true", new_channel="phone", new_touchpoint="billing", new_segment="Small Business",
                 new_metric="Negative experiences", new_title="Fewer negatives on billing calls")
    scope = {m.label: m.value for m in at.multiselect if m.key and m.key.startswith("new_")}
    assert (scope["Channel"], scope["Touchpoint"], scope["Segment"]) == (["phone"], ["billing"], ["Small Business"])
    assert at.text_input(key="new_title").value == "Fewer negatives on billing calls"
    # the baseline is shown before saving, for the form's default start (today)
    before_today = baseline("negative_rate", a.contacts, a.panel, MOMENT, date.today(), params)
    assert metrics(at)["Baseline: Negative experiences before the start"] == fmt.number(before_today.value, "%")
    assert "No initiatives yet" in at.info[0].value

    at.date_input(key="new_start").set_value(START)
    at.text_input(key="new_owner").set_value("Giulia")
    at.run()
    at.button(key="_save_initiative").click().run()
    assert not at.exception, [e.message for e in at.exception]

    [saved] = list_initiatives(Store(analysed_store), "sample")
    assert (saved.title, saved.owner, saved.metric, saved.start, saved.status) == (
        "Fewer negatives on billing calls", "Giulia", "negative_rate", START, "planned")
    assert saved.where == MOMENT
    want = measure("negative_rate", a.contacts, a.panel, MOMENT, START, params=params)
    assert baseline_of(saved).value == want.before.value
    assert want.did is not None, "phone · billing · Small Business has a comparison group"

    shown_tiles = metrics(at)
    assert shown_tiles["Before the start"] == fmt.number(want.before.value, "%")
    assert shown_tiles["After the start"] == fmt.number(want.after.value, "%")
    assert shown_tiles["Change beyond what moved elsewhere"] == fmt.delta(want.did.value, "%")
    texts = captions(at)
    assert any(f"{fmt.interval(want.before.low, want.before.high, '%')} · n = {want.before.n:,}" in c for c in texts)
    assert any(f"{fmt.interval(want.after.low, want.after.high, '%')} · n = {want.after.n:,}" in c for c in texts)
    assert any(c.startswith(interval_of(want.did)) for c in texts)

    row = table_with(at, "effect").iloc[0]
    assert row["initiative"] == "Fewer negatives on billing calls (Giulia)"
    lo, hi = (fmt.delta(b, "%").removesuffix(" pts") for b in (want.did.low, want.did.high))
    assert row["effect"] == f"{fmt.delta(want.did.value, '%').removesuffix(' pts')} ({lo} to {hi}) against a comparison group"
    # the form is closed (its inputs emptied) and the new initiative selected
    assert at.selectbox(key="initiative").value == saved.id
    assert not [w for w in at.text_input if w.key == "new_title"]


def test_a_link_with_the_number_opens_that_initiative(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    store = Store(analysed_store)
    for title, where in (("All contacts", {}), ("Chat in billing", {"channel": ["chat"], "touchpoint": ["billing"]})):
        create_initiative(store, dataset="sample", title=title, metric="csat", start=START, where=where,
                          status="active", actor=LOCAL)
    second = list_initiatives(store, "sample")[1]
    at = run_app(PAGE, initiative=str(second.id))
    assert at.selectbox(key="initiative").value == second.id
    assert any(m.value == "#### Chat in billing" for m in at.markdown)
    want = measure("csat", a.contacts, a.panel, second.where, START, params=settings.params())
    assert metrics(at)["After the start"] == fmt.number(want.after.value, "%")


def test_track_as_an_initiative_stores_the_scenario_and_its_plan(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    at = run_app(ROI_PAGE)
    at.date_input(key="_a_track_start").set_value(START)
    at.text_input(key="_a_track_owner").set_value("Marco")
    at.button(key="_a_track").click().run()
    assert not at.exception, [e.message for e in at.exception]

    [saved] = list_initiatives(Store(analysed_store), "sample")
    scenario = Scenario("Faster answers", (Lever("wait_cut", 0.25, ()),),
                        settings.economics(investment=100_000, running_cost=8_000, ramp_months=3))
    result = PlannerBase.build(a).evaluate(scenario)
    plan = plan_from(result, "negative_rate", scenario_to_dict(scenario))
    assert (saved.title, saved.owner, saved.metric, saved.source) == (
        "Faster answers", "Marco", "negative_rate", "ROI scenario: Faster answers")
    assert (saved.investment, saved.running_cost, saved.where) == (100_000, 8_000, {})
    assert plan_of(saved).scenario_json == scenario_to_dict(scenario)
    assert plan_of(saved).effect == plan.effect and plan_of(saved).value_per_month == plan.value_per_month
    base = baseline("negative_rate", a.contacts, a.panel, {}, START, settings.params())
    assert baseline_of(saved).value == base.value
    assert saved.target == base.value + plan.effect[1]
    assert any(s.value == f"Tracked as initiative #{saved.id}." for s in at.success)
    label = f"#{saved.id} · Faster answers"
    assert (f"Open initiative #{saved.id}", "initiatives", urlencode({"initiative": label})) in page_links(at)

    page = run_app(PAGE, initiative=label)  # the link's address
    tiles = metrics(page)
    assert tiles["Predicted effect (P50)"] == fmt.delta(plan.effect[1], "%")
    want = measure("negative_rate", a.contacts, a.panel, {}, START, params=settings.params(), plan=plan_of(saved),
                   investment=100_000, running_cost=8_000)
    assert tiles["Observed effect"] == fmt.delta(want.effect.value, "%")
    assert tiles["Realised value a month"] == fmt.money(want.realised.value_per_month.value, "€")
    assert by_label(page.selectbox, "Initiative").value == saved.id


def test_saving_selects_the_new_initiative_when_others_exist(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    store = Store(analysed_store)
    older = create_initiative(store, dataset="sample", title="An older one", metric="csat", start=START,
                              status="active", actor=LOCAL)
    at = run_app(PAGE, new="true", new_channel="phone", new_touchpoint="billing",
                 new_metric="Negative experiences", new_title="The new one")
    at.button(key="_save_initiative").click().run()
    assert not at.exception, [e.message for e in at.exception]
    new = max(i.id for i in list_initiatives(store, "sample"))
    assert new != older
    assert at.selectbox(key="initiative").value == new
    assert "#### The new one" in [m.value for m in at.markdown]


def test_a_scenarios_plan_attaches_to_an_existing_initiative(analysed_store: Path, sample_engine) -> None:
    """An initiative launched before it was planned (like the sample's example) gets the ROI planner's
    plan afterwards; its realised value is then the plan's, scaled by the observed effect."""
    a, settings = sample_engine
    store = Store(analysed_store)
    where = {"channel": ["phone"], "touchpoint": ["billing"]}
    earlier = create_initiative(store, actor=LOCAL, dataset="sample", title="Staff up billing", metric="negative_rate",
                                start=START, where=where, investment=60_000, running_cost=8_000, status="active")
    at = run_app(ROI_PAGE)
    at.selectbox(key="_a_attach_to").set_value(earlier)
    at.button(key="_a_attach").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(s.value == f"The plan is attached to initiative #{earlier}." for s in at.success)

    [saved] = list_initiatives(store, "sample")
    scenario = Scenario("Faster answers", (Lever("wait_cut", 0.25, ()),),
                        settings.economics(investment=100_000, running_cost=8_000, ramp_months=3))
    plan = plan_from(PlannerBase.build(a).evaluate(scenario), "negative_rate", scenario_to_dict(scenario))
    assert plan_of(saved).effect == plan.effect and plan_of(saved).value_per_month == plan.value_per_month
    assert (saved.where, saved.investment, saved.start) == (where, 60_000, START)  # its own scope and costs stay
    want = measure("negative_rate", a.contacts, a.panel, where, START, params=settings.params(), plan=plan_of(saved),
                   investment=60_000, running_cost=8_000)
    page = run_app(PAGE, initiative=f"#{earlier} · Staff up billing")
    assert metrics(page)["Realised value a month"] == fmt.money(want.realised.value_per_month.value, "€")
