"""The ROI scenario planner: what fixing a moment of service returns (docs/method/planner.md).

The chain, for a scenario of levers on a scope (channel, touchpoint, segment, region):

1. **Lever → drivers** (planner.md §2.1), on the scope's contacts of the baseline (the last 3 months):
   ``wait_cut`` wait′ = (1 − Y)·wait; ``wait_cap`` wait′ = min(wait, T); ``transfer_cut`` a share X of
   the transferred contacts get one transfer fewer; ``fcr_raise`` a share q / (unresolved rate) of the
   unresolved contacts become resolved; ``custom`` any numeric driver × factor. Shares are applied as
   exact mixtures of probabilities, p′ = (1 − s)·p̂(x) + s·p̂(x_alt), so results are deterministic.
2. **Drivers → experience** (planner.md §2.2): ΔNeg = Σ_c [p̂(x_c) − p̂(x′_c)] per month (g-computation with the
   E-model); Δ CSAT top-2-box in points from the satisfaction model.
3. **Experience → churn** (planner.md §2.3): for every customer-month of the baseline, N′ = N − Σ_{c∈i,t−1} Δp_c
   over the previous month's *counted* contacts, and Δchurners = Σ [ĥ(N) − ĥ(N′)] / 3 per month.
   Counted = the contacts the churn model counts as exposures, those whose ``exposure_exclusion`` is
   null (panel.py leaves out cancellation-like contacts and those in the last 30 days before the
   customer's churn date), so N = ``to_rows @ p̂`` is exactly the panel's ``expected_negatives_prev``.
   Every contact in scope is still changed by a lever: its Δ negatives, Δ CSAT and cost-to-serve
   savings count (the panel's ``contact_cost`` also covers every contact), but only counted contacts
   move anyone's churn.
4. **Churn → value** (planner.md §2.4): CLV of each saved customer-month = m(1 + d)/(d + ĥ) with the row's own
   hazard ĥ (saved customers are riskier than average) and margin m = revenue × gross margin −
   contact cost; revenue retained = Δchurners × MRR.
5. **Cost to serve** (planner.md §2.5): avoided transfers × minutes per transfer × agent cost per minute;
   avoided repeat contacts (unresolved avoided × measured repeat propensity × cost per contact);
   ``channel_shift`` of S contacts a month with verified containment κ. S is capped at the contacts a
   month the scope holds on the channel they leave. A session is *contained* when it has no hand-off,
   no contact of the same customer within W days and no negative answer; a failed session costs
   c_F = e(1 + τ)c_a + u·c_u and brings p_F = e·p_e + (1 − e)p_s + u·p_u negative experiences, where
   e and u are the shares of the failed sessions handed to an agent and followed by another contact
   within W days, c_u and p_u the cost and P(neg) of those follow-up contacts, p_s the P(neg) of the
   failed sessions not handed over (all measured on the target channel's sessions in the scope, its
   channel filter aside): ΔCost = S·[c_b + (1 − κ)c_F − c_a], ΔNeg = S·[κ p_b + (1 − κ)p_F − p_a], and
   the break-even κ* = [c_F + c_b − c_a + V(p_F − p_a)] / [c_F + V(p_F − p_b)], V = Δh₁ × q × CLV with
   q the counted share of the contacts moved (step 3). With e = 1, u = 0 and q = 1 (every failure one
   escalation, nothing comes back) these are docs/method/planner.md's textbook formulas. κ* is refused when the scope lacks the
   sessions it is estimated from (naming them), and reported as out of reach (no containment pays) or
   not binding (any containment pays) instead of a number outside [0, 1].
6. **ROI** (planner.md §2.7): B_t = r_t(V_t + savings_t) − R, NPV_H = Σ_{t<H} B_t/(1 + d)^t − I,
   ROI_H = [Σ r_t(V + s)/(1 + d)^t − PV(costs)] / PV(costs), PV(costs) = I + Σ R/(1 + d)^t.
   With no investment and no running cost PV(costs) = 0 and ROI is undefined (None, and so is
   P(ROI > 0)); NPV and payback still stand, and the verdict judges the scenario by its NPV.
   Payback, both as docs/method/planner.md §2.7 defines them and in the same discounting: *value basis* — the first
   (fractional) month when cumulative PV of B_t reaches I; *cash basis* — the retained stock
   A_t = A_{t−1}(1 − c) + r_t Δchurners earns A_t·m + r_t·savings − R a month. (On the planner doc's worked example the undiscounted
   shortcut I/(B − R) gives 11.6 months; the discounted definition gives 12.1, and the cash payback 20.)
7. **Uncertainty** (planner.md §2.8): coefficient draws of both models θ⁽ᵇ⁾ ~ N(θ̂, V̂) combined with
   triangular(low, base, high) business inputs → P10/P50/P90 of every output and P(ROI > 0); a
   half-effect row (the churn effect halved) for model uncertainty.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypedDict, cast

import numpy as np
import polars as pl
from scipy import sparse

from cxdata import format as fmt
from cxdata.models.analysis import Analysis
from cxdata.models.fit import ExperienceModel, _expit, contact_features
from cxdata.scope import Where
from cxdata.settings import Economics

BASELINE_MONTHS = 3
ROW_SLICE = 131_072  # baseline rows whose hazard terms are computed at once
SCOPES_KEPT = 3  # the scopes whose contacts a planner remembers (:meth:`PlannerBase.in_scope`): a moment's fixes
SCOPE_BYTES_KEPT = 256 * 2**20  # a larger scope is not remembered (all contacts at 10 M: several GB of draws)
RESULTS_KEPT = 4096  # scenario results a planner remembers: every moment's three fixes at 10 M are 840
HORIZONS = (12, 36)
PAYBACK_LIMIT = 120  # months searched for a payback

LeverKind = Literal["wait_cut", "wait_cap", "transfer_cut", "fcr_raise", "channel_shift", "custom"]


# ---------------------------------------------------------------- closed forms (planner.md §2.3–2.7)


def monthly_rate(annual: float) -> float:
    """d = (1 + WACC)^(1/12) − 1."""
    return (1 + annual) ** (1 / 12) - 1


def clv(margin: float | np.ndarray, churn: float | np.ndarray, d: float) -> float | np.ndarray:
    """Contractual CLV with margin at the start of each month: m(1 + d)/(d + c)."""
    return margin * (1 + d) / (d + churn)


def delta_h1(h0: float, gamma: float) -> float:
    """Churn added by one negative experience: expit(logit h₀ + γ) − h₀."""
    return float(_expit(np.log(h0 / (1 - h0)) + gamma) - h0)


Number = float | np.ndarray


@dataclass(frozen=True)
class Failure:
    """What a bot session that is not contained brings (step 5 of the module docstring), per failed session.

    ``escalated`` e and ``follow_up`` u: shares of the failed sessions handed to an agent and followed by
    another contact of the same customer within W days; ``follow_up_cost`` c_u and ``p_follow_up`` p_u:
    cost and P(negative) of those follow-up contacts; ``p_silent`` p_s: P(negative) of the failed
    sessions not handed over. The defaults (e = 1, u = 0) are docs/method/planner.md's bare formula.
    """

    escalated: Number = 1.0
    follow_up: Number = 0.0
    follow_up_cost: Number = 0.0
    p_silent: Number = 0.0
    p_follow_up: Number = 0.0

    def draw(self, k: int) -> Failure:
        """The failure of draw ``k`` (every field a float)."""
        return Failure(*(float(np.asarray(x).flat[k] if np.ndim(x) else x) for x in vars(self).values()))

    def cost(self, c_a: Number, tau: float) -> Number:
        """c_F = e(1 + τ)c_a + u·c_u."""
        return self.escalated * (1 + tau) * c_a + self.follow_up * self.follow_up_cost

    def negatives(self, p_e: Number) -> Number:
        """p_F = e·p_e + (1 − e)·p_s + u·p_u."""
        return self.escalated * p_e + (1 - self.escalated) * self.p_silent + self.follow_up * self.p_follow_up


def channel_shift(s: float, kappa: Number, c_a: Number, c_b: Number, tau: float, p_a: Number, p_b: Number,
                  p_e: Number, v: Number, failure: Failure = Failure()) -> tuple[Number, Number, Number]:
    """(ΔCost, ΔNeg, net value) a month of shifting S contacts from assisted a to automated b (planner.md §2.5):
    ΔCost = S[c_b + (1 − κ)c_F − c_a], ΔNeg = S[κp_b + (1 − κ)p_F − p_a], net = −ΔCost − V·ΔNeg."""
    d_cost = s * (c_b + (1 - kappa) * failure.cost(c_a, tau) - c_a)
    d_neg = s * (kappa * p_b + (1 - kappa) * failure.negatives(p_e) - p_a)
    return d_cost, d_neg, -d_cost - d_neg * v


def break_even_containment(c_a: float, c_b: float, tau: float, p_a: float, p_b: float, p_e: float, v: float,
                           failure: Failure = Failure()) -> float:
    """κ* where the shift's net value is zero: [c_F + c_b − c_a + V(p_F − p_a)] / [c_F + V(p_F − p_b)]
    (with e = 1, u = 0, the bare formula [τc_a + c_b + V(p_e − p_a)] / [(1 + τ)c_a + V(p_e − p_b)]). NaN when the
    net value does not depend on κ."""
    c_f, p_f = failure.cost(c_a, tau), failure.negatives(p_e)
    slope = c_f + v * (p_f - p_b)
    return float("nan") if slope == 0 else float((c_f + c_b - c_a + v * (p_f - p_a)) / slope)


def triangular(rng: np.random.Generator, base: float, rel: tuple[float, float], size: int) -> np.ndarray:
    """``size`` draws from triangular(base·low, base, base·high), the first one the base itself; every
    draw is the base when the range is empty (a base of 0, or low = high = 1)."""
    lo, hi = min(base * rel[0], base), max(base * rel[1], base)
    out = rng.triangular(lo, base, hi, size=size) if hi > lo else np.full(size, float(base))
    out[0] = base
    return out


def ramp(months: int, ramp_months: float) -> np.ndarray:
    """r_t, linear from 1/ramp in the first month to 1 after ``ramp_months`` (1 throughout when 0)."""
    t = np.arange(months) + 1
    return np.ones(months) if ramp_months <= 0 else np.minimum(1.0, t / ramp_months)


@dataclass(frozen=True)
class Financials:
    npv: dict[int, float]
    roi: dict[int, float | None]  # None when there is no cost (PV(costs) = 0): ROI is undefined
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
        roi[h] = float((np.sum(gross[:h] * disc[:h]) - pv_cost) / pv_cost) if pv_cost > 0 else None
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
    scope: Where = ()  # the levers' dimension filters: a Scope's where
    driver: str | None = None  # custom: wait_minutes | transfers | unresolved | escalated
    from_channel: str = "phone"  # channel_shift
    to_channel: str = "chatbot"
    containment: float = 0.6  # channel_shift: verified containment κ


@dataclass(frozen=True)
class Scenario:
    name: str
    levers: tuple[Lever, ...]
    economics: Economics = Economics()


def _row_sums(row_of: np.ndarray, values: np.ndarray, rows: int) -> np.ndarray:
    """(rows, k): Σ of ``values``' rows (n, k) by the row each belongs to (``row_of``; −1: none), per column."""
    kept = row_of >= 0
    to_rows = sparse.csr_matrix((np.ones(int(kept.sum())), (row_of[kept], np.flatnonzero(kept))),
                                shape=(rows, len(row_of)))
    return np.asarray(to_rows @ values)


def scope_mask(frame: pl.DataFrame, scope: Where) -> pl.Series:
    """True for the rows inside the scope (every row when the scope is empty)."""
    mask = pl.repeat(True, frame.height, eager=True)
    for column, values in scope:
        if values and column in frame.columns:
            mask = mask & frame.get_column(column).cast(pl.String).is_in(list(values))
    return mask


@dataclass(frozen=True)
class InScope:
    """The contacts inside a scenario's contact levers' scopes and what the levers leave as is
    (:meth:`PlannerBase.in_scope`): ``idx`` their positions in the planner's contacts, ``contacts`` their rows,
    ``p0``/``q0`` their P(negative) and P(top-2-box) per draw, ``counted`` which are exposures; ``touched`` the
    baseline rows those exposures belong to (``at``: each counted contact's position in ``touched``), with their
    hazard terms ``eta`` and ``n`` (:meth:`PlannerBase.hazard_terms`) and their hazard as is ``h``."""

    idx: np.ndarray
    contacts: pl.DataFrame
    p0: np.ndarray
    q0: np.ndarray
    counted: np.ndarray
    touched: np.ndarray
    at: np.ndarray
    eta: np.ndarray
    n: np.ndarray
    h: np.ndarray

    @property
    def nbytes(self) -> int:
        """The memory it holds: its arrays and its contacts' rows."""
        arrays = (self.idx, self.p0, self.q0, self.counted, self.touched, self.at, self.eta, self.n, self.h)
        return sum(a.nbytes for a in arrays) + int(self.contacts.estimated_size())


class NotPriced(LookupError):
    """A scenario the planner has not evaluated (:meth:`PlannerBase.priced`)."""


@dataclass
class PlannerBase:
    """What every scenario on one analysis shares, computed once (per dataset version).

    No per-draw array is kept for every baseline row: a scenario changes only the rows it touches, whose hazard
    terms are computed then (:meth:`hazard_terms`); the means over every row are computed once, :data:`ROW_SLICE`
    rows at a time, so the planner of 10 M contacts holds no rows × draws array."""

    analysis: Analysis
    contacts: pl.DataFrame  # previous-month contacts of the baseline rows, by _row: features, _row, _counted (an exposure)
    rows: pl.DataFrame  # baseline customer-months
    x_h: np.ndarray  # (rows, p_h): the H-model's matrix with the exposure at 0
    beta_h: np.ndarray  # (p_h, 1 + B)
    gamma: np.ndarray  # (1 + B,): the exposure's coefficient
    beta_e: np.ndarray  # (p_e, 1 + B)
    beta_s: np.ndarray  # satisfaction model
    repeat_propensity: float  # follow-up contacts within W per unresolved contact
    row_of: np.ndarray  # (contacts,): the baseline row a contact is an exposure of (``_counted``), else -1
    starts: np.ndarray  # (rows + 1,): the contacts of row r are contacts[starts[r]:starts[r + 1]]
    follow_ups: pl.DataFrame  # the next contact (features) of each contact followed within W; _of = its row in contacts
    window_days: int  # W
    h_mean: np.ndarray  # (1 + B,): the mean hazard as is over the baseline rows, per draw
    h_zero: np.ndarray  # (1 + B,): the mean hazard with no negative experience (N = 0): h₀ of a shift's Δh₁
    _scopes: dict[tuple[Where, ...], InScope] = field(default_factory=dict, repr=False, compare=False)
    _results: dict[str, ScenarioResult] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def draws(self) -> int:
        return self.gamma.shape[0] - 1

    @classmethod
    def build(cls, a: Analysis, n_draws: int = 100, seed: int = 11, window_days: int = 7) -> PlannerBase:
        if a.hazard is None or a.experience is None or a.panel is None or a.contacts is None:
            raise ValueError("The planner needs the experience and churn models: upload interactions with "
                             "csat answers and a customers table with churn dates.")
        panel = a.panel
        last = panel.get_column("month").max()
        months = [pl.select(pl.lit(last).dt.offset_by(f"-{k}mo")).item() for k in range(BASELINE_MONTHS + 1)]
        rows = panel.filter(pl.col("month").is_in(months[:BASELINE_MONTHS])).with_columns(
            pl.col("calendar_month").cast(pl.String), _row=pl.int_range(pl.len()))
        prev = rows.select("customer_id", "_row", month=pl.col("month").dt.offset_by("-1mo"))
        # the previous months' contacts and the month after them, where a follow-up within W days (≤ 31) falls
        features = contact_features(a.contacts.filter(pl.col("month").is_in(months))).with_row_index("_i")
        counted = pl.col("exposure_exclusion").is_null() if "exposure_exclusion" in features.columns else pl.lit(True)
        contacts = features.with_columns(_next=pl.col("_i").shift(-1).over("customer_id", order_by="started_at")) \
            .join(prev, on=["customer_id", "month"], how="inner").sort("_row", maintain_order=True) \
            .with_columns(_counted=counted)
        followed = contacts.with_row_index("_of").filter(pl.col("next_any_gap_s") <= window_days * 86400)
        follow_ups = followed.select("_of", "_next").join(features, left_on="_next", right_on="_i").drop("_next")
        contacts = contacts.drop("_i", "_next")
        rng = np.random.default_rng(seed)
        h_fit, e_fit, s_fit = a.hazard.adjusted, a.experience.fit, a.experience.satisfaction

        def with_draws(fit) -> np.ndarray:
            draws = rng.multivariate_normal(fit.coef, fit.cov, size=n_draws, method="cholesky")
            return np.column_stack([fit.coef, draws.T])

        beta_h, beta_e, beta_s = with_draws(h_fit), with_draws(e_fit), with_draws(s_fit)
        row = contacts.get_column("_row").to_numpy()
        w = window_days * 86400
        propensity = 0.0
        if "resolved" in a.contacts.columns:  # of the unresolved contacts whose follow-up window is complete
            complete = pl.col("observed_after_s") >= w if "observed_after_s" in a.contacts.columns else pl.lit(True)
            repeated = a.contacts.lazy().filter(pl.col("resolved").not_() & complete) \
                .select((pl.col("next_same_gap_s") <= w).fill_null(False).mean()).collect().item()
            propensity = 0.0 if repeated is None else float(repeated)
        base = cls(a, contacts, rows, h_fit.design.matrix(rows.with_columns(pl.lit(0.0).alias(a.hazard.exposure))),
                   beta_h, beta_h[h_fit.index(a.hazard.exposure)], beta_e, beta_s, propensity,
                   np.where(contacts.get_column("_counted").to_numpy(), row, -1),
                   np.searchsorted(row, np.arange(rows.height + 1)), follow_ups, window_days,
                   np.zeros(n_draws + 1), np.zeros(n_draws + 1))
        for start in range(0, rows.height, ROW_SLICE):
            eta, n = base.hazard_terms(np.arange(start, min(start + ROW_SLICE, rows.height)))
            base.h_mean += _expit(eta + base.gamma * n).sum(axis=0) / rows.height
            base.h_zero += _expit(eta).sum(axis=0) / rows.height
        return base

    def hazard_terms(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(η, N) of these baseline rows (positions), each (len(rows), 1 + B): the H-model's linear predictor without
        the exposure term, and the exposure N = Σ p̂ over the row's counted previous-month contacts (step 3)."""
        lengths = self.starts[rows + 1] - self.starts[rows]
        of = np.repeat(np.arange(len(rows)), lengths)  # the position in ``rows`` of each of their contacts
        contacts = np.repeat(self.starts[rows] - (np.cumsum(lengths) - lengths), lengths) + np.arange(len(of))
        counted = self.row_of[contacts] >= 0
        contacts, of = contacts[counted], of[counted]
        p = _expit(self.experience.fit.design.matrix(self.contacts[contacts]) @ self.beta_e)
        return self.x_h[rows] @ self.beta_h, _row_sums(of, p, len(rows))

    @cached_property
    def money(self) -> tuple[np.ndarray, np.ndarray]:
        """The baseline rows' revenue (null as 0) and contact cost (zeros when the panel has none)."""
        columns, zeros = self.rows.columns, np.zeros(self.rows.height)
        revenue = self.rows.get_column("revenue").fill_null(0.0).to_numpy() if "revenue" in columns else zeros
        cost = self.rows.get_column("contact_cost").to_numpy() if "contact_cost" in columns else zeros
        return revenue, cost

    @property
    def experience(self) -> ExperienceModel:
        """The analysis's experience model (:meth:`build` refuses an analysis without one)."""
        if self.analysis.experience is None:
            raise ValueError("The planner needs the experience model.")
        return self.analysis.experience

    # -------------------------------------------------------------- evaluation

    def in_scope(self, levers: Sequence[Lever]) -> InScope:
        """The contacts in the scope of any of these contact levers and what the levers leave as is
        (:class:`InScope`), remembered for the last :data:`SCOPES_KEPT` sets of scopes, each of at most
        :data:`SCOPE_BYTES_KEPT`: a moment's fixes share it."""
        key = tuple(lever.scope for lever in levers)
        with self._lock:
            kept = self._scopes.get(key)
        if kept is not None:
            return kept
        mask = np.zeros(self.contacts.height, dtype=bool)
        for scope in key:
            mask |= scope_mask(self.contacts, scope).to_numpy()
        idx = np.flatnonzero(mask)
        contacts = self.contacts[idx]
        x = self.experience.fit.design.matrix(contacts)
        counted = self.row_of[idx] >= 0
        touched, at = np.unique(self.row_of[idx][counted], return_inverse=True)
        eta, n = self.hazard_terms(touched)
        scoped = InScope(idx, contacts, _expit(x @ self.beta_e), _expit(x @ self.beta_s), counted, touched, at, eta,
                         n, _expit(eta + self.gamma * n))
        if scoped.nbytes > SCOPE_BYTES_KEPT:
            return scoped
        with self._lock:  # the planner of a version is shared by every session
            while len(self._scopes) >= SCOPES_KEPT:
                self._scopes.pop(next(iter(self._scopes)))
            self._scopes[key] = scoped
        return scoped

    def _variants(self, levers: Sequence[Lever], c: pl.DataFrame, cpc: Mapping[str, float]
                  ) -> tuple[list[tuple[np.ndarray, pl.DataFrame]], dict]:
        """The counterfactual variants of the contact levers' contacts ``c`` (weight per contact, features) and the
        counts of transfers and unresolved contacts avoided."""
        variants = [(np.ones(c.height), c)]
        counts = {"transfers_avoided": 0.0, "unresolved_avoided": 0.0, "unresolved_avoided_cost": 0.0}
        for lever in levers:
            mask = scope_mask(c, lever.scope)
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
                    if lever.driver is None:
                        raise ValueError("A custom lever needs a driver.")
                    driver = lever.driver
                    new.append((w, frame.with_columns(pl.when(mask).then(pl.col(driver) * lever.amount)
                                                      .otherwise(pl.col(driver)).alias(driver))))
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
        return variants, counts

    def _share(self, lever: Lever, frame: pl.DataFrame, mask: np.ndarray) -> tuple[str, float]:
        if lever.kind == "transfer_cut":
            return "transfers", min(1.0, lever.amount)
        unresolved = frame.get_column("unresolved").to_numpy()[mask]
        rate = float(unresolved.mean()) if len(unresolved) else 0.0
        return "unresolved", 0.0 if rate == 0 else min(1.0, lever.amount / 100 / rate)

    def evaluate(self, scenario: Scenario) -> ScenarioResult:
        """The whole chain for every coefficient and business-input draw; see the module docstring. The results of
        the last :data:`RESULTS_KEPT` scenarios are remembered (a few kB each): every moment's fixes, priced once per
        version (:func:`cxdata.actions.funding.price_every_moment`), make What to fund of a new view a lookup."""
        key = scenario_key(scenario)
        with self._lock:
            kept = self._results.get(key)
        if kept is not None:
            return kept
        result = self._evaluate(scenario)
        with self._lock:
            while len(self._results) >= RESULTS_KEPT:
                self._results.pop(next(iter(self._results)))
            self._results[key] = result
        return result

    def priced(self, scenario: Scenario) -> ScenarioResult:
        """The result :meth:`evaluate` remembers for ``scenario``, computing nothing; :class:`NotPriced` when it
        has not evaluated it (or no longer remembers it)."""
        with self._lock:
            kept = self._results.get(scenario_key(scenario))
        if kept is None:
            raise NotPriced(scenario.name)
        return kept

    def _evaluate(self, scenario: Scenario) -> ScenarioResult:
        econ = scenario.economics
        b = self.draws + 1
        rng = np.random.default_rng(20261122)

        margin_k = triangular(rng, 1.0, econ.margin_range, b)
        cost_k = triangular(rng, 1.0, econ.cost_range, b)
        ramp_k = triangular(rng, econ.ramp_months, econ.ramp_range, b)
        d = monthly_rate(econ.annual_discount_rate)

        levers = [lever for lever in scenario.levers if lever.kind != "channel_shift"]
        scoped = self.in_scope(levers)
        variants, counts = self._variants(levers, scoped.contacts, econ.cost_per_contact)
        idx = scoped.idx
        dp = np.zeros((len(idx), b))  # Δp of the contacts in scope
        d_csat = np.zeros(b)
        if len(idx):
            p1, q1 = np.zeros_like(scoped.p0), np.zeros_like(scoped.q0)
            for w, frame in variants:
                if frame is scoped.contacts:  # the contacts as they are (a share's untouched part): p̂ known
                    p, q = scoped.p0, scoped.q0
                else:
                    x = self.experience.fit.design.matrix(frame)
                    p, q = _expit(x @ self.beta_e), _expit(x @ self.beta_s)
                p1 += w[:, None] * p
                q1 += w[:, None] * q
            dp = scoped.p0 - p1
            d_csat = (q1 - scoped.q0).mean(axis=0) * 100
        d_neg_contacts = dp.sum(axis=0) / BASELINE_MONTHS
        # only customer-months with a counted in-scope contact in the previous month can change
        dn = _row_sums(scoped.at, dp[scoped.counted], len(scoped.touched))
        h = scoped.h
        dh = h - _expit(scoped.eta + self.gamma * (scoped.n - dn))
        revenue, contact_cost = (column[scoped.touched] for column in self.money)
        m_rows = (revenue[:, None] * econ.gross_margin * margin_k - contact_cost[:, None] * cost_k)
        churners = dh.sum(axis=0) / BASELINE_MONTHS
        value = (dh * clv(m_rows, h, d)).sum(axis=0) / BASELINE_MONTHS
        revenue_kept = (dh * revenue[:, None]).sum(axis=0) / BASELINE_MONTHS
        saved_margin = np.divide((dh * m_rows).sum(axis=0), dh.sum(axis=0), out=np.zeros(b), where=dh.sum(axis=0) != 0)
        saved_churn = np.divide((dh * h).sum(axis=0), dh.sum(axis=0), out=self.h_mean.copy(),
                                where=dh.sum(axis=0) != 0)
        savings = (counts["transfers_avoided"] * econ.minutes_per_transfer * econ.agent_cost_per_minute
                   + counts["unresolved_avoided_cost"] * self.repeat_propensity) * cost_k

        if econ.word_of_mouth:  # planner.md §2.4, off by default: Δpromoters × referrals × conversion × CLV
            promoters = d_csat / 100 * len(idx) / BASELINE_MONTHS
            value = value + promoters * econ.referrals_per_promoter * econ.referral_conversion * self._mean_clv(
                econ, d, margin_k, cost_k)
        shift = self._channel_shifts(scenario, d, margin_k, cost_k)
        value = value - shift["value"]
        churners = churners - shift["churners"]
        savings = savings - shift["d_cost"]
        d_neg = d_neg_contacts - shift["d_neg"]

        fin = [financials(value[k], savings[k], churners[k], saved_margin[k], saved_churn[k],
                          investment=econ.investment, running=econ.running_cost, d=d, ramp_months=ramp_k[k])
               for k in range(b)]
        half = financials(value[0] / 2, savings[0], churners[0] / 2, saved_margin[0], saved_churn[0],
                          investment=econ.investment, running=econ.running_cost, d=d, ramp_months=econ.ramp_months)
        active = float(self.rows.height) / BASELINE_MONTHS
        defined = fin[0].roi[36] is not None  # PV(costs) > 0: the same in every draw (I and R are not drawn)
        roi_draws = {hz: np.array([f.roi[hz] for f in fin]) for hz in HORIZONS}
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
            roi={hz: Spread.of(roi_draws[hz]) if defined else None for hz in HORIZONS},
            p_roi_positive={hz: float(np.mean(roi_draws[hz] > 0)) if defined else None for hz in HORIZONS},
            payback_value=_payback_spread([f.payback_value for f in fin]),
            payback_cash=_payback_spread([f.payback_cash for f in fin]),
            half_effect=half,
            guardrail=shift["guardrail"],
            base=fin[0],
        )

    def _mean_clv(self, econ: Economics, d: float, margin_k: np.ndarray, cost_k: np.ndarray) -> np.ndarray:
        """CLV of an average customer of the baseline, per draw: m̄(1 + d)/(d + h̄)."""
        revenue, cost = (float(column.mean()) for column in self.money)  # over ≥ 1 row (the last month's)
        return np.asarray(clv(revenue * econ.gross_margin * margin_k - cost * cost_k, self.h_mean, d))

    def shift_available(self, lever: Lever) -> float:
        """Contacts a month the lever's scope holds on the channel a shift leaves (the cap on S)."""
        c = self.contacts
        return float((scope_mask(c, lever.scope) & (c.get_column("channel") == lever.from_channel)).sum()) / \
            BASELINE_MONTHS

    def _p_negative(self, frame: pl.DataFrame) -> np.ndarray:
        """Mean P(negative) of ``frame``'s contacts under every draw of the E-model (zeros when empty)."""
        if frame.height == 0:
            return np.zeros(self.gamma.shape[0])
        return _expit(self.experience.fit.design.matrix(frame) @ self.beta_e).mean(axis=0)

    def _shift_terms(self, lever: Lever, cpc: Mapping[str, float], cost_k: np.ndarray) -> ShiftData:
        """What a channel shift is priced from, measured on the baseline contacts (see :class:`ShiftData`).

        Groups: a = the scope's contacts on the channel left; b = the target channel's contained sessions
        (no hand-off, no contact of the customer within W days, no negative answer); e = its escalated
        sessions. The target channel's sessions are taken in the scope *without its channel filter* (a
        scope of phone contacts at billing looks at the chatbot's billing sessions). A group missing from
        the scope is taken from the whole baseline and named, so the guardrail refuses κ*.
        """
        c = self.contacts.with_row_index("_of")
        escalated = pl.col("escalated") > 0
        followed = (pl.col("next_any_gap_s") <= self.window_days * 86400).fill_null(False)
        rated_bad = pl.col("negative").fill_null(False) if "negative" in c.columns else pl.lit(False)
        failed = escalated | followed | rated_bad
        left, bot = c.filter(pl.col("channel") == lever.from_channel), c.filter(pl.col("channel") == lever.to_channel)
        assisted = left.filter(scope_mask(left, lever.scope))
        sessions = bot.filter(scope_mask(bot, tuple((k, v) for k, v in lever.scope if k != "channel")))
        groups = {  # name → (in scope, whole baseline)
            f"{lever.from_channel} contacts": (assisted, left),
            f"contained {lever.to_channel} sessions (no hand-off, no contact within {self.window_days} days, no "
            "negative answer)": (sessions.filter(~failed), bot.filter(~failed)),
            f"escalated {lever.to_channel} sessions": (sessions.filter(escalated), bot.filter(escalated)),
        }
        missing = tuple(name for name, (inside, _) in groups.items() if inside.height == 0)
        p_a, p_b, p_e = (self._p_negative(inside if inside.height else whole) for inside, whole in groups.values())
        fails = sessions.filter(failed) if sessions.filter(failed).height else bot.filter(failed)
        failure = Failure()
        if fails.height:
            back = self.follow_ups.filter(pl.col("_of").is_in(fails.filter(followed).get_column("_of").implode()))
            cost = cast(float | None, back.get_column("channel").replace_strict(
                dict(cpc), default=0.0, return_dtype=pl.Float64).mean())
            failure = Failure(
                escalated=float(fails.select(escalated.mean()).item()),
                follow_up=float(fails.select(followed.mean()).item()),
                follow_up_cost=(cost or 0.0) * cost_k,
                p_silent=self._p_negative(fails.filter(~escalated)),
                p_follow_up=self._p_negative(back),
            )
        return ShiftData(
            p_a, p_b, p_e, failure, missing,
            measured=sessions.filter(~failed).height / sessions.height if sessions.height else None,
            counted=float(cast(float, assisted.get_column("_counted").mean())) if assisted.height else 1.0,
        )

    def _channel_shifts(self, scenario: Scenario, d: float, margin_k: np.ndarray, cost_k: np.ndarray) -> ShiftTotals:
        """Every channel shift of the scenario, per draw (planner.md §2.5): ``d_cost`` ΔCost and ``d_neg`` ΔNeg a month,
        ``churners`` added (ΔNeg·q·Δh₁) and ``value`` lost (ΔNeg·V, V = Δh₁·q·CLV), and ``guardrail``, the
        first shift's. Each shift moves S = min(amount, contacts a month available); κ is drawn per draw
        from triangular(κ·low, κ, κ·high) clipped to [0, 1], so a κ of 0 stays 0."""
        b = self.gamma.shape[0]
        out: ShiftTotals = {"d_cost": np.zeros(b), "d_neg": np.zeros(b), "churners": np.zeros(b),
                            "value": np.zeros(b), "guardrail": None}
        econ = scenario.economics
        cpc, tau = econ.cost_per_contact, econ.reexplain_overhead
        rng = np.random.default_rng(7)
        h0 = self.h_zero
        dh1 = _expit(np.log(h0 / (1 - h0)) + self.gamma) - h0
        customer_value = self._mean_clv(econ, d, margin_k, cost_k)
        for lever in (lv for lv in scenario.levers if lv.kind == "channel_shift"):
            t = self._shift_terms(lever, cpc, cost_k)
            v = dh1 * t.counted * customer_value
            c_a, c_b = cpc.get(lever.from_channel, 0.0) * cost_k, cpc.get(lever.to_channel, 0.0) * cost_k
            kappa = np.clip(triangular(rng, lever.containment, econ.containment_range, b), 0, 1)
            moved = min(lever.amount, self.shift_available(lever))
            d_cost, d_neg, _ = channel_shift(moved, kappa, c_a, c_b, tau, t.p_a, t.p_b, t.p_e, v, t.failure)
            out["d_cost"] += d_cost
            out["d_neg"] += d_neg
            out["churners"] += d_neg * dh1 * t.counted
            out["value"] += d_neg * v
            if out["guardrail"] is None:
                c_a0, c_b0, p_a0, p_b0, p_e0, v0 = (float(x[0]) for x in (c_a, c_b, t.p_a, t.p_b, t.p_e, v))
                out["guardrail"] = Guardrail.of(lever, (c_a0, c_b0, tau, p_a0, p_b0, p_e0, v0), t.failure.draw(0),
                                                t.missing, t.measured, self.window_days)
        return out


class ShiftTotals(TypedDict):
    """Every channel shift of a scenario, summed per draw (:meth:`PlannerBase._channel_shifts`)."""

    d_cost: np.ndarray
    d_neg: np.ndarray
    churners: np.ndarray
    value: np.ndarray
    guardrail: Guardrail | None


@dataclass(frozen=True)
class ShiftData:
    """What a channel shift is priced from, per draw: P(negative) of the assisted contacts (``p_a``), of the
    contained bot sessions (``p_b``) and of the escalated ones (``p_e``); the :class:`Failure` of the
    failed sessions; the groups the scope lacks (``missing``); the verified containment of the target
    channel's sessions in scope today (``measured``, None without any); and ``counted`` q, the share of
    the assisted contacts the churn model counts as exposures (the others — cancellation-like, or in the
    last 30 days before the customer left — change no one's churn, as in the model)."""

    p_a: np.ndarray
    p_b: np.ndarray
    p_e: np.ndarray
    failure: Failure
    missing: tuple[str, ...]
    measured: float | None
    counted: float


Reach = Literal["within", "always", "never", "refused"]


@dataclass(frozen=True)
class Guardrail:
    """The over-automation guardrail of a scenario's first channel shift (planner.md §2.5): the break-even verified
    containment κ*, or why none is given.

    ``reach``: ``"within"`` — κ* lies in [0, 1] and the shift pays above it; ``"always"`` — it pays at
    any containment (κ* would be below 0); ``"never"`` — no containment pays (κ* above 100%, out of
    reach); ``"refused"`` — the scope lacks the sessions κ* is estimated from (``missing``), or the
    estimates make a contained session worth less than a failed one.
    """

    lever: Lever
    reach: Reach
    kappa_star: float | None  # only when reach == "within"
    inputs: tuple[float, ...]  # base case (c_a, c_b, τ, p_a, p_b, p_e, V) of break_even_containment
    failure: Failure  # base case
    missing: tuple[str, ...]
    measured: float | None  # verified containment of the target channel's sessions in scope today
    window_days: int

    @classmethod
    def of(cls, lever: Lever, inputs: tuple[float, ...], failure: Failure, missing: Sequence[str],
           measured: float | None, window_days: int) -> Guardrail:
        """From the base case's ``inputs`` (c_a, c_b, τ, p_a, p_b, p_e, V): the shift's net value at κ = 0
        and at κ = 1 decides the reach (it is a straight line in κ)."""
        c_a, c_b, tau, p_a, p_b, p_e, v = inputs
        at = {k: float(channel_shift(1.0, k, c_a, c_b, tau, p_a, p_b, p_e, v, failure)[2]) for k in (0.0, 1.0)}
        reach: Reach
        if missing or at[1.0] < at[0.0]:
            reach = "refused"
        elif at[0.0] >= 0:
            reach = "always"
        elif at[1.0] < 0:
            reach = "never"
        else:
            reach = "within"
        kappa = float(break_even_containment(c_a, c_b, tau, p_a, p_b, p_e, v, failure)) if reach == "within" else None
        return cls(lever, reach, kappa, tuple(inputs), failure, tuple(missing), measured, window_days)

    @property
    def planned(self) -> float:
        return self.lever.containment

    @property
    def loses(self) -> bool:
        """True when the planned containment does not pay: below κ*, or no containment pays."""
        return self.reach == "never" or (self.reach == "within" and self.kappa_star is not None
                                         and self.planned <= self.kappa_star)

    def sentence(self) -> str:
        """The guardrail in plain words."""
        bot = self.lever.to_channel
        if self.reach == "refused":
            if self.missing:
                return (f"No containment needed to break even (κ*) can be given: it needs "
                        f"{' and '.join(self.missing)} in the scope to estimate it. The plan's value takes them from "
                        "the whole data instead.")
            return (f"No containment needed to break even (κ*) can be given: on this data a contained {bot} session "
                    "comes out worse than a failed one.")
        if self.reach == "always":
            return (f"The shift adds value at any verified containment, even 0%, so there is no containment to "
                    f"stay above (κ* is below 0). This plan assumes {self.planned:.0%}.")
        if self.reach == "never":
            return (f"Out of reach: no verified containment, even 100%, makes this shift pay (the break-even κ* is "
                    f"above 100%). This plan assumes {self.planned:.0%}.")
        return (f"Plan with verified containment above {self.kappa_star:.0%}, the level needed to break even (κ*); "
                f"below it the bot destroys value. This plan assumes {self.planned:.0%}.")

    def follow_up_words(self) -> str:
        """How the failed sessions are counted, e.g. "Failed chatbot sessions in scope: 62% handed to an
        agent, 48% followed by another contact of the customer within 7 days; …"."""
        f = self.failure
        text = (f"Failed {self.lever.to_channel} sessions in scope: {f.escalated:.0%} handed to an agent, "
                f"{f.follow_up:.0%} followed by another contact of the customer within {self.window_days} days; each "
                "follow-up counts as one more contact's cost and risk of a negative experience.")
        if self.measured is not None:
            text += f" Verified containment of these sessions today: {self.measured:.0%}."
        return text


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


#: A verdict is ``fragile`` when the cash payback comes later than this (months) …
VERDICT_MONTHS = 36
#: … or the chance that ROI > 0 at 36 months is below this.
VERDICT_CHANCE = 0.8

VerdictKind = Literal["pays", "fragile", "does_not_pay"]


@dataclass(frozen=True)
class Verdict:
    """What a scenario's verdict says (``text``) and its colour (``kind``: green, amber, red)."""

    kind: VerdictKind
    text: str


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
    roi: dict[int, Spread | None]  # None when ROI is undefined (no investment, no running cost)
    p_roi_positive: dict[int, float | None]
    payback_value: Spread | None
    payback_cash: Spread | None
    half_effect: Financials
    guardrail: Guardrail | None  # the first channel shift's; None without a shift
    base: Financials

    @property
    def break_even_containment(self) -> float | None:
        """κ* of the first channel shift when it is a number in [0, 1] (see :class:`Guardrail` otherwise)."""
        return None if self.guardrail is None else self.guardrail.kappa_star

    @property
    def roi_defined(self) -> bool:
        """False when the scenario has no investment and no running cost: there is no cost to return on."""
        return self.roi[36] is not None

    @property
    def pays(self) -> bool:
        """The base case pays back (value basis) and its 36-month NPV is positive (= ROI > 0 when ROI is defined)."""
        return self.base.payback_value is not None and self.base.npv[36] > 0

    def verdict(self, currency: str = "€") -> Verdict:
        """One sentence for an executive that does not contradict the scenario's own numbers, and its colour.

        Built from the value-basis payback, the cash-basis payback, the half-effect row and P(ROI > 0) at
        36 months, e.g. "Pays back in 12 months on value but only in 75 months in cash; fragile: at half the
        churn effect it never pays back; 100% chance that ROI > 0 at 36 months." The colour is the weakest of them:
        ``does_not_pay`` when the base case does not pay (:attr:`pays`); ``fragile`` when it pays but any of
        these is weak — the cash payback is beyond :data:`VERDICT_MONTHS`, the half-effect 36-month NPV is not
        positive, or P(ROI > 0) is below :data:`VERDICT_CHANCE`; else ``pays``."""
        money = fmt.money(self.npv[36].base, currency)
        half = self.half_effect
        half_pays = half.payback_value is not None and half.npv[36] > 0
        if not self.roi_defined:
            judged = "it adds value" if self.pays else "it loses value even at no cost"
            text = (f"No investment and no running cost, so ROI is undefined (there is no cost to return on); "
                    f"36-month NPV {money}: {judged}.")
            return Verdict("does_not_pay" if not self.pays else "pays" if half_pays else "fragile", text)
        p36 = self.p_roi_positive[36]
        chance = f"{fmt.share(p36)} chance that ROI > 0 at 36 months"
        if not self.pays:
            return Verdict("does_not_pay", f"Does not pay at this cost: 36-month NPV {money} ({chance}).")
        cash = self.base.payback_cash
        slow_cash = cash is None or cash > VERDICT_MONTHS
        in_cash = ("but never in cash" if cash is None else f"but only in {fmt.months(cash)} in cash" if slow_cash
                   else f"and {fmt.months(cash)} in cash")
        parts = [f"Pays back in {fmt.months(self.base.payback_value)} on value {in_cash}"]
        if half_pays:
            parts.append(f"at half the churn effect it still pays back in {fmt.months(half.payback_value)}")
        elif half.payback_value is None:
            parts.append("fragile: at half the churn effect it never pays back")
        else:
            parts.append(f"fragile: at half the churn effect it pays back only in {fmt.months(half.payback_value)} "
                         f"(36-month NPV {fmt.money(half.npv[36], currency)})")
        unsure = p36 is not None and p36 < VERDICT_CHANCE
        parts.append(("only " if unsure else "") + chance)
        kind: VerdictKind = "fragile" if slow_cash or not half_pays or unsure else "pays"
        return Verdict(kind, "; ".join(parts) + ".")


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


def scenario_key(scenario: Scenario) -> str:
    """A scenario's JSON form with sorted keys: what :meth:`PlannerBase.evaluate` remembers a result by (and the
    app's caches key a scenario by)."""
    return json.dumps(scenario_to_dict(scenario), sort_keys=True, default=str)


def result_dict(r: ScenarioResult) -> dict:
    """A scenario's results as plain data (the ``roi --json`` payload)."""
    def spread(s: Spread | None) -> dict | None:
        return None if s is None else vars(s).copy()

    return {
        "scenario": scenario_to_dict(r.scenario),
        "verdict": r.verdict("").text,
        "verdict_kind": r.verdict("").kind,
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
        "guardrail": None if r.guardrail is None else {
            "reach": r.guardrail.reach, "kappa_star": r.guardrail.kappa_star, "missing": list(r.guardrail.missing),
            "escalated_share": r.guardrail.failure.escalated, "follow_up_share": r.guardrail.failure.follow_up,
            "verified_containment_today": r.guardrail.measured, "sentence": r.guardrail.sentence()},
    }
