"""Interval estimators and small-cell shrinkage (METHOD.md §4), as Polars expressions.

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
    """Method-of-moments (α, β) of a beta prior for cell rates x/n (METHOD.md §4, drill-down shrinkage).

    With pooled p̄ = Σx/Σn and the between-cell variance s² of the raw rates (weighted by n), the
    beta's variance is s² minus the average binomial noise p̄(1−p̄)·mean(1/n). Returns None when
    the cells show no excess variance (shrink fully to p̄ is then the right answer, signalled by None).
    """
    mask = n > 0
    x, n = x.filter(mask).cast(pl.Float64), n.filter(mask).cast(pl.Float64)
    if len(n) < 2 or n.sum() == 0:
        return None
    p_bar = x.sum() / n.sum()
    rates = x / n
    s2 = float(((rates - p_bar) ** 2 * n).sum() / n.sum())
    noise = p_bar * (1 - p_bar) * float((1 / n).mean())
    tau2 = s2 - noise
    if tau2 <= 0 or p_bar in (0.0, 1.0):
        return None
    strength = p_bar * (1 - p_bar) / tau2 - 1  # α + β
    if strength <= 0:
        return None
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
