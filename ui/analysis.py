"""The analysed dataset version (models fitted once, persisted) and the ROI planner built on it.

Both are ``st.cache_resource`` keyed by the store, the version (id and creation time) and the settings
that change the fit, so a page rerun never refits (docs/architecture.md "Speed"). The first call on a version fits
the models (10–20 s on the sample) and writes them to the store's ``fits/`` folder; later calls,
in this process or another, read them back.
"""

from __future__ import annotations

import gc
import json
import logging
from dataclasses import asdict, dataclass

import streamlit as st

from cxdata.actions.roi import PlannerBase, Scenario, ScenarioResult, scenario_to_dict
from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures.metrics import Filters, Params
from cxdata.models.analysis import Analysis, load_or_analyse
from cxdata.settings import Settings
from ui.loaders import version_identity
from ui.store import store_identity

LOG = logging.getLogger(__name__)
FITTING = ("Loading the experience and churn models. The first time on a dataset version they are fitted "
           "once (about 10–20 seconds); after that they are read back.")


def _params_key(params: Params) -> str:
    return json.dumps(asdict(params), sort_keys=True, default=str)


def _scenario_key(scenario: Scenario) -> str:
    return json.dumps(scenario_to_dict(scenario), sort_keys=True, default=str)


def settings_key(settings: Settings) -> str:
    """Every setting as sorted JSON: two equal settings give the same key in every session."""
    return json.dumps(asdict(settings), sort_keys=True, default=str)


#: How the caches of this module (and ui.readiness, ui.dashboard) key their arguments: store, version,
#: metric parameters, settings, scenario, filters.
CACHE_KEYS = {Store: store_identity, VersionInfo: version_identity, Params: _params_key, Settings: settings_key,
              Scenario: _scenario_key, Filters: repr}


@dataclass(frozen=True)
class Unavailable:
    """Why the data cannot support a feature, in sentences for the reader."""

    sentence: str
    notes: tuple[str, ...] = ()


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def _analysis(store: Store, version: VersionInfo, params: Params, horizon: int) -> Analysis:
    a = load_or_analyse(store, version.version_id, params, horizon)
    _freeze_long_lived()
    return a


def _freeze_long_lived() -> None:
    """Leave the objects alive now out of every later garbage collection (``gc.freeze``).

    Streamlit runs a full collection after every script run (``runner.postScriptGC``), and a full
    collection visits every object the process tracks: once the libraries are imported and an
    analysis is loaded, some 260,000 objects, 0.14–0.2 s of CPU on every session open and every
    rerun, for objects that live as long as the process. Frozen, they are skipped; what sessions
    create afterwards is collected as before. Called when an analysis has just been loaded, after one
    last collection, so only live objects are frozen.
    """
    gc.collect()
    gc.freeze()


def analysis(store: Store, version: VersionInfo, settings: Settings) -> Analysis:
    """The analysis of ``version`` under ``settings`` (fitted on first use, with a spinner saying so)."""
    with st.spinner(FITTING):
        return _analysis(store, version, settings.params(), settings.churn_horizon_months)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def _planner(store: Store, version: VersionInfo, params: Params, horizon: int) -> PlannerBase | Unavailable:
    try:
        a = _analysis(store, version, params, horizon)
    except Exception as exc:  # a page must say what went wrong, never show a traceback
        LOG.exception("analysis of %s v%s failed", version.dataset, version.number)
        return Unavailable(f"The models could not be fitted on this data: {exc}")
    try:
        return PlannerBase.build(a, window_days=params.repeat_window_days)
    except ValueError as exc:
        return Unavailable(str(exc), tuple(a.notes))


def planner(store: Store, version: VersionInfo, settings: Settings) -> PlannerBase | Unavailable:
    """The ROI planner of ``version`` (built once per version and settings), or why the data cannot support it."""
    with st.spinner(FITTING):
        return _planner(store, version, settings.params(), settings.churn_horizon_months)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=CACHE_KEYS)
def evaluate(store: Store, version: VersionInfo, params: Params, horizon: int, scenario: Scenario) -> ScenarioResult:
    """``PlannerBase.evaluate`` of ``scenario``, cached by its JSON form (each input change reruns one scenario)."""
    base = _planner(store, version, params, horizon)
    assert isinstance(base, PlannerBase), "evaluate() is only called once the planner is available"
    return base.evaluate(scenario)
