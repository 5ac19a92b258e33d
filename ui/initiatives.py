"""Widgets and drawing of the Initiatives page (issue 7): the New initiative form, the list, the detail
of one initiative, and the ROI planner's "Track as an initiative" control.

URL parameters of the page (docs/architecture.md "Links"; values equal to the defaults are left out):

- ``initiative``: the selected initiative, as the selector shows it (``#3 · Cut billing waits``); a
  bare number (``?initiative=3``) or an old title after a rename opens it too (the address then shows
  the selection only once another one is picked: a widget first drawn from session state does not
  write the URL);
- ``new``: the New initiative form is open; its inputs ``new_title``, ``new_owner``, ``new_metric``
  (the KPI's label), ``new_start``, ``new_status``, ``new_target``, ``new_invest``, ``new_running``,
  ``new_source`` and one repeated parameter per scope dimension, ``new_<dimension>``
  (``new_channel=phone``). A moment of service on the Overview links here with :func:`prefill_params`.

Every number comes from :mod:`cxdata.actions.initiatives` (``baseline``, ``measure``, ``portfolio``,
``portfolio_table``) and is printed with :mod:`cxdata.format`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import polars as pl
import streamlit as st

from cxdata import format as fmt
from cxdata.actions.initiatives import (
    PLANNED_KPIS,
    STATUSES,
    Measurement,
    Tracked,
    attach_plan,
    baseline,
    baseline_of,
    create_initiative,
    delete_initiative,
    list_initiatives,
    measure,
    plan_from,
    plan_of,
    planned_target,
    portfolio,
    portfolio_table,
    update_initiative,
    verdict,
)
from cxdata.actions.roi import ScenarioResult, scenario_to_dict
from cxdata.catalog.store import Store, VersionInfo
from cxdata.catalog.tables import Initiative
from cxdata.format import signed_percent
from cxdata.measures.metrics import REGISTRY, Estimate, Metric, Params
from cxdata.models.analysis import Analysis
from cxdata.screens.charts import initiative_chart, labelled
from cxdata.screens.dashboard import supported_metrics
from cxdata.settings import Settings
from ui.charts import draw
from ui.filters import dimension_key
from ui.loaders import DataShape, version_identity
from ui.state import bound_number_input
from ui.store import store_identity
from ui.text import plain

BIND = "query-params"
PAGE = "app_pages/initiatives.py"
SELECTED, NEW = "initiative", "new"
#: The form's inputs other than the scope: field → widget key (= URL parameter).
FIELDS = {f: f"new_{f}" for f in ("title", "owner", "metric", "start", "status", "target", "invest", "running",
                                  "source")}
#: KPIs offered first (the moment of service's measure, then the surveys).
PREFERRED = ("negative_rate", "csat", "nps", "ces", "fcr")
DEFAULT_STATUS = "planned"
STATUS_LABELS = {"active": "● active", "planned": "○ planned", "done": "✓ done", "dropped": "✕ dropped"}
_CREATED, _DELETED, _ROWS = "_initiative_created", "_initiative_deleted", "_initiative_rows"


# ---------------------------------------------------------------- numbers as shown


def change_text(e: Estimate | None, unit: str, symbol: str = "€") -> str:
    """A change with its interval: ``−1.5 pts (95% CI −6.3 to +3.3 pts)``; ``–`` without one."""
    if e is None or e.value is None:
        return "–"
    text = fmt.delta(e.value, unit, symbol)
    if e.low is not None and e.high is not None:
        text += f" ({ci_text(e, unit, symbol)})"
    return text


def ci_text(e: Estimate, unit: str, symbol: str = "€") -> str:
    """The 95% interval of a change: ``95% CI −6.3 to +3.3 pts``."""
    return f"95% CI {fmt.delta(e.low, unit, symbol)} to {fmt.delta(e.high, unit, symbol)}".replace(
        " pts to ", " to ")


def value_caption(e: Estimate | None, unit: str, symbol: str, window: str | None = None) -> str:
    """``Mar–Jun 2026 · 95% CI 27.7–34.3% · n = 744`` (what a value tile says under its number)."""
    if e is None or e.value is None:
        return "No data." if window is None else f"{window} · no data"
    parts = [window] if window else []
    parts += [fmt.interval(e.low, e.high, unit, symbol), f"n = {fmt.count(e.n)}"]
    return " · ".join(p for p in parts if p)


def _coloured(word: str) -> str:
    return {"better": ":green[better]", "worse": ":red[worse]"}.get(word, f":gray[{word}]")


def where_words(where: Mapping[str, Sequence[str]]) -> str:
    return fmt.where_text(sorted(where.items()))


def initiative_label(i: Initiative) -> str:
    """What the selector shows, and the ``initiative`` URL parameter: ``#3 · Cut billing waits``."""
    return label_of(i.id, i.title)


def label_of(initiative_id: int, title: str) -> str:
    return f"#{initiative_id} · {title.strip()}"


def window_text(w) -> str | None:
    return None if w is None else fmt.month_span(w.start, w.end)


# ---------------------------------------------------------------- KPIs and scope


def initiative_metrics(a: Analysis) -> list[Metric]:
    """The KPIs an initiative or an alert can track on this data, the negative-experience rate first."""
    return supported_metrics(a, first=PREFERRED)


def scope_keys(shape: DataShape) -> dict[str, str]:
    """Column → widget key (and URL parameter) of the form's scope multiselects: ``new_channel``…;
    ``new_x_<name>`` where that would clash with a sidebar filter or another input of the form."""
    taken = {dimension_key(c) for c, _ in shape.dimensions} | set(FIELDS.values()) | {NEW}
    out = {}
    for column, _ in shape.dimensions:
        key = f"new_{dimension_key(column)}"
        out[column] = key if key not in taken else f"new_x_{dimension_key(column)}"
    return out


def prefill_params(where: Mapping[str, Sequence[str]], *, title: str = "", source: str = "",
                   metric: str | None = None) -> dict[str, list[str]]:
    """The URL parameters that open the New initiative form filled in (the Overview's moments link here)."""
    params: dict[str, list[str]] = {NEW: ["true"]}
    for column, values in where.items():
        params[f"new_{dimension_key(column)}"] = [str(v) for v in values]
    if metric is not None:
        params[FIELDS["metric"]] = [REGISTRY[metric].label]
    if title:
        params[FIELDS["title"]] = [title]
    if source:
        params[FIELDS["source"]] = [source]
    return params


def unit_words(m: Metric, currency: str) -> str:
    return {"%": "%", "points": "NPS points", "seconds": "seconds", "score": "score"}.get(
        m.unit, currency if m.unit.startswith("money") else m.unit)


# ---------------------------------------------------------------- the list


def _stamp(store: Store, dataset: str) -> tuple:
    return tuple((i.id, i.updated_at) for i in list_initiatives(store, dataset))


@st.cache_resource(show_spinner=False, max_entries=8,
                   hash_funcs={Store: store_identity, VersionInfo: version_identity, Params: repr})
def _portfolio(store: Store, version: VersionInfo, params: Params, stamp: tuple, _contacts, _panel) -> list[Tracked]:
    return portfolio(store, version.dataset, _contacts, _panel, params)


def tracked_initiatives(store: Store, version: VersionInfo, a: Analysis, settings: Settings) -> list[Tracked]:
    """:func:`cxdata.actions.initiatives.portfolio` of the dataset on this version, measured again only when an
    initiative changes (keyed by the initiatives' ids and update times)."""
    return _portfolio(store, version, settings.params(), _stamp(store, version.dataset), a.contacts, a.panel)


SHORT_VERDICTS = {"no clear change": "unclear", "not measured yet": "not yet"}


def short_change(e: Estimate | None, unit: str, symbol: str = "€") -> str:
    """A change and its 95% interval in a table cell: ``−12.4 (−22.9 to −1.8)`` (percentage points for a
    rate, as the column's help says)."""
    if e is None or e.value is None:
        return "–"
    text = fmt.delta(e.value, unit, symbol)
    if e.low is None or e.high is None:
        return text
    bounds = [fmt.delta(b, unit, symbol).removesuffix(" pts").removesuffix(" s") for b in (e.low, e.high)]
    text = text.removesuffix(" pts") if unit == "%" else text
    return f"{text} ({bounds[0]} to {bounds[1]})"


def scope_words(where: Mapping[str, Sequence[str]]) -> str:
    """The scope as its values, for the list: ``phone · billing · Small Business``; ``all`` without one."""
    return " · ".join(", ".join(map(str, v)) for _, v in sorted(where.items())) or "all"


def list_frame(tracked: Sequence[Tracked], symbol: str) -> pl.DataFrame:
    """:func:`cxdata.actions.initiatives.portfolio_table` as the list shows it, one row per initiative."""
    table = portfolio_table(tracked)
    rows = []
    for t, r in zip(tracked, table.iter_rows(named=True)):
        unit, ms = r["unit"], t.measurement
        if r["realised ROI to date"] is not None:
            realised = f"{signed_percent(r['realised ROI to date'])} ({signed_percent(r['planned ROI to date'])})"
        else:
            realised = "no plan" if plan_of(t.initiative) is None else "–"
        method = {"difference-in-differences": "DiD", "before/after": "before/after"}.get(r["method"])
        rows.append({
            "status": f"{STATUS_LABELS.get(r['status'], r['status'])} · {r['start']:%b %Y}",
            "initiative": r["title"] + (f" ({r['owner']})" if r["owner"] else ""),
            "KPI and scope": f"{r['KPI']} · {scope_words(t.initiative.where)}",
            "effect": f"{short_change(ms.effect, unit, symbol)} {method}" if method else "not measured yet",
            "verdict": SHORT_VERDICTS.get(r["verdict"], r["verdict"]),
            "realised ROI": realised,
        })
    schema = {"status": pl.String, "initiative": pl.String, "KPI and scope": pl.String, "effect": pl.String,
              "verdict": pl.String, "realised ROI": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _picked(ids: list[int]) -> None:
    """List callback: a clicked row selects that initiative (the bound selector carries it)."""
    rows = st.session_state[_ROWS]["selection"]["rows"]
    if rows:
        st.session_state[SELECTED] = ids[rows[0]]


def initiatives_list(tracked: Sequence[Tracked], symbol: str) -> None:
    frame = list_frame(tracked, symbol)
    ids = [t.initiative.id for t in tracked]
    st.dataframe(
        frame, hide_index=True, width="stretch", key=_ROWS, on_select=lambda: _picked(ids), selection_mode="single-row",
        height=min(35 * (frame.height + 1) + 3, 423),
        column_config={
            "status": st.column_config.TextColumn("Status · start", width=120),
            "initiative": st.column_config.TextColumn("Initiative (owner)", width=150),
            "KPI and scope": st.column_config.TextColumn("KPI · scope", width=150),
            "effect": st.column_config.TextColumn(
                "Effect (95% CI) · method", width=185,
                help="Difference-in-differences (DiD) against the rest of the data where there is a comparison "
                     "group, else the change from before to after the start, with its 95% interval; rates in "
                     "percentage points."),
            "verdict": st.column_config.TextColumn("Verdict", width=70,
                                                   help="better / worse when the 95% interval excludes no change."),
            "realised ROI": st.column_config.TextColumn(
                "ROI to date (plan)", width=120,
                help="Realised: (value to date − cost to date) / cost to date; in brackets what the ROI scenario "
                     "planned for the same months."),
        })


def _sync_selection_from_url(tracked: Sequence[Tracked]) -> None:
    """A link with ``?initiative=3`` (or an old title) selects initiative 3: the selector only knows its
    labels, so the number is put in session state before it is drawn."""
    raw = st.query_params.get(SELECTED)
    match = re.match(r"^#?(\d+)", raw or "")
    if not match:
        return
    by_id = {t.initiative.id: t.initiative for t in tracked}
    wanted = int(match.group(1))
    if wanted in by_id and raw != initiative_label(by_id[wanted]) and st.session_state.get(SELECTED) != wanted:
        st.session_state[SELECTED] = wanted


def choose_initiative(tracked: Sequence[Tracked]) -> Tracked:
    _sync_selection_from_url(tracked)
    ids = [t.initiative.id for t in tracked]
    if st.session_state.get(SELECTED) not in ids:
        st.session_state.pop(SELECTED, None)
    labels = {t.initiative.id: initiative_label(t.initiative) for t in tracked}
    chosen = st.selectbox("Initiative", ids, format_func=labels.get, key=SELECTED, bind=BIND, width=480,
                          help="Click a row of the list, or pick here; the initiative is part of the link.")
    return tracked[ids.index(chosen)]


# ---------------------------------------------------------------- the detail


def _tile(slot, label: str, value: str, caption: str, help: str, delta: str | None = None,
          delta_color: str = "off") -> None:
    with slot.container(border=True):
        st.metric(label, value, delta=delta, delta_color=delta_color, help=help)
        st.caption(plain(caption))


def measurement_tiles(ms: Measurement, symbol: str) -> None:
    """Before, after (with the change), and the difference-in-differences, each with interval and n."""
    m, unit = ms.metric, ms.metric.unit
    before, after, change, did = ms.before, ms.after, ms.change, ms.did
    slots = st.columns(3)
    _tile(slots[0], "Before the start", fmt.number(before.value if before else None, unit, symbol),
          value_caption(before, unit, symbol, window_text(ms.before_window)),
          f"{m.label} in the scope over the window just before the start.")
    word = verdict(change, m.higher_is_better)
    shown = fmt.delta(change.value, unit, symbol) if change else None
    _tile(slots[1], "After the start", fmt.number(after.value if after else None, unit, symbol),
          value_caption(after, unit, symbol, window_text(ms.after_window)),
          f"{m.label} in the scope from the start on (at most 6 months). The change against before, "
          f"with its 95% interval: {change_text(change, unit, symbol)}.",
          delta=None if shown is None else shown.replace(fmt.MINUS, "-"),
          delta_color="off" if word == "no clear change" else "normal" if m.higher_is_better else "inverse")
    if did is not None:
        control = ms.control_change
        caption = (f"{ci_text(did, unit, symbol)} · the comparison group changed by "
                   f"{fmt.delta(control.value, unit, symbol) if control else '–'}")
        _tile(slots[2], "Difference-in-differences", fmt.delta(did.value, unit, symbol), caption,
              "(Scope after − before) − (comparison group after − before): the change in the scope beyond what "
              "moved the rest of the data too (seasonality, prices). Assumes both would have moved in parallel.")
    else:
        _tile(slots[2], "Difference-in-differences", "–",
              "No comparison group: the scope covers every row." if change is not None
              else "Needs data before and after the start.",
              "Needs rows outside the scope, before and after the start.")


def pre_trend_note(ms: Measurement) -> None:
    """The placebo (pre-trend) check in one sentence; the engine's note says when it fails."""
    p = ms.placebo
    if p is None or p.value is None:
        if ms.did is not None:
            st.caption("Pre-trend check: the window before the start is too short for a placebo test.")
        return
    if p.low <= 0 <= p.high:
        st.caption(plain(f"Pre-trend check passed: inside the window before the start, the scope and the comparison "
                         f"group moved together (placebo difference-in-differences "
                         f"{fmt.delta(p.value, ms.metric.unit)}, {ci_text(p, ms.metric.unit)}), so the parallel-"
                         "trends assumption is plausible."))


def monthly_chart(i: Initiative, ms: Measurement, symbol: str) -> None:
    frame = ms.monthly
    if frame is None or not frame.height:
        return
    m = ms.metric
    frame = labelled(frame, m.unit, symbol)
    spec = initiative_chart(
        frame, start=i.start, start_label=f"start {i.start:%-d %b %Y}", value_title=f"{m.label} ({m.unit})",
        title=f"{m.label} by month" + (": the scope and the comparison group" if ms.control_before or ms.control_after
                                       else " in the scope"),
        subtitle=(f"{where_words(i.where)}" + (" vs everything else" if ms.control_before or ms.control_after else "")
                  + " · 95% intervals · hollow points: fewer than 30 answers"))
    draw(spec)


def target_line(i: Initiative, ms: Measurement, symbol: str) -> None:
    m, unit = ms.metric, ms.metric.unit
    base = baseline_of(i)
    parts = [f"Baseline at creation **{plain(fmt.number(base.value, unit, symbol))}**"
             + (f" ({plain(fmt.interval(base.low, base.high, unit, symbol))}, n = {fmt.count(base.n)})"
                if base.value is not None else "")]
    if i.target is not None:
        parts.append(f"target **{plain(fmt.number(i.target, unit, symbol))}** "
                     f"({'higher' if m.higher_is_better else 'lower'} is better)")
    else:
        parts.append("no target set")
    if ms.after is not None and ms.after.value is not None:
        parts.append(f"since the start **{plain(fmt.number(ms.after.value, unit, symbol))}** "
                     f"({plain(window_text(ms.after_window) or 'the after window')}, the After tile)")
    st.markdown(" · ".join(parts))


def plan_block(i: Initiative, ms: Measurement, symbol: str) -> None:
    """Realised value and ROI against the ROI scenario's plan: predicted P50 (P10–P90) vs observed effect."""
    m, unit, plan, r = ms.metric, ms.metric.unit, plan_of(i), ms.realised
    st.markdown("**Against the plan**")
    if plan is None:
        spent = (f" Cost to date {fmt.money(r.cost_to_date, symbol)} over {r.months:.1f} months." if r is not None
                 else "")
        st.caption(plain(f"Not created from an ROI scenario, so there is no prediction to compare with. Investment "
                         f"{fmt.money(i.investment, symbol)}, running cost {fmt.money(i.running_cost, symbol)} a "
                         f"month.{spent} Track a scenario from the ROI planner to see realised value against its plan."))
        return
    slots = st.columns(4)
    if plan.effect is not None:
        p10, p50, p90 = plan.effect
        _tile(slots[0], "Predicted effect (P50)", fmt.delta(p50, unit, symbol),
              f"P10–P90 {fmt.delta(p10, unit, symbol)} to {fmt.delta(p90, unit, symbol)} · scenario “{plan.scenario}”",
              f"What the ROI scenario predicted for {m.label} in the scope.")
    else:
        _tile(slots[0], "Predicted effect", "–", f"The planner predicts CSAT and negative experiences, not {m.label}.",
              "The ROI planner's predictions cover CSAT (top-2-box) and negative experiences.")
    effect = ms.effect
    _tile(slots[1], "Observed effect", fmt.delta(effect.value, unit, symbol) if effect else "–",
          (ci_text(effect, unit, symbol)
           + (" · difference-in-differences" if ms.did is not None else " · before/after"))
          if effect and effect.low is not None else "Not measured yet.",
          "The difference-in-differences where there is a comparison group, else the change from before to after.")
    if r is None or r.value_per_month is None:
        why = ("no data after the start yet" if ms.after is None or not ms.after.n
               else "the plan has no effect on this KPI to scale by")
        _tile(slots[2], "Realised value a month", "–",
              f"Plan {fmt.money(plan.value_per_month, symbol)} a month; {why}.",
              "Planned value a month × observed effect / predicted effect.")
        _tile(slots[3], "ROI to date", "–", f"Plan: 36-month ROI {signed_percent(plan.roi_36)}.",
              "(Value to date − cost to date) / cost to date.")
        return
    v = r.value_per_month
    _tile(slots[2], "Realised value a month", fmt.money(v.value, symbol),
          f"95% CI {fmt.money(v.low, symbol)} to {fmt.money(v.high, symbol)} · "
          f"plan {fmt.money(plan.value_per_month, symbol)}",
          "Planned value a month × observed effect / predicted effect (customer value retained and cost-to-serve "
          "savings).")
    _tile(slots[3], "ROI to date", signed_percent(r.roi_to_date),
          f"plan {signed_percent(r.planned_roi_to_date)} · value {fmt.money(r.value_to_date, symbol)}, cost "
          f"{fmt.money(r.cost_to_date, symbol)} over {r.months:.1f} months",
          "(Value to date − cost to date) / cost to date; cost = investment + running cost × months since the start.")


def edit_controls(store: Store, i: Initiative, m: Metric, settings: Settings) -> None:
    """Change status, owner, target and costs; delete with a confirmation."""
    with st.expander("Edit or delete", icon=":material/edit:"):
        with st.form(key=f"_edit_{i.id}", border=False):
            row = st.columns(5)
            status = row[0].selectbox("Status", STATUSES, index=STATUSES.index(i.status))
            owner = row[1].text_input("Owner", i.owner, max_chars=80)
            target = row[2].number_input(f"Target ({unit_words(m, settings.currency)})", value=i.target,
                                         format="%.2f", help="Leave empty for no target.")
            investment = row[3].number_input(f"Investment ({settings.currency})", min_value=0.0,
                                             value=float(i.investment), step=10_000.0, format="%.0f")
            running = row[4].number_input(f"Running cost a month ({settings.currency})", min_value=0.0,
                                          value=float(i.running_cost), step=1_000.0, format="%.0f")
            saved = st.form_submit_button("Save changes", icon=":material/save:")
        if saved:
            try:
                update_initiative(store, i.id, status=status, owner=owner.strip(), target=target,
                                  investment=investment, running_cost=running)
            except ValueError as exc:
                st.error(plain(str(exc)))
            else:
                st.rerun()
        with st.popover("Delete this initiative", icon=":material/delete:"):
            st.warning(plain(f"Delete “{i.title}” and its plan for good? The data is not touched."))
            if st.button("Yes, delete it", type="primary", key=f"_delete_{i.id}"):
                delete_initiative(store, i.id)
                st.session_state[_DELETED] = i.id
                st.rerun()


def initiative_detail(store: Store, t: Tracked, settings: Settings) -> None:
    i, ms = t.initiative, t.measurement
    m, symbol = ms.metric, settings.symbol
    st.markdown(f"#### {plain(i.title)}")
    facts = [STATUS_LABELS.get(i.status, i.status), f"owner {i.owner or 'not set'}", m.label,
             where_words(i.where), f"starts {i.start:%-d %b %Y}"]
    st.caption(plain(" · ".join(facts) + (f" · from {i.source}" if i.source else "")))
    if ms.status != "measured" and ms.before is None:
        st.info(plain(ms.status), icon=":material/info:")
    measurement_tiles(ms, symbol)
    if ms.after is None or not ms.after.n:
        st.caption(plain(ms.notes[0] if ms.notes else "No data after the start yet."))
    pre_trend_note(ms)
    for note in (n for n in ms.notes if not n.startswith(("No data after the start", "The scope covers every row"))):
        st.caption(plain(note))
    target_line(i, ms, symbol)
    monthly_chart(i, ms, symbol)
    plan_block(i, ms, symbol)
    edit_controls(store, i, m, settings)


# ---------------------------------------------------------------- the New initiative form


def form_defaults(metrics: Sequence[Metric], keys: Mapping[str, str]) -> dict[str, object]:
    """Widget key → the value the form starts with (and returns to after a save)."""
    return {FIELDS["title"]: "", FIELDS["owner"]: "", FIELDS["source"]: "",
            FIELDS["metric"]: metrics[0].key if metrics else None, FIELDS["start"]: date.today(),
            FIELDS["status"]: DEFAULT_STATUS, FIELDS["target"]: None, FIELDS["invest"]: 0, FIELDS["running"]: 0,
            **{k: [] for k in keys.values()}}


def after_save(defaults: Mapping[str, object]) -> None:
    """At the top of the page, before any widget: after a save, empty and close the form and select the
    new initiative; after a delete, forget the selection."""
    created = st.session_state.pop(_CREATED, None)
    if created is not None:
        for key, value in defaults.items():
            st.session_state[key] = value
        st.session_state[NEW] = False
        st.session_state[SELECTED] = created
        st.toast(f"Initiative #{created} saved.", icon=":material/task_alt:")
    deleted = st.session_state.pop(_DELETED, None)
    if deleted is not None:
        st.session_state.pop(SELECTED, None)
        st.toast(f"Initiative #{deleted} deleted.", icon=":material/delete:")


def new_initiative_form(store: Store, dataset: str, a: Analysis, settings: Settings, shape: DataShape,
                        metrics: Sequence[Metric], keys: Mapping[str, str], expanded: bool) -> None:
    """The New initiative form (bound to the URL, so a moment of service can fill it in); the baseline is
    computed from the inputs and shown before saving."""
    box = st.expander("New initiative", expanded=expanded, icon=":material/add_task:", key=NEW, bind=BIND)
    with box:
        if box.open is False:
            return
        head = st.columns([3, 2])
        title = head[0].text_input("Title", key=FIELDS["title"], bind=BIND, max_chars=120,
                                   placeholder="e.g. Cut billing waits on the phone")
        owner = head[1].text_input("Owner", key=FIELDS["owner"], bind=BIND, max_chars=80,
                                   placeholder="who answers for it")
        row = st.columns(3)
        labels = {m.key: m.label for m in metrics}
        metric = row[0].selectbox("Target KPI", list(labels), format_func=labels.get, key=FIELDS["metric"], bind=BIND,
                                  help="Any KPI this data can measure; it is measured in the scope before and after "
                                       "the start.")
        start = row[1].date_input("Start", value=date.today(), key=FIELDS["start"], bind=BIND, format="YYYY-MM-DD",
                                  min_value=shape.first or date(2000, 1, 1),
                                  max_value=date.today() + timedelta(days=730),
                                  help="The day the change starts: before/after windows are measured around it.")
        status = row[2].selectbox("Status", STATUSES, index=STATUSES.index(DEFAULT_STATUS), key=FIELDS["status"],
                                  bind=BIND)
        st.markdown("**Scope** — the contacts and customers the initiative changes (empty = all)")
        where: dict[str, list[str]] = {}
        grid = st.columns(4)
        for n, (column, values) in enumerate(shape.dimensions):
            chosen = grid[n % 4].multiselect(fmt.dimension_label(column), values, key=keys[column], bind=BIND,
                                             placeholder="All")
            if chosen:
                where[column] = chosen
        m = REGISTRY[metric]
        money = st.columns(3)
        target = bound_number_input(
            money[0], f"Target value ({unit_words(m, settings.currency)})", value=None, key=FIELDS["target"],
            format="%.2f", help=f"The {m.label} you aim for ({'higher' if m.higher_is_better else 'lower'} is "
                                "better); leave empty for none.")
        investment = bound_number_input(money[1], f"Investment ({settings.currency})", min_value=0, value=0,
                                        step=10_000, key=FIELDS["invest"], help="One-off cost at the start.")
        running = bound_number_input(money[2], f"Running cost a month ({settings.currency})", min_value=0, value=0,
                                     step=1_000, key=FIELDS["running"],
                                     help="Staff, licences and upkeep, every month from the start.")
        source = st.text_input("Where it comes from", key=FIELDS["source"], bind=BIND, max_chars=200,
                               placeholder="e.g. Moment of service: phone · billing · Small Business")
        preview = measure(metric, a.contacts, a.panel, where, start, params=settings.params())
        base = preview.before
        with st.container(border=True):
            st.metric(f"Baseline: {m.label} before the start",
                      fmt.number(base.value if base else None, m.unit, settings.symbol),
                      help="Stored with the initiative: the KPI in the scope over the window just before the start.")
            if base is not None and base.value is not None:
                st.caption(plain(f"{where_words(where)} · " + value_caption(base, m.unit, settings.symbol,
                                                                             window_text(preview.before_window))))
            else:
                st.caption(plain(next(iter(preview.notes), "No data before the start in this scope.")))
            for note in preview.notes:
                if "cannot apply" in note:
                    st.caption(plain(note))
        if st.button("Save initiative", type="primary", icon=":material/save:", key="_save_initiative"):
            try:
                new_id = create_initiative(
                    store, dataset=dataset, title=title, metric=metric, start=start, where=where, owner=owner,
                    target=target, investment=investment, running_cost=running, status=status, source=source.strip(),
                    baseline=baseline(metric, a.contacts, a.panel, where, start, settings.params()))
            except ValueError as exc:
                st.error(plain(str(exc)), icon=":material/error:")
            else:
                st.session_state[_CREATED] = new_id
                st.rerun()


# ---------------------------------------------------------------- from an ROI scenario


def scenario_scope(result: ScenarioResult) -> dict[str, list[str]]:
    """The scope the scenario's levers share (the planner's levers all act on the page's scope)."""
    where: dict[str, list[str]] = {}
    for lever in result.scenario.levers:
        for column, values in lever.scope:
            where.setdefault(column, [])
            where[column] += [v for v in values if v not in where[column]]
    return where


def attach_to_existing(store: Store, dataset: str, letter: str, result: ScenarioResult) -> None:
    """The scenario's plan given to an initiative that already exists (e.g. one launched before it was
    planned): its realised value is then read against this plan."""
    existing = {i.id: i for i in list_initiatives(store, dataset)}
    if not existing:
        return
    st.divider()
    chosen = st.selectbox("Or attach this plan to an initiative", list(existing), key=f"_{letter}_attach_to",
                          format_func=lambda i: initiative_label(existing[i]),
                          help="Its own scope, start and costs stay; its realised value is read against this "
                               "scenario's predicted effect on its KPI and value a month.")
    if st.button("Attach the plan", key=f"_{letter}_attach"):
        i = existing[chosen]
        attach_plan(store, chosen, plan_from(result, i.metric, scenario_to_dict(result.scenario)))
        st.session_state[f"_{letter}_tracked"] = (chosen, i.title, f"The plan is attached to initiative #{chosen}.")


def track_scenario(store: Store, dataset: str, letter: str, result: ScenarioResult, a: Analysis,
                   settings: Settings) -> None:
    """"Track as an initiative": the scenario's name, scope and economics become an initiative whose plan
    is the scenario's prediction (:func:`cxdata.actions.initiatives.plan_from`); then a link to it."""
    econ, symbol = result.scenario.economics, settings.symbol
    where = scenario_scope(result)
    with st.popover("Track as an initiative", icon=":material/flag:", width="stretch",
                    help="Turn this scenario into an initiative whose result is measured on the data."):
        title = st.text_input("Title", result.scenario.name, max_chars=120, key=f"_{letter}_track_title")
        owner = st.text_input("Owner", max_chars=80, key=f"_{letter}_track_owner")
        metric = st.radio("Target KPI", PLANNED_KPIS, format_func=lambda k: REGISTRY[k].label, horizontal=True,
                          key=f"_{letter}_track_metric",
                          help="The planner predicts both; the initiative is measured on this one.")
        row = st.columns(2)
        start = row[0].date_input("Start", value=date.today(), format="YYYY-MM-DD", key=f"_{letter}_track_start")
        status = row[1].selectbox("Status", STATUSES, index=STATUSES.index(DEFAULT_STATUS),
                                  key=f"_{letter}_track_status")
        st.caption(plain(f"Scope: {where_words(where)}. Investment {fmt.money(econ.investment, symbol)}, running "
                         f"cost {fmt.money(econ.running_cost, symbol)} a month (this scenario's economics). The "
                         "target is the baseline plus the plan's P50 effect."))
        if st.button("Create the initiative", type="primary", key=f"_{letter}_track"):
            plan = plan_from(result, metric, scenario_to_dict(result.scenario))
            base = baseline(metric, a.contacts, a.panel, where, start, settings.params())
            target = planned_target(base, plan)
            try:
                new_id = create_initiative(
                    store, dataset=dataset, title=title, metric=metric, start=start, where=where, owner=owner,
                    target=target, investment=econ.investment, running_cost=econ.running_cost, status=status,
                    source=f"ROI scenario: {result.scenario.name}", baseline=base, plan=plan)
            except ValueError as exc:
                st.error(plain(str(exc)), icon=":material/error:")
            else:
                st.session_state[f"_{letter}_tracked"] = (new_id, title, f"Tracked as initiative #{new_id}.")
        attach_to_existing(store, dataset, letter, result)
        done = st.session_state.get(f"_{letter}_tracked")
        if done is not None:
            new_id, new_title, message = done
            st.success(message, icon=":material/task_alt:")
            st.page_link(PAGE, label=f"Open initiative #{new_id}", icon=":material/flag:",
                         query_params={SELECTED: label_of(new_id, new_title)})
