"""Revenue at risk and the moments of service that cost the most (docs/method/contact-metrics.md, §3.0, §3.3).

Base: the customers active in the last month of data. For each, from the last ``baseline_months``
(3) of the contacts the churn model counts as exposures (no cancellation-like contact): N_i = mean
monthly expected negative experiences (Σ p̂ from the E-model), V_i = mean monthly contacts (the
volume control), and the hazard of the next month from the H-model, ĥ_i = expit(x_iᵀθ) with N_i and
V_i, and ĥ⁰_i with N_i = 0 and the same V_i: as many contacts, none of them negative.

- **Expected revenue lost within H months** = Σ_i MRR_i · L(ĥ_i), where L(h) = Σ_{t=1..H} [1 − (1 − h)^t]
  = H − (1 − h)(1 − (1 − h)^H)/h is the expected number of the H months lost to churn under a constant
  hazard. (The textbook shortcut is P̂(churn within H) × revenue(H); that counts a customer who leaves in month
  H − 1 as losing all H months, so the expected months lost are used instead.)
- **CX-attributable** = Σ_i MRR_i · [L(ĥ_i) − L(ĥ⁰_i)]: what would not be lost with no negative experiences.
- **Moments of service**: the attributable loss of each customer is split over their baseline contacts
  in proportion to each contact's p̂ (its share of the customer's expected negatives), then summed by
  channel × touchpoint × segment. The split is additive, so the moments add up to the total.
- **Intervals**: the whole chain re-run for coefficient draws of both models, θ⁽ᵇ⁾ ~ N(θ̂, V̂)
  (parametric simulation, docs/method/planner.md); 2.5 and 97.5 percentiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cxdata.models.fit import ExperienceModel, HazardModel, _expit, contact_features

MOMENT_KEYS = ("channel", "touchpoint", "segment")
#: Coefficient draws whose p̂ are computed together (a baseline of 1.3 M contacts × 16 draws: 170 MB).
DRAW_BATCH = 16


def months_lost(h: np.ndarray, horizon: int) -> np.ndarray:
    """L(h) = Σ_{t=1..H} [1 − (1 − h)^t], the expected months lost to churn within H at constant hazard h."""
    h = np.clip(h, 1e-12, 1.0)
    return horizon - (1 - h) * (1 - (1 - h) ** horizon) / h


@dataclass
class RiskResult:
    horizon: int
    customers: int
    at_risk: tuple[float, float, float]  # expected revenue lost within H (est, low, high)
    attributable: tuple[float, float, float]  # CX-attributable part
    churners: tuple[float, float, float]  # expected customers lost within H
    attributable_churners: tuple[float, float, float]
    moments: pl.DataFrame  # one row per channel × touchpoint × segment
    draws: pl.DataFrame | None = None  # the moments' keys + one column per coefficient draw (d0, d1, …)

    def totals(self) -> dict:
        """The scalar results (everything but the frames), JSON-ready."""
        return {"horizon": self.horizon, "customers": self.customers, "at_risk": self.at_risk,
                "attributable": self.attributable, "churners": self.churners,
                "attributable_churners": self.attributable_churners}

    def in_scope(self, where: dict[str, tuple[str, ...]] | None = None, by: str | None = None) -> pl.DataFrame:
        """CX-attributable revenue at risk of the moments matching ``where``, optionally by one key,
        with intervals from the per-draw sums (intervals of a sum are not sums of intervals).

        Columns: [by], revenue_at_risk, low, high, contacts_per_month.
        """
        cells = self.moments.with_row_index("_i")
        draws = self.draws.with_row_index("_i") if self.draws is not None else None
        for column, values in (where or {}).items():
            if values and column in cells.columns:
                cells = cells.filter(pl.col(column).is_in(list(values)))
        keys = [by] if by else []
        grouped = cells.group_by(keys, maintain_order=True) if keys else [((), cells)]
        rows = []
        for key, part in grouped:
            sims = draws.filter(pl.col("_i").is_in(part.get_column("_i").implode())).select(pl.selectors.starts_with("d")) \
                if draws is not None else None
            totals = sims.sum().to_numpy().ravel() if sims is not None and sims.width else np.array([np.nan])
            row = {"revenue_at_risk": float(part.get_column("revenue_at_risk").sum()),
                   "low": float(np.quantile(totals, 0.025)), "high": float(np.quantile(totals, 0.975)),
                   "contacts_per_month": float(part.get_column("contacts_per_month").sum())}
            if by:
                row = {by: key[0]} | row
            rows.append(row)
        out = pl.DataFrame(rows) if rows else pl.DataFrame(schema={**({by: pl.String} if by else {}),
                                                                  "revenue_at_risk": pl.Float64, "low": pl.Float64,
                                                                  "high": pl.Float64, "contacts_per_month": pl.Float64})
        return out.sort("revenue_at_risk", descending=True) if by else out


def _interval(point: float, sims: np.ndarray) -> tuple[float, float, float]:
    return float(point), float(np.quantile(sims, 0.025)), float(np.quantile(sims, 0.975))


def baseline(panel: pl.DataFrame, contacts: pl.DataFrame, months: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(customers active at the end of the data, with next-month covariates; their baseline contacts)."""
    last = panel.get_column("month").max()
    first = last
    for _ in range(months - 1):
        first = pl.select(pl.lit(first).dt.offset_by("-1mo")).item()
    active = panel.filter((pl.col("month") == last) & ~pl.col("churn")).with_columns(
        pl.col("month").dt.offset_by("1mo"),
        calendar_month=(pl.col("month").dt.offset_by("1mo").dt.month()).cast(pl.String),
        tenure_years=pl.col("tenure_years") + 1 / 12 if "tenure_years" in panel.columns else pl.lit(0.0),
        mrr=pl.col("revenue").fill_null(0.0) if "revenue" in panel.columns else pl.lit(0.0),
    )
    counted = pl.col("exposure_exclusion").is_null() if "exposure_exclusion" in contacts.columns else pl.lit(True)
    recent = contacts.filter((pl.col("month") >= first) & (pl.col("month") <= last) & counted
                             & pl.col("customer_id").is_in(active.get_column("customer_id").implode()))
    return active, recent


def revenue_at_risk(
    experience: ExperienceModel,
    hazard: HazardModel,
    panel: pl.DataFrame,
    contacts: pl.DataFrame,
    *,
    horizon: int = 12,
    baseline_months: int = 3,
    n_draws: int = 200,
    seed: int = 7,
) -> RiskResult:
    """See the module docstring."""
    active, recent = baseline(panel, contacts, baseline_months)
    customer_index = {c: i for i, c in enumerate(active.get_column("customer_id").to_list())}
    cust = recent.get_column("customer_id").replace_strict(customer_index, return_dtype=pl.Int64).to_numpy()
    keys = [k for k in MOMENT_KEYS if k in recent.columns]
    cells = recent.select(keys).with_columns(pl.all().fill_null("(none)"))
    cell_id = cells.select(pl.struct(keys).rank("dense") - 1).to_series().to_numpy() if keys else np.zeros(len(cust), int)
    n_cells = int(cell_id.max()) + 1 if len(cell_id) else 0

    x_e = experience.fit.design.matrix(contact_features(recent))
    volume = np.bincount(cust, minlength=active.height) / baseline_months
    x_h = hazard.adjusted.design.matrix(active.with_columns(
        pl.lit(0.0).alias(hazard.exposure), *(pl.Series(v, volume) for v in hazard.volume)))
    j = hazard.adjusted.index(hazard.exposure)
    mrr = active.get_column("mrr").to_numpy()
    n_customers = len(mrr)

    def chain(p: np.ndarray, beta_h: np.ndarray) -> tuple[float, float, float, float, np.ndarray, np.ndarray]:
        """The chain for the baseline contacts' p̂ under one draw of the E-model and one draw of the H-model."""
        expected = np.bincount(cust, weights=p, minlength=n_customers)
        n_month = expected / baseline_months
        eta0 = x_h @ beta_h
        h = _expit(eta0 + beta_h[j] * n_month)
        h0 = _expit(eta0)
        lost, lost0 = months_lost(h, horizon), months_lost(h0, horizon)
        churn, churn0 = 1 - (1 - h) ** horizon, 1 - (1 - h0) ** horizon
        loss = mrr * (lost - lost0)
        share = np.divide(p, expected[cust], out=np.zeros_like(p), where=expected[cust] > 0)
        by_cell = np.bincount(cell_id, weights=loss[cust] * share, minlength=n_cells)
        churners_by_cell = np.bincount(cell_id, weights=(churn - churn0)[cust] * share, minlength=n_cells)
        return float(mrr @ lost), float(loss.sum()), float(churn.sum()), float((churn - churn0).sum()), by_cell, churners_by_cell

    p_hat = _expit(x_e @ experience.fit.coef)
    point = chain(p_hat, hazard.adjusted.coef)
    draws_e = experience.fit.draws(n_draws, seed)
    draws_h = hazard.adjusted.draws(n_draws, seed + 1)
    sims = []
    for start in range(0, n_draws, DRAW_BATCH):  # p̂ of a batch of draws in one matrix product, not one per draw
        p_draws = _expit(draws_e[start:start + DRAW_BATCH] @ x_e.T)  # one row per draw
        sims += [chain(p_draws[k], bh) for k, bh in enumerate(draws_h[start:start + DRAW_BATCH])]
    totals = np.array([s[:4] for s in sims])
    money = np.array([s[4] for s in sims])

    per_cell = cells.with_columns(_cell=pl.Series(cell_id), _p=pl.Series(p_hat)).group_by("_cell", *keys).agg(
        contacts_per_month=pl.len() / baseline_months, negative_rate=pl.col("_p").mean() * 100)
    draw_columns = pl.DataFrame(money.T if n_cells else np.zeros((0, len(sims))),
                                schema=[f"d{k}" for k in range(len(sims))], orient="row")
    per_draw = per_cell.select("_cell", *keys).sort("_cell").hstack(draw_columns) if n_cells else None
    moments = per_cell.join(pl.DataFrame({
        "_cell": np.arange(n_cells), "revenue_at_risk": point[4],
        "low": np.quantile(money, 0.025, axis=0) if n_cells else [], "high": np.quantile(money, 0.975, axis=0) if n_cells else [],
        "churners": point[5],
    }), on="_cell").with_columns(
        churn_uplift_per_1000=pl.col("churners") / (pl.col("contacts_per_month") * baseline_months) * 1000,
    ).sort("revenue_at_risk", descending=True)
    if per_draw is not None:  # same row order as moments
        per_draw = moments.select("_cell").join(per_draw, on="_cell", how="left").drop("_cell")
    moments = moments.drop("_cell")

    return RiskResult(
        horizon=horizon, customers=n_customers,
        at_risk=_interval(point[0], totals[:, 0]), attributable=_interval(point[1], totals[:, 1]),
        churners=_interval(point[2], totals[:, 2]), attributable_churners=_interval(point[3], totals[:, 3]),
        moments=moments, draws=per_draw,
    )
