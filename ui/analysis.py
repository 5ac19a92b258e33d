"""The analysed dataset version (models fitted once, persisted) and the ROI planner built on it.

Both are ``st.cache_resource`` keyed by the store, the version (id and creation time) and the settings
that change the fit, so a page rerun never refits (docs/architecture.md "Speed"). The first call on a version fits
the models (10–20 s on the sample, in a background thread: :class:`Fitting`) and writes them to the store's
``fits/`` folder; later calls, in this process or another, read them back.

While the models are being fitted, pages show what needs no model (:func:`measured`) and a progress bar of the
fit's steps (``ui.dashboard.page_analysis``), unless ``MOMENTO_FIT=wait`` (:func:`background`).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import asdict, dataclass, field, replace

import streamlit as st

from cxdata.actions.funding import price_every_moment
from cxdata.actions.roi import PlannerBase, Scenario, scenario_key
from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures.metrics import Filters, Params
from cxdata.models.analysis import (
    FIT_STEPS,
    Analysis,
    Progress,
    is_fitted,
    load_or_analyse,
    load_unfitted,
    with_panel,
)
from cxdata.settings import Settings
from ui.loaders import version_identity
from ui.store import store_identity

LOG = logging.getLogger(__name__)
#: How often a waiting page redraws the progress bar of a fit (seconds).
POLL_S = 0.5
#: How often a page drawn before its models looks at their fit (seconds): each look is a run of the progress bar's
#: fragment, and Streamlit collects garbage after every run (ui.analysis._freeze_long_lived), which slows the fit.
REFRESH_S = 2.0


def _params_key(params: Params) -> str:
    return json.dumps(asdict(params), sort_keys=True, default=str)


def settings_key(settings: Settings) -> str:
    """Every setting as sorted JSON: two equal settings give the same key in every session."""
    return json.dumps(asdict(settings), sort_keys=True, default=str)


def fit_state(a: Analysis) -> tuple:
    """What tells two analyses of one version and settings apart in cache keys: which frames and models they hold
    and their notes (the measured frames alone while the models are fitted, the fitted analysis once they are)."""
    return (a.pending, a.panel_pending, a.experience is not None, a.hazard is not None, a.risk is not None,
            tuple(a.notes))


#: How the caches of this module (and ui.readiness, ui.dashboard) key their arguments: store, version,
#: metric parameters, settings, scenario, filters, analysis (its fit state).
CACHE_KEYS = {Store: store_identity, VersionInfo: version_identity, Params: _params_key, Settings: settings_key,
              Scenario: scenario_key, Filters: repr, Analysis: fit_state}


@dataclass(frozen=True)
class Unavailable:
    """Why the data cannot support a feature, in sentences for the reader."""

    sentence: str
    notes: tuple[str, ...] = ()


def background() -> bool:
    """Whether pages draw the measured numbers at once while the models are fitted in the background (the app),
    or wait for the fit with a progress bar (``MOMENTO_FIT=wait``: the AppTest suite, whose pages must be whole
    after one run)."""
    return os.environ.get("MOMENTO_FIT", "background") != "wait"


@dataclass
class Fitting:
    """The fit of one version under one set of settings (:func:`fitting`): the models read back, or fitted in a
    background thread, with the steps done of ``len(FIT_STEPS)`` and the step under way
    (:data:`cxdata.models.analysis.FIT_STEPS`)."""

    fitted_before: bool  # the fit was persisted already: it is only read back (a second or two)
    work: Callable[[Progress, Analysis | None], Analysis]  # the fit itself, told its progress and the measured frames
    #: The measured frames: without the panel when given None, those frames with the panel when given them.
    frames: Callable[[Analysis | None], Analysis]
    measured: Analysis | None = None  # the frames pages draw while the models are fitted (:meth:`measured_frames`)
    future: Future[Analysis] = field(default_factory=Future)
    done: int = 0
    step: str = FIT_STEPS[0]
    _thread: threading.Thread | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _frames_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def tell(self, done: int, step: str) -> None:
        """:data:`cxdata.models.analysis.Progress`: ``done`` steps over, ``step`` under way."""
        self.done, self.step = done, step

    def measured_frames(self, panel: bool = True) -> Analysis:
        """The frames pages draw while the models are fitted, each built once for the job: the contact frame, then
        (``panel``) the customer-month panel. A page that draws without the panel (the Overview: its contact tiles
        come 11 s sooner at 10 M contacts) leaves it to the job's thread, which builds it before the fit; the fit
        starts from these frames' contact frame instead of building it again (7 s and a second copy at 10 M)."""
        if (shown := self.measured) is not None and not (panel and shown.panel_pending):
            return shown  # not behind a build under way: a page without the panel never waits for it
        with self._frames_lock:
            if self.measured is None:
                self.measured = self.frames(None)
            if panel and self.measured.panel_pending:
                self.measured = self.frames(self.measured)
            return self.measured

    def start(self) -> Fitting:
        """Start the fit in a thread of its own, once (a later call does nothing); the job."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fit", daemon=True)
                self._thread.start()
        return self

    def _run(self) -> None:
        try:
            if self.measured is not None and self.measured.panel_pending:  # the panel a page waits for comes first
                self.measured_frames()
            self.future.set_result(self.work(self.tell, self.measured))
        except BaseException as exc:  # noqa: BLE001 — the page that reads the result reports it
            self.future.set_exception(exc)

    @property
    def finished(self) -> bool:
        return self.future.done()

    @property
    def fraction(self) -> float:
        """Steps done / steps in all."""
        return min(self.done / len(FIT_STEPS), 1.0)

    def sentence(self) -> str:
        """The progress bar's text: which step of how many is under way."""
        if self.fitted_before:
            return "Reading back the fitted experience and churn models…"
        if self.measured is not None and self.measured.panel_pending:
            return ("Building the customer-month panel of this data version for the money tiles, then fitting the "
                    "experience and churn models…")
        return (f"Fitting the experience and churn models, once for this data version: step "
                f"{min(self.done + 1, len(FIT_STEPS))} of {len(FIT_STEPS)}, {self.step[0].lower()}{self.step[1:]}…")


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def fitting(store: Store, version: VersionInfo, params: Params, horizon: int) -> Fitting:
    """The fit of ``version`` under ``params`` and ``horizon``, one per process, not yet started
    (:meth:`Fitting.start`): :func:`cxdata.models.analysis.load_or_analyse`, read back when persisted, else fitted
    and persisted."""
    def frames(given: Analysis | None) -> Analysis:
        if given is None:
            return replace(load_unfitted(store, version.version_id, params, horizon, panel=False), pending=True)
        return with_panel(store, version.version_id, given, params)

    return Fitting(is_fitted(store, version.version_id, params, horizon),
                   lambda progress, measured: load_or_analyse(store, version.version_id, params, horizon, progress,
                                                              measured), frames)


_DEFERRED = "_fits_to_start"


def start_after_run(job: Fitting) -> None:
    """Start ``job`` once this run has drawn its page (:func:`start_deferred`), so the fit does not slow it."""
    st.session_state.setdefault(_DEFERRED, []).append(job)


def start_deferred() -> None:
    """Start the fits this run's page asked for (:func:`start_after_run`): called by app.py when the page is drawn."""
    for job in st.session_state.pop(_DEFERRED, []):
        job.start()


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def _analysis(store: Store, version: VersionInfo, params: Params, horizon: int) -> Analysis:
    a = fitting(store, version, params, horizon).start().future.result()
    _freeze_long_lived()
    return a


def measured(store: Store, version: VersionInfo, settings: Settings, *, panel: bool = True) -> Analysis:
    """The frames of ``version`` without the models (:func:`cxdata.models.analysis.load_unfitted`), marked
    ``pending`` (the models are being fitted): every measured KPI, no model-based number; without ``panel``, the
    customer-month KPIs may be ``panel_pending`` too. Built once per version and settings
    (:meth:`Fitting.measured_frames`)."""
    return fitting(store, version, settings.params(), settings.churn_horizon_months).measured_frames(panel)


def wait_for_fit(job: Fitting) -> None:
    """Start ``job`` and block until it is over, drawing a progress bar of its steps meanwhile (none when it is over)."""
    if job.start().finished:
        return
    bar = st.progress(job.fraction, text=job.sentence())
    while wait([job.future], timeout=POLL_S).not_done:
        bar.progress(job.fraction, text=job.sentence())
    bar.empty()


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


def analysis(store: Store, version: VersionInfo, settings: Settings, *, draw: bool = True) -> Analysis:
    """The analysis of ``version`` under ``settings``, waiting for its fit (with a progress bar when ``draw``)."""
    if draw:
        wait_for_fit(fitting(store, version, settings.params(), settings.churn_horizon_months))
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
    """The ROI planner of ``version`` (built once per version and settings), or why the data cannot support it;
    waits for the fit, with a progress bar."""
    wait_for_fit(fitting(store, version, settings.params(), settings.churn_horizon_months))
    return _planner(store, version, settings.params(), settings.churn_horizon_months)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def price_moments(store: Store, version: VersionInfo, settings: Settings) -> threading.Thread | None:
    """Price every moment's fixes of ``version`` in a thread of its own, once per version and settings, the likeliest
    to be shown first (:func:`cxdata.actions.funding.price_every_moment`): What to fund of a later view filtered on
    channel, touchpoint or segment is then read, not priced (a second or more at 10 M contacts; about a minute of
    CPU once at that size). None when pages wait for their numbers (:func:`background`: the AppTest suite) or the
    planner is unavailable."""
    base = _planner(store, version, settings.params(), settings.churn_horizon_months) if background() else None
    if not isinstance(base, PlannerBase) or base.analysis.risk is None:
        return None
    moments = list(base.analysis.risk.moments.sort("revenue_at_risk", descending=True).iter_rows(named=True))

    def price() -> None:
        try:
            price_every_moment(base, moments, settings.economics())
        except Exception:  # the views price their own fixes, as without this thread
            LOG.exception("pricing the moments of %s v%s failed", version.dataset, version.number)

    thread = threading.Thread(target=price, name="price-moments", daemon=True)
    thread.start()
    return thread


def warm(store: Store, settings: Settings) -> list[VersionInfo]:
    """Read back the fitted models of each dataset's active version (at most four, the caches' size) and build its
    ROI planner, into this process's resource caches, so that the first visit to a page finds them in memory
    (``ui.serve``, before the server listens). A version whose models were never fitted is left alone: its first
    visit fits them in the background. Returns the versions warmed."""
    params, horizon = settings.params(), settings.churn_horizon_months
    versions = [v for name in store.datasets()[:4] if (v := store.active_version(name)) is not None]
    warmed = [v for v in versions if is_fitted(store, v.version_id, params, horizon)]
    for version in warmed:
        _planner(store, version, params, horizon)  # reads the analysis back (_analysis) on the way
    return warmed

