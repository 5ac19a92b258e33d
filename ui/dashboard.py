"""Drawing pieces shared by the Overview, Drill-down and Churn & Revenue pages: KPI tiles, "what
would unlock this" hints and page headers (chart frames get their display strings from
``cxdata.screens.charts.labelled``).

Formatting and layout only: every number comes from ``cxdata`` (metrics, dashboard, risk). The
Overview's tiles and trend of one view are ``st.cache_data`` (:func:`view_overview`, :func:`view_trend`),
so every session that opens the same view reuses the numbers the first one computed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import streamlit as st

from cxdata import format as fmt
from cxdata.actions.roi import NotPriced, PlannerBase, Scenario, ScenarioResult
from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.metrics import REGISTRY, Base, Filters, Metric, by_month
from cxdata.models.analysis import Analysis, Tables, is_fitted
from cxdata.schema import TABLES
from cxdata.scope import Scope, Where
from cxdata.screens.figures import Figure, Tile, trend_figure
from cxdata.screens.funding import FundingScreen, evaluations, funding_screen
from cxdata.screens.overview import OverviewScreen, overview_screen
from cxdata.settings import Settings
from ui.analysis import (
    CACHE_KEYS,
    POLL_S,
    REFRESH_S,
    Fitting,
    Unavailable,
    analysis,
    background,
    fitting,
    planner,
    price_moments,
    settings_key,
    start_after_run,
)
from ui.loaders import version_identity
from ui.store import store_identity
from ui.text import plain

DATA_PAGE = "app_pages/data.py"
LOG = logging.getLogger(__name__)
#: What the n of a KPI counts, by its base frame.
COUNTED = {Base.CONTACTS: "contacts", Base.CUSTOMER_MONTHS: "customer-months", Base.CUSTOMERS: "customers"}


@st.cache_resource(show_spinner=False)
def _failed_analyses() -> dict[tuple, tuple[Analysis, str]]:
    """Versions whose models could not be fitted, with a models-free analysis and the reason (per process)."""
    return {}


def page_analysis(store: Store, version: VersionInfo, settings: Settings, *, measured_first: bool = True,
                  draw: bool = True, panel_later: bool = False) -> tuple[Analysis, str | None]:
    """The analysis of ``version`` (``ui.analysis``) for a page, and one sentence when its models are missing:

    - while the models are fitted in the background (the first time on a version; ``measured_first``, and
      :func:`ui.analysis.background`), the measured frames at once (:func:`ui.analysis.measured`, ``pending``) and a
      progress bar of the fit's steps, which runs the page again once the models are there (:func:`fit_progress`);
      otherwise it waits for the fit, with that progress bar (none when ``draw`` is False: the meeting pack,
      made on a thread of its own); with ``panel_later`` (the Overview), the customer-month panel of a new version
      is built after the page is drawn, and the page runs again once it is (``Analysis.panel_pending``);
    - when fitting the models fails on this data, the contact frame alone and one sentence saying so, remembered so
      the fit is not retried on every rerun."""
    key = (store_identity(store), version_identity(version), settings_key(settings))
    failed = _failed_analyses().get(key)
    if failed is not None:
        return failed
    params, horizon = settings.params(), settings.churn_horizon_months
    if measured_first and draw and background() and not is_fitted(store, version.version_id, params, horizon):
        job = fitting(store, version, params, horizon)
        shown = job.measured_frames(panel=not panel_later)  # before the fit's thread starts, so it is not slowed
        if not job.finished:
            start_after_run(job)  # once the page is drawn: the fit would slow it
            fit_progress(job, shown.panel_pending)
            return shown, None
    try:
        return analysis(store, version, settings, draw=draw), None
    except Exception as exc:  # a page says what went wrong, never shows a traceback
        LOG.exception("analysis of %s v%s failed", version.dataset, version.number)
        tables = Tables.from_store(store, version.version_id)
        contacts = None if tables.interactions is None else enrich_contacts(tables.interactions, tables.customers)
        reason = (f"The models could not be fitted on this data ({type(exc).__name__}: {exc}), so the model-based "
                  "numbers (revenue at risk, churn effect, drivers) are not shown; the measured KPIs are.")
        failed = _failed_analyses()[key] = (Analysis(contacts, None, notes=[reason]), reason)
        return failed


@st.fragment(run_every=REFRESH_S)
def fit_progress(job: Fitting, panel_pending: bool = False) -> None:
    """The progress bar of a fit in the background (steps done of all), redrawn every ``REFRESH_S``; once the fit
    is over, or the panel a page drew without (``panel_pending``) is built, the whole page runs again with them.
    (The fit starts when the page's run is over: :func:`ui.analysis.start_after_run`.)"""
    if job.finished or (panel_pending and job.measured is not None and not job.measured.panel_pending):
        st.rerun()
    st.progress(job.fraction, text=job.sentence())


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=CACHE_KEYS)
def view_overview(store: Store, version: VersionInfo, settings: Settings, scope: Scope, a: Analysis) -> OverviewScreen:
    """The Overview of one view (:func:`cxdata.screens.overview.overview_screen`), computed once for every
    session: keyed by store, version, settings and scope, which determine ``a`` (the :func:`page_analysis` of the
    version under the settings) but for its fit state (:func:`ui.analysis.fit_state`, the only part of it hashed)."""
    return overview_screen(a, scope, settings)


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=CACHE_KEYS)
def view_funding(store: Store, version: VersionInfo, settings: Settings, where: Where, a: Analysis,
                 restricted: tuple[str, ...], _priced_only: bool = False) -> FundingScreen | None:
    """What to fund under the dimension filters ``where`` (:func:`cxdata.screens.funding.funding_screen`; the period
    does not apply), computed once for every session and keyed as :func:`view_overview`; None when the data cannot
    support the ROI planner (no churn model); ``restricted`` as in :func:`funding_screen`. ``_priced_only`` (not
    part of the key): from fixes the planner has priced already, else :class:`cxdata.actions.roi.NotPriced`, and
    nothing is kept (:func:`funding_now_or_soon`)."""
    if a.risk is None:
        return None
    base = planner(store, version, settings)
    if isinstance(base, Unavailable):
        return None
    screen = funding_screen(a, base, where, settings, base.priced if _priced_only else base.evaluate, restricted)
    price_moments(store, version, settings)  # once: the next views read their fixes
    return screen


@dataclass
class ViewPricing:
    """The fixes of one view's What to fund, priced in a thread of its own (:func:`price_view`): ``done`` of
    ``total`` evaluations, then ``future`` is over."""

    total: int
    done: int = 0
    future: Future[None] = field(default_factory=Future)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def _view_pricings(store: Store, version: VersionInfo, settings: Settings) -> dict[tuple, ViewPricing]:
    """The views of a version whose fixes are being priced (:func:`price_view`), and those whose pricing failed."""
    return {}


_PRICINGS_LOCK = threading.Lock()


def price_view(store: Store, version: VersionInfo, settings: Settings, where: Where, a: Analysis,
               restricted: tuple[str, ...]) -> ViewPricing:
    """Price the fixes of What to fund under ``where`` in a thread of its own, once per view while it runs (and
    not again after it failed: the pricing says why), so the page draws the rest meanwhile."""
    base = planner(store, version, settings)
    assert isinstance(base, PlannerBase), "a view is priced only where its What to fund is (view_funding)"
    pricings, key = _view_pricings(store, version, settings), (where, restricted)
    with _PRICINGS_LOCK:
        if (job := pricings.get(key)) is not None:
            return job
        job = pricings[key] = ViewPricing(evaluations(a, where, restricted))

    def counted(scenario: Scenario) -> ScenarioResult:
        result = base.evaluate(scenario)
        job.done += 1
        return result

    def price() -> None:
        try:
            funding_screen(a, base, where, settings, counted, restricted)
        except Exception as exc:  # the page says so
            LOG.exception("pricing What to fund of %s v%s failed", version.dataset, version.number)
            job.future.set_exception(exc)
            return
        with _PRICINGS_LOCK:
            pricings.pop(key, None)
        job.future.set_result(None)

    threading.Thread(target=price, name="price-view", daemon=True).start()
    return job


def funding_now_or_soon(store: Store, version: VersionInfo, settings: Settings, where: Where, a: Analysis,
                        restricted: tuple[str, ...]) -> FundingScreen | ViewPricing | None:
    """The Overview's What to fund (:func:`view_funding`): at once when its fixes are priced already (every
    moment's are, a minute after a version's first What to fund at 10 M contacts) or when pages wait for their
    numbers (:func:`ui.analysis.background`); otherwise priced in a thread of its own (:func:`price_view`: a second
    or more at 10 M contacts, for a filter on region or plan), while the page draws the rest and a progress bar that
    runs the page again once they are (:func:`pricing_progress`)."""
    try:
        return view_funding(store, version, settings, where, a, restricted, _priced_only=background())
    except NotPriced:
        return price_view(store, version, settings, where, a, restricted)


@st.fragment(run_every=POLL_S)
def pricing_progress(job: ViewPricing) -> None:
    """The progress bar of a view's fixes priced in the background, redrawn every ``POLL_S``; once they are priced,
    the whole page runs again and draws What to fund."""
    if job.future.done():
        st.rerun()
    st.progress(min(job.done / job.total, 1.0) if job.total else 0.0,
                text=f"Pricing the fixes of this view, once: {job.done} of {job.total} evaluated…")


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=CACHE_KEYS)
def view_trend(store: Store, version: VersionInfo, settings: Settings, metric: str, filters: Filters,
               comparison: Filters | None, a: Analysis) -> Figure:
    """``metric``'s trend (:func:`cxdata.screens.figures.trend_figure`), computed once for every session, keyed as
    :func:`view_overview`."""
    return trend_figure(a, REGISTRY[metric], filters, comparison, settings.params(), settings.symbol)


def header(title: str, scope: Scope, what: str) -> None:
    """Page title and one caption: what the page answers, the data version and the filters in force."""
    st.title(title)
    st.caption(plain(f"{what} Dataset {scope.dataset}, version {scope.version.number} · {scope.describe()}"))


def unlock_hint(status: str) -> str:
    """The upload that would unlock a number, from an engine status (``"needs csat"``…), fields by their labels
    (:func:`cxdata.format.fields_in_words`)."""
    return fmt.fields_in_words(_unlock_hint(status))


def _unlock_hint(status: str) -> str:
    if not status.startswith("needs"):
        return status
    fields = [f.strip() for f in status.removeprefix("needs").replace(" and ", ",").split(",") if f.strip()]
    if fields in (["interactions"], ["customers"], ["revenue"]):
        return f"Import a {fields[0]} table on the Data page to see this."
    if fields and all(" " not in f for f in fields):
        by_table: dict[str, list[str]] = {}
        for f in fields:
            if f not in TABLES:
                by_table.setdefault(next((t.name for t in TABLES.values() if f in t.names), "a table"), []).append(f)
        parts = [f"a {f} table" for f in fields if f in TABLES]
        parts += [f"{table} with the {' and '.join(names)} column{'s' if len(names) > 1 else ''}"
                  for table, names in by_table.items()]
        return f"Needs {' and '.join(fields)}: import {' and '.join(parts)} on the Data page."
    return status[0].upper() + status[1:] + "."


def no_data_message(scope: Scope) -> str:
    """One sentence for an empty result, escaped for Markdown (the filter values are user data)."""
    return plain(f"No data matches these filters ({scope.describe()}). Widen the period or clear a filter "
                 "in the sidebar.")


def _delta_colour(tile: dict) -> str:
    if tile["delta_low"] is not None and tile["delta_low"] <= 0 <= tile["delta_high"]:
        return "off"  # not distinguishable from no change
    return "normal" if tile["higher_is_better"] else "inverse"


def tile_help(tile: dict, scope: Scope, symbol: str) -> str:
    """The help of a tile: definition, n and interval, the delta's interval, what is filtered."""
    unit = tile["unit"]
    lines = [f"{tile['label']}: {tile['definition']}"]
    metric = REGISTRY.get(tile["key"])
    if tile["status"] == "ok":
        counted = ("customers active at the end of the data" if metric is None
                   else COUNTED[metric.base])
        lines.append(f"Value {fmt.number(tile['value'], unit, symbol)}, "
                     f"{fmt.interval(tile['low'], tile['high'], unit, symbol)}, n = {fmt.count(tile['n'])} {counted}.")
        if tile["delta"] is not None:
            significant = _delta_colour(tile) != "off"
            lines.append(f"Change against {fmt.month_span(*scope.comparison)}: {fmt.delta(tile['delta'], unit, symbol)} "
                         f"({fmt.interval(tile['delta_low'], tile['delta_high'], unit, symbol).replace('95% CI ', '95% CI of the change ')})"
                         + ("." if significant else " — not distinguishable from no change, so it is shown in grey."))
        elif metric is not None and not by_month(metric):
            lines.append("A snapshot of the customers table: the period does not apply, so no change is shown.")
        elif scope.comparison is not None and tile["key"] != "revenue_at_risk":
            lines.append("No data in the comparison period, so no change is shown.")
        if tile.get("note"):
            lines.append(tile["note"])
    else:
        lines.append(unlock_hint(tile["status"]) if tile["status"] != "no data" else "No data matches these filters.")
    return "\n\n".join(plain(line) for line in lines)


#: Tile labels short enough for a quarter of the page (the engine's labels are in the help).
TILE_LABELS = {"logo_churn": "Logo churn / month", "arpu": "Revenue / customer", "cost_to_serve": "Cost to serve",
               "revenue_at_risk": "Revenue at risk (CX)", "fcr": "First-contact resolution"}


def metric_delta(change: str | None, colour: str) -> dict:
    """``st.metric``'s delta arguments for a change written with a true minus (:func:`cxdata.format.delta`):
    Streamlit reads a string's sign from a leading hyphen-minus only, so the arrow and the colour are given
    explicitly — down for a minus, green when the change is good (``colour`` ``normal``: up is good; ``inverse``:
    down is good; ``off``: grey)."""
    if change is None:
        return {"delta": None}
    down = change.startswith(fmt.MINUS)
    good = down if colour == "inverse" else not down
    return {"delta": change, "delta_arrow": "down" if down else "up",
            "delta_color": "gray" if colour == "off" else "green" if good else "red"}


def kpi_tile(tile: dict, scope: Scope, symbol: str, label: str | None = None) -> None:
    """One bordered tile: label, value, delta (coloured by whether higher is better, grey when the
    change is within noise), and a caption with the 95% interval and n, or what would unlock it."""
    unit = tile["unit"]
    change = fmt.delta(tile["delta"], unit, symbol)
    with st.container(border=True):
        st.metric(plain(TILE_LABELS.get(tile["key"], tile["label"]) if label is None else label),
                  fmt.number(tile["value"], unit, symbol) if tile["status"] == "ok" else "–",
                  help=tile_help(tile, scope, symbol), **metric_delta(change, _delta_colour(tile)))
        if tile["status"] == "ok":
            what = "customers" if tile["key"] == "revenue_at_risk" else "n ="
            st.caption(plain(fmt.interval(tile["low"], tile["high"], unit, symbol)) + "  \n"
                       + plain(tile["note"].split(":")[0] if tile.get("note") else f"{what} {fmt.count(tile['n'])}"))
        elif tile["status"] == "no data":
            st.caption("No data for these filters.")
        else:  # the short form; the full sentence is in the help
            st.caption(plain(fmt.fields_in_words(tile["status"].split(" (")[0].split(":")[0].capitalize())))


def value_tiles(tiles: Sequence[Tile]) -> None:
    """A screen's tiles (:class:`cxdata.screens.figures.Tile`) side by side, one bordered column each."""
    for slot, tile in zip(st.columns(len(tiles)), tiles, strict=True):
        with slot:
            value_tile(tile)


def value_tile(tile: Tile) -> None:
    """One bordered tile of a screen: its value, its change as a delta, its help and the caption under it."""
    with st.container(border=True):
        st.metric(tile.label, tile.value, help=plain(tile.help) if tile.help else None,
                  **metric_delta(tile.delta, tile.delta_color))
        if tile.caption:
            st.caption(plain(tile.caption))


def missing_metrics(a: Analysis, base: Base) -> list[tuple[Metric, str]]:
    """The KPIs of ``base`` this data lacks a field for, with the reason (none when it lacks the whole table)."""
    if a.frame(base) is None:
        return []
    return [(m, reason) for m in REGISTRY.values() if m.base is base and (reason := a.needs(m))]


def data_page_link(label: str = "Go to the Data page") -> None:
    st.page_link(DATA_PAGE, label=label, icon=":material/upload_file:")


def bullet_list(lines: Sequence[str]) -> None:
    st.markdown("\n".join(f"- {plain(line)}" for line in lines))
