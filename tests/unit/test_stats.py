"""``cxdata.measures.stats`` against the reference implementations: every interval that has a library equivalent gives
that library's numbers, to 1e-9 or tighter, over a grid that includes the edge cases (no successes, all
successes, one trial, very large counts) and confidence levels other than 95%.

- Wilson: ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
- Exact Poisson (Garwood): ``statsmodels.stats.rates.confint_poisson(method="exact-c")`` and the χ² form
  ``[χ²(α/2; 2k)/2, χ²(1 − α/2; 2k + 2)/2]`` with ``scipy.stats.chi2.ppf``.
- Normal interval of a mean from Σx, Σx², n: ``statsmodels``' ``DescrStatsW(x).zconfint_mean``.
- Delta-method ratio of totals: the HC1 (sandwich) interval of the weighted least-squares slope of y on x
  through the origin with weights 1/x, whose estimate is Σy/Σx and whose HC1 variance is
  Σ(y − Rx)²·n / ((n − 1)(Σx)²), the docstring's formula.

``nps_adjusted_wald``, ``beta_binomial_prior`` and ``e_value`` have no library equivalent and are not here.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy.stats import chi2, norm
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson
from statsmodels.stats.weightstats import DescrStatsW

from cxdata.measures import stats

ALPHAS = (0.05, 0.10, 0.01)


def z_of(alpha: float) -> float:
    return float(norm.isf(alpha / 2))


def test_the_default_z_is_the_two_sided_95_percent_normal_quantile() -> None:
    assert stats.Z95 == pytest.approx(z_of(0.05), abs=1e-15)


# ---------------------------------------------------------------- Wilson

#: (successes, trials): none, all, one trial, tiny, half, and very large n (up to a billion).
WILSON_CASES = [
    (0, 1), (1, 1), (0, 2), (1, 2), (2, 2), (0, 10), (10, 10), (1, 10), (9, 10), (3, 7), (5, 10),
    (0, 100), (100, 100), (1, 100), (50, 100), (99, 100), (17, 365),
    (0, 10_000), (10_000, 10_000), (1, 10_000), (4_321, 10_000),
    (0, 1_000_000), (1_000_000, 1_000_000), (1, 1_000_000), (123_456, 1_000_000), (999_999, 1_000_000),
    (0, 10**9), (10**9, 10**9), (1, 10**9), (314_159_265, 10**9),
]


@pytest.mark.parametrize("alpha", ALPHAS)
def test_wilson_is_statsmodels_wilson(alpha: float) -> None:
    x, n = (np.array(column) for column in zip(*WILSON_CASES, strict=True))
    low, high = stats.wilson(pl.col("x"), pl.col("n"), z=z_of(alpha))
    got = pl.DataFrame({"x": x, "n": n}).select(low=low, high=high)
    want_low, want_high = proportion_confint(x, n, alpha=alpha, method="wilson")
    # statsmodels does not clip Wilson: at x = 0 or x = n its bound is 0 or 1 give or take ~1e-17
    np.testing.assert_allclose(got["low"].to_numpy(), want_low, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["high"].to_numpy(), want_high, rtol=0, atol=1e-12)


def test_wilson_bounds_stay_in_0_1_and_hold_the_proportion() -> None:
    x, n = (list(column) for column in zip(*WILSON_CASES, strict=True))
    low, high = stats.wilson(pl.col("x"), pl.col("n"))
    got = pl.DataFrame({"x": x, "n": n}).select(p=pl.col("x") / pl.col("n"), low=low, high=high)
    assert got.filter((pl.col("low") < 0) | (pl.col("high") > 1)).height == 0
    # at x = 0 and x = n the bound next to p is p only up to rounding (e.g. 3e-18 above 0), as in statsmodels
    assert got.filter((pl.col("low") > pl.col("p") + 1e-15) | (pl.col("high") < pl.col("p") - 1e-15)).height == 0


# ---------------------------------------------------------------- exact Poisson

POISSON_COUNTS = [0, 1, 2, 3, 5, 10, 20, 50, 100, 1_000, 12_345, 1_000_000]


@pytest.mark.parametrize("alpha", ALPHAS)
def test_poisson_exact_is_the_garwood_interval_of_statsmodels_and_of_chi2(alpha: float) -> None:
    k = np.array(POISSON_COUNTS)
    low, high = stats.poisson_exact(pl.col("k"), z=z_of(alpha))
    got = pl.DataFrame({"k": k}).select(low=low, high=high)
    sm_low, sm_high = (np.asarray(bound, dtype=float) for bound in
                       zip(*(confint_poisson(int(c), 1, method="exact-c", alpha=alpha) for c in k), strict=True))
    chi_low = np.where(k > 0, chi2.ppf(alpha / 2, 2 * np.maximum(k, 1)) / 2, 0.0)
    chi_high = chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    for want_low, want_high in ((sm_low, sm_high), (chi_low, chi_high)):
        np.testing.assert_allclose(got["low"].to_numpy(), want_low, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got["high"].to_numpy(), want_high, rtol=1e-9, atol=1e-12)
    assert got["low"][0] == 0.0 and got["high"][0] == pytest.approx(-np.log(alpha / 2), rel=1e-12)  # k = 0


def test_poisson_exact_defaults_to_95_percent() -> None:
    low, high = stats.poisson_exact(pl.col("k"))
    got = pl.DataFrame({"k": [0, 7]}).select(low=low, high=high)
    assert got.rows() == [pytest.approx(confint_poisson(0, 1, method="exact-c"), abs=1e-12),
                          pytest.approx(confint_poisson(7, 1, method="exact-c"), rel=1e-12)]


# ---------------------------------------------------------------- mean and ratio of totals

def _samples() -> list[np.ndarray]:
    rng = np.random.default_rng(20261031)
    return [
        np.array([3.0, 5.0]),  # n = 2
        np.array([4.0, 4.0, 4.0, 4.0]),  # no spread: a zero-width interval
        rng.integers(1, 6, size=7).astype(float),  # CSAT 1–5, a small cell
        rng.integers(1, 8, size=250).astype(float),  # CES 1–7
        rng.gamma(2.0, 150.0, size=5_000),  # handle times in seconds
        rng.normal(-3.0, 10.0, size=100_000),  # negative values too
    ]


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("sample", _samples(), ids=lambda s: f"n{len(s)}")
def test_mean_interval_is_statsmodels_zconfint_mean(sample: np.ndarray, alpha: float) -> None:
    low, high = stats.mean_interval(pl.col("total"), pl.col("total_sq"), pl.col("n"), z=z_of(alpha))
    got = pl.DataFrame({"total": [sample.sum()], "total_sq": [(sample**2).sum()], "n": [len(sample)]}) \
        .select(low=low, high=high).row(0)
    want = DescrStatsW(sample).zconfint_mean(alpha=alpha)
    scale = max(1.0, float(np.abs(sample).mean()))  # Σx² − n·x̄² loses digits relative to the values' size
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9 * scale)


def _ratio_samples() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    out = [(np.array([2.0, 6.0]), np.array([1.0, 2.0])), (np.array([3.0, 6.0, 9.0]), np.array([1.0, 2.0, 3.0]))]
    for n in (5, 40, 2_000):
        x = rng.integers(1, 30, size=n).astype(float)  # e.g. contacts per customer
        y = rng.binomial(x.astype(int), 0.3).astype(float)  # e.g. repeat contacts among them
        out.append((y, x))
    x = rng.gamma(3.0, 40.0, size=500)  # revenue per customer
    out.append((x * rng.uniform(0.01, 0.2, size=500), x))  # cost to serve as a share of it
    return out


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("pair", _ratio_samples(), ids=lambda p: f"n{len(p[0])}")
def test_ratio_interval_is_the_hc1_interval_of_the_weighted_slope_through_the_origin(
        pair: tuple[np.ndarray, np.ndarray], alpha: float) -> None:
    y, x = pair
    low, high = stats.ratio_interval(pl.col("sy"), pl.col("sx"), pl.col("syy"), pl.col("sxx"), pl.col("sxy"),
                                     pl.col("n"), z=z_of(alpha))
    sums = {"sy": [y.sum()], "sx": [x.sum()], "syy": [(y * y).sum()], "sxx": [(x * x).sum()],
            "sxy": [(x * y).sum()], "n": [len(y)]}
    got = pl.DataFrame(sums).select(low=low, high=high).row(0)
    fit = sm.WLS(y, x[:, None], weights=1 / x).fit(cov_type="HC1")
    assert fit.params[0] == pytest.approx(y.sum() / x.sum(), rel=1e-12)
    want = fit.conf_int(alpha=alpha)[0]  # normal quantiles: a robust covariance makes statsmodels use z
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
