"""Churn & Revenue — how experience links to money: churn by the negative experiences of the
previous month, the churn model's effect (adjusted beside naive, with its E-value), the key drivers
of negative experiences, expansion revenue by NPS category, revenue at risk by segment, and the
customers who left by any customer attribute — which is all a customers-only churn file (one row per
customer, churned yes/no, no dates) can show, with the monthly revenue they took.

Every number comes from ``cxdata``: ``screens.churn_by_negatives_figure`` and ``key_drivers_figure`` (shared with the meeting pack), the fitted ``ChurnEffect``,
``Analysis.drivers`` / ``experience_effects`` / ``expansion``, ``RiskResult.in_scope`` and
``customers.churn_summary`` / ``churn_by``. The models are fitted once on all the data; the period and
dimension filters apply where the page says so. URL parameter of the page: ``churn_by`` (the attribute).
"""

import math

import polars as pl
import streamlit as st

from cxdata import format as fmt
from cxdata.measures.customers import churn_by, churn_summary, ranked_attributes
from cxdata.measures.metrics import MIN_ANSWERS, MIN_EVENTS, REGISTRY
from cxdata.models.analysis import Analysis
from cxdata.models.fit import ChurnEffect
from cxdata.scope import Scope
from cxdata.screens.charts import GOOD, PRIMARY, customers_left_bars, interval_bars, labelled
from cxdata.screens.dashboard import CUSTOMER_TILES, distinguishable, kpi_tiles
from cxdata.screens.figures import churn_by_negatives_figure, key_drivers_figure
from cxdata.settings import Settings
from ui.charts import draw
from ui.dashboard import data_page_link, header, kpi_tile, no_data_message, page_analysis, unlock_hint
from ui.filters import current_scope
from ui.settings import current_settings
from ui.store import get_store
from ui.text import plain

LOCKED = ":material/lock:"
BIND = "query-params"
CHURN_BY = "churn_by"


def churn_by_experience(a: Analysis, scope: Scope) -> None:
    st.subheader("Churn by negative experiences last month", divider="gray")
    figure = churn_by_negatives_figure(a, scope.filters)
    if figure is None:
        st.info(plain(unlock_hint("needs the experience model: interactions with csat answers and customer_id, "
                                  "and a customers table")), icon=LOCKED)
        return
    if figure.chart is None:
        st.info(no_data_message(scope))
        return
    draw(figure.chart)
    counts = " · ".join(f"{r['bucket']}: {fmt.count(r['events'])} churned of {fmt.count(r['n'])} customer-months"
                        + (" (too few to show)" if r["n"] < MIN_ANSWERS else "") for r in figure.table.iter_rows(named=True))
    st.caption(plain(f"Negative experiences = the expected number from the experience model (Σ of each contact's "
                     f"probability of a CSAT of 1–2, surveyed or not), rounded. {counts}. A crude view: customers "
                     "who contact more have more of both; the churn model below compares customers alike."))


def churn_model(a: Analysis, settings: Settings) -> None:
    st.subheader("The churn model: what one more negative experience goes with", divider="gray")
    c = a.churn
    if c is None:
        st.info(plain(unlock_hint("needs the churn model: csat answers, customer_id, and customers with churn "
                                  "dates (at least 20 churn events)")), icon=LOCKED)
        for note in a.notes:
            st.caption(plain(note))
        return
    controls = c.controls.replace("calendar_month", "calendar month")
    cols = st.columns(4)
    cols[0].metric("Odds ratio, adjusted", f"{c.odds_ratio[0]:.2f}×", border=True,
                   help=plain(f"Odds ratio per expected negative experience last month, from the discrete-time hazard "
                              f"model adjusted for {controls}. 95% CI {c.odds_ratio[1]:.2f}–{c.odds_ratio[2]:.2f}×."))
    cols[1].metric("Odds ratio, naive", f"{c.naive_odds_ratio[0]:.2f}×", border=True,
                   help=plain(f"The same model without controls. 95% CI {c.naive_odds_ratio[1]:.2f}–"
                              f"{c.naive_odds_ratio[2]:.2f}×. The gap to the adjusted figure is what the controls explain."))
    cols[2].metric("Churn per negative", f"{c.ame_pp[0]:+.2f} pts", border=True,
                   help=plain(f"Average marginal effect: percentage points of monthly churn per extra negative "
                              f"experience, 95% CI {c.ame_pp[1]:.2f}–{c.ame_pp[2]:.2f}; the base rate is "
                              f"{c.base_churn:.2%} a month."))
    cols[3].metric("E-value", f"{c.e_value:.2f}", border=True,
                   help=plain(f"How strong an unmeasured confounder would have to be — associated with both negative "
                              f"experiences and churn by a risk ratio of {c.e_value:.2f} each — to explain the "
                              f"association away ({c.e_value_ci:.2f} for the interval's limit)."))
    for col, text in zip(cols, (f"95% CI {c.odds_ratio[1]:.2f}–{c.odds_ratio[2]:.2f}×",
                                f"95% CI {c.naive_odds_ratio[1]:.2f}–{c.naive_odds_ratio[2]:.2f}×",
                                f"95% CI {c.ame_pp[1]:.2f}–{c.ame_pp[2]:.2f} pts",
                                f"{c.e_value_ci:.2f} for the interval's limit")):
        col.caption(text)
    if c.evident:
        st.markdown(f"**Association, adjusted for {plain(controls)}:** " + plain(
            f"a customer's odds of churning in a month are {c.odds_ratio[0]:.2f} times as high (95% CI "
            f"{c.odds_ratio[1]:.2f}–{c.odds_ratio[2]:.2f}) for each negative experience in the month before — about "
            f"{c.ame_pp[0]:.2f} percentage points of monthly churn on a base of {c.base_churn:.2%}. Without the "
            f"controls the odds ratio would read {c.naive_odds_ratio[0]:.2f}. This is an association in this company's "
            f"data, not proof of cause: an unmeasured factor would need a risk ratio of {c.e_value:.2f} with both to "
            "explain it away."))
    else:
        st.info(plain(f"**No evidence that the experience drives churn in this data.** Once {controls} are taken "
                      f"into account, the odds ratio per negative experience is {c.odds_ratio[0]:.2f} with a 95% "
                      f"interval of {c.odds_ratio[1]:.2f}–{c.odds_ratio[2]:.2f}, which includes 1 (no effect). No "
                      "revenue at risk is put down to the experience and no moment of service is ranked by money."),
                icon=":material/balance:")
    sensitivity(c)
    st.caption(f"Fitted once on all the data of this version: {fmt.count(c.n_rows)} customer-months of "
               f"{fmt.count(c.n_customers)} customers, {fmt.count(c.events)} churn events; the filters do not apply.")


def sensitivity(c: ChurnEffect) -> None:
    """How the estimate moves with the choices that protect it: the volume control and the exclusions."""
    rows = [("As reported: adjusted, volume-controlled, exclusions applied", c.gamma),
            ("Without the contact-volume control", c.gamma_without_volume),
            ("Counting every contact (no exclusions)", c.gamma_without_exclusions),
            ("Naive: no controls at all", c.naive_gamma)]
    shown = [(label, g) for label, g in rows if g is not None]
    st.markdown("**How the estimate moves with each safeguard**")
    st.dataframe(pl.DataFrame({
        "Estimate": [label for label, _ in shown],
        "Odds ratio per negative experience": [f"{math.exp(g[0]):.2f}×" for _, g in shown],
        "95% CI": [f"{math.exp(g[1]):.2f}–{math.exp(g[2]):.2f}×" for _, g in shown],
        "Evidence of an effect": ["yes" if g[1] > 0 else "no" for _, g in shown],
    }), hide_index=True, width="stretch")
    excluded = ", ".join(f"{fmt.count(n)} {why}" for why, n in sorted(c.excluded.items())) or "none"
    st.caption(plain(f"Contacts left out of the exposures — {excluded}: a customer who calls to cancel, or contacts "
                     "in the last days before leaving, would put the churn itself into the month before it. Heavy "
                     "users contact more and may leave more whatever the experience, so the model compares "
                     "customers with as many contacts. The vocabulary and the window are in Settings."))


def key_drivers(a: Analysis) -> None:
    st.subheader("What drives negative experiences", divider="gray")
    figure = key_drivers_figure(a)
    if figure is None or figure.chart is None:
        st.info(plain(unlock_hint("needs csat answers (at least 200) on interactions")), icon=LOCKED)
        return
    left, right = st.columns(2, gap="large")
    with left:
        draw(figure.chart)
        st.caption("Labelled as what it is: where the explained variance of a CSAT of 1–2 is shared among correlated "
                   "drivers — not the effect of changing one. For that, see the marginal effects beside.")
    with right:
        if a.experience_effects is not None and a.experience_effects.height:
            effects = a.experience_effects
            st.markdown("**What one unit more goes with** (marginal effects, adjusted)")
            st.dataframe(pl.DataFrame({
                "driver": [fmt.driver_label(t, per_unit=True) for t in effects.get_column("term")],
                "P(negative)": [f"{v * 100:+.1f} pts" for v in effects.get_column("ame")],
                "95% CI": [f"{lo * 100:+.1f}…{hi * 100:+.1f}" for lo, hi in
                           zip(effects.get_column("low"), effects.get_column("high"))],
            }), hide_index=True, width="stretch")
            design = a.experience.fit.design
            terms = [*design.levels] + (["tenure"] if "tenure_years" in design.numeric else [])
            adjusted = f"adjusted for {', '.join(terms)}" if terms else "no other attribute of this data varies"
            st.caption(plain(f"Average marginal effects on the probability of a CSAT of 1–2, from the experience model "
                             f"(logistic, {adjusted}; weighted for survey response). Associations, not proof of "
                             "cause."))


def expansion(a: Analysis, settings: Settings) -> None:
    st.subheader("Expansion revenue by NPS category", divider="gray")
    if a.expansion is None or not a.expansion.height:
        st.info(plain(unlock_hint("needs nps answers on interactions and a revenue table with expansion")), icon=LOCKED)
        return
    frame = labelled(a.expansion.rename({"mean": "value"}), "money", settings.symbol)
    draw(interval_bars(frame, category="category", order=["detractor", "passive", "promoter"], colour=GOOD,
                       category_title="NPS category",
                       title="Mean expansion revenue in the 12 months after a customer's first NPS answer",
                       subtitle="by the category of that answer · all customers with a full 12 months of revenue after it",
                       value_title=f"Expansion revenue per customer ({settings.currency})"))
    st.caption(plain("n = " + " · ".join(f"{r['category']}: {fmt.count(r['n'])} customers"
                                          for r in a.expansion.iter_rows(named=True))
                     + ". Expansion after a churn counts as zero. Association, not proof of cause."))


def risk_by_segment(a: Analysis, scope: Scope, settings: Settings) -> None:
    st.subheader("Revenue at risk from CX, by segment", divider="gray")
    if a.risk is None:
        st.info(plain(unlock_hint("needs the churn model: csat answers, customer_id and customers with churn dates")),
                icon=LOCKED)
        return
    where = scope.moment_where
    table = a.risk.in_scope(where, by="segment") if "segment" in a.risk.moments.columns else a.risk.in_scope(where)
    if "segment" not in table.columns:
        table = table.with_columns(segment=pl.lit("all customers"))
    frame = labelled(table.rename({"revenue_at_risk": "value"}), "money", settings.symbol)
    if not frame.height:
        st.info("No moment of service matches the channel, touchpoint and segment filters.")
        return
    scope_text = " · ".join(f"{c}: {', '.join(v)}" for c, v in where.items()) or "all moments of service"
    draw(interval_bars(frame, category="segment", category_title="Segment", colour=PRIMARY,
                       title=f"CX-attributable revenue at risk over {a.risk.horizon} months, by segment",
                       subtitle=f"customers active at the end of the data · {scope_text} · 95% intervals from the "
                                f"models' coefficient draws",
                       value_title=f"Revenue at risk ({settings.currency})", money_symbol=settings.symbol))
    total = a.risk.in_scope(where).row(0, named=True)
    verdict = ("" if distinguishable(total["low"], total["high"]) else
               " Its interval includes zero: not distinguishable from no loss at all.")
    st.caption(plain(f"Total {fmt.money(total['revenue_at_risk'], settings.symbol)} (95% CI "
                     f"{fmt.money(total['low'], settings.symbol)}–{fmt.money(total['high'], settings.symbol)}): what the "
                     f"churn model expects to lose because of negative experiences, against a world with none.{verdict}"))


def customers_who_left(a: Analysis, scope: Scope, settings: Settings) -> None:
    st.subheader("Customers who left, by customer attribute", divider="gray")
    if (status := a.needs(REGISTRY["customer_churn"])) is not None:
        st.info(plain(unlock_hint(status)), icon=LOCKED)
        return
    summary = churn_summary(a.customers, scope.filters, settings.params())
    if not summary["customers"]:
        st.info(no_data_message(scope))
        return
    cols = st.columns(3)
    for tile, col in zip(kpi_tiles(a, scope.filters, None, settings.params(), keys=CUSTOMER_TILES), cols):
        with col:
            kpi_tile(tile, scope, settings.symbol)
    with cols[2].container(border=True):
        lost = summary["lost_monthly_revenue"]
        st.metric("Monthly revenue of those who left", fmt.money(lost, settings.symbol) if lost is not None else "–",
                  help="Σ monthly revenue of the customers who left, over customers with both churned and "
                       "monthly_revenue known.")
        st.caption(plain(f"of {fmt.money(summary['monthly_revenue'], settings.symbol)} a month in all"
                         if lost is not None else "Needs monthly_revenue on customers."))
    tables = churn_by(a.customers, scope.filters, settings.params())
    ranked = ranked_attributes(tables)
    if not ranked:
        st.info("The customers table has no attribute to break churn down by: import customers with columns such "
                "as segment, plan, contract or tenure.")
        return
    if st.session_state.get(CHURN_BY) not in ranked:
        st.session_state.pop(CHURN_BY, None)
    name = st.selectbox("Churn by", ranked, format_func=fmt.dimension_label, key=CHURN_BY, bind=BIND, width=320,
                        help="Any attribute of the customers, text or number (numbers in quartile bands); listed from "
                             "the one whose groups churn furthest apart.")
    label = fmt.dimension_label(name)
    if (chart := customers_left_bars(tables[name], label, scope.where_text())) is not None:
        draw(chart)
    table = tables[name].rename({"value": "group"})
    small = table.filter(pl.col("small")).get_column("group").to_list()
    st.caption(plain("A snapshot of the customers table (the period does not apply). "
                     + (f"Too few to show (under {MIN_ANSWERS} customers or {MIN_EVENTS} who left): "
                        f"{', '.join(small)}." if small else "")))
    st.dataframe(table.select(
        pl.col("group").alias(label), "customers", pl.col("churned").alias("left"),
        pl.col("rate").round(1).alias("left (%)"),
        pl.format("{}–{}", pl.col("low").round(1), pl.col("high").round(1)).alias("95% CI (%)")),
        hide_index=True, width="stretch")


def main() -> None:
    store = get_store()
    scope = current_scope()
    if scope is None:
        st.title("Churn & Revenue")
        st.info("No data yet. Import interactions and customers on the Data page to link experience to churn.")
        data_page_link()
        return
    settings = current_settings(store)
    header("Churn & Revenue", scope, "How experience links to churn and revenue.")
    a, problem = page_analysis(store, scope.version, settings)
    if problem:
        st.warning(plain(problem), icon=":material/warning:")
    if a.panel is None and a.customers is None:
        st.info("Churn and revenue need a customers table (customer_id, and churned_at or churned) and customer_id "
                "on the interactions: import them on the Data page.", icon=LOCKED)
        data_page_link("Import customers on the Data page")
        key_drivers(a)
        return
    if a.panel is None:
        st.info("Monthly churn, the churn model and revenue at risk need to follow customers month by month: "
                "customer_id on interactions, or a revenue table by month. Import them on the Data page; below is "
                "what the customers table shows on its own.", icon=LOCKED)
        customers_who_left(a, scope, settings)
        key_drivers(a)
        return
    churn_by_experience(a, scope)
    churn_model(a, settings)
    key_drivers(a)
    risk_by_segment(a, scope, settings)
    expansion(a, settings)
    customers_who_left(a, scope, settings)


main()
