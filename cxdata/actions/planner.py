"""What the ROI planner page shows, taken from the engine's results (docs/method/planner.md).

The page is thin: it draws what these functions return.

- :func:`scope_options` / :func:`make_scope` / :func:`merge_scope` / :func:`contacts_in_scope`: the scope an
  executive picks (channel, touchpoint, segment, region, plus any other filter of the sidebar the contacts
  carry) and how many baseline contacts a month it holds
  (the previous-month contacts of the last 3 months, the population the planner changes; planner.md §1).
- :func:`shift_overreach`: channel shifts of more contacts than the scope holds, which the engine caps
  at the contacts available (the page says so). The verdict's test is :attr:`ScenarioResult.pays` (the
  base case pays back and its 36-month NPV is positive; with a cost, the same as ROI > 0) and the
  over-automation guardrail is :attr:`ScenarioResult.guardrail` (κ*, or why none).
- A scenario with no investment and no running cost has no ROI: its ROI and P(ROI > 0) tiles read
  "undefined: no cost" (``Kpi.text``), never ∞ or 100%, and it is judged by its NPV.
- :func:`scenario_kpis`: the tiles of one scenario, in the order they are shown, each with its
  P10 to P90 band where the engine gives one; :func:`comparison_frame` puts several scenarios' tiles
  side by side (one row per scenario and measure).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import polars as pl

from cxdata.actions.roi import (
    BASELINE_MONTHS,
    Lever,
    PlannerBase,
    Scenario,
    ScenarioResult,
    Spread,
    lever_summary,
    scope_mask,
)
from cxdata.scope import Where

SCOPE_COLUMNS: tuple[str, ...] = ("channel", "touchpoint", "segment", "region")

Unit = Literal["money", "customers", "contacts", "ratio", "share", "months", "points", "containment"]


def scope_options(base: PlannerBase) -> dict[str, list[str]]:
    """The values each scope column takes among the planner's contacts (sorted; columns absent are left out)."""
    contacts = base.contacts
    return {
        column: sorted(contacts.get_column(column).drop_nulls().cast(pl.String).unique().to_list())
        for column in SCOPE_COLUMNS if column in contacts.columns
    }


def make_scope(selected: Mapping[str, Sequence[str]]) -> Where:
    """A lever scope from the chosen values per column: empty choices are dropped, order normalised."""
    return tuple(sorted((column, tuple(sorted(values))) for column, values in selected.items() if values))


def merge_scope(base: PlannerBase, chosen: Where, extra: Where = ()) -> tuple[Where, list[str]]:
    """The page's scope with the other filters (``extra``, e.g. the sidebar's plan or team) added, and the
    filter columns left out because the planner's contacts do not have them. A column in both keeps
    ``chosen``'s values."""
    columns = set(base.contacts.columns)
    kept = {c: v for c, v in extra if c in columns}
    ignored = sorted(c for c, v in extra if c not in columns and v)
    return make_scope(kept | dict(chosen)), ignored


def contacts_in_scope(base: PlannerBase, scope: Where) -> float:
    """Baseline contacts a month inside ``scope`` (all of them when the scope is empty)."""
    return float(scope_mask(base.contacts, scope).sum()) / BASELINE_MONTHS


def shift_overreach(base: PlannerBase, scenario: Scenario) -> list[tuple[Lever, float]]:
    """Channel shifts that ask to move more contacts a month than their scope holds on the channel they
    leave: (lever, contacts a month available). The engine moves only those available
    (:meth:`PlannerBase.shift_available`); the page says the plan was capped."""
    shifts = (lv for lv in scenario.levers if lv.kind == "channel_shift")
    return [(lv, available) for lv in shifts if lv.amount > (available := base.shift_available(lv))]


def lever_words(lever: Lever) -> str:
    """:func:`cxdata.actions.roi.lever_summary` without the scope (shown once for the whole page)."""
    return lever_summary(replace(lever, scope=())).removesuffix(" (all contacts)")


@dataclass(frozen=True)
class Kpi:
    """One number of a scenario: its base estimate and, where uncertain, its P10 to P90 band.

    ``base`` is None for a payback that never comes (within ten years); ``p90`` is ``inf`` when more
    than 10% of the draws never pay back. ``text``: words shown instead of a number (an undefined ROI,
    a κ* that is out of reach or refused).
    """

    key: str
    label: str
    unit: Unit
    base: float | None
    p10: float | None = None
    p90: float | None = None
    help: str = ""
    text: str | None = None


def _kpi(key: str, label: str, unit: Unit, spread: Spread | None, help: str, never: float | None = None) -> Kpi:
    if spread is None:
        return Kpi(key, label, unit, never, None, None, help)
    return Kpi(key, label, unit, spread.base if math.isfinite(spread.base) else never, spread.p10, spread.p90, help)


UNDEFINED = "undefined: no cost"
NO_COST = ("Undefined: this scenario has no investment and no running cost, so there is no cost for it to return "
           "on. Judge it by its NPV.")


def _undefined(key: str, label: str, unit: Unit) -> Kpi:
    """An ROI measure of a scenario that costs nothing: the words "undefined: no cost", no number."""
    return Kpi(key, label, unit, None, help=NO_COST, text=UNDEFINED)


def _roi_kpi(key: str, label: str, spread: Spread | None, help: str) -> Kpi:
    """An ROI tile; :func:`_undefined` when the scenario costs nothing (the engine gives no spread)."""
    return _undefined(key, label, "ratio") if spread is None else _kpi(key, label, "ratio", spread, help)


def scenario_kpis(result: ScenarioResult) -> list[Kpi]:
    """The tiles of a scenario (docs/method/planner.md–planner.md §2.8), base case with P10 to P90 over the uncertainty draws."""
    r = result
    p_roi = (_undefined("p_roi", "P(ROI > 0) at 36 months", "share") if not r.roi_defined else
             Kpi("p_roi", "P(ROI > 0) at 36 months", "share", r.p_roi_positive[36], None, None,
                 f"Share of the uncertainty draws (model coefficients and business inputs) with a positive 36-month "
                 f"ROI; at 12 months it is {r.p_roi_positive[12]:.0%} (docs/method/planner.md §2.8)."))
    contact_levers = any(lv.kind != "channel_shift" for lv in r.scenario.levers)  # the engine's Δ CSAT covers these
    kpis = [
        _kpi("churners", "Customers kept/month", "customers", r.churners_avoided,
             "Customers a month who would otherwise have left, once the change is fully in place: the fall in "
             "negative experiences times the churn each one adds (experience and churn models, docs/method/planner.md §2.2–2.3)."),
        _kpi("value", "Value retained/month", "money", r.value_per_month,
             "Lifetime margin of the customers retained each month: margin × (1 + d) / (d + their own churn risk), "
             "so riskier customers count for less (docs/method/planner.md §2.4). Includes the experience cost of a channel shift."),
        _kpi("savings", "Cost savings/month", "money", r.savings_per_month,
             "Handling time of avoided transfers, repeat contacts avoided, and the cost difference of contacts "
             "moved to self-service (docs/method/planner.md §2.5). Negative when the change costs more to serve."),
        _kpi("npv12", "NPV at 12 months", "money", r.npv[12],
             "Net present value after 12 months: discounted monthly benefit minus running costs, minus the "
             "investment (docs/method/planner.md §2.7)."),
        _kpi("npv36", "NPV at 36 months", "money", r.npv[36],
             "Net present value after 36 months: discounted monthly benefit minus running costs, minus the "
             "investment (docs/method/planner.md §2.7)."),
        p_roi,
        _roi_kpi("roi12", "ROI at 12 months", r.roi[12],
                 "(Present value of the benefit − present value of the costs) / present value of the costs, "
                 "over 12 months."),
        _roi_kpi("roi36", "ROI at 36 months", r.roi[36],
                 "(Present value of the benefit − present value of the costs) / present value of the costs, "
                 "over 36 months."),
        _kpi("payback_value", "Payback, value basis", "months", r.payback_value,
             "Months until the discounted benefit, booking each retained customer's lifetime value when they "
             "are retained, covers the investment."),
        _kpi("payback_cash", "Payback, cash basis", "months", r.payback_cash,
             "Months until the margin actually earned from the retained customers, plus the savings, covers the "
             "investment: what finance sees in the P&L."),
        _kpi("csat", "Δ CSAT in scope", "points", r.csat_points if contact_levers else None,
             "Change of the share of satisfied answers (CSAT 4–5) among the contacts in scope, in percentage points."
             + ("" if contact_levers else " Not modelled for a channel shift alone.")),
        _kpi("negatives", "Fewer negatives/month", "contacts", r.negatives_avoided,
             "Fewer contacts a month predicted to leave a negative experience (CSAT 1–2); a channel shift can "
             "add some."),
    ]
    return kpis


KAPPA_WORDS = {"always": "none: any containment pays", "never": "out of reach: above 100%",
               "refused": "not estimated"}


def guardrail_kpis(result: ScenarioResult) -> list[Kpi]:
    """The rows that check a scenario: the half-effect NPV and, for a channel shift, κ* — a share in
    [0, 1], or words (:data:`KAPPA_WORDS`) when no containment threshold applies or the data lacks it."""
    h = result.half_effect
    half = "Model uncertainty: the same scenario with the effect of experience on churn halved (docs/method/planner.md §2.8)."
    rows = [Kpi("half_npv36", "NPV at 36 months, half churn effect", "money", h.npv[36], None, None,
                half),
            Kpi("half_roi36", "ROI at 36 months, half churn effect", "ratio", h.roi[36], None, None, half)
            if h.roi[36] is not None else _undefined("half_roi36", "ROI at 36 months, half churn effect", "ratio"),
            Kpi("half_payback", "Payback, half churn effect", "months",
                h.payback_value, None, None, half)]
    g = result.guardrail
    if g is not None:
        rows.append(Kpi("kappa_star", "Containment needed to break even", "containment", g.kappa_star, None, None,
                        "κ*, the break-even verified containment: below this share of sessions truly resolved by "
                        "self-service (no hand-off, no contact "
                        f"within {g.window_days} days, no negative answer), the channel shift destroys value. "
                        + g.sentence(), KAPPA_WORDS.get(g.reach)))
    return rows


def comparison_frame(results: Mapping[str, ScenarioResult]) -> pl.DataFrame:
    """Scenarios side by side: one row per scenario and measure (scenario, key, label, unit, base, p10, p90,
    text — the words shown instead of a number, else null).

    ``results`` maps the scenario's label (``"A"``…) to its result, in the order to show.
    """
    rows = [
        {"scenario": label, "key": k.key, "label": k.label, "unit": k.unit, "base": k.base, "p10": k.p10, "p90": k.p90,
         "text": k.text}
        for label, result in results.items()
        for k in (*scenario_kpis(result), *guardrail_kpis(result))
    ]
    schema = {"scenario": pl.String, "key": pl.String, "label": pl.String, "unit": pl.String,
              "base": pl.Float64, "p10": pl.Float64, "p90": pl.Float64, "text": pl.String}
    return pl.DataFrame(rows, schema=schema)
