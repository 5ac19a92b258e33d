"""Logistic regression by Newton–Raphson with cluster-robust (sandwich) errors, in bounded memory.

The same estimator as statsmodels' ``GLM(y, X, family=Binomial(), var_weights=w).fit(cov_type="cluster",
cov_kwds={"groups": g})`` (tests/unit/test_logit.py checks both agree on the sample), written for ten million
rows on one machine: the model matrix is kept once, in float32 (half the memory; every column is a dummy, a
count or a measurement with far fewer than 7 significant digits), and every sum runs over slices of
:data:`CHUNK_ROWS` rows converted to float64, so no n × p float64 copy is ever made. statsmodels keeps several
n × p float64 arrays (weighted design, working residuals, scores) and ran out of 20 GB at 6 M rows.

With w_i the weights, μ_i = expit(x_iᵀβ) and s_i = w_i (y_i − μ_i) x_i:

- Newton step: β ← β + H⁻¹ Σ_i s_i, with H = Σ_i w_i μ_i (1 − μ_i) x_i x_iᵀ, from β = (logit ȳ, 0, …, 0)
  until the largest step is below 1e-10 (a logistic log-likelihood is concave: a few steps). The steps sum H
  in float32 and the score in float64: β̂ solves Σ_i s_i = 0 whatever H steered it there;
- covariance, with H summed in float64 at β̂: V = c · H⁻¹ (Σ_g S_g S_gᵀ) H⁻¹, with S_g = Σ_{i ∈ g} s_i the score of cluster g and the
  small-sample factor c = G/(G − 1) · (n − 1)/(n − p) (G clusters, n rows, p columns), as statsmodels
  applies by default.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import special

#: Rows per slice of every pass over the model matrix (float64 slices of 256 k rows × 30 columns: 60 MB).
CHUNK_ROWS = 262_144
MAX_ITERATIONS = 50
TOLERANCE = 1e-10
LOGLIK_TOLERANCE = 5e-9
#: Rows of the subset a large fit's Newton steps start from (:func:`fit`).
STARTING_ROWS = 500_000


def _slices(n: int) -> Iterator[slice]:
    for start in range(0, n, CHUNK_ROWS):
        yield slice(start, min(start + CHUNK_ROWS, n))


def linear_predictor(x: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Xβ in float64, slice by slice (``x`` may be float32)."""
    out = np.empty(len(x))
    for s in _slices(len(x)):
        out[s] = x[s].astype(np.float64) @ coef
    return out


def transpose_times(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Xᵀv in float64, slice by slice."""
    out = np.zeros(x.shape[1])
    for s in _slices(len(x)):
        out += x[s].astype(np.float64).T @ v[s]
    return out


def _newton_sums(x: np.ndarray, y: np.ndarray, w: np.ndarray, coef: np.ndarray, exact: bool = True
                 ) -> tuple[np.ndarray, np.ndarray, float]:
    """(Σ s_i, H, log-likelihood Σ w_i [y_i η_i − log(1 + e^η_i)]) at ``coef``. The score is always summed in
    float64; with ``exact`` False, H is summed in float32 (3× faster; it only steers the Newton steps, whose
    fixed point, Σ s_i = 0, it does not move)."""
    p = x.shape[1]
    score, hessian, loglik = np.zeros(p), np.zeros((p, p)), 0.0
    for s in _slices(len(x)):
        xs = x[s].astype(np.float64)
        eta = xs @ coef
        mu = special.expit(eta)
        score += xs.T @ (w[s] * (y[s] - mu))
        loglik += float(w[s] @ (y[s] * eta - np.logaddexp(0.0, eta)))
        root = np.sqrt(w[s] * mu * (1 - mu))[:, None]
        scaled = xs * root if exact else x[s] * root.astype(np.float32)
        hessian += scaled.T @ scaled
    return score, hessian, loglik


def _newton(x: np.ndarray, y: np.ndarray, w: np.ndarray, coef: np.ndarray, tolerance: float) -> np.ndarray:
    """Newton steps from ``coef`` until the largest step is below ``tolerance`` or the log-likelihood changes by
    less than :data:`LOGLIK_TOLERANCE` (statsmodels' deviance criterion: an outcome every row shares has no
    finite estimate, and stops there with a large constant, as statsmodels does)."""
    previous = -np.inf
    for _ in range(MAX_ITERATIONS):
        score, hessian, loglik = _newton_sums(x, y, w, coef, exact=False)
        if abs(loglik - previous) < LOGLIK_TOLERANCE:
            return coef
        step = np.linalg.solve(hessian, score)
        coef, previous = coef + step, loglik
        if not np.all(np.isfinite(coef)):
            break
        if np.max(np.abs(step)) < tolerance:
            return coef
    raise np.linalg.LinAlgError("the logistic model did not converge (perfect separation?)")


def fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray, weights: np.ndarray | None = None
        ) -> tuple[np.ndarray, np.ndarray, int]:
    """(β̂, V̂, number of clusters) of the module docstring. ``groups`` are cluster codes (one per row for
    robust errors without clusters). Raises ``np.linalg.LinAlgError`` when H is singular or the estimate
    does not converge (perfect separation drives a coefficient to infinity).

    On more than :data:`STARTING_ROWS` rows the steps start from the estimate on an evenly spaced subset of
    about that many rows (close to β̂, so two or three steps on every row finish: Newton's error squares at
    each step); the estimate is the same, only found with fewer passes over every row."""
    n, p = x.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mean = float(np.clip((w @ y) / w.sum(), 1e-6, 1 - 1e-6))
    coef = np.zeros(p)
    coef[0] = np.log(mean / (1 - mean))  # the first column is the constant
    if n > 2 * STARTING_ROWS:
        every = n // STARTING_ROWS
        try:
            coef = _newton(x[::every], y[::every], w[::every], coef, 1e-6)
        except np.linalg.LinAlgError:  # the subset misses a rare level: start from the mean instead
            pass
    coef = _newton(x, y, w, coef, TOLERANCE)
    _, hessian, _ = _newton_sums(x, y, w, coef)
    bread = np.linalg.inv(hessian)
    cluster_scores = _cluster_scores(x, y, w, coef, groups)
    g = len(cluster_scores)
    correction = g / (g - 1) * (n - 1) / (n - p)
    cov = correction * bread @ (cluster_scores.T @ cluster_scores) @ bread
    return coef, cov, g


def _cluster_scores(x: np.ndarray, y: np.ndarray, w: np.ndarray, coef: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """S_g = Σ_{i ∈ g} s_i for every cluster present, one row per cluster (in cluster order). Rows are taken in
    cluster order (already so when the frame is sorted by customer) and each slice is summed with
    ``np.add.reduceat`` over its runs of one cluster."""
    order = None if np.all(groups[1:] >= groups[:-1]) else np.argsort(groups, kind="stable")
    sums: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    for s in _slices(len(x)):
        rows = s if order is None else order[s]
        xs, gs = x[rows].astype(np.float64), groups[rows]
        scores = xs * (w[rows] * (y[rows] - special.expit(xs @ coef)))[:, None]
        starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
        sums.append(np.add.reduceat(scores, starts, axis=0))
        keys.append(gs[starts])
    key, total = np.concatenate(keys), np.concatenate(sums)
    first = np.r_[True, key[1:] != key[:-1]]  # a cluster cut by a slice boundary appears twice in a row
    return np.add.reduceat(total, np.flatnonzero(first), axis=0)
