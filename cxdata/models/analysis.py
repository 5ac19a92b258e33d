"""One dataset version, analysed: frames, fitted models and their results, persisted beside the data.

:func:`load_or_analyse` is what pages and the command line call. The models are fitted once per
(dataset version, settings that change them) and written to ``$MOMENTO_DATA_DIR/fits/<key>/``
(a temporary folder renamed into place, so a half-written fit is never read); later calls read
them back without refitting. Parts that the data cannot support are skipped with a note saying
which field would unlock them, instead of failing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cxdata import compute
from cxdata.catalog.store import Store
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.customers import customer_frame
from cxdata.measures.metrics import Base, Frames, Metric, Params
from cxdata.measures.panel import build_panel, with_exposure_exclusion
from cxdata.models import fit as models
from cxdata.models.fit import ChurnEffect, ExperienceModel, Fit, HazardModel
from cxdata.models.risk import RiskResult, revenue_at_risk

if TYPE_CHECKING:
    from cxdata.models.remote import RemoteTables

FITS_FORMAT = 8
#: The steps of a fit (:func:`load_or_analyse`), in order. A step the data cannot support is skipped: the
#: fit ends early and is then done, so a progress bar counts steps done of ``len(FIT_STEPS)``, never a timer.
FIT_STEPS = ("Building the contact frame", "Fitting the experience model and the key drivers",
             "Relating revenue to NPS", "Building the customer-month panel", "Fitting the churn hazard model",
             "Refitting the churn model for its sensitivity checks", "Simulating revenue at risk",
             "Saving the fitted models")
#: Told ``(steps done, the step now under way)`` as a fit goes (:data:`FIT_STEPS`).
Progress = Callable[[int, str], None]


def _silent(_done: int, _step: str) -> None:
    pass


def _step(progress: Progress, done: int) -> None:
    """Tell ``progress`` that ``done`` steps are over and the next one (``FIT_STEPS[done]``) begins."""
    progress(done, FIT_STEPS[done])


@dataclass
class Tables:
    """The canonical tables of one dataset version (None when the version lacks one). The interactions may be a
    LazyFrame (``from_store(scan_interactions=True)``): they are only read to build the contact frame."""

    interactions: pl.DataFrame | pl.LazyFrame | None
    customers: pl.DataFrame | None
    revenue: pl.DataFrame | None
    remote: RemoteTables | None = None  # the same tables on Spark (MOMENTO_ENGINE): the frames are built there

    @classmethod
    def from_store(cls, store: Store, version_id: int, *, scan_interactions: bool = False) -> Tables:
        """The version's tables; with ``scan_interactions``, the interactions as a scan of their Parquet file,
        which the contact frame is read from, sorted: the interactions are then never held twice (a fit at ten
        million contacts keeps 1.2 GB less)."""
        def load(name: str) -> pl.DataFrame | None:
            lf = store.scan(version_id, name)
            return None if lf is None else lf.collect()

        return cls(store.scan(version_id, "interactions") if scan_interactions else load("interactions"),
                   load("customers"), load("revenue"), _remote(store, version_id))


def _remote(store: Store, version_id: int) -> RemoteTables | None:
    """The engine that builds the frames: the version's tables on the Spark of ``MOMENTO_ENGINE``, or None for
    Polars here (the default; PySpark and Ibis are then never imported)."""
    url = compute.spark_url()
    if url is None:
        return None
    from cxdata.models.remote import RemoteTables

    return RemoteTables.read(store, version_id, compute.spark(url))


@dataclass
class Analysis:
    contacts: pl.DataFrame | None  # contact frame (contacts.py) with p_negative when the E-model exists
    panel: pl.DataFrame | None  # customer-month panel (panel.py) with expected_negatives_prev
    customers: pl.DataFrame | None = None  # customer frame (customers.py): one row per customer, no time axis
    experience: ExperienceModel | None = None
    hazard: HazardModel | None = None
    churn: ChurnEffect | None = None
    experience_effects: pl.DataFrame | None = None  # AMEs of the drivers on P(negative)
    drivers: pl.DataFrame | None = None
    expansion: pl.DataFrame | None = None
    risk: RiskResult | None = None
    notes: list[str] = field(default_factory=list)
    pending: bool = False  # the models are being fitted: a missing model-based part is not missing for good
    panel_pending: bool = False  # the panel is being built (:func:`with_panel`): its KPIs are not missing for good

    @property
    def frames(self) -> Frames:
        """The base frames metrics are computed on (:class:`cxdata.measures.metrics.Frames`)."""
        return Frames(self.contacts, self.panel, self.customers)

    def frame(self, base: Base) -> pl.DataFrame | None:
        """The base frame a metric of ``base`` is computed on (None when the data has none)."""
        return self.frames.of(base)

    def needs(self, metric: Metric) -> str | None:
        """None when this data supports ``metric``, else what it lacks (:meth:`cxdata.measures.metrics.Frames.needs`)."""
        return self.frames.needs(metric)


#: Numerical failures of a model fit (a singular matrix, no convergence: :mod:`cxdata.models.logit`): reported as a
#: note, not raised.
FIT_ERRORS: tuple[type[Exception], ...] = (np.linalg.LinAlgError, ValueError)


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"


def fit_key(version_id: int, params: Params, horizon: int) -> str:
    """Folder name of a fit: the version and a hash of what changes the fit — the cost per contact, the
    repeat window and the exposure exclusions (they shape the panel) and the revenue-at-risk horizon.
    Margin, discount rate or service level change only what is computed from the fits, so they never
    force a refit."""
    shaping = {"cost_per_contact": dict(params.cost_per_contact), "repeat_window_days": params.repeat_window_days,
               "cancellation_terms": sorted(params.cancellation_terms),
               "exclusion_window_days": params.exclusion_window_days}
    text = json.dumps({"format": FITS_FORMAT, "params": shaping, "horizon": horizon}, sort_keys=True, default=str)
    return f"v{version_id}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _has_panel(tables: Tables, contacts: pl.DataFrame | None) -> bool:
    """Whether the data says which months each customer was there: customers, and either interactions with a
    customer_id or a revenue table."""
    linked = contacts is not None and "customer_id" in contacts.columns
    return tables.customers is not None and (linked or tables.revenue is not None)


def _panel(tables: Tables, contacts: pl.DataFrame | None, params: Params,
           experience: ExperienceModel | None = None) -> pl.DataFrame | None:
    """The customer-month panel, when the data says which months each customer was there: customers and
    either interactions with a customer_id or a revenue table (None otherwise). ``contacts`` carries
    ``exposure_exclusion`` (:func:`_contacts`); on Spark, p̂ comes from ``experience``."""
    customers = tables.customers
    if customers is None or not _has_panel(tables, contacts):
        return None
    if tables.remote is not None:
        return tables.remote.panel(params, experience)
    return build_panel(customers, contacts, tables.revenue, cost_per_contact=params.cost_per_contact,
                       repeat_window_days=params.repeat_window_days)


def _contacts(tables: Tables, params: Params) -> pl.DataFrame | None:
    """The contact frame (contacts.py) with ``exposure_exclusion``: why a contact is not one of the churn
    model's exposures (cancellation-like, or in the last W days before its customer's churn date)."""
    if tables.interactions is None:
        return None
    if tables.remote is not None:
        return tables.remote.contacts(params)
    return with_exposure_exclusion(enrich_contacts(tables.interactions, tables.customers), tables.customers,
                                   params.cancellation_terms, params.exclusion_window_days)


MIN_CSAT_ANSWERS = 200
MIN_CHURN_EVENTS = 20


def experience_gap(contacts: pl.DataFrame | None) -> str | None:
    """None when the experience model (and with it the key drivers) can be fitted on this contact frame,
    else what it needs: interactions with at least 200 csat answers (no customer_id needed)."""
    if contacts is None:
        return "needs interactions"
    if "csat" not in contacts.columns:
        return "needs csat"
    if contacts.get_column("csat").count() < MIN_CSAT_ANSWERS:
        return f"needs csat answers (at least {MIN_CSAT_ANSWERS})"
    return None


def hazard_gap(contacts: pl.DataFrame | None, panel: pl.DataFrame | None,
               customers: pl.DataFrame | None) -> str | None:
    """None when the churn hazard model (and revenue at risk) can be fitted, else what it needs: the
    experience model, a customers table, customer_id on interactions (to link a customer's experiences
    to their churn) and at least 20 churn events."""
    if (gap := experience_gap(contacts)) is not None or contacts is None:  # a None contacts has a gap
        return gap
    linked = "customer_id" in contacts.columns
    if customers is None or panel is None:
        return "needs customers" if linked else "needs customers and customer_id"
    if not linked:
        return "needs customer_id"
    if int(panel.get_column("churn").sum()) < MIN_CHURN_EVENTS:
        return f"needs at least {MIN_CHURN_EVENTS} churn events (churned_at on customers)"
    return None


def _experience(a: Analysis, contacts: pl.DataFrame) -> None:
    """The experience model, its marginal effects and the key drivers, on any contact log with at least
    200 csat answers; customer_id is not needed (without it, errors are robust per contact)."""
    if experience_gap(contacts) is not None:
        answers = contacts.get_column("csat").count() if "csat" in contacts.columns else 0
        a.notes.append(f"The experience model and the key drivers need csat answers on interactions, at least "
                       f"{MIN_CSAT_ANSWERS}: this data has {answers:,}.")
        return
    features = models.contact_features(contacts)
    sample = models.customer_sample(features)
    try:
        a.experience = models.fit_experience_model(sample)
    except FIT_ERRORS as exc:
        a.notes.append(f"The experience model could not be fitted on this data ({_why(exc)}).")
        return
    a.contacts = contacts.with_columns(p_negative=a.experience.predict(features))
    if not a.experience.drivers:
        a.notes.append("The key drivers need wait_seconds, transfers, resolved or escalated on interactions, "
                       "varying between contacts.")
        return
    surveyed = sample.filter(pl.col("csat").is_not_null())
    a.experience_effects = models.average_marginal_effects(
        a.experience.fit, surveyed, a.experience.drivers, {"unresolved", "escalated"})
    a.drivers = models.key_drivers(sample, a.experience.drivers)


def _sensitivity(rows: pl.DataFrame, contacts: pl.DataFrame) -> dict:
    """The churn model refitted on ``rows`` (:func:`cxdata.models.fit.model_rows`) without the volume control and
    without the exposure exclusions (each None when it cannot be fitted), and the number of contacts excluded, by
    reason."""
    def refit(**kwargs) -> models.HazardModel | None:
        try:
            return models.fit_hazard_model(rows, **kwargs)
        except FIT_ERRORS:
            return None

    excluded = contacts.get_column("exposure_exclusion").drop_nulls().value_counts()
    return {"without_volume": refit(volume=()),
            "without_exclusions": refit(exposure=models.EXPOSURE_ALL, volume=models.VOLUME_ALL),
            "excluded": dict(excluded.iter_rows())}


def analyse(tables: Tables, params: Params = Params(), horizon: int = 12, progress: Progress = _silent,
            contacts: pl.DataFrame | None = None) -> Analysis:
    """Fit every model the data supports; see the module docstrings of models.py and risk.py. ``progress`` is told
    each step of :data:`FIT_STEPS` as it begins (all but the last, saving, which :func:`load_or_analyse` does).
    ``contacts``: the tables' contact frame when it is built already (:func:`load_unfitted`), else built here."""
    notes: list[str] = []
    _step(progress, 0)
    contacts = _contacts(tables, params) if contacts is None else contacts
    customers = None if tables.customers is None else customer_frame(tables.customers)
    a = Analysis(contacts, None, customers=customers, notes=notes)
    if contacts is None:
        notes.append("Upload interactions to see experience metrics and models.")
    else:
        _step(progress, 1)
        _experience(a, contacts)
        contacts = a.contacts
    _step(progress, 2)
    if contacts is not None and {"nps", "customer_id"} <= set(contacts.columns) and tables.revenue is not None \
            and "expansion" in tables.revenue.columns:
        a.expansion = models.expansion_by_nps(contacts, tables.revenue)
    elif contacts is not None:
        notes.append("Revenue by NPS category needs NPS answers with a customer id and a revenue table with expansion.")
    _step(progress, 3)
    a.panel = _panel(tables, contacts, params, a.experience)
    if a.panel is None:
        notes.append("Monthly churn and the churn models need a customers table and months to follow the customers "
                     "in: a customer id on interactions, or a revenue table by month.")
        return a
    if (gap := hazard_gap(contacts, a.panel, customers)) is not None or a.experience is None or contacts is None:
        notes.append(f"The churn hazard model {gap or 'needs the experience model'}.")
        return a
    _step(progress, 4)
    rows = models.model_rows(a.panel)
    try:
        a.hazard = models.fit_hazard_model(rows)
    except FIT_ERRORS as exc:
        notes.append(f"The churn hazard model could not be fitted on this data ({_why(exc)}).")
        return a
    _step(progress, 5)
    a.churn = models.churn_effect(a.hazard, rows, panel_customers=models.hazard_customers(a.panel),
                                  **_sensitivity(rows, contacts))
    del rows  # the model rows are not needed by the simulation: free them first
    _step(progress, 6)
    a.risk = revenue_at_risk(a.experience, a.hazard, a.panel, contacts, horizon=horizon)
    return a


# ---------------------------------------------------------------- persistence


def _save(a: Analysis, folder: Path) -> None:
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.tmp")
    tmp.mkdir(parents=True)
    try:
        frames = {"drivers": a.drivers, "expansion": a.expansion, "experience_effects": a.experience_effects,
                  "moments": a.risk.moments if a.risk else None, "moment_draws": a.risk.draws if a.risk else None}
        for name, frame in frames.items():
            if frame is not None:
                frame.write_parquet(tmp / f"{name}.parquet")
        derived = {"contacts": a.contacts, "panel": a.panel, "customers": a.customers}
        for name, frame in derived.items():  # so a cold start reads them instead of rebuilding them
            if frame is not None:
                frame.write_parquet(tmp / f"{name}.parquet")
        summary = {
            "notes": a.notes,
            "experience": None if a.experience is None else {
                "fit": a.experience.fit.to_dict(), "response_fit": a.experience.response_fit.to_dict(),
                "drivers": a.experience.drivers, "satisfaction": a.experience.satisfaction.to_dict()},
            "hazard": None if a.hazard is None else {
                "adjusted": a.hazard.adjusted.to_dict(), "naive": a.hazard.naive.to_dict(), "exposure": a.hazard.exposure,
                "volume": a.hazard.volume},
            "churn": None if a.churn is None else asdict(a.churn),
            "risk": None if a.risk is None else a.risk.totals(),
        }
        (tmp / "summary.json").write_text(json.dumps(summary))
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read(folder: Path, name: str) -> pl.DataFrame | None:
    path = folder / f"{name}.parquet"
    return pl.read_parquet(path) if path.exists() else None


def _load(folder: Path) -> Analysis:
    summary = json.loads((folder / "summary.json").read_text())

    def frame(name: str) -> pl.DataFrame | None:
        return _read(folder, name)

    a = Analysis(frame("contacts"), frame("panel"), frame("customers"), notes=summary["notes"],
                 drivers=frame("drivers"), expansion=frame("expansion"), experience_effects=frame("experience_effects"))
    if summary["experience"]:
        e = summary["experience"]
        a.experience = ExperienceModel(Fit.from_dict(e["fit"]), Fit.from_dict(e["response_fit"]), e["drivers"],
                                       Fit.from_dict(e["satisfaction"]))
    if summary["hazard"]:
        h = summary["hazard"]
        a.hazard = HazardModel(Fit.from_dict(h["adjusted"]), Fit.from_dict(h["naive"]), h["exposure"], tuple(h["volume"]))
    if summary["churn"]:
        churn: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in summary["churn"].items()}
        a.churn = ChurnEffect(**churn)
    if summary["risk"]:
        risk: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in summary["risk"].items()}
        # _save writes moments.parquet whenever there is a risk result
        a.risk = RiskResult(**risk, moments=pl.read_parquet(folder / "moments.parquet"), draws=frame("moment_draws"))
    return a


def fit_folder(store: Store, version_id: int, params: Params = Params(), horizon: int = 12) -> Path:
    """Where the fit of a version under these parameters is persisted (:func:`fit_key`)."""
    return store.data_dir / "fits" / fit_key(version_id, params, horizon)


def is_fitted(store: Store, version_id: int, params: Params = Params(), horizon: int = 12) -> bool:
    """True when the fit is persisted, so :func:`load_or_analyse` reads it back instead of fitting."""
    return (fit_folder(store, version_id, params, horizon) / "summary.json").exists()


def load_or_analyse(store: Store, version_id: int, params: Params = Params(), horizon: int = 12,
                    progress: Progress = _silent, measured: Analysis | None = None) -> Analysis:
    """The analysis of a dataset version: read from its fit folder, or fitted now and saved there (``progress``
    is told each step of :data:`FIT_STEPS`, then ``len(FIT_STEPS)`` steps done). ``measured``: the version's
    :func:`load_unfitted` frames under the same ``params`` when a page built them already: the fit starts from
    their contact frame instead of building it again."""
    folder = fit_folder(store, version_id, params, horizon)
    if (folder / "summary.json").exists():
        a = _load(folder)
    else:
        a = analyse(Tables.from_store(store, version_id, scan_interactions=True), params, horizon, progress,
                    None if measured is None else measured.contacts)
        _step(progress, len(FIT_STEPS) - 1)
        folder.parent.mkdir(parents=True, exist_ok=True)
        if not folder.exists():
            _save(a, folder)
    progress(len(FIT_STEPS), "Done")
    return a


def load_unfitted(store: Store, version_id: int, params: Params = Params(), horizon: int = 12, *,
                  panel: bool = True) -> Analysis:
    """The frames of a version — contacts, customer-month panel, customers — without fitting any model:
    the fitted analysis when its fit folder exists, else the frames built from the tables (a second or
    two on the sample). What alerts, initiative measurements and the data readiness need. Without ``panel``, the
    panel is left to :func:`with_panel` (``panel_pending`` when the data has one): 11 s of the 18 s at 10 M
    contacts."""
    folder = fit_folder(store, version_id, params, horizon)
    if (folder / "summary.json").exists():
        return _load(folder)
    tables = Tables.from_store(store, version_id, scan_interactions=True)
    contacts = _contacts(tables, params)
    customers = None if tables.customers is None else customer_frame(tables.customers)
    if not panel:
        return Analysis(contacts, None, customers, panel_pending=_has_panel(tables, contacts))
    return Analysis(contacts, _panel(tables, contacts, params), customers)


def with_panel(store: Store, version_id: int, a: Analysis, params: Params = Params()) -> Analysis:
    """``a`` (:func:`load_unfitted` without its panel) with the version's customer-month panel."""
    if not a.panel_pending:
        return a
    tables = Tables.from_store(store, version_id, scan_interactions=True)
    return replace(a, panel=_panel(tables, a.contacts, params), panel_pending=False)


def load_frames(store: Store, version_id: int, params: Params = Params(), horizon: int = 12
                ) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """The contact frame and the customer-month panel of a version (:func:`load_unfitted`)."""
    a = load_unfitted(store, version_id, params, horizon)
    return a.contacts, a.panel
