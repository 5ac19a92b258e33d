"""The models recover the sample's planted effects (METHOD.md §5.3), find no effect where none was
planted, persist once per dataset version, and the report command prints them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cxdata import analysis as analysis_module
from cxdata.analysis import Tables, analyse, load_or_analyse
from cxdata.models import relative_weights
from cxdata.sample import SampleParams, generate

ROOT = Path(__file__).resolve().parents[2]
TRUTH = SampleParams()


def _covers(fit, term: str, truth: float) -> bool:
    _, low, high = fit.interval(term)
    return low <= truth <= high


def test_experience_model_recovers_every_planted_driver(sample_analysis):
    fit = sample_analysis.experience.fit
    planted = {"wait_minutes": TRUTH.b_wait, "transfers": TRUTH.b_xfer, "unresolved": TRUTH.b_unres,
               "escalated": TRUTH.b_esc, "segment=Small Business": TRUTH.b_seg}
    missed = {t: fit.interval(t) for t, v in planted.items() if not _covers(fit, t, v)}
    assert not missed


def test_hazard_model_recovers_every_planted_coefficient(sample_analysis):
    fit = sample_analysis.hazard.adjusted
    planted = {"expected_negatives_prev": TRUTH.gamma_neg, "segment=Small Business": TRUTH.g_seg,
               "plan=Premium": TRUTH.g_plan, "tenure_years": TRUTH.g_tenure}
    missed = {t: fit.interval(t) for t, v in planted.items() if not _covers(fit, t, v)}
    assert not missed
    for null_term in ("region=Centre", "region=South", "plan=Plus"):  # planted at 0
        assert _covers(fit, null_term, 0.0), null_term


def test_adjusted_churn_effect_is_closer_to_the_truth_than_the_naive_one(sample_analysis):
    churn = sample_analysis.churn
    assert abs(churn.gamma[0] - TRUTH.gamma_neg) < abs(churn.naive_gamma[0] - TRUTH.gamma_neg)
    assert churn.naive_gamma[0] > churn.gamma[0]  # biased upward by the confounded segment
    # the E-value of an odds ratio of ~1.8 is ~3: a confounder would need RR ≈ 3 with both to explain it away
    rr = churn.odds_ratio[0]
    assert churn.e_value == pytest.approx(rr + np.sqrt(rr * (rr - 1)))
    assert 1 < churn.e_value_ci < churn.e_value
    assert 0 < churn.ame_pp[1] < churn.ame_pp[0] < churn.ame_pp[2]


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
    assert np.argmax(eps) == 0 and eps[3] > 0  # a null driver still gets some "importance" (METHOD.md §1.6)


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
    """gamma_neg = 0 planted in 5 small datasets (METHOD.md §5.3 null test): the churn effect's interval
    contains 0 in at least 4, and whenever it clearly does, so does the CX-attributable money."""
    false_positives = 0
    for seed in range(5):
        null = generate(replace(SampleParams(seed=seed, n_customers=4000, months=12), gamma_neg=0.0))
        a = analyse(Tables(null.interactions, null.customers, null.revenue))
        _, low, high = a.churn.gamma
        false_positives += not (low <= 0.0 <= high)
        if low < -0.02 and high > 0.02:
            att = a.risk.attributable
            assert att[1] <= 0.0 <= att[2], (seed, a.churn.gamma, att)
            assert a.churn.e_value_ci == 1.0  # an interval containing "no effect" needs no confounder
    assert false_positives <= 1


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
