"""Churn & Revenue, built once for the page that draws it (and the meeting pack, which writes its figures): churn by
the negative experiences of the previous month, the churn model's effect with its safeguards, the key drivers of
negative experiences, revenue at risk by segment, expansion revenue by NPS category, and the customers who left by
any customer attribute.

Where each number comes from: churn by negatives :func:`cxdata.screens.figures.churn_by_negatives_figure` (churn
events / customer-months, Wilson interval); the churn model :class:`cxdata.models.fit.ChurnEffect` (odds ratio
e^γ per expected negative experience last month from the discrete-time hazard model, its average marginal effect
and E-value); drivers :func:`cxdata.screens.figures.key_drivers_figure` (relative weights) and the experience
model's average marginal effects; revenue at risk :meth:`cxdata.models.risk.RiskResult.in_scope`; expansion
``Analysis.expansion`` (:func:`cxdata.models.fit.expansion_by_nps`); customers who left
:func:`cxdata.measures.customers.churn_summary` and :func:`cxdata.measures.customers.churn_by`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from cxdata import format as fmt
from cxdata.measures.customers import churn_by, churn_summary, ranked_attributes
from cxdata.measures.metrics import MIN_ANSWERS, MIN_EVENTS, NO_DATA, OK, REGISTRY, WITHHELD
from cxdata.models.analysis import Analysis
from cxdata.models.fit import MODEL_ROWS, ChurnEffect
from cxdata.scope import Scope, withheld_sentence
from cxdata.screens.charts import GOOD, PRIMARY, customers_left_bars, interval_bars, labelled
from cxdata.screens.dashboard import CUSTOMER_TILES, distinguishable, kpi_tiles, moments_withheld
from cxdata.screens.figures import Figure, Tile, churn_by_negatives_figure, key_drivers_figure
from cxdata.settings import Settings

#: What each section needs when the data cannot show it (an engine status, turned into an upload hint by the page).
NEEDS = {
    "by_negatives": "needs the experience model: interactions with csat answers and customer_id, and a customers table",
    "model": "needs the churn model: csat answers, customer_id, and customers with churn dates (at least 20 churn "
             "events)",
    "drivers": "needs csat answers (at least 200) on interactions",
    "risk": "needs the churn model: csat answers, customer_id and customers with churn dates",
    "expansion": "needs nps answers on interactions and a revenue table with expansion",
}


@dataclass(frozen=True)
class ModelView:
    """The churn model as the page states it: four numbers, the finding in one paragraph (``evident``: its
    interval excludes no effect), the sensitivity table of the safeguards and what was fitted."""

    effect: ChurnEffect
    stats: tuple[Tile, ...]
    evident: bool
    finding: str
    sensitivity: pl.DataFrame
    exclusions_note: str
    fit_note: str


@dataclass(frozen=True)
class CustomersLeft:
    """The customers table's churn: the two customer tiles, the monthly revenue of those who left, and per
    attribute (``ranked``: furthest apart first) its table (:func:`cxdata.measures.customers.churn_by`), the table as
    the page lists it and its note; :meth:`chart` draws one."""

    tiles: tuple[Mapping, ...]
    lost_revenue: Tile
    ranked: tuple[str, ...]
    tables: Mapping[str, pl.DataFrame]
    listed: Mapping[str, pl.DataFrame]
    where: str  # the filters in force, in words (the charts' subtitle)
    notes: Mapping[str, str]

    def chart(self, name: str) -> dict | None:
        """The chart of attribute ``name`` (:func:`cxdata.screens.charts.customers_left_bars`), drawn only for the
        attribute the page shows; None when every group is too small."""
        return customers_left_bars(self.tables[name], fmt.dimension_label(name), self.where)


@dataclass(frozen=True)
class ChurnScreen:
    """What Churn & Revenue shows for one scope; a section is None when the data cannot show it (:data:`NEEDS`
    says what it needs). ``customers`` is None when ``customers_status`` says why: the engine's ``needs …`` without
    a customers table that says who left, or ``no data`` when the filters leave no customer."""

    by_negatives: Figure | None
    by_negatives_note: str
    model: ModelView | None
    drivers: Figure | None
    effects: pl.DataFrame | None
    effects_note: str
    risk: Figure | None
    risk_note: str
    expansion: Figure | None
    expansion_note: str
    customers: CustomersLeft | None
    customers_status: str
    notes: tuple[str, ...]


def _by_negatives_note(figure: Figure | None) -> str:
    if figure is None:
        return ""
    counts = " · ".join(f"{r['bucket']}: {fmt.count(r['events'])} churned of {fmt.count(r['n'])} customer-months"
                        + (" (too few to show)" if r["n"] < MIN_ANSWERS else "")
                        for r in figure.table.iter_rows(named=True))
    return (f"Negative experiences = the expected number from the experience model (Σ of each contact's probability "
            f"of a CSAT of 1 or 2, surveyed or not), rounded. {counts}. A crude view: customers who contact more have "
            "more of both; the churn model below compares customers alike.")


def model_view(c: ChurnEffect, restricted: bool = False) -> ModelView:
    """The churn model's numbers and sentences: odds ratios adjusted and naive, the average marginal effect, the
    E-value, and how γ moves without each safeguard. ``restricted``: for a user restricted to part of the data,
    the model's coefficients without the counts and the base rate of every customer it was fitted on."""
    controls = c.controls_text
    base_rate = "" if restricted else f"; the base rate is {c.base_churn:.2%} a month"
    on_base = "" if restricted else f" on a base of {c.base_churn:.2%}"
    odds, naive, ame = c.odds_ratio, c.naive_odds_ratio, c.ame_pp
    times = [fmt.decimal(x, 2, "×") for x in odds]
    naive_times = [fmt.decimal(x, 2, "×") for x in naive]
    pts = [fmt.decimal(x, 2, " pts", plus=i == 0) for i, x in enumerate(ame)]
    stats = (
        Tile("Odds of leaving per bad experience", times[0],
             f"How many times as high a customer's odds of leaving in a month are for each expected negative "
             f"experience the month before, comparing customers alike in {controls}. Technical term: odds ratio "
             f"from the discrete-time hazard model, adjusted. {fmt.ci(*times[1:])}.", fmt.ci(*times[1:])),
        Tile("The same, before comparing like with like", naive_times[0],
             f"The same model without controls. {fmt.ci(*naive_times[1:])}. The gap to the figure beside it is what "
             "the controls explain. Technical term: naive (unadjusted) odds ratio.", fmt.ci(*naive_times[1:])),
        Tile("Churn per bad experience", pts[0],
             f"Percentage points of monthly churn per extra negative experience, {fmt.ci(*pts[1:])}{base_rate}. "
             "Technical term: average marginal effect.", fmt.ci(*pts[1:])),
        Tile("Could something else explain it?", fmt.decimal(c.e_value, 2),
             f"How strong a factor we did not measure would have to be — linked to both negative experiences and "
             f"churn by a risk ratio of {fmt.decimal(c.e_value, 2)} each — to explain the link away "
             f"({fmt.decimal(c.e_value_ci, 2)} for the interval's limit); the higher, the harder. Technical term: "
             "E-value (VanderWeele & Ding 2017).", f"{fmt.decimal(c.e_value_ci, 2)} for the interval's limit"),
    )
    if c.evident:
        finding = (f"a customer's odds of churning in a month are {odds[0]:.2f} times as high ({fmt.ci(*times[1:])}) "
                   f"for each negative experience in the month before — about {fmt.decimal(ame[0], 2)} percentage "
                   f"points of monthly churn{on_base}. Without the controls the odds ratio "
                   f"would read {naive[0]:.2f}. This is an association in this company's data, not proof of cause: an "
                   f"unmeasured factor would need a risk ratio of {c.e_value:.2f} with both to explain it away.")
    else:
        finding = (f"**No evidence that the experience drives churn in this data.** Once {controls} are taken into "
                   f"account, the odds ratio per negative experience is {odds[0]:.2f} with a 95% interval of "
                   f"{fmt.span(*times[1:])}, which includes 1× (no effect). No revenue at risk is put down to the "
                   "experience and no moment of service is ranked by money.")
    rows = [("As reported: adjusted, volume-controlled, exclusions applied", c.gamma),
            ("Without the contact-volume control", c.gamma_without_volume),
            ("Counting every contact (no exclusions)", c.gamma_without_exclusions),
            ("Naive: no controls at all", c.naive_gamma)]
    shown = [(label, g) for label, g in rows if g is not None]
    sensitivity = pl.DataFrame({
        "Estimate": [label for label, _ in shown],
        "Odds ratio per negative experience": [f"{math.exp(g[0]):.2f}×" for _, g in shown],
        "95% CI": [fmt.span(fmt.decimal(math.exp(g[1]), 2, "×"), fmt.decimal(math.exp(g[2]), 2, "×")) for _, g in shown],
        "Evidence of an effect": ["yes" if g[1] > 0 else "no" for _, g in shown],
    })
    excluded = (", ".join(why for why in sorted(c.excluded)) if restricted else
                ", ".join(f"{fmt.count(n)} {why}" for why, n in sorted(c.excluded.items()))) or "none"
    return ModelView(
        c, stats, c.evident, finding, sensitivity,
        exclusions_note=(f"Contacts left out of the exposures — {excluded}: a customer who calls to cancel, or "
                         "contacts in the last days before leaving, would put the churn itself into the month before "
                         "it. Heavy users contact more and may leave more whatever the experience, so the model "
                         "compares customers with as many contacts. The vocabulary and the window are in Settings."),
        fit_note=("Fitted once on all the data of this version (its counts are not shown under your access); the "
                  "filters do not apply." if restricted else
                  f"Fitted once on a random sample of {fmt.count(c.n_customers)} of this version's "
                  f"{fmt.count(c.panel_customers)} customers ({fmt.count(c.n_rows)} customer-months, "
                  f"{fmt.count(c.events)} churn events): above {fmt.count(MODEL_ROWS)} customer-months Momento "
                  "fits a sample, and the interval is the sample's, so it is wider. The filters do not apply."
                  if c.sampled else
                  f"Fitted once on all the data of this version: {fmt.count(c.n_rows)} customer-months of "
                  f"{fmt.count(c.n_customers)} customers, {fmt.count(c.events)} churn events; the filters do not "
                  "apply."))


def _effects(a: Analysis) -> tuple[pl.DataFrame | None, str]:
    effects = a.experience_effects
    if effects is None or not effects.height or a.experience is None:
        return None, ""
    table = pl.DataFrame({
        "Driver": [fmt.driver_label(t, per_unit=True) for t in effects.get_column("term")],
        "Change in the chance of a bad experience": [fmt.points(v * 100) for v in effects.get_column("ame")],
        "95% CI": [fmt.span(fmt.points(lo * 100), fmt.points(hi * 100)) for lo, hi in
                   zip(effects.get_column("low"), effects.get_column("high"))],
    })
    design = a.experience.fit.design
    terms = [*design.levels] + (["tenure"] if "tenure_years" in design.numeric else [])
    adjusted = f"adjusted for {', '.join(terms)}" if terms else "no other attribute of this data varies"
    return table, (f"Average marginal effects on the probability of a CSAT of 1 or 2, from the experience model "
                   f"(logistic, {adjusted}; weighted for survey response). Associations, not proof of cause.")


def _risk(a: Analysis, scope: Scope, settings: Settings) -> tuple[Figure | None, str]:
    """Revenue at risk by segment of the moments the filters allow, with the total's sentence."""
    if a.risk is None:
        return None, ""
    if withheld := moments_withheld(a, scope.restricted):
        return None, withheld_sentence(withheld, "Revenue at risk is")
    where = scope.moment_where
    table = a.risk.in_scope(where, by="segment") if "segment" in a.risk.moments.columns else a.risk.in_scope(where)
    if "segment" not in table.columns:
        table = table.with_columns(segment=pl.lit("all customers"))
    frame = labelled(table.rename({"revenue_at_risk": "value"}), "money", settings.symbol)
    if not frame.height:
        return Figure(table, None), "No moment of service matches the channel, touchpoint and segment filters."
    scope_text = " · ".join(f"{c}: {', '.join(v)}" for c, v in where.items()) or "all moments of service"
    chart = interval_bars(frame, category="segment", category_title="Segment", colour=PRIMARY,
                          title=f"CX-attributable revenue at risk over {a.risk.horizon} months, by segment",
                          subtitle=f"customers active at the end of the data · {scope_text} · 95% intervals from the "
                                   "models' coefficient draws",
                          value_title=f"Revenue at risk ({settings.currency})", money_symbol=settings.symbol)
    total = a.risk.in_scope(where).row(0, named=True)
    verdict = ("" if distinguishable(total["low"], total["high"]) else
               " Its interval includes zero: not distinguishable from no loss at all.")
    symbol = settings.symbol
    return Figure(table, chart), (
        f"Total {fmt.money(total['revenue_at_risk'], symbol)} ({fmt.interval(total['low'], total['high'], 'money', symbol)}"
        f"): what the churn model expects to lose because of negative experiences, "
        f"against a world with none.{verdict}")


def _expansion(a: Analysis, scope: Scope, settings: Settings) -> tuple[Figure | None, str]:
    """Expansion revenue by NPS category, over every customer: not shown to a user restricted to part of them."""
    if a.expansion is None or not a.expansion.height:
        return None, ""
    if scope.restrictions:
        return None, withheld_sentence(scope.restricted, "Expansion revenue by NPS category is")
    frame = labelled(a.expansion.rename({"mean": "value"}), "money", settings.symbol)
    chart = interval_bars(frame, category="category", order=["detractor", "passive", "promoter"], colour=GOOD,
                          category_title="NPS category",
                          title="Mean expansion revenue in the 12 months after a customer's first NPS answer",
                          subtitle="by the category of that answer · all customers with a full 12 months of revenue "
                                   "after it",
                          value_title=f"Expansion revenue per customer ({settings.currency})")
    return Figure(a.expansion, chart), ("n = " + " · ".join(f"{r['category']}: {fmt.count(r['n'])} customers"
                                                           for r in a.expansion.iter_rows(named=True))
                                        + ". Expansion after a churn counts as zero. Association, not proof of cause.")


#: The columns of a churn-by table as the page lists them, after the attribute's own.
LISTED = ("Customers", "Who left", "Share who left", "95% CI")


def _listed(table: pl.DataFrame, label: str) -> pl.DataFrame:
    """A churn-by table as the page lists it, every figure written by :mod:`cxdata.format`: the group under the
    attribute's name, then :data:`LISTED` — customers, those who left, their share (left / customers, %) and its
    95% interval (``30.9% to 33.6%``)."""
    rows = [(str(r["value"]), fmt.count(r["customers"]), fmt.count(r["churned"]), fmt.number(r["rate"], "%"),
             fmt.span(fmt.number(r["low"], "%"), fmt.number(r["high"], "%")))
            for r in table.iter_rows(named=True)]
    return pl.DataFrame(rows, schema=[label, *LISTED], orient="row")


def _customers_left(a: Analysis, scope: Scope, settings: Settings) -> tuple[CustomersLeft | None, str]:
    """The customers table's churn in scope with its status (``ok``, ``needs …``, ``no data``)."""
    if (status := a.needs(REGISTRY["customer_churn"])) is not None or a.customers is None:
        return None, status or "needs customers"
    if scope.withheld_by(a.customers):
        return None, WITHHELD
    customers = scope.filters.within(a.customers)  # the attributes and their bands of the user's customers alone
    params, symbol = settings.params(), settings.symbol
    summary = churn_summary(customers, scope.filters, params)
    if summary is None or not summary["customers"]:
        return None, NO_DATA
    lost = summary["lost_monthly_revenue"]
    stat = Tile("Monthly revenue of those who left", fmt.money(lost, symbol) if lost is not None else "–",
                "Σ monthly revenue of the customers who left, over customers whose churn and monthly revenue are "
                "known.",
                f"of {fmt.money(summary['monthly_revenue'], symbol)} a month in all" if lost is not None
                else "Needs monthly_revenue on customers.")
    tables = churn_by(customers, scope.filters, params)
    ranked = tuple(ranked_attributes(tables))
    notes = {}
    for name in ranked:
        small = tables[name].filter(pl.col("small")).get_column("value").to_list()
        notes[name] = "A snapshot of the customers table (the period does not apply). " + (
            f"Too few to show (under {MIN_ANSWERS} customers or {MIN_EVENTS} who left): {', '.join(small)}."
            if small else "")
    return CustomersLeft(
        tiles=tuple(kpi_tiles(a, scope.filters, None, params, keys=CUSTOMER_TILES)), lost_revenue=stat,
        ranked=ranked, tables={name: tables[name] for name in ranked},
        listed={name: _listed(tables[name], fmt.dimension_label(name)) for name in ranked},
        where=scope.where_text(),
        notes=notes), OK


def churn_screen(a: Analysis, scope: Scope, settings: Settings) -> ChurnScreen:
    """Churn & Revenue of ``a`` for ``scope`` in ``settings``' currency and definitions."""
    withheld = scope.withheld_by(a.panel)
    by_negatives = None if withheld else churn_by_negatives_figure(a, scope.filters)
    effects, effects_note = _effects(a)
    risk, risk_note = _risk(a, scope, settings)
    expansion, expansion_note = _expansion(a, scope, settings)
    customers, customers_status = _customers_left(a, scope, settings)
    drivers = key_drivers_figure(a)
    return ChurnScreen(
        by_negatives=by_negatives,
        by_negatives_note=withheld_sentence(withheld, "Churn by negative experiences is") if withheld
        else _by_negatives_note(by_negatives),
        model=None if a.churn is None else model_view(a.churn, bool(scope.restrictions)),
        drivers=drivers if drivers is not None and drivers.chart is not None else None,
        effects=effects, effects_note=effects_note, risk=risk, risk_note=risk_note,
        expansion=expansion, expansion_note=expansion_note, customers=customers, customers_status=customers_status,
        notes=tuple(a.notes))
