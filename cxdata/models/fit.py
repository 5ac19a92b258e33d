"""Models linking experience to churn and revenue (docs/method/churn.md, §1.6, §2.3, §3.0).

- **Experience model (E-model)** — contact level, on surveyed contacts:
  logit P(neg_c) = a + b_wait·wait_minutes + b_xfer·transfers + b_unres·unresolved + b_esc·escalated
  + channel + touchpoint + segment + plan + region + tenure, where neg = CSAT bottom-2-box. Weighted
  by 1/P̂(response | channel, segment, plan, region, wait, transfers) (inverse probability of
  responding), customer-clustered sandwich errors (robust per contact when the log has no customer_id).
  It predicts p̂_c for *every* contact.
- **Hazard model (H-model)** — discrete-time, on the customer-month panel (first month of data
  left out, since its previous month is unobserved): logit h_it = α + γ·N_i,t−1 + λ·V_i,t−1 + segment
  + plan + region + δ·tenure_years + calendar month, N = Σ p̂ of last month's contacts (expected negative
  experiences), V = the number of last month's contacts (the volume control: heavy users contact more
  and may churn more whatever the experience, so γ is the effect of *bad* experiences, not of
  contacting), customer-clustered errors. Both count only the contacts the panel keeps as exposures
  (no cancellation-like contact, none in the last W days before the churn date). The *naive* model
  keeps only γ·N, for comparison; two sensitivity fits give γ without the volume control and without
  the exclusions.
- **Average marginal effects** (AME) with delta-method intervals, as statsmodels' ``get_margeff`` does.
- **Key drivers** — Johnson's relative weights of the operational drivers on the negative-experience
  outcome (linear probability scale): raw weights sum to R², shown as *share of explained
  variance*, with a bootstrap interval.
- **Revenue linkage** — mean expansion revenue in the 12 months after an NPS answer, by NPS
  category, with normal intervals (each customer's first answer with a full 12-month window).

Every estimate states what it is: an association adjusted for the listed controls, not a proof of cause.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import polars as pl
from scipy import special

from cxdata.measures import stats
from cxdata.models import logit

DRIVERS = ("wait_minutes", "transfers", "unresolved", "escalated")
CONTACT_CATEGORIES = ("channel", "touchpoint", "segment", "plan", "region")
PANEL_CATEGORIES = ("segment", "plan", "region")
N_DRAWS = 400
SEED = 20261122
#: Rows above which a model is fitted on a random sample of customers (:func:`customer_sample`).
MODEL_ROWS = 2_000_000


# ---------------------------------------------------------------- design matrices


@dataclass
class Design:
    """Columns of a model matrix: numeric columns as they are, categoricals as treatment dummies
    against their most frequent level. Unknown levels at prediction time fall on the reference."""

    numeric: list[str]
    levels: dict[str, list[str]]  # categorical → non-reference levels
    reference: dict[str, str] = field(default_factory=dict)

    @classmethod
    def fit(cls, frame: pl.DataFrame, numeric: list[str], categorical: list[str]) -> Design:
        """Numeric columns that do not vary (e.g. tenure when no join dates exist) are left out: they
        would make the model matrix singular."""
        numeric = [c for c in numeric if (cast(float | None, frame.get_column(c).cast(pl.Float64).std()) or 0) > 0]
        levels, reference = {}, {}
        for c in categorical:
            counts = frame.get_column(c).drop_nulls().value_counts(sort=True)
            values = counts.get_column(c).to_list()
            if len(values) >= 2:
                reference[c] = values[0]
                levels[c] = sorted(values[1:])
        return cls(list(numeric), levels, reference)

    @property
    def names(self) -> list[str]:
        return ["const", *self.numeric, *(f"{c}={v}" for c, vs in self.levels.items() for v in vs)]

    def matrix(self, frame: pl.DataFrame, dtype: type[np.floating] = np.float64) -> np.ndarray:
        """The model matrix of ``frame``, built :data:`logit.CHUNK_ROWS` rows at a time into one array of
        ``dtype`` (float32 for a fit's matrix: half the memory, :mod:`cxdata.models.logit`)."""
        exprs = [pl.lit(1.0).alias("const")]
        exprs += [pl.col(c).cast(pl.Float64).fill_null(0.0).alias(c) for c in self.numeric]
        exprs += [(pl.col(c) == v).fill_null(False).cast(pl.Float64).alias(f"{c}={v}")
                  for c, vs in self.levels.items() for v in vs]
        out = np.empty((frame.height, len(exprs)), dtype)
        for start in range(0, frame.height, logit.CHUNK_ROWS):
            out[start:start + logit.CHUNK_ROWS] = frame.slice(start, logit.CHUNK_ROWS).select(exprs).to_numpy()
        return out

    def to_dict(self) -> dict:
        return {"numeric": self.numeric, "levels": self.levels, "reference": self.reference}


@dataclass
class Fit:
    """A fitted logistic model: coefficients, clustered covariance, the design that built X."""

    design: Design
    coef: np.ndarray
    cov: np.ndarray
    n: int
    n_clusters: int
    events: int

    def index(self, name: str) -> int:
        return self.design.names.index(name)

    def interval(self, name: str) -> tuple[float, float, float]:
        """(estimate, low, high) of a coefficient, 95% Wald with the clustered SE."""
        i = self.index(name)
        se = math.sqrt(self.cov[i, i])
        return float(self.coef[i]), float(self.coef[i] - stats.Z95 * se), float(self.coef[i] + stats.Z95 * se)

    def predict(self, frame: pl.DataFrame, coef: np.ndarray | None = None) -> np.ndarray:
        """expit(Xβ) for every row of ``frame``, in float64 (X is built a slice at a time)."""
        coef = self.coef if coef is None else coef
        return _expit(np.concatenate([self.design.matrix(part) @ coef for part in frame.iter_slices(logit.CHUNK_ROWS)])
                      if frame.height else np.empty(0))

    def draws(self, n: int = N_DRAWS, seed: int = SEED) -> np.ndarray:
        """Coefficient draws θ⁽ᵇ⁾ ~ N(θ̂, V̂), shape (n, p)."""
        return np.random.default_rng(seed).multivariate_normal(self.coef, self.cov, size=n, method="cholesky")

    def terms(self) -> pl.DataFrame:
        """term, coef, se, low, high, odds_ratio (with its interval)."""
        se = np.sqrt(np.diag(self.cov))
        return pl.DataFrame({
            "term": self.design.names, "coef": self.coef, "se": se,
            "low": self.coef - stats.Z95 * se, "high": self.coef + stats.Z95 * se,
        }).with_columns(
            odds_ratio=pl.col("coef").exp(), or_low=pl.col("low").exp(), or_high=pl.col("high").exp()
        )

    def to_dict(self) -> dict:
        return {"design": self.design.to_dict(), "coef": self.coef.tolist(), "cov": self.cov.tolist(),
                "n": self.n, "n_clusters": self.n_clusters, "events": self.events}

    @classmethod
    def from_dict(cls, d: dict) -> Fit:
        return cls(Design(**d["design"]), np.asarray(d["coef"]), np.asarray(d["cov"]), d["n"], d["n_clusters"], d["events"])


def _expit(x: np.ndarray) -> np.ndarray:
    """Logistic function 1/(1 + e^−x) (scipy's C implementation: fast and overflow-safe)."""
    return special.expit(x)


def cluster_codes(frame: pl.DataFrame, cluster: str | None) -> np.ndarray:
    """Cluster codes 0..G−1 of the rows, in the order of the ``cluster`` column's values (so a frame sorted by it
    has non-decreasing codes); a row without a value, or every row when ``cluster`` is None, is its own cluster."""
    if cluster is None:
        return np.arange(frame.height)
    rank = pl.col(cluster).rank("dense").cast(pl.Int64)
    alone = rank.max().fill_null(0) + pl.col(cluster).is_null().cum_sum()  # after the last value, one by one
    return frame.select(rank.fill_null(alone) - 1).to_series().to_numpy()


def fit_logit(frame: pl.DataFrame, outcome: str, design: Design, cluster: str | None,
              weights: np.ndarray | None = None) -> Fit:
    """Binomial GLM with customer-clustered (sandwich) errors (:func:`cxdata.models.logit.fit`, the estimator of
    ``sm.GLM(...).fit(cov_type='cluster')``). With ``cluster`` None every row is its own cluster: the
    heteroscedasticity-robust sandwich."""
    y = frame.get_column(outcome).cast(pl.Float64).to_numpy()
    coef, cov, n_clusters = logit.fit(design.matrix(frame, np.float32), y, cluster_codes(frame, cluster), weights)
    return Fit(design, coef, cov, len(y), n_clusters, int(y.sum()))


def customer_sample(frame: pl.DataFrame, rows: int = MODEL_ROWS, seed: int = SEED) -> pl.DataFrame:
    """``frame`` itself when it has at most ``rows`` rows, else the rows of a random share
    ``rows / frame.height`` of its customers, every row of each (rows without a customer, or a frame without
    customer_id, are drawn one by one with that share). Customers are the clusters of the models' errors, so
    the clustered interval of a fit on the sample is the interval of the sampled estimate: wider by about
    √(1/share), never overstated. The same customers are drawn for every model of a version (the ids are
    sorted before drawing)."""
    if frame.height <= rows:
        return frame
    share = rows / frame.height
    rng = np.random.default_rng(seed)
    by_row = pl.Series(rng.random(frame.height) < share)
    if "customer_id" not in frame.columns:
        return frame.filter(by_row)
    ids = frame.get_column("customer_id").drop_nulls().unique().sort()
    drawn = ids.filter(pl.Series(rng.random(len(ids)) < share))
    return frame.filter(pl.col("customer_id").is_in(drawn.implode()).fill_null(False)
                        | (pl.col("customer_id").is_null() & by_row))


# ---------------------------------------------------------------- experience model


def contact_features(contacts: pl.DataFrame) -> pl.DataFrame:
    """Model inputs per contact: wait in minutes, unresolved, escalated (0/1), tenure in years."""
    cols = contacts.columns
    zero = pl.lit(0.0)
    return contacts.with_columns(
        wait_minutes=(pl.col("wait_seconds") / 60).fill_null(0.0) if "wait_seconds" in cols else zero,
        transfers=pl.col("transfers").cast(pl.Float64).fill_null(0.0) if "transfers" in cols else zero,
        unresolved=(~pl.col("resolved")).cast(pl.Float64).fill_null(0.0) if "resolved" in cols else zero,
        escalated=pl.col("escalated").cast(pl.Float64).fill_null(0.0) if "escalated" in cols else zero,
        tenure_years=((pl.col("started_at").dt.date() - pl.col("joined_at")).dt.total_days() / 365.25).clip(0).fill_null(0.0)
        if "joined_at" in cols else zero,
    )


@dataclass
class ExperienceModel:
    fit: Fit  # P(negative experience), CSAT 1–2
    response_fit: Fit
    drivers: list[str]
    satisfaction: Fit  # P(CSAT top-2-box, 4–5): same design and weights; gives the planner's Δ CSAT

    def predict(self, features: pl.DataFrame, coef: np.ndarray | None = None) -> np.ndarray:
        return self.fit.predict(features, coef)


def fit_experience_model(features: pl.DataFrame) -> ExperienceModel:
    """E-model of the module docstring, on contacts with a CSAT answer. A contact log without
    customer_id (a call-centre export) gets the same model with errors robust per contact instead of
    clustered by customer; segment, plan, region and tenure are then simply absent."""
    categories = [c for c in CONTACT_CATEGORIES if c in features.columns]
    drivers = [d for d in DRIVERS if features.get_column(d).std() or 0]
    cluster = "customer_id" if "customer_id" in features.columns else None
    frame = features.with_columns(surveyed=pl.col("csat").is_not_null())
    response_design = Design.fit(frame, ["wait_minutes", "transfers"], categories)
    response = fit_logit(frame, "surveyed", response_design, cluster)
    surveyed = frame.filter(pl.col("surveyed"))
    weights = 1.0 / np.clip(response.predict(surveyed), 0.01, 1.0)
    weights = weights / weights.mean()
    design = Design.fit(surveyed, [*drivers, "tenure_years"], categories)
    drivers = [d for d in drivers if d in design.numeric]  # a driver constant among the answers (e.g. every
    # surveyed ticket resolved) has no effect to estimate
    surveyed = surveyed.with_columns(neg=pl.col("csat") <= 2, top2=pl.col("csat") >= 4)
    fit = fit_logit(surveyed, "neg", design, cluster, weights)
    satisfaction = fit_logit(surveyed, "top2", design, cluster, weights)
    return ExperienceModel(fit, response, drivers, satisfaction)


def average_marginal_effects(fit: Fit, frame: pl.DataFrame, names: list[str], binary: set[str]) -> pl.DataFrame:
    """AME of each named column on P(outcome), in probability units, with a delta-method 95% interval.

    Continuous x_j: AME = mean(β_j·p̂(1 − p̂)), gradient e_j·mean(w) + β_j·Xᵀ(w(1 − 2p̂))/n with w = p̂(1 − p̂).
    Binary x_j: AME = mean(p̂(x_j = 1) − p̂(x_j = 0)), gradient (X₁ᵀw₁ − X₀ᵀw₀)/n. SE = √(gᵀV̂g).
    """
    x = fit.design.matrix(frame, np.float32)
    n = len(x)
    eta = logit.linear_predictor(x, fit.coef)
    rows = []
    for name in names:
        j = fit.index(name)
        beta, column = fit.coef[j], x[:, j].astype(np.float64)
        if name in binary:  # X₁, X₀: x_j set to 1, to 0; X₁ᵀw₁ is Xᵀw₁ with entry j = Σw₁ (and 0 for X₀)
            p1, p0 = _expit(eta + beta * (1 - column)), _expit(eta - beta * column)
            w1, w0 = p1 * (1 - p1), p0 * (1 - p0)
            ame = float((p1 - p0).mean())
            g1, g0 = logit.transpose_times(x, w1), logit.transpose_times(x, w0)
            g1[j], g0[j] = w1.sum(), 0.0
            grad = (g1 - g0) / n
        else:
            p = _expit(eta)
            w = p * (1 - p)
            ame = float(beta * w.mean())
            grad = beta * logit.transpose_times(x, w * (1 - 2 * p)) / n
            grad[j] += w.mean()
        se = float(np.sqrt(grad @ fit.cov @ grad))
        rows.append({"term": name, "ame": ame, "low": ame - stats.Z95 * se, "high": ame + stats.Z95 * se})
    return pl.DataFrame(rows)


# ---------------------------------------------------------------- hazard model


@dataclass
class HazardModel:
    adjusted: Fit
    naive: Fit
    exposure: str  # the panel column carrying N (expected negatives last month)
    volume: tuple[str, ...] = ()  # the panel columns of the volume control (contacts last month)

    def hazard(self, panel: pl.DataFrame, coef: np.ndarray | None = None) -> np.ndarray:
        return self.adjusted.predict(panel, coef)


#: The panel rows the hazard model is fitted on: all but the first month of data.
AT_RISK = pl.col("month") > pl.col("month").min()


def hazard_rows(panel: pl.DataFrame) -> pl.DataFrame:
    """Panel rows the hazard model is fitted on (:data:`AT_RISK`)."""
    return panel.filter(AT_RISK)


EXPOSURE, VOLUME = "expected_negatives_prev", ("contacts_prev",)
#: The same two columns counting every contact, before the exclusions (the sensitivity fit).
EXPOSURE_ALL, VOLUME_ALL = "expected_negatives_all_prev", ("contacts_all_prev",)


def model_rows(panel: pl.DataFrame) -> pl.DataFrame:
    """What the H-model is fitted on: :func:`hazard_rows`, of a random share of the customers above
    :data:`MODEL_ROWS` (:func:`customer_sample`), calendar month as text (a categorical)."""
    return customer_sample(hazard_rows(panel)).with_columns(pl.col("calendar_month").cast(pl.String))


def hazard_customers(panel: pl.DataFrame) -> int:
    """The customers of :func:`hazard_rows` (counted without copying the rows)."""
    return int(panel.lazy().filter(AT_RISK).select(pl.col("customer_id").n_unique()).collect().item())


def fit_hazard_model(rows: pl.DataFrame, exposure: str = EXPOSURE, volume: tuple[str, ...] = VOLUME) -> HazardModel:
    """H-model of the module docstring (adjusted and naive), on ``rows`` (:func:`model_rows`). A volume column
    the rows lack, or that does not vary, is left out (Design.fit drops constant columns)."""
    categories = [c for c in PANEL_CATEGORIES if c in rows.columns] + ["calendar_month"]
    volume = tuple(v for v in volume if v in rows.columns)
    numeric = [exposure, *volume] + (["tenure_years"] if "tenure_years" in rows.columns else [])
    design = Design.fit(rows, numeric, categories)
    adjusted = fit_logit(rows, "churn", design, "customer_id")
    naive = fit_logit(rows, "churn", Design.fit(rows, [exposure], []), "customer_id")
    return HazardModel(adjusted, naive, exposure, tuple(v for v in volume if v in design.numeric))


@dataclass(frozen=True)
class ChurnEffect:
    """The headline: churn per negative experience last month."""

    gamma: tuple[float, float, float]  # log-odds per expected negative experience (est, low, high)
    odds_ratio: tuple[float, float, float]
    naive_gamma: tuple[float, float, float]
    naive_odds_ratio: tuple[float, float, float]
    ame_pp: tuple[float, float, float]  # percentage points of monthly churn per extra negative experience
    e_value: float  # for the odds ratio (≈ risk ratio, churn is rare)
    e_value_ci: float  # for the interval limit closest to 1
    base_churn: float  # observed monthly churn on the fitted rows
    n_rows: int  # customer-months the model was fitted on (a random sample of customers' when sampled)
    n_customers: int
    events: int
    controls: str
    # γ of the sensitivity fits (None when not fitted): without the volume control; without the exclusions
    # (every contact counted, volume control kept).
    gamma_without_volume: tuple[float, float, float] | None = None
    gamma_without_exclusions: tuple[float, float, float] | None = None
    excluded: dict[str, int] = field(default_factory=dict)  # contacts left out of the exposures, by reason
    panel_customers: int = 0  # customers of the fitted months; more than n_customers when fitted on a sample

    @property
    def sampled(self) -> bool:
        """Whether the model was fitted on a random sample of the customers (:func:`customer_sample`)."""
        return self.panel_customers > self.n_customers

    @property
    def evident(self) -> bool:
        """Whether this data shows that negative experiences go with more churn: γ's 95% interval is above 0."""
        return self.gamma[1] > 0

    @property
    def controls_text(self) -> str:
        """What the model adjusts for, in words (``tenure, plan and calendar month``)."""
        return self.controls.replace("calendar_month", "calendar month")


def _exp(interval: tuple[float, float, float]) -> tuple[float, float, float]:
    """An interval of log-odds as odds ratios."""
    est, low, high = interval
    return math.exp(est), math.exp(low), math.exp(high)


def churn_effect(model: HazardModel, rows: pl.DataFrame, *, panel_customers: int | None = None,
                 without_volume: HazardModel | None = None, without_exclusions: HazardModel | None = None,
                 excluded: dict[str, int] | None = None) -> ChurnEffect:
    """Summarise γ adjusted and naive, its AME and E-values (docs/method/churn.md, §2.6), and the sensitivity fits,
    on the rows the model was fitted on (:func:`model_rows`); ``panel_customers`` is the customers of every
    fitted month (:func:`hazard_customers`; those of ``rows`` when not given)."""
    g = model.adjusted.interval(model.exposure)
    ng = model.naive.interval(model.exposure)
    ame = average_marginal_effects(model.adjusted, rows, [model.exposure], set()).row(0, named=True)
    or_ = _exp(g)
    limit = or_[1] if or_[0] >= 1 else or_[2]
    design = model.adjusted.design
    controls = ", ".join([*(["contact volume"] if model.volume else []), *design.levels]) \
        + (", tenure" if "tenure_years" in design.numeric else "")
    return ChurnEffect(
        gamma=g, odds_ratio=or_, naive_gamma=ng, naive_odds_ratio=_exp(ng),
        ame_pp=(ame["ame"] * 100, ame["low"] * 100, ame["high"] * 100),
        e_value=stats.e_value(or_[0]),
        e_value_ci=1.0 if (or_[1] <= 1 <= or_[2]) else stats.e_value(limit),
        base_churn=float(cast(float, rows.get_column("churn").mean())),
        n_rows=model.adjusted.n, n_customers=model.adjusted.n_clusters, events=model.adjusted.events,
        controls=controls,
        gamma_without_volume=None if without_volume is None else without_volume.adjusted.interval(without_volume.exposure),
        gamma_without_exclusions=None if without_exclusions is None
        else without_exclusions.adjusted.interval(without_exclusions.exposure),
        excluded=dict(excluded or {}),
        panel_customers=rows.get_column("customer_id").n_unique() if panel_customers is None else panel_customers,
    )


# ---------------------------------------------------------------- key drivers


def _weights_from_correlation(corr: np.ndarray) -> tuple[np.ndarray, float]:
    """Relative weights from the correlation matrix of [x, y] (:func:`relative_weights`)."""
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    eigval, eigvec = np.linalg.eigh(rxx)
    lam = eigvec @ np.diag(np.sqrt(np.clip(eigval, 0, None))) @ eigvec.T
    beta = np.linalg.solve(lam, rxy)
    eps = (lam**2) @ (beta**2)
    return eps, float(np.sum(beta**2))


def relative_weights(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson's relative weights: raw weights ε (summing to R²) and R².

    R_xx = V diag(λ) Vᵀ; Λ = V diag(√λ) Vᵀ; β = Λ⁻¹ r_xy; ε = (Λ∘Λ)(β∘β).
    """
    return _weights_from_correlation(np.corrcoef(np.column_stack([x, y]), rowvar=False))


def _resampled_correlation(z: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The correlation matrix of the resample that takes row i of ``z`` ``counts[i]`` times, from weighted
    moments (no copy of the rows): with z centred on its mean, m = Σcz/n and C = Σc zzᵀ − n·m mᵀ."""
    n = counts.sum()
    m = counts @ z / n
    cov = z.T @ (z * counts[:, None]) - n * np.outer(m, m)
    sd = np.sqrt(np.diag(cov))
    return cov / np.outer(sd, sd)


def key_drivers(features: pl.DataFrame, drivers: list[str], n_boot: int = 200, seed: int = SEED) -> pl.DataFrame:
    """Relative weights of the drivers on CSAT bottom-2-box (surveyed contacts), with bootstrap intervals.

    Columns: driver, weight (raw ε), share (% of R²), low, high (bootstrap 95% of the share), r2. Each
    bootstrap resample (n rows drawn with replacement) is taken as how often it draws each row, and its
    correlation matrix computed from those counts.
    """
    frame = features.filter(pl.col("csat").is_not_null())
    x = frame.select(drivers).to_numpy().astype(float)
    y = (frame.get_column("csat") <= 2).cast(pl.Float64).to_numpy()
    eps, r2 = relative_weights(x, y)
    z = np.column_stack([x, y])
    z -= z.mean(axis=0)
    rng = np.random.default_rng(seed)
    shares = []
    for _ in range(n_boot):
        counts = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y)).astype(np.float64)
        e, r = _weights_from_correlation(_resampled_correlation(z, counts))
        shares.append(e / r * 100)
    boot = np.array(shares)
    return pl.DataFrame({
        "driver": drivers, "weight": eps, "share": eps / r2 * 100,
        "low": np.quantile(boot, 0.025, axis=0), "high": np.quantile(boot, 0.975, axis=0), "r2": r2,
    }).sort("share", descending=True)


# ---------------------------------------------------------------- revenue linkage


def nps_category(score: pl.Expr) -> pl.Expr:
    return pl.when(score >= 9).then(pl.lit("promoter")).when(score >= 7).then(pl.lit("passive")).otherwise(pl.lit("detractor"))


def expansion_by_nps(contacts: pl.DataFrame, revenue: pl.DataFrame, months: int = 12) -> pl.DataFrame:
    """Mean expansion revenue over the ``months`` after a customer's first NPS answer, by NPS category.

    Only answers with a full window before the end of the revenue data count; expansion after a
    churn is zero (the customer is gone), which is part of the linkage. Columns: category, mean,
    low, high, n (customers).
    """
    last = revenue.get_column("month").max()
    first_answer = (
        contacts.filter(pl.col("nps").is_not_null() & pl.col("customer_id").is_not_null())
        .sort("started_at").group_by("customer_id").first()
        .select("customer_id", "nps", answered=pl.col("started_at").dt.truncate("1mo").dt.date())
        .filter(pl.col("answered").dt.offset_by(f"{months}mo") <= last)
    )
    window = (
        first_answer.join(revenue.select("customer_id", "month", "expansion"), on="customer_id", how="left")
        .filter((pl.col("month") > pl.col("answered")) & (pl.col("month") <= pl.col("answered").dt.offset_by(f"{months}mo")))
        .group_by("customer_id").agg(expansion=pl.col("expansion").fill_null(0).sum())
    )
    per_customer = first_answer.join(window, on="customer_id", how="left").with_columns(
        pl.col("expansion").fill_null(0.0), category=nps_category(pl.col("nps")))
    agg = per_customer.group_by("category").agg(
        s=pl.col("expansion").sum(), ss=(pl.col("expansion") ** 2).sum(), n=pl.len())
    lo, hi = stats.mean_interval(pl.col("s"), pl.col("ss"), pl.col("n").cast(pl.Float64))
    order = {"detractor": 0, "passive": 1, "promoter": 2}
    return agg.select("category", mean=pl.col("s") / pl.col("n"), low=lo, high=hi, n="n") \
        .sort(pl.col("category").replace_strict(order, return_dtype=pl.Int8))
