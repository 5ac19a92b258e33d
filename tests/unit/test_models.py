"""The models recover the sample's planted effects, survive its traps (calls to cancel before churn, heavy
users who contact more and churn more), find no effect where none was planted, persist once per dataset
version, and the report command prints them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from cxdata.actions.roi import Lever, PlannerBase, Scenario
from cxdata.measures.metrics import Params
from cxdata.models import analysis as analysis_module
from cxdata.models.analysis import FIT_STEPS, Tables, analyse, load_or_analyse
from cxdata.models.fit import relative_weights
from cxdata.sample import SampleParams, generate
from cxdata.screens.dashboard import moments_in_scope, unranked_moments
from cxdata.settings import Economics

ROOT = Path(__file__).resolve().parents[2]
TRUTH = SampleParams()


def _covers(fit, term: str, truth: float, family: int = 1) -> bool:
    """True when ``truth`` is inside the term's 95% interval, Bonferroni-widened when ``family`` planted
    values are checked at once (so all of them are covered 95% of the time, not 0.95^family)."""
    z = norm.ppf(1 - 0.05 / (2 * family))
    i = fit.index(term)
    se = np.sqrt(fit.cov[i, i])
    return fit.coef[i] - z * se <= truth <= fit.coef[i] + z * se


def test_experience_model_recovers_every_planted_driver(sample_analysis):
    fit = sample_analysis.experience.fit
    planted = {"wait_minutes": TRUTH.b_wait, "transfers": TRUTH.b_xfer, "unresolved": TRUTH.b_unres,
               "escalated": TRUTH.b_esc, "segment=Small Business": TRUTH.b_seg}
    missed = {t: fit.interval(t) for t, v in planted.items() if not _covers(fit, t, v, len(planted))}
    assert not missed


def test_hazard_model_recovers_every_planted_coefficient(sample_analysis):
    fit = sample_analysis.hazard.adjusted
    planted = {"expected_negatives_prev": TRUTH.gamma_neg, "contacts_prev": TRUTH.g_contacts,
               "segment=Small Business": TRUTH.g_seg, "plan=Premium": TRUTH.g_plan, "tenure_years": TRUTH.g_tenure}
    missed = {t: fit.interval(t) for t, v in planted.items() if not _covers(fit, t, v, len(planted))}
    assert not missed
    for null_term in ("region=Centre", "region=South", "plan=Plus"):  # planted at 0
        assert _covers(fit, null_term, 0.0), null_term


def _covers_interval(estimate: tuple[float, float, float], truth: float) -> bool:
    return estimate[1] <= truth <= estimate[2]


def test_only_the_safeguarded_churn_effect_survives_the_traps(sample_analysis):
    """The sample has real data's traps: half the churners call to cancel 15–45 days before leaving and
    heavy users churn more per contact whatever the experience. γ with both safeguards covers the planted
    0.60; without the volume control or without any safeguard (naive) its interval lies above it, and without
    the exclusions its estimate is too high."""
    churn = sample_analysis.churn
    assert _covers_interval(churn.gamma, TRUTH.gamma_neg), churn.gamma
    for name, biased in {"naive": churn.naive_gamma, "without volume": churn.gamma_without_volume}.items():
        assert biased[1] > TRUTH.gamma_neg, (name, biased)  # biased upward, beyond its own interval
    # the calls to cancel leak into the month before the churn month only when they come 31–45 days early
    assert churn.gamma_without_exclusions[0] > TRUTH.gamma_neg + 0.05, churn.gamma_without_exclusions
    # the E-value of the adjusted odds ratio: how strong a confounder would have to be
    rr = churn.odds_ratio[0]
    assert churn.e_value == pytest.approx(rr + np.sqrt(rr * (rr - 1)))
    assert 1 < churn.e_value_ci < churn.e_value
    assert 0 < churn.ame_pp[1] < churn.ame_pp[0] < churn.ame_pp[2]


def test_the_excluded_contacts_are_counted_as_the_user_would(sample_analysis):
    """Left out of the exposures: every contact on the cancellation touchpoint (the sample's cancellation-like
    vocabulary), then every other contact of a churner less than 30 days before churned_at."""
    contacts = pl.read_csv(ROOT / "sample_data" / "interactions.csv.gz", try_parse_dates=True)
    customers = pl.read_csv(ROOT / "sample_data" / "customers.csv", try_parse_dates=True)
    cancellation = contacts.filter(pl.col("touchpoint") == "cancellation").height
    before = (contacts.filter(pl.col("touchpoint") != "cancellation")
              .join(customers.filter(pl.col("churned")), on="customer_id")
              .filter((pl.col("churned_at") - pl.col("started_at").dt.date()).dt.total_days() < 30).height)
    assert sample_analysis.churn.excluded == {"cancellation-like": cancellation, "before churn": before}


def test_key_drivers_are_shares_of_explained_variance(sample_analysis):
    drivers = sample_analysis.drivers
    assert drivers.get_column("weight").sum() == pytest.approx(drivers.item(0, "r2"))
    assert drivers.get_column("share").sum() == pytest.approx(100.0)
    assert drivers.item(0, "driver") == "wait_minutes"  # the strongest planted driver


def test_relative_weights_sum_to_the_ols_r2():
    rng = np.random.default_rng(3)
    cov = np.full((5, 5), 0.5) + 0.5 * np.eye(5)
    x = rng.multivariate_normal(np.zeros(5), cov, size=4000)
    y = x @ np.array([0.5, 0.3, 0.2, 0.0, 0.1]) + rng.standard_normal(4000)
    eps, r2 = relative_weights(x, y)
    design = np.column_stack([np.ones(len(y)), x])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    assert r2 == pytest.approx(1 - resid.var() / y.var())
    assert eps.sum() == pytest.approx(r2)
    assert np.argmax(eps) == 0 and eps[3] > 0  # a null driver still gets some "importance" (docs/method/drivers.md)


def test_expansion_revenue_rises_with_nps_category(sample_analysis):
    exp = {r["category"]: r for r in sample_analysis.expansion.iter_rows(named=True)}
    assert exp["promoter"]["low"] > exp["detractor"]["high"]  # planted 3.0% vs 0.6% monthly upsell
    assert exp["detractor"]["mean"] < exp["passive"]["mean"] < exp["promoter"]["mean"]


def test_moments_of_service_add_up_to_the_cx_attributable_revenue_at_risk(sample_analysis):
    risk = sample_analysis.risk
    moments = risk.moments
    assert moments.get_column("revenue_at_risk").sum() == pytest.approx(risk.attributable[0])
    assert risk.attributable[1] < risk.attributable[0] < risk.attributable[2]
    assert 0 < risk.attributable[0] < risk.at_risk[0]
    top = moments.row(0, named=True)
    assert top["low"] <= top["revenue_at_risk"] <= top["high"]
    assert moments.get_column("revenue_at_risk").is_sorted(descending=True)


def test_no_planted_churn_effect_is_not_found():
    """The null world: experience does not drive churn (γ = 0), but heavy users still churn more and churners
    still call to cancel. The churn effect's interval contains 0 (the naive one does not: the traps bite),
    no moment of service is ranked, the CX-attributable revenue at risk is not distinguishable from zero and
    a phone wait cut keeps no customer distinguishable from zero."""
    null = generate(SampleParams.null_world(n_customers=8000, months=12))
    a = analyse(Tables(null.interactions, null.customers, null.revenue))
    assert _covers_interval(a.churn.gamma, 0.0), a.churn.gamma
    assert a.churn.naive_gamma[1] > 0.0
    assert not a.churn.evident and a.churn.e_value_ci == 1.0
    assert moments_in_scope(a).height == 0
    assert "no evidence" in unranked_moments(a)
    _, low, high = a.risk.attributable
    assert low <= 0.0 <= high
    cut = PlannerBase.build(a).evaluate(Scenario("wait", (Lever("wait_cut", 0.3, (("channel", ("phone",)),)),),
                                                 Economics()))
    kept = cut.churners_avoided
    assert kept.low <= 0.0 <= kept.high, kept


def test_fits_are_persisted_and_never_refit(sample_store, sample_analysis, monkeypatch):
    def refit(*_args, **_kwargs):
        raise AssertionError("refitted although a fit of this version exists")

    monkeypatch.setattr(analysis_module, "analyse", refit)
    again = load_or_analyse(sample_store, sample_store.active_version("sample").version_id)
    assert again.churn == sample_analysis.churn
    assert again.risk.attributable == sample_analysis.risk.attributable
    assert again.contacts.get_column("p_negative").equals(sample_analysis.contacts.get_column("p_negative"))
    assert (sample_store.data_dir / "fits").is_dir()


def test_report_command_prints_every_part_as_json(sample_store, sample_analysis):
    env = os.environ | {"MOMENTO_DATA_DIR": str(sample_store.data_dir)}
    out = subprocess.run([sys.executable, "-m", "cxdata", "report", "--json", "--where", "channel=phone"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report) >= {"kpis", "churn_model", "key_drivers", "revenue_at_risk", "moments_of_service",
                           "expansion_by_nps", "dataset", "version", "filters"}
    kpis = {k["key"]: k for k in report["kpis"]}
    phone = sample_analysis.contacts.filter(pl.col("channel") == "phone")
    surveyed = phone.filter(pl.col("csat").is_not_null())
    assert kpis["csat"]["n"] == surveyed.height
    assert kpis["csat"]["value"] == pytest.approx(100 * (surveyed.get_column("csat") >= 4).mean())
    assert len(report["moments_of_service"]) == 10
    assert report["churn_model"]["gamma"][0] == pytest.approx(sample_analysis.churn.gamma[0])


def test_interactions_without_customers_get_the_experience_model_and_a_note():
    """No join dates: tenure does not vary and is left out instead of making the matrix singular."""
    small = generate(SampleParams(seed=3, n_customers=3000, months=6))
    a = analyse(Tables(small.interactions, None, None))
    assert a.experience is not None and "tenure_years" not in a.experience.fit.design.numeric
    assert a.hazard is None and any("customers table" in n for n in a.notes)


def test_a_fit_tells_its_steps_as_they_begin():
    """The progress of a fit (what the app's progress bar counts) is its real steps, each told as it begins, in
    order: every step of FIT_STEPS but the last, saving, which load_or_analyse does."""
    small = generate(SampleParams(seed=3, n_customers=3000, months=6))
    told: list[tuple[int, str]] = []
    a = analyse(Tables(small.interactions, small.customers, small.revenue),
                progress=lambda done, step: told.append((done, step)))
    assert a.risk is not None
    assert told == [(i, FIT_STEPS[i]) for i in range(len(FIT_STEPS) - 1)]


def test_a_fit_started_from_the_measured_frames_is_the_same_fit(monkeypatch):
    """The app builds a new version's contact frame for its measured numbers first; the fit then starts from that
    frame instead of building it again (16 s at 10 M contacts), and comes out the same."""
    small = generate(SampleParams(seed=3, n_customers=3000, months=6))
    tables = Tables(small.interactions, small.customers, small.revenue)
    whole = analyse(tables)
    measured = analysis_module._contacts(tables, Params())

    def built_again(*_args, **_kwargs):
        raise AssertionError("the contact frame was built again")

    monkeypatch.setattr(analysis_module, "_contacts", built_again)
    again = analyse(tables, contacts=measured)
    assert again.churn == whole.churn and again.risk.attributable == whole.risk.attributable
    assert np.array_equal(again.experience.fit.coef, whole.experience.fit.coef)
    assert again.contacts.equals(whole.contacts) and again.panel.equals(whole.panel)


def test_a_persisted_fit_is_read_back_at_once_done(sample_store, sample_analysis):
    told: list[tuple[int, str]] = []
    load_or_analyse(sample_store, sample_store.active_version("sample").version_id,
                    progress=lambda done, step: told.append((done, step)))
    assert told == [(len(FIT_STEPS), "Done")]
