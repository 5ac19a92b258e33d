"""The bounded-memory logistic fit (cxdata/models/logit.py) against statsmodels, the marginal effects and the key
drivers' bootstrap against their textbook forms (copies of the model matrix, resampled rows)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from cxdata.models import fit as models
from cxdata.models import logit


def _data(n: int = 3_000, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.normal(2, 1.5, n).round(3), rng.integers(0, 2, n), rng.poisson(1.2, n)])
    groups = rng.integers(0, 400, n)  # unsorted clusters of varied size
    eta = -1.0 + 0.4 * x[:, 1] - 0.8 * x[:, 2] + 0.3 * x[:, 3] + rng.normal(0, 0.7, 400)[groups]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    weights = rng.uniform(0.5, 2.0, n)
    return x, y, groups, weights


@pytest.mark.parametrize("weighted", [False, True])
def test_the_fit_is_statsmodels_glm_with_clustered_errors(monkeypatch, weighted):
    monkeypatch.setattr(logit, "CHUNK_ROWS", 97)  # many slices, clusters cut across slice boundaries
    monkeypatch.setattr(logit, "STARTING_ROWS", 600)  # the steps start from a subset's estimate
    x, y, groups, weights = _data()
    w = weights if weighted else None
    reference = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": groups})
    coef, cov, n_clusters = logit.fit(x.astype(np.float32), y, groups, w)
    assert n_clusters == len(np.unique(groups))
    np.testing.assert_allclose(coef, reference.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(cov, reference.cov_params(), rtol=1e-6, atol=1e-12)


def test_sorted_and_unsorted_clusters_give_the_same_covariance(monkeypatch):
    monkeypatch.setattr(logit, "CHUNK_ROWS", 50)
    x, y, groups, _ = _data()
    order = np.argsort(groups, kind="stable")
    a = logit.fit(x.astype(np.float32), y, groups)
    b = logit.fit(x[order].astype(np.float32), y[order], groups[order])
    np.testing.assert_allclose(a[1], b[1], rtol=1e-9)


def test_an_outcome_every_row_shares_stops_with_a_large_constant_as_statsmodels_does():
    """Every contact surveyed: P(answering) has no finite estimate; the fit stops where the log-likelihood stops
    changing and predicts 1, so the response weights are 1."""
    x = np.column_stack([np.ones(300), np.linspace(0, 5, 300)]).astype(np.float32)
    coef, _, _ = logit.fit(x, np.ones(300), np.arange(300))
    assert (models._expit(logit.linear_predictor(x, coef)) > 0.999999).all()


def test_rows_without_a_cluster_are_each_their_own():
    frame = pl.DataFrame({"customer_id": ["b", None, "a", "b", None]})
    assert models.cluster_codes(frame, "customer_id").tolist() == [1, 2, 0, 1, 3]


def test_marginal_effects_equal_the_textbook_form_with_copies_of_the_matrix():
    x, y, groups, _ = _data()
    frame = pl.DataFrame({"level": x[:, 1], "flag": x[:, 2], "count": x[:, 3], "y": y, "g": groups})
    design = models.Design.fit(frame, ["level", "flag", "count"], [])
    fitted = models.fit_logit(frame, "y", design, "g")
    out = models.average_marginal_effects(fitted, frame, ["level", "flag"], {"flag"})
    xm, b = design.matrix(frame), fitted.coef
    expit = models._expit
    # continuous: AME = mean(β_j p(1 − p)), gradient e_j·mean(w) + β_j Xᵀ(w(1 − 2p))/n
    p = expit(xm @ b)
    w = p * (1 - p)
    grad = b[1] * (xm.T @ (w * (1 - 2 * p))) / len(xm)
    grad[1] += w.mean()
    # binary: AME = mean(p(x_j = 1) − p(x_j = 0)), gradient (X₁ᵀw₁ − X₀ᵀw₀)/n
    x1, x0 = xm.copy(), xm.copy()
    x1[:, 2], x0[:, 2] = 1.0, 0.0
    p1, p0 = expit(x1 @ b), expit(x0 @ b)
    grad_b = (x1.T @ (p1 * (1 - p1)) - x0.T @ (p0 * (1 - p0))) / len(xm)
    expected = {"level": (b[1] * w.mean(), grad), "flag": ((p1 - p0).mean(), grad_b)}
    for row in out.iter_rows(named=True):
        ame, g = expected[row["term"]]
        se = np.sqrt(g @ fitted.cov @ g)
        assert row["ame"] == pytest.approx(ame, rel=1e-6)
        assert row["high"] - row["low"] == pytest.approx(2 * 1.959963984540054 * se, rel=1e-6)


def test_the_key_drivers_bootstrap_is_the_resampled_rows_one():
    rng = np.random.default_rng(3)
    n = 2_000
    features = pl.DataFrame({"wait": rng.gamma(2, 2, n), "transfers": rng.poisson(0.5, n).astype(float),
                             "csat": rng.integers(1, 6, n)})
    out = models.key_drivers(features, ["wait", "transfers"], n_boot=50, seed=11)
    x = features.select("wait", "transfers").to_numpy()
    y = (features.get_column("csat") <= 2).cast(pl.Float64).to_numpy()
    draws = np.random.default_rng(11)
    shares = []
    for _ in range(50):
        idx = draws.integers(0, n, n)
        e, r = models.relative_weights(x[idx], y[idx])
        shares.append(e / r * 100)
    boot = np.array(shares)
    by_driver = {row["driver"]: row for row in out.iter_rows(named=True)}
    for k, driver in enumerate(["wait", "transfers"]):
        assert by_driver[driver]["low"] == pytest.approx(np.quantile(boot[:, k], 0.025), rel=1e-9)
        assert by_driver[driver]["high"] == pytest.approx(np.quantile(boot[:, k], 0.975), rel=1e-9)


def test_a_large_frame_is_fitted_on_every_row_of_a_random_share_of_its_customers():
    rng = np.random.default_rng(5)
    ids = rng.choice([f"C{i:04d}" for i in range(1_000)], 20_000).tolist()
    frame = pl.DataFrame({"customer_id": [None if i % 5 == 0 else c for i, c in enumerate(ids)],  # 4,000 unlinked
                          "v": rng.random(20_000)})
    assert models.customer_sample(frame, rows=20_000) is frame  # small enough: every row
    sample = models.customer_sample(frame, rows=5_000)
    assert sample.equals(models.customer_sample(frame, rows=5_000))  # the same customers every time
    drawn = set(sample.get_column("customer_id").drop_nulls())
    assert 200 <= len(drawn) <= 300  # a quarter of 1,000 customers
    everyone = frame.filter(pl.col("customer_id").is_in(list(drawn)))
    assert everyone.height == sample.get_column("customer_id").is_not_null().sum()  # all rows of each drawn customer
    unlinked = frame.get_column("customer_id").null_count()
    assert 0.15 * unlinked <= sample.get_column("customer_id").null_count() <= 0.35 * unlinked
