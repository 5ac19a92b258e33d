"""Overview — the executive page that reads in 30 seconds: the alerts that fired on this data version
(each linked to its view), KPI tiles with their change against the comparison period, three headline
sentences, what to fund (the top fixes that pay, each opening the ROI planner with its scenario), the moments
of service that put the most revenue at risk (each linked to the Drill-down, the ROI planner sized to it and a new
initiative), and a KPI's trend by month.

Numbers: ``cxdata.screens.overview.overview_screen`` (tiles, headlines, moments; the meeting pack and
``report --json`` write the same screen), ``cxdata.screens.funding.funding_screen`` (what to fund; priced after the
rest of the page when its fixes are new: ``ui.dashboard.funding_now_or_soon``) and
``cxdata.screens.figures.trend_figure`` (the selected KPI's trend), each view's computed once for every session
(``ui.dashboard``); this page only draws them. On a new version the contact tiles come first, the money tiles
once the customer-month panel is built (``page_analysis(panel_later=True)``).
"""

import streamlit as st

from cxdata import format as fmt
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.dashboard import PENDING
from cxdata.screens.funding import FundingScreen, moment_key
from cxdata.screens.overview import MOMENTS_LEGEND, OverviewScreen
from cxdata.settings import Settings
from ui.alerts import fired_alerts
from ui.charts import draw
from ui.dashboard import (
    ViewPricing,
    data_page_link,
    funding_now_or_soon,
    header,
    kpi_tile,
    no_data_message,
    page_analysis,
    pricing_progress,
    unlock_hint,
    view_overview,
    view_trend,
)
from ui.filters import current_scope
from ui.links import moment_links, plan_button
from ui.planner import alert, tile
from ui.settings import current_settings
from ui.state import option_from_link
from ui.store import get_store
from ui.text import plain

BIND = "query-params"


def tiles(screen: OverviewScreen, scope: Scope, settings: Settings) -> None:
    for row in screen.rows:
        for key, slot in zip(row, st.columns(4)):
            with slot:
                kpi_tile(screen.tiles[key], scope, settings.symbol)
    st.caption(plain(screen.tiles_note))
    if screen.followup_note:
        st.caption(plain(screen.followup_note))


def headline_block(screen: OverviewScreen) -> None:
    if not screen.headlines:
        return
    with st.container(border=True):
        st.markdown("**What the data says**")
        for line in screen.headlines:
            st.markdown(f"- {plain(line.text)}")
        st.caption(plain(screen.headlines_note))


def funding_block(funding: FundingScreen | ViewPricing | None) -> None:
    """What to fund: the top fixes that pay, each a bordered card with its verdict, numbers and planner link; while
    the view's fixes are priced, a progress bar that draws them once they are."""
    if funding is None:
        return
    st.subheader("What to fund", divider="gray")
    if isinstance(funding, ViewPricing):
        failed = funding.future.exception() if funding.future.done() else None
        if failed is not None:
            st.warning(plain(f"The fixes of this view could not be priced ({type(failed).__name__}: {failed})."),
                       icon=":material/warning:")
        else:
            pricing_progress(funding)
        return
    if funding.finding:
        st.info(plain(funding.finding), icon=":material/balance:")
    for rank, row in enumerate(funding.rows, 1):
        with st.container(border=True, key=f"fund_{rank}"):
            st.markdown(f"**{rank}. {plain(row.title)}**")
            value, words = st.columns([1, 3], vertical_alignment="center")
            tile(value, row.net_value, border=False)
            with words:
                alert(row.verdict)
                st.caption(plain(row.cost))
                plan_button(row.moment, f"_fund_{rank}", row.scenario, label="Open in the ROI planner")
    st.caption(plain(funding.note))


def moments_block(screen: OverviewScreen, settings: Settings, funding: FundingScreen | None, pending: bool) -> None:
    st.subheader("Moments of service that put the most revenue at risk", divider="gray")
    if screen.moments is None and pending:
        st.info(plain(f"{PENDING} (progress above)."), icon=":material/hourglass_top:")
        return
    if screen.moments is None:
        st.info(plain(unlock_hint("needs the churn model: interactions with csat answers and customer_id, and "
                                  "customers with churn dates")), icon=":material/lock:")
        return
    st.caption(plain(screen.moments_note))
    if screen.unranked:
        st.info(plain(screen.unranked), icon=":material/balance:")
        return
    symbol = settings.symbol
    widths = [3.2, 2.0, 1.1, 1.0, 2.6]
    head = st.columns(widths, vertical_alignment="bottom")
    for slot, text in zip(head, ["Moment of service (channel · touchpoint · segment)",
                                 f"Revenue at risk, {screen.horizon} months", "Contacts a month", "Negative", ""]):
        slot.markdown(f"**{text}**" if text else "")
    for rank, m in enumerate(screen.moments.iter_rows(named=True), 1):
        row = st.columns(widths, vertical_alignment="center")
        row[0].markdown(plain(f"{rank}. {m['channel']} · {m['touchpoint']} · {m['segment']}"))
        money = {k: plain(fmt.money(m[k], symbol)) for k in ("revenue_at_risk", "low", "high")}
        row[1].markdown(f"**{money['revenue_at_risk']}** :gray[({fmt.span(money['low'], money['high'])})]")
        row[2].markdown(f"{fmt.count(m['contacts_per_month'])} a month")  # cells read alone on a phone
        row[3].markdown(f"{fmt.share(m['negative_rate'] / 100)} negative")
        with row[4]:
            moment_links(m, rank, None if funding is None else funding.fixes.get(moment_key(m)))
    st.caption(MOMENTS_LEGEND)


def trend_block(screen: OverviewScreen, a: Analysis, scope: Scope, settings: Settings) -> None:
    st.subheader("Trend", divider="gray")
    options = screen.trend_metrics
    if not options:
        st.info("No KPI can be drawn by month on this data: a customers table has no months. Import interactions "
                "(or a revenue table by month) on the Data page to see trends.")
        return
    labels = [m.label for m in options]
    option_from_link("trend", {m.key: m.label for m in options})
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
    a, problem = page_analysis(store, scope.version, settings, panel_later=True)  # contact tiles first
    if problem:
        st.warning(plain(problem), icon=":material/warning:")
    if a.contacts is None and a.panel is None and a.customers is None:
        st.info("This version has no interactions yet: import them on the Data page to see the experience "
                "metrics, and customers with churn dates to link them to revenue.")
        data_page_link()
        return
    fired_alerts(store, scope, a, settings)
    screen = view_overview(store, scope.version, settings, scope, a)
    tiles(screen, scope, settings)
    if screen.filtered_out:
        st.warning(no_data_message(scope), icon=":material/filter_alt_off:")
    headline_block(screen)
    funding = funding_now_or_soon(store, scope.version, settings, scope.where, a, scope.restricted)
    funding_block(funding)
    moments_block(screen, settings, funding if isinstance(funding, FundingScreen) else None, a.pending)
    trend_block(screen, a, scope, settings)
    for note in screen.notes:
        st.caption(plain(note))


main()
