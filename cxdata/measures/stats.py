"""Interval estimators and small-cell shrinkage (docs/method/contact-metrics.md), as Polars expressions.

Every function takes expressions for the aggregated counts of a cell and returns expressions, so
a grouped table of any size gets its intervals in one vectorised ``with_columns``.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import special

Z95 = 1.959963984540054


def wilson(x: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval for a proportion x/n.

    centre = (p + z²/2n) / (1 + z²/n); half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
    """
    p = x / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * (p * (1 - p) / n + z**2 / (4 * n**2)).sqrt() / denom
    return (centre - half).clip(0, 1), (centre + half).clip(0, 1)


def poisson_exact(count: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Exact (Garwood) interval for a Poisson count n: [χ²(α/2; 2n)/2, χ²(1 − α/2; 2n + 2)/2],
    i.e. the inverse regularised gamma P⁻¹(n, α/2) and P⁻¹(n + 1, 1 − α/2); the low end is 0 when n = 0.
    Evaluated on aggregated counts (one value per cell)."""
    alpha = math.erfc(z / math.sqrt(2))  # two-sided α of z: 0.05 for 1.96

    def low(n: pl.Series) -> pl.Series:
        k = n.cast(pl.Float64).to_numpy()
        return pl.Series(np.where(k > 0, special.gammaincinv(np.maximum(k, 1.0), alpha / 2), 0.0))

    def high(n: pl.Series) -> pl.Series:
        return pl.Series(special.gammaincinv(n.cast(pl.Float64).to_numpy() + 1.0, 1 - alpha / 2))

    return (count.map_batches(low, return_dtype=pl.Float64),
            count.map_batches(high, return_dtype=pl.Float64))


def nps_adjusted_wald(promoters: pl.Expr, detractors: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Adjusted-Wald interval for NPS on the −100…100 scale.

    Add 3 to n and ¾ to promoters and detractors; NPS_adj = 100(p_P − p_D);
    SE = 100·√[(p_P + p_D − (p_P − p_D)²) / n_adj] (MeasuringU).
    """
    n_adj = n + 3
    pp = (promoters + 0.75) / n_adj
    pd = (detractors + 0.75) / n_adj
    centre = 100 * (pp - pd)
    se = 100 * ((pp + pd - (pp - pd) ** 2) / n_adj).sqrt()
    return (centre - z * se).clip(-100, 100), (centre + z * se).clip(-100, 100)


def mean_interval(total: pl.Expr, total_sq: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Normal interval for a mean from Σx, Σx², n: x̄ ± z·s/√n with s² = (Σx² − n·x̄²)/(n − 1)."""
    mean = total / n
    var = ((total_sq - n * mean**2) / (n - 1)).clip(0)
    half = z * (var / n).sqrt()
    return mean - half, mean + half


def ratio_interval(
    sy: pl.Expr, sx: pl.Expr, syy: pl.Expr, sxx: pl.Expr, sxy: pl.Expr, n: pl.Expr, z: float = Z95
) -> tuple[pl.Expr, pl.Expr]:
    """Delta-method interval for a ratio of totals R = Σy/Σx over n independent units.

    SE(R) = √[Σ(y − R·x)² / (n(n − 1))] / x̄, with Σ(y − Rx)² = Σy² − 2RΣxy + R²Σx².
    """
    r = sy / sx
    resid = (syy - 2 * r * sxy + r**2 * sxx).clip(0)
    se = (resid / (n * (n - 1))).sqrt() / (sx / n)
    return r - z * se, r + z * se


def beta_binomial_prior(x: pl.Series, n: pl.Series) -> tuple[float, float] | None:
    """Method-of-moments (α, β) of the beta prior of cell rates, for cells of any sizes (drill-down shrinkage).

    Model: each cell i has a true rate θ_i ~ Beta(α, β), with mean μ and variance τ² = μ(1 − μ)ρ,
    ρ = 1/(α + β + 1), and x_i ~ Binomial(n_i, θ_i). With k cells (n_i > 0), N = Σn_i, the pooled rate
    p̄ = Σx_i/N and raw rates p_i = x_i/n_i, Pearson's statistic of the cells around p̄ is

        X² = Σ n_i (p_i − p̄)² / (p̄(1 − p̄)),   with   E[X²] ≈ (k − 1) + ρ·(N − Σn_i²/N − (k − 1)),

    so the moment estimator (Kleinman 1973, "Proportions with extraneous variance", with weights n_i;
    Williams 1982 for the same expectation) is

        ρ̂ = (X² − (k − 1)) / (N − Σn_i²/N − (k − 1)),   α + β = 1/ρ̂ − 1,   α = p̄(α + β),   β = (1 − p̄)(α + β).

    In words: the n-weighted spread of the raw rates minus the binomial noise that cells of these sizes
    would show anyway; the N − Σn_i²/N term is what makes it right when cell sizes vary (the naive
    "weighted variance minus p̄(1 − p̄)·mean(1/n_i)" lets a few tiny cells swamp the spread). With equal
    sizes n it is τ̂² = n/(n − 1)·[Σ(p_i − p̄)²/(k − 1) − p̄(1 − p̄)/n].

    Returns None — no spread, so every cell is best estimated by p̄ (full pooling) — when ρ̂ ≤ 0, when
    fewer than 2 cells have answers, or when p̄ is 0 or 1. When ρ̂ ≥ 1 (the cells are as far apart as
    rates can be) it returns (0, 0): no pooling, each cell keeps its own rate.
    """
    mask = n > 0
    x, n = x.filter(mask).cast(pl.Float64), n.filter(mask).cast(pl.Float64)
    k = len(n)
    if k < 2:
        return None
    total = float(n.sum())
    p_bar = float(x.sum()) / total
    if p_bar in (0.0, 1.0):
        return None
    chi2 = float((n * (x / n - p_bar) ** 2).sum()) / (p_bar * (1 - p_bar))
    spread = total - float((n**2).sum()) / total - (k - 1)
    if spread <= 0:
        return None
    rho = (chi2 - (k - 1)) / spread
    if rho <= 0:
        return None
    strength = max(1 / rho - 1, 0.0)  # α + β
    return p_bar * strength, (1 - p_bar) * strength


def shrink(x: pl.Expr, n: pl.Expr, prior: tuple[float, float] | None, pooled: float) -> pl.Expr:
    """Empirical-Bayes rate p̃ = (x + α)/(n + α + β); the pooled rate when the prior is degenerate."""
    if prior is None:
        return pl.lit(pooled)
    a, b = prior
    return (x + a) / (n + a + b)


def e_value(rr: float) -> float:
    """E-value of a risk ratio (VanderWeele & Ding): RR + √(RR(RR − 1)); ratios below 1 are inverted."""
    if not math.isfinite(rr) or rr <= 0:
        return float("nan")
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))
