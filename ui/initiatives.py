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

Every number and sentence of the list and the detail comes from
:func:`cxdata.screens.initiatives.initiatives_screen` (cached here by version, settings and the initiatives'
update times); this module draws it. The forms compute their preview with :mod:`cxdata.actions.initiatives`.
Creating, changing and deleting initiatives (and "Track as an initiative") needs the analyst role: a viewer
sees the list and the detail, and a line saying why there is no form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import streamlit as st

from cxdata import format as fmt
from cxdata.access import Forbidden
from cxdata.actions.initiatives import (
    PLANNED_KPIS,
    STATUSES,
    attach_plan,
    baseline,
    create_initiative,
    delete_initiative,
    list_initiatives,
    measure,
    plan_from,
    planned_target,
    update_initiative,
)
from cxdata.actions.roi import ScenarioResult, scenario_to_dict
from cxdata.catalog.store import Store, VersionInfo
from cxdata.catalog.tables import Initiative
from cxdata.measures.metrics import REGISTRY, Metric
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.initiatives import (
    Fact,
    InitiativeDetail,
    InitiativesScreen,
    initiative_label,
    initiatives_screen,
    label_of,
    value_caption,
    where_words,
    window_text,
)
from cxdata.settings import Settings
from ui.analysis import CACHE_KEYS
from ui.auth import current_actor, offered, refusals_shown
from ui.charts import draw
from ui.dashboard import value_tiles
from ui.filters import dimension_key
from ui.loaders import DataShape
from ui.state import bound_number_input
from ui.text import NO_VALUE, plain

BIND = "query-params"
PAGE = "app_pages/initiatives.py"
SELECTED, NEW = "initiative", "new"
#: The form's inputs other than the scope: field → widget key (= URL parameter).
FIELDS = {f: f"new_{f}" for f in ("title", "owner", "metric", "start", "status", "target", "invest", "running",
                                  "source")}
DEFAULT_STATUS = "planned"
_CREATED, _DELETED, _ROWS = "_initiative_created", "_initiative_deleted", "_initiative_rows"


# ---------------------------------------------------------------- KPIs and scope


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


# ---------------------------------------------------------------- the screen and the list


def _stamp(store: Store, dataset: str) -> tuple:
    return tuple((i.id, i.updated_at) for i in list_initiatives(store, dataset))


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=CACHE_KEYS)
def _screen(store: Store, version: VersionInfo, settings: Settings, stamp: tuple, _a: Analysis,
            _scope: Scope) -> InitiativesScreen:
    return initiatives_screen(_a, _scope, settings, store)


def page_screen(store: Store, scope: Scope, a: Analysis, settings: Settings) -> InitiativesScreen:
    """:func:`cxdata.screens.initiatives.initiatives_screen` of the version, measured again only when an
    initiative changes (keyed by store, version, settings and the initiatives' ids and update times, which
    determine ``a`` and all the builder reads of ``scope``: its dataset and version)."""
    return _screen(store, scope.version, settings, _stamp(store, scope.dataset), a, scope)


def _picked(ids: list[int]) -> None:
    """List callback: a clicked row selects that initiative (the bound selector carries it)."""
    rows = st.session_state[_ROWS]["selection"]["rows"]
    if rows:
        st.session_state[SELECTED] = ids[rows[0]]


def initiatives_list(screen: InitiativesScreen) -> None:
    frame = screen.table
    ids = [d.id for d in screen.details]
    st.dataframe(
        frame, hide_index=True, placeholder=NO_VALUE, width="stretch", key=_ROWS, on_select=lambda: _picked(ids), selection_mode="single-row",
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


def _sync_selection_from_url(details: Sequence[InitiativeDetail]) -> None:
    """A link with ``?initiative=3`` (or an old title) selects initiative 3: the selector only knows its
    labels, so the number is put in session state before it is drawn."""
    raw = st.query_params.get(SELECTED)
    match = re.match(r"^#?(\d+)", raw or "")
    if not match:
        return
    labels = {d.id: d.label for d in details}
    wanted = int(match.group(1))
    if wanted in labels and raw != labels[wanted] and st.session_state.get(SELECTED) != wanted:
        st.session_state[SELECTED] = wanted


def choose_initiative(screen: InitiativesScreen) -> InitiativeDetail:
    _sync_selection_from_url(screen.details)
    ids = [d.id for d in screen.details]
    if st.session_state.get(SELECTED) not in ids:
        st.session_state.pop(SELECTED, None)
    labels = {d.id: d.label for d in screen.details}
    chosen = st.selectbox("Initiative", ids, format_func=labels.get, key=SELECTED, bind=BIND, width=480,
                          help="Click a row of the list, or pick here; the initiative is part of the link.")
    return screen.detail(chosen)


# ---------------------------------------------------------------- the detail


def _stressed(facts: Sequence[Fact]) -> str:
    """A line of facts in Markdown, each value in bold."""
    return " · ".join(plain(f.lead) + (f"**{plain(f.value)}**" if f.value else "") + plain(f.tail) for f in facts)

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
                update_initiative(store, i.id, actor=current_actor(), status=status, owner=owner.strip(),
                                  target=target, investment=investment, running_cost=running)
            except (ValueError, Forbidden) as exc:
                st.error(plain(str(exc)))
            else:
                st.rerun()
        with st.popover("Delete this initiative", icon=":material/delete:"):
            st.warning(plain(f"Delete “{i.title}” and its plan for good? The data is not touched."))
            if st.button("Yes, delete it", type="primary", key=f"_delete_{i.id}"):
                with refusals_shown():
                    delete_initiative(store, i.id, actor=current_actor())
                    st.session_state[_DELETED] = i.id
                    st.rerun()


def initiative_detail(store: Store, d: InitiativeDetail, settings: Settings) -> None:
    """Draw one initiative (:class:`cxdata.screens.initiatives.InitiativeDetail`), then its edit controls."""
    st.markdown(f"#### {plain(d.title)}")
    st.caption(plain(d.facts))
    if d.status_note is not None:
        st.info(plain(d.status_note), icon=":material/info:")
    value_tiles(d.tiles)
    for note in d.notes:
        st.caption(plain(note))
    st.markdown(_stressed(d.target))
    if d.chart is not None:
        draw(d.chart)
    st.markdown("**Against the plan**")
    if d.plan_note is not None:
        st.caption(plain(d.plan_note))
    else:
        value_tiles(d.plan_tiles)
    if offered("initiative.update"):
        edit_controls(store, d.initiative, d.measurement.metric, settings)


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
                    store, actor=current_actor(), dataset=dataset, title=title, metric=metric, start=start,
                    where=where, owner=owner, target=target, investment=investment, running_cost=running,
                    status=status, source=source.strip(),
                    baseline=baseline(metric, a.contacts, a.panel, where, start, settings.params()))
            except (ValueError, Forbidden) as exc:
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
        with refusals_shown():
            attach_plan(store, chosen, plan_from(result, i.metric, scenario_to_dict(result.scenario)),
                        actor=current_actor())
            st.session_state[f"_{letter}_tracked"] = (chosen, i.title,
                                                      f"The plan is attached to initiative #{chosen}.")


def track_scenario(store: Store, dataset: str, letter: str, result: ScenarioResult, a: Analysis,
                   settings: Settings) -> None:
    """"Track as an initiative": the scenario's name, scope and economics become an initiative whose plan
    is the scenario's prediction (:func:`cxdata.actions.initiatives.plan_from`); then a link to it (analysts and
    admins; anyone else is told why)."""
    if not offered("initiative.create"):
        return
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
                    store, actor=current_actor(), dataset=dataset, title=title, metric=metric, start=start,
                    where=where, owner=owner, target=target, investment=econ.investment,
                    running_cost=econ.running_cost, status=status, source=f"ROI scenario: {result.scenario.name}",
                    baseline=base, plan=plan)
            except (ValueError, Forbidden) as exc:
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
