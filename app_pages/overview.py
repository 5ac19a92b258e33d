"""Overview — the executive page that reads in 30 seconds: the alerts that fired on this data version
(each linked to its view), KPI tiles with their change against the comparison period, three headline
sentences, the moments of service that put the most revenue at risk (each linked to the Drill-down,
the ROI planner and a new initiative), and a KPI's trend by month.

Thin: the numbers come from ``cxdata.screens.dashboard`` (tiles, headlines, moments),
and ``cxdata.screens.figures.trend_figure`` (trend, shared with the meeting pack), each view's computed once for every session (``ui.dashboard``);
``ui`` only draws them.
"""

import streamlit as st

from cxdata import format as fmt
from cxdata.measures.metrics import REGISTRY, Base, followup_note
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.dashboard import headlines, moments_in_scope, overview_rows, trend_metrics, unranked_moments
from cxdata.settings import Settings
from ui.alerts import fired_alerts
from ui.charts import draw
from ui.dashboard import (
    data_page_link,
    header,
    kpi_tile,
    no_data_message,
    page_analysis,
    unlock_hint,
    view_tiles,
    view_trend,
)
from ui.filters import current_scope
from ui.links import moment_links
from ui.settings import current_settings
from ui.store import get_store
from ui.text import plain

TOP_MOMENTS = 5
BIND = "query-params"


def tiles(a: Analysis, scope: Scope, settings: Settings) -> list[dict]:
    by_key = {t["key"]: t for t in view_tiles(get_store(), scope.version, settings, scope.filters,
                                                scope.comparison_filters, a)}
    rows = overview_rows(a)
    for row in rows:
        for tile, slot in zip((by_key[k] for k in row), st.columns(4)):
            with slot:
                kpi_tile(tile, scope, settings.symbol)
    shown = [by_key[k] for row in rows for k in row]
    contact_only = scope.ignored_by(a.panel)
    if a.contacts is None:
        st.caption("A snapshot of the customers table: the period does not apply to it. The experience and "
                   "contact-centre KPIs need an interactions table: import one on the Data page.")
    elif contact_only:
        st.caption(plain(f"Churn, revenue per customer and cost to serve count every customer: the "
                         f"{', '.join(contact_only)} filter applies to contacts only. Revenue at risk is the "
                         f"model's expectation for customers active at the end of the data (not filtered by period)."))
    else:
        st.caption("Revenue at risk is the model's expectation for the customers active at the end of the data, "
                   f"over the next {a.risk.horizon if a.risk else 12} months; it is not filtered by period. "
                   "The ? of a tile gives its definition, n and interval.")
    computed = [REGISTRY[t["key"]] for t in shown if t["key"] in REGISTRY and t["status"] == "ok"]
    if a.contacts is not None and (note := followup_note(computed, a.contacts, scope.filters, settings.params())):
        st.caption(plain(note))
    return shown


def headline_block(a: Analysis, scope: Scope, settings: Settings) -> None:
    lines = headlines(a, scope.filters, settings.symbol)
    if not lines:
        return
    with st.container(border=True):
        st.markdown("**What the data says**")
        for line in lines:
            st.markdown(f"- {plain(line.text)}")
        model = (f" (the churn model is adjusted for {a.churn.controls.replace('calendar_month', 'calendar month')})"
                 if a.churn else "")
        st.caption(plain(f"Associations in this company's own data{model} — not proof of cause. The moment of "
                         "service follows the filters in force; the churn model and the drivers cover all the data."))


def moments_block(a: Analysis, scope: Scope, settings: Settings) -> None:
    st.subheader("Moments of service that put the most revenue at risk", divider="gray")
    if a.risk is None:
        st.info(plain(unlock_hint("needs the churn model: interactions with csat answers and customer_id, and "
                                  "customers with churn dates")), icon=":material/lock:")
        return
    top = moments_in_scope(a, scope.where, TOP_MOMENTS)
    st.caption(plain(f"CX-attributable revenue at risk over {a.risk.horizon} months by channel × touchpoint × "
                     f"segment: what the churn model expects to lose because of negative experiences, for "
                     f"customers active at the end of the data ({scope.where_text()})."))
    if not top.height:
        st.info(plain(unranked_moments(a)), icon=":material/balance:")
        return
    symbol = settings.symbol
    widths = [3.2, 2.0, 1.1, 1.0, 2.6]
    head = st.columns(widths, vertical_alignment="bottom")
    for slot, text in zip(head, ["Moment of service (channel · touchpoint · segment)",
                                 f"Revenue at risk, {a.risk.horizon} months", "Contacts a month", "Negative", ""]):
        slot.markdown(f"**{text}**" if text else "")
    for rank, m in enumerate(top.iter_rows(named=True), 1):
        row = st.columns(widths, vertical_alignment="center")
        row[0].markdown(plain(f"{rank}. {m['channel']} · {m['touchpoint']} · {m['segment']}"))
        money = {k: plain(fmt.money(m[k], symbol)) for k in ("revenue_at_risk", "low", "high")}
        row[1].markdown(f"**{money['revenue_at_risk']}** :gray[({money['low']}–{money['high']})]")
        row[2].markdown(fmt.count(m["contacts_per_month"]))
        row[3].markdown(f"{m['negative_rate']:.0f}%")
        with row[4]:
            moment_links(m, rank)
    st.caption("Money: expected revenue lost over the horizon, with its 95% interval in brackets. Negative: the "
               "experience model's share of the moment's contacts with a CSAT of 1–2.")


def trend_block(a: Analysis, scope: Scope, settings: Settings) -> None:
    st.subheader("Trend", divider="gray")
    options = trend_metrics(a)
    if not options:
        st.info("No KPI can be drawn by month on this data: a customers table has no months. Import interactions "
                "(or a revenue table by month) on the Data page to see trends.")
        return
    labels = [m.label for m in options]
    label = st.selectbox("KPI by month", labels, key="trend", bind=BIND, width=320,
                         help="Every month of the data with the dimension filters in force; the selected and the "
                              "comparison periods are shaded.")
    metric = options[labels.index(label)]
    figure = view_trend(get_store(), scope.version, settings, metric.key, scope.filters, scope.comparison_filters, a)
    if figure.chart is None:
        st.info(no_data_message(scope))
        return
    draw(figure.chart)


def main() -> None:
    store = get_store()
    scope = current_scope()
    if scope is None:
        st.title("Overview")
        st.info("No data yet. Import your exports on the Data page to see them here.")
        data_page_link()
        return
    settings = current_settings(store)
    header("Overview", scope, "Where the experience costs customers and revenue.")
    a, problem = page_analysis(store, scope.version, settings)
    if problem:
        st.warning(plain(problem), icon=":material/warning:")
    if a.contacts is None and a.panel is None and a.customers is None:
        st.info("This version has no interactions yet: import them on the Data page to see the experience "
                "metrics, and customers with churn dates to link them to revenue.")
        data_page_link()
        return
    fired_alerts(store, scope.version, a, settings)
    shown = tiles(a, scope, settings)
    contact_tiles = [t for t in shown if t["key"] in REGISTRY and REGISTRY[t["key"]].base is Base.CONTACTS
                     and not t["status"].startswith("needs")]
    if contact_tiles and all(t["status"] == "no data" for t in contact_tiles):
        st.warning(no_data_message(scope), icon=":material/filter_alt_off:")
    headline_block(a, scope, settings)
    moments_block(a, scope, settings)
    trend_block(a, scope, settings)
    for note in a.notes:
        st.caption(plain(note))


main()
