"""The ROI scenario planner: what fixing a moment of service returns (METHOD.md §3).

The chain, for a scenario of levers on a scope (channel, touchpoint, segment, region):

1. **Lever → drivers** (§3.1), on the scope's contacts of the baseline (the last 3 months):
   ``wait_cut`` wait′ = (1 − Y)·wait; ``wait_cap`` wait′ = min(wait, T); ``transfer_cut`` a share X of
   the transferred contacts get one transfer fewer; ``fcr_raise`` a share q / (unresolved rate) of the
   unresolved contacts become resolved; ``custom`` any numeric driver × factor. Shares are applied as
   exact mixtures of probabilities, p′ = (1 − s)·p̂(x) + s·p̂(x_alt), so results are deterministic.
2. **Drivers → experience** (§3.2): ΔNeg = Σ_c [p̂(x_c) − p̂(x′_c)] per month (g-computation with the
   E-model); Δ CSAT top-2-box in points from the satisfaction model.
3. **Experience → churn** (§3.3): for every customer-month of the baseline, N′ = N − Σ_{c∈i,t−1} Δp_c
   over the previous month's contacts, and Δchurners = Σ [ĥ(N) − ĥ(N′)] / 3 per month.
4. **Churn → value** (§3.4): CLV of each saved customer-month = m(1 + d)/(d + ĥ) with the row's own
   hazard ĥ (saved customers are riskier than average) and margin m = revenue × gross margin −
   contact cost; revenue retained = Δchurners × MRR.
5. **Cost to serve** (§3.5): avoided transfers × minutes per transfer × agent cost per minute;
   avoided repeat contacts (unresolved avoided × measured repeat propensity × cost per contact);
   ``channel_shift`` of S contacts a month with verified containment κ:
   ΔCost = S·[c_b + (1 − κ)(1 + τ)c_a − c_a], ΔNeg = S·[κ p_b + (1 − κ)p_e − p_a], and the break-even
   κ* = [τ c_a + c_b + V(p_e − p_a)] / [(1 + τ)c_a + V(p_e − p_b)], V = Δh₁ × CLV.
6. **ROI** (§3.6): B_t = r_t(V_t + savings_t) − R, NPV_H = Σ_{t<H} B_t/(1 + d)^t − I,
   ROI_H = [Σ r_t(V + s)/(1 + d)^t − PV(costs)] / PV(costs), PV(costs) = I + Σ R/(1 + d)^t.
   Payback, both per METHOD's definitions and in the same discounting: *value basis* — the first
   (fractional) month when cumulative PV of B_t reaches I; *cash basis* — the retained stock
   A_t = A_{t−1}(1 − c) + r_t Δchurners earns A_t·m + r_t·savings − R a month. (METHOD's worked example
   quotes the value payback as I/(B − R) = 11.6 months, its undiscounted shortcut; the discounted
   definition gives 12.1. Its cash payback, 20 months, is the discounted one.)
7. **Uncertainty** (§3.7): coefficient draws of both models θ⁽ᵇ⁾ ~ N(θ̂, V̂) combined with
   triangular(low, base, high) business inputs → P10/P50/P90 of every output and P(ROI > 0); a
   half-effect row (the churn effect halved) for model uncertainty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl
from scipy import sparse

from cxdata.analysis import Analysis
from cxdata.metrics import DEFAULT_COST_PER_CONTACT
from cxdata.models import _expit, contact_features

BASELINE_MONTHS = 3
HORIZONS = (12, 36)
PAYBACK_LIMIT = 120  # months searched for a payback

LeverKind = Literal["wait_cut", "wait_cap", "transfer_cut", "fcr_raise", "channel_shift", "custom"]
Scope = tuple[tuple[str, tuple[str, ...]], ...]


# ---------------------------------------------------------------- closed forms (§3.3–§3.6)


def monthly_rate(annual: float) -> float:
    """d = (1 + WACC)^(1/12) − 1."""
    return (1 + annual) ** (1 / 12) - 1


def clv(margin: float | np.ndarray, churn: float | np.ndarray, d: float) -> float | np.ndarray:
    """Contractual CLV with margin at the start of each month: m(1 + d)/(d + c)."""
    return margin * (1 + d) / (d + churn)


def delta_h1(h0: float, gamma: float) -> float:
    """Churn added by one negative experience: expit(logit h₀ + γ) − h₀."""
    return float(_expit(np.log(h0 / (1 - h0)) + gamma) - h0)


def channel_shift(s: float, kappa: float, c_a: float, c_b: float, tau: float,
                  p_a: float, p_b: float, p_e: float, v: float) -> tuple[float, float, float]:
    """(ΔCost, ΔNeg, net value) a month of shifting S contacts from assisted a to automated b (§3.5)."""
    d_cost = s * (c_b + (1 - kappa) * (1 + tau) * c_a - c_a)
    d_neg = s * (kappa * p_b + (1 - kappa) * p_e - p_a)
    return d_cost, d_neg, -d_cost - d_neg * v


def break_even_containment(c_a: float, c_b: float, tau: float, p_a: float, p_b: float, p_e: float, v: float) -> float:
    """κ* where the shift's net value is zero: [τc_a + c_b + V(p_e − p_a)] / [(1 + τ)c_a + V(p_e − p_b)]."""
    return (tau * c_a + c_b + v * (p_e - p_a)) / ((1 + tau) * c_a + v * (p_e - p_b))


def ramp(months: int, ramp_months: float) -> np.ndarray:
    """r_t, linear from 1/ramp in the first month to 1 after ``ramp_months`` (1 throughout when 0)."""
    t = np.arange(months) + 1
    return np.ones(months) if ramp_months <= 0 else np.minimum(1.0, t / ramp_months)


@dataclass(frozen=True)
class Financials:
    npv: dict[int, float]
    roi: dict[int, float]
    payback_value: float | None  # months (fractional); None when not within PAYBACK_LIMIT
    payback_cash: float | None


def _crossing(cumulative: np.ndarray, target: float) -> float | None:
    """Fractional month (1-based) where a cumulative series first reaches ``target``."""
    hit = np.flatnonzero(cumulative >= target)
    if not len(hit):
        return None
    k = int(hit[0])
    before = cumulative[k - 1] if k else 0.0
    step = cumulative[k] - before
    return k + (target - before) / step if step > 0 else float(k + 1)


def financials(value: float, savings: float, churners: float, margin: float, churn_saved: float, *,
               investment: float, running: float, d: float, ramp_months: float = 0,
               horizons: Sequence[int] = HORIZONS) -> Financials:
    """NPV, ROI and both paybacks of a constant monthly effect; see step 6 of the module docstring.

    ``value`` = V (retained customer value booked a month), ``savings`` = cost-to-serve savings a
    month, ``churners`` = Δchurners a month, ``margin`` = m of a retained customer-month,
    ``churn_saved`` = c of the retained customers.
    """
    n = max(PAYBACK_LIMIT, *horizons)
    r = ramp(n, ramp_months)
    disc = (1 + d) ** -np.arange(n)
    gross = r * (value + savings)
    npv = {h: float(np.sum((gross[:h] - running) * disc[:h]) - investment) for h in horizons}
    roi = {}
    for h in horizons:
        pv_cost = investment + running * disc[:h].sum()
        roi[h] = float((np.sum(gross[:h] * disc[:h]) - pv_cost) / pv_cost) if pv_cost > 0 else float("inf")
    stock = np.zeros(n)
    for t in range(n):
        stock[t] = (stock[t - 1] * (1 - churn_saved) if t else 0.0) + r[t] * churners
    cash = stock * margin + r * savings - running
    return Financials(
        npv=npv, roi=roi,
        payback_value=_crossing(np.cumsum((gross - running) * disc), investment),
        payback_cash=_crossing(np.cumsum(cash * disc), investment),
    )


# ---------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Lever:
    """One change. ``amount``: Y share for wait_cut, seconds for wait_cap, share X for transfer_cut,
    points q for fcr_raise, contacts a month for channel_shift, factor for custom."""

    kind: LeverKind
    amount: float
    scope: Scope = ()
    driver: str | None = None  # custom: wait_minutes | transfers | unresolved | escalated
    from_channel: str = "phone"  # channel_shift
    to_channel: str = "chatbot"
    containment: float = 0.6  # channel_shift: verified containment κ


@dataclass(frozen=True)
class Economics:
    """Business inputs (Settings, overridable per scenario). Ranges are (low, high) multipliers of the base."""

    gross_margin: float = 0.6
    annual_discount_rate: float = 0.10
    cost_per_contact: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_COST_PER_CONTACT))
    agent_cost_per_minute: float = 0.60
    minutes_per_transfer: float = 4.0
    reexplain_overhead: float = 0.2  # τ: extra handling when an escalated customer must re-explain
    investment: float = 0.0
    running_cost: float = 0.0  # a month
    ramp_months: float = 3.0
    margin_range: tuple[float, float] = (0.9, 1.1)
    cost_range: tuple[float, float] = (0.85, 1.15)
    containment_range: tuple[float, float] = (0.85, 1.1)
    ramp_range: tuple[float, float] = (0.67, 2.0)
    word_of_mouth: bool = False  # §3.4 acquisition term; Forrester puts it under 7% of the benefit
    referrals_per_promoter: float = 0.02  # a month, when word_of_mouth (Δ CSAT top-2-box as the promoter proxy)
    referral_conversion: float = 0.1


@dataclass(frozen=True)
class Scenario:
    name: str
    levers: tuple[Lever, ...]
    economics: Economics = Economics()


def scope_mask(frame: pl.DataFrame, scope: Scope) -> pl.Series:
    """True for the rows inside the scope (every row when the scope is empty)."""
    mask = pl.repeat(True, frame.height, eager=True)
    for column, values in scope:
        if values and column in frame.columns:
            mask = mask & frame.get_column(column).cast(pl.String).is_in(list(values))
    return mask


@dataclass
class PlannerBase:
    """What every scenario on one analysis shares, computed once (per dataset version)."""

    analysis: Analysis
    contacts: pl.DataFrame  # previous-month contacts of the baseline rows, with features and _row
    rows: pl.DataFrame  # baseline customer-months
    eta_no_n: np.ndarray  # (rows, 1 + B): H-model linear predictor without the exposure term
    gamma: np.ndarray  # (1 + B,)
    n_asis: np.ndarray  # (rows, 1 + B): expected negatives of the previous month
    h_asis: np.ndarray  # (rows, 1 + B): hazard as is
    beta_e: np.ndarray  # (p_e, 1 + B)
    beta_s: np.ndarray  # satisfaction model
    repeat_propensity: float  # follow-up contacts within W per unresolved contact
    to_rows: sparse.csr_matrix  # (rows, contacts)

    @property
    def draws(self) -> int:
        return self.gamma.shape[0] - 1

    @classmethod
    def build(cls, a: Analysis, n_draws: int = 100, seed: int = 11, window_days: int = 7) -> PlannerBase:
        if a.hazard is None or a.experience is None or a.panel is None:
            raise ValueError("The planner needs the experience and churn models: upload interactions with "
                             "csat answers and a customers table with churn dates.")
        panel = a.panel
        last = panel.get_column("month").max()
        months = [pl.select(pl.lit(last).dt.offset_by(f"-{k}mo")).item() for k in range(BASELINE_MONTHS)]
        rows = panel.filter(pl.col("month").is_in(months)).with_columns(
            pl.col("calendar_month").cast(pl.String), _row=pl.int_range(pl.len()))
        prev = rows.select("customer_id", "_row", month=pl.col("month").dt.offset_by("-1mo"))
        contacts = contact_features(a.contacts).join(prev, on=["customer_id", "month"], how="inner")
        rng = np.random.default_rng(seed)
        h_fit, e_fit, s_fit = a.hazard.adjusted, a.experience.fit, a.experience.satisfaction

        def with_draws(fit) -> np.ndarray:
            draws = rng.multivariate_normal(fit.coef, fit.cov, size=n_draws, method="cholesky")
            return np.column_stack([fit.coef, draws.T])

        beta_h, beta_e, beta_s = with_draws(h_fit), with_draws(e_fit), with_draws(s_fit)
        j = h_fit.index(a.hazard.exposure)
        x_h = h_fit.design.matrix(rows.with_columns(pl.lit(0.0).alias(a.hazard.exposure)))
        to_rows = sparse.csr_matrix((np.ones(contacts.height), (contacts.get_column("_row").to_numpy(),
                                     np.arange(contacts.height))), shape=(rows.height, contacts.height))
        p = _expit(e_fit.design.matrix(contacts) @ beta_e)
        unresolved = a.contacts.filter(pl.col("resolved").not_()) if "resolved" in a.contacts.columns else None
        propensity = 0.0
        if unresolved is not None and unresolved.height:
            propensity = float((unresolved.get_column("next_same_gap_s") <= window_days * 86400).fill_null(False).mean())
        eta, n_asis = x_h @ beta_h, np.asarray(to_rows @ p)
        return cls(a, contacts, rows, eta, beta_h[j], n_asis, _expit(eta + beta_h[j] * n_asis), beta_e, beta_s,
                   propensity, to_rows)

    # -------------------------------------------------------------- evaluation

    def _variants(self, levers: Sequence[Lever], cpc: Mapping[str, float]
                  ) -> tuple[pl.Series, list[tuple[np.ndarray, pl.DataFrame]], dict]:
        """Scope of all contact levers, the counterfactual variants (weight per contact, features), counts."""
        c = self.contacts
        in_scope = pl.Series([False] * c.height)
        variants = [(np.ones(c.height), c)]
        counts = {"transfers_avoided": 0.0, "unresolved_avoided": 0.0, "unresolved_avoided_cost": 0.0}
        for lever in levers:
            if lever.kind == "channel_shift":
                continue
            mask = scope_mask(c, lever.scope)
            in_scope = in_scope | mask
            m = mask.to_numpy()
            new = []
            for w, frame in variants:
                if lever.kind == "wait_cut":
                    new.append((w, frame.with_columns(pl.when(mask).then(pl.col("wait_minutes") * (1 - lever.amount))
                                                      .otherwise(pl.col("wait_minutes")).alias("wait_minutes"))))
                elif lever.kind == "wait_cap":
                    cap = lever.amount / 60
                    new.append((w, frame.with_columns(pl.when(mask).then(pl.col("wait_minutes").clip(upper_bound=cap))
                                                      .otherwise(pl.col("wait_minutes")).alias("wait_minutes"))))
                elif lever.kind == "custom":
                    new.append((w, frame.with_columns(pl.when(mask).then(pl.col(lever.driver) * lever.amount)
                                                      .otherwise(pl.col(lever.driver)).alias(lever.driver))))
                else:
                    column, share = self._share(lever, frame, m)
                    hit = m & (frame.get_column(column).to_numpy() > 0)
                    s = np.where(hit, share, 0.0)
                    alt = frame.with_columns(pl.when(pl.Series(hit)).then(pl.col(column) - 1).otherwise(pl.col(column))
                                             .alias(column))
                    new += [(w * (1 - s), frame), (w * s, alt)]
                    moved = float((w * s).sum()) / BASELINE_MONTHS
                    if column == "transfers":
                        counts["transfers_avoided"] += moved
                    else:
                        counts["unresolved_avoided"] += moved
                        cost = frame.get_column("channel").replace_strict(dict(cpc), default=0.0,
                                                                          return_dtype=pl.Float64).to_numpy()
                        counts["unresolved_avoided_cost"] += float((w * s * cost).sum()) / BASELINE_MONTHS
            variants = new
        return in_scope, variants, counts

    def _share(self, lever: Lever, frame: pl.DataFrame, mask: np.ndarray) -> tuple[str, float]:
        if lever.kind == "transfer_cut":
            return "transfers", min(1.0, lever.amount)
        unresolved = frame.get_column("unresolved").to_numpy()[mask]
        rate = float(unresolved.mean()) if len(unresolved) else 0.0
        return "unresolved", 0.0 if rate == 0 else min(1.0, lever.amount / 100 / rate)

    def evaluate(self, scenario: Scenario) -> ScenarioResult:
        """The whole chain for every coefficient and business-input draw; see the module docstring."""
        econ = scenario.economics
        b = self.draws + 1
        rng = np.random.default_rng(20261122)

        def tri(base: float, rel: tuple[float, float]) -> np.ndarray:
            lo, hi = base * rel[0], base * rel[1]
            out = rng.triangular(min(lo, base), base, max(hi, base), size=b) if hi > lo else np.full(b, base)
            out[0] = base
            return out

        margin_k = tri(1.0, econ.margin_range)
        cost_k = tri(1.0, econ.cost_range)
        ramp_k = tri(econ.ramp_months, econ.ramp_range)
        d = monthly_rate(econ.annual_discount_rate)

        in_scope, variants, counts = self._variants(scenario.levers, econ.cost_per_contact)
        idx = np.flatnonzero(in_scope.to_numpy())
        dp = np.zeros((self.contacts.height, b))
        d_csat = np.zeros(b)
        if len(idx):
            base_x = self.analysis.experience.fit.design.matrix(self.contacts[idx])
            p0, q0 = _expit(base_x @ self.beta_e), _expit(base_x @ self.beta_s)
            p1, q1 = np.zeros_like(p0), np.zeros_like(q0)
            for w, frame in variants:
                x = self.analysis.experience.fit.design.matrix(frame[idx])
                p1 += w[idx, None] * _expit(x @ self.beta_e)
                q1 += w[idx, None] * _expit(x @ self.beta_s)
            dp[idx] = p0 - p1
            d_csat = (q1 - q0).mean(axis=0) * 100
        d_neg_contacts = dp.sum(axis=0) / BASELINE_MONTHS
        # only customer-months with an in-scope contact in the previous month can change
        touched = np.flatnonzero(np.asarray(self.to_rows[:, idx].sum(axis=1)).ravel() > 0) if len(idx) else \
            np.arange(self.rows.height)
        dn = np.asarray(self.to_rows[touched][:, idx] @ dp[idx]) if len(idx) else np.zeros((len(touched), b))
        h = self.h_asis[touched]
        dh = h - _expit(self.eta_no_n[touched] + self.gamma * (self.n_asis[touched] - dn))
        rows = self.rows[touched]
        revenue = rows.get_column("revenue").fill_null(0.0).to_numpy() if "revenue" in rows.columns else np.zeros(rows.height)
        contact_cost = rows.get_column("contact_cost").to_numpy() if "contact_cost" in rows.columns else np.zeros(rows.height)
        m_rows = (revenue[:, None] * econ.gross_margin * margin_k - contact_cost[:, None] * cost_k)
        churners = dh.sum(axis=0) / BASELINE_MONTHS
        value = (dh * clv(m_rows, h, d)).sum(axis=0) / BASELINE_MONTHS
        revenue_kept = (dh * revenue[:, None]).sum(axis=0) / BASELINE_MONTHS
        saved_margin = np.divide((dh * m_rows).sum(axis=0), dh.sum(axis=0), out=np.zeros(b), where=dh.sum(axis=0) != 0)
        saved_churn = np.divide((dh * h).sum(axis=0), dh.sum(axis=0), out=self.h_asis.mean(axis=0),
                                where=dh.sum(axis=0) != 0)
        savings = (counts["transfers_avoided"] * econ.minutes_per_transfer * econ.agent_cost_per_minute
                   + counts["unresolved_avoided_cost"] * self.repeat_propensity) * cost_k

        if econ.word_of_mouth:  # §3.4, off by default: Δpromoters × referrals × conversion × CLV
            promoters = d_csat / 100 * len(idx) / BASELINE_MONTHS
            value = value + promoters * econ.referrals_per_promoter * econ.referral_conversion * self._mean_clv(
                econ, d, margin_k, cost_k)
        shift = self._channel_shifts(scenario, d, margin_k, cost_k)
        value = value - shift["d_neg"] * shift["v"]
        churners = churners - shift["d_neg"] * shift["dh1"]
        savings = savings - shift["d_cost"]
        d_neg = d_neg_contacts - shift["d_neg"]

        fin = [financials(value[k], savings[k], churners[k], saved_margin[k], saved_churn[k],
                          investment=econ.investment, running=econ.running_cost, d=d, ramp_months=ramp_k[k])
               for k in range(b)]
        half = financials(value[0] / 2, savings[0], churners[0] / 2, saved_margin[0], saved_churn[0],
                          investment=econ.investment, running=econ.running_cost, d=d, ramp_months=econ.ramp_months)
        active = float(self.rows.height) / BASELINE_MONTHS
        return ScenarioResult(
            scenario=scenario,
            contacts_in_scope=float(len(idx)) / BASELINE_MONTHS,
            negatives_avoided=Spread.of(d_neg),
            csat_points=Spread.of(d_csat),
            churners_avoided=Spread.of(churners),
            churn_rate_pp=Spread.of(churners / active * 100),
            value_per_month=Spread.of(value),
            revenue_per_month=Spread.of(revenue_kept),
            savings_per_month=Spread.of(savings),
            npv={hz: Spread.of(np.array([f.npv[hz] for f in fin])) for hz in HORIZONS},
            roi={hz: Spread.of(np.array([f.roi[hz] for f in fin])) for hz in HORIZONS},
            p_roi_positive={hz: float(np.mean([f.roi[hz] > 0 for f in fin])) for hz in HORIZONS},
            payback_value=_payback_spread([f.payback_value for f in fin]),
            payback_cash=_payback_spread([f.payback_cash for f in fin]),
            half_effect=half,
            break_even_containment=shift["kappa_star"],
            base=fin[0],
        )

    def _mean_clv(self, econ: Economics, d: float, margin_k: np.ndarray, cost_k: np.ndarray) -> np.ndarray:
        """CLV of an average customer of the baseline, per draw: m̄(1 + d)/(d + h̄)."""
        rows = self.rows
        revenue = rows.get_column("revenue").fill_null(0.0).mean() if "revenue" in rows.columns else 0.0
        cost = rows.get_column("contact_cost").mean() if "contact_cost" in rows.columns else 0.0
        return clv(revenue * econ.gross_margin * margin_k - cost * cost_k, self.h_asis.mean(axis=0), d)

    def _channel_shifts(self, scenario: Scenario, d: float, margin_k: np.ndarray, cost_k: np.ndarray) -> dict:
        """Aggregate channel-shift terms (§3.5): ΔCost, ΔNeg, V = Δh₁·CLV and κ* of the first shift."""
        b = self.gamma.shape[0]
        out = {"d_cost": np.zeros(b), "d_neg": np.zeros(b), "v": np.zeros(b), "dh1": np.zeros(b), "kappa_star": None}
        econ = scenario.economics
        rng = np.random.default_rng(7)
        for lever in scenario.levers:
            if lever.kind != "channel_shift":
                continue
            c = self.contacts.filter(scope_mask(self.contacts, lever.scope))
            x = self.analysis.experience.fit.design.matrix
            p = {}
            for key, frame in (
                ("a", c.filter(pl.col("channel") == lever.from_channel)),
                ("b", c.filter((pl.col("channel") == lever.to_channel) & ~pl.col("escalated").cast(pl.Boolean))),
                ("e", c.filter((pl.col("channel") == lever.to_channel) & pl.col("escalated").cast(pl.Boolean))),
            ):
                if frame.height == 0:  # no such contacts in scope: fall back to the whole baseline
                    frame = self.contacts.filter(pl.col("channel") == (lever.from_channel if key == "a" else lever.to_channel))
                p[key] = _expit(x(frame) @ self.beta_e).mean(axis=0) if frame.height else np.zeros(b)
            h0 = _expit(self.eta_no_n).mean(axis=0)
            dh1 = _expit(np.log(h0 / (1 - h0)) + self.gamma) - h0
            v = dh1 * self._mean_clv(econ, d, margin_k, cost_k)
            cpc = econ.cost_per_contact
            c_a, c_b = cpc.get(lever.from_channel, 0.0) * cost_k, cpc.get(lever.to_channel, 0.0) * cost_k
            lo, hi = econ.containment_range
            kappa = np.clip(rng.triangular(lever.containment * lo, lever.containment, lever.containment * max(hi, 1.0 + 1e-9),
                                           size=b), 0, 1)
            kappa[0] = lever.containment
            tau = econ.reexplain_overhead
            d_cost, d_neg, _ = channel_shift(lever.amount, kappa, c_a, c_b, tau, p["a"], p["b"], p["e"], v)
            out["d_cost"] += d_cost
            out["d_neg"] += d_neg
            out["v"], out["dh1"] = v, dh1
            if out["kappa_star"] is None:
                out["kappa_star"] = float(break_even_containment(c_a[0], c_b[0], tau, p["a"][0], p["b"][0], p["e"][0], v[0]))
        return out


@dataclass(frozen=True)
class Spread:
    """An output's base estimate (fitted coefficients, base inputs) and its P10/P50/P90 and 95% range."""

    base: float
    p10: float
    p50: float
    p90: float
    low: float
    high: float

    @classmethod
    def of(cls, draws: np.ndarray) -> Spread:
        """Spread of draws whose first element is the base case; order statistics (no interpolation),
        so draws that are infinite (never pays back) stay well defined."""
        q = np.quantile(draws, [0.1, 0.5, 0.9, 0.025, 0.975], method="inverted_cdf")
        return cls(float(draws[0]), *map(float, q))


def _payback_spread(values: list[float | None]) -> Spread | None:
    """Paybacks of the draws; a draw that never pays back counts as infinitely long."""
    arr = np.array([np.inf if v is None else v for v in values])
    if not np.isfinite(arr[0]) and np.isinf(arr).mean() > 0.5:
        return None
    return Spread.of(arr)


@dataclass
class ScenarioResult:
    scenario: Scenario
    contacts_in_scope: float  # a month
    negatives_avoided: Spread  # a month
    csat_points: Spread  # Δ CSAT top-2-box in the scope, points
    churners_avoided: Spread  # a month, at full effect
    churn_rate_pp: Spread  # Δ monthly churn rate of the whole base, percentage points
    value_per_month: Spread
    revenue_per_month: Spread
    savings_per_month: Spread
    npv: dict[int, Spread]
    roi: dict[int, Spread]
    p_roi_positive: dict[int, float]
    payback_value: Spread | None
    payback_cash: Spread | None
    half_effect: Financials
    break_even_containment: float | None
    base: Financials

    def verdict(self, currency: str = "€") -> str:
        """One sentence for an executive, e.g. "Pays back in 14 months; 80% chance that ROI > 0 at 36 months."."""
        p36 = self.p_roi_positive[36]
        if self.base.payback_value is None or self.base.roi[36] <= 0:
            npv = self.npv[36].base
            money = f"{'−' if npv < 0 else ''}{currency}{abs(npv):,.0f}"
            return f"Does not pay at this cost: 36-month NPV {money} ({p36:.0%} chance that ROI > 0)."
        months = int(np.ceil(self.base.payback_value))
        return (f"Pays back in {months} month{'s' if months > 1 else ''} (value basis); "
                f"{p36:.0%} chance that ROI > 0 at 36 months.")


def lever_summary(lever: Lever) -> str:
    """Plain words for a lever, for tables and exports."""
    where = "; ".join(f"{k} = {', '.join(v)}" for k, v in lever.scope if v) or "all contacts"
    words = {
        "wait_cut": f"cut waits by {lever.amount:.0%}",
        "wait_cap": f"answer within {lever.amount:.0f} s",
        "transfer_cut": f"{lever.amount:.0%} of transferred contacts avoid a transfer",
        "fcr_raise": f"raise first-contact resolution by {lever.amount:g} points",
        "channel_shift": f"move {lever.amount:,.0f} {lever.from_channel} contacts a month to {lever.to_channel} "
                         f"(verified containment {lever.containment:.0%})",
        "custom": f"{lever.driver} × {lever.amount:g}",
    }
    return f"{words[lever.kind]} ({where})"

# ---------------------------------------------------------------- scenario files

LEVER_KINDS: tuple[str, ...] = ("wait_cut", "wait_cap", "transfer_cut", "fcr_raise", "channel_shift", "custom")
CUSTOM_DRIVERS: tuple[str, ...] = ("wait_minutes", "transfers", "unresolved", "escalated")
_SHARE_KINDS = {"wait_cut", "transfer_cut"}


def scenario_from_dict(data: dict, defaults: Economics = Economics()) -> Scenario:
    """A scenario from its JSON form (README "Scenario files"); ValueError with one sentence if malformed.

    ``economics`` keys override the defaults (the workspace settings); unknown keys are refused so a
    typo cannot silently fall back to a default.
    """
    if not isinstance(data, dict) or not isinstance(data.get("levers"), list) or not data["levers"]:
        raise ValueError("A scenario needs a non-empty list of 'levers'.")
    levers = []
    for i, raw in enumerate(data["levers"], 1):
        kind = raw.get("kind")
        if kind not in LEVER_KINDS:
            raise ValueError(f"Lever {i}: 'kind' must be one of {', '.join(LEVER_KINDS)}, not {kind!r}.")
        try:
            amount = float(raw["amount"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"Lever {i} ({kind}) needs a numeric 'amount'.") from None
        if amount < 0 or (kind in _SHARE_KINDS and amount > 1):
            raise ValueError(f"Lever {i} ({kind}): amount {amount:g} is out of range"
                             + (" (a share between 0 and 1)." if kind in _SHARE_KINDS else " (must be ≥ 0)."))
        if kind == "custom" and raw.get("driver") not in CUSTOM_DRIVERS:
            raise ValueError(f"Lever {i} (custom) needs 'driver', one of {', '.join(CUSTOM_DRIVERS)}.")
        containment = float(raw.get("containment", 0.6))
        if not 0 <= containment <= 1:
            raise ValueError(f"Lever {i}: containment must be between 0 and 1.")
        scope = tuple(sorted((str(k), tuple(str(v) for v in (vs if isinstance(vs, list) else [vs])))
                             for k, vs in (raw.get("scope") or {}).items()))
        levers.append(Lever(kind, amount, scope, raw.get("driver"), raw.get("from_channel", "phone"),
                            raw.get("to_channel", "chatbot"), containment))
    overrides = data.get("economics") or {}
    known = {f for f in Economics.__dataclass_fields__}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"Unknown economics input(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
    economics = Economics(**({k: getattr(defaults, k) for k in known} | {
        k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}))
    return Scenario(str(data.get("name") or "Scenario"), tuple(levers), economics)


def scenario_to_dict(scenario: Scenario) -> dict:
    """The JSON form read by :func:`scenario_from_dict`."""
    return {
        "name": scenario.name,
        "levers": [{k: v for k, v in {
            "kind": lv.kind, "amount": lv.amount, "scope": {k: list(v) for k, v in lv.scope},
            "driver": lv.driver,
            **({"from_channel": lv.from_channel, "to_channel": lv.to_channel, "containment": lv.containment}
               if lv.kind == "channel_shift" else {}),
        }.items() if v is not None} for lv in scenario.levers],
        "economics": {k: (list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else v)
                      for k, v in vars(scenario.economics).items()},
    }


def result_dict(r: ScenarioResult) -> dict:
    """A scenario's results as plain data (the ``roi --json`` payload)."""
    def spread(s: Spread | None) -> dict | None:
        return None if s is None else vars(s).copy()

    return {
        "scenario": scenario_to_dict(r.scenario),
        "verdict": r.verdict(""),
        "contacts_in_scope_per_month": r.contacts_in_scope,
        "negatives_avoided_per_month": spread(r.negatives_avoided),
        "csat_points": spread(r.csat_points),
        "churners_avoided_per_month": spread(r.churners_avoided),
        "churn_rate_pp": spread(r.churn_rate_pp),
        "value_per_month": spread(r.value_per_month),
        "revenue_retained_per_month": spread(r.revenue_per_month),
        "savings_per_month": spread(r.savings_per_month),
        "npv": {str(h): spread(s) for h, s in r.npv.items()},
        "roi": {str(h): spread(s) for h, s in r.roi.items()},
        "p_roi_positive": {str(h): p for h, p in r.p_roi_positive.items()},
        "payback_value_months": spread(r.payback_value),
        "payback_cash_months": spread(r.payback_cash),
        "half_effect": {"npv": {str(h): v for h, v in r.half_effect.npv.items()},
                        "roi": {str(h): v for h, v in r.half_effect.roi.items()},
                        "payback_value_months": r.half_effect.payback_value},
        "break_even_containment": r.break_even_containment,
    }
