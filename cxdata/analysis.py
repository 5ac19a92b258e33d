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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from cxdata import models
from cxdata.contacts import enrich_contacts
from cxdata.metrics import Params
from cxdata.models import ChurnEffect, ExperienceModel, Fit, HazardModel
from cxdata.panel import build_panel
from cxdata.risk import RiskResult, revenue_at_risk
from cxdata.store import Store

FITS_FORMAT = 4


@dataclass
class Tables:
    """The canonical tables of one dataset version (None when the version lacks one)."""

    interactions: pl.DataFrame | None
    customers: pl.DataFrame | None
    revenue: pl.DataFrame | None

    @classmethod
    def from_store(cls, store: Store, version_id: int) -> Tables:
        def load(name: str) -> pl.DataFrame | None:
            lf = store.scan(version_id, name)
            return None if lf is None else lf.collect()

        return cls(load("interactions"), load("customers"), load("revenue"))


@dataclass
class Analysis:
    contacts: pl.DataFrame | None  # contact frame (contacts.py) with p_negative when the E-model exists
    panel: pl.DataFrame | None  # customer-month panel (panel.py) with expected_negatives_prev
    experience: ExperienceModel | None = None
    hazard: HazardModel | None = None
    churn: ChurnEffect | None = None
    experience_effects: pl.DataFrame | None = None  # AMEs of the drivers on P(negative)
    drivers: pl.DataFrame | None = None
    expansion: pl.DataFrame | None = None
    risk: RiskResult | None = None
    notes: list[str] = field(default_factory=list)


def _fit_errors() -> tuple[type[Exception], ...]:
    """Numerical failures of a model fit (singular matrix, perfect separation): reported as a note, not raised.
    statsmodels is imported only when fitting (see models.fit_logit)."""
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    return np.linalg.LinAlgError, ValueError, PerfectSeparationError


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"


def fit_key(version_id: int, params: Params, horizon: int) -> str:
    """Folder name of a fit: the version and a hash of what changes the fit — the cost per contact and
    the repeat window (both shape the panel) and the revenue-at-risk horizon. Margin, discount rate or
    service level change only what is computed from the fits, so they never force a refit."""
    shaping = {"cost_per_contact": dict(params.cost_per_contact), "repeat_window_days": params.repeat_window_days}
    text = json.dumps({"format": FITS_FORMAT, "params": shaping, "horizon": horizon}, sort_keys=True, default=str)
    return f"v{version_id}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def analyse(tables: Tables, params: Params = Params(), horizon: int = 12) -> Analysis:
    """Fit every model the data supports; see the module docstrings of models.py and risk.py."""
    notes: list[str] = []
    if tables.interactions is None:
        return Analysis(None, None, notes=["Upload interactions to see experience metrics and models."])
    contacts = enrich_contacts(tables.interactions, tables.customers)
    a = Analysis(contacts, None, notes=notes)
    features = models.contact_features(contacts)
    if "csat" in contacts.columns and "customer_id" in contacts.columns and contacts.get_column("csat").count() >= 200:
        try:
            a.experience = models.fit_experience_model(features)
        except _fit_errors() as exc:
            notes.append(f"The experience model could not be fitted on this data ({_why(exc)}).")
    else:
        notes.append("The experience model needs csat answers (at least 200) and customer_id.")
    if a.experience is not None:
        a.contacts = contacts = contacts.with_columns(p_negative=a.experience.predict(features))
        surveyed = features.filter(pl.col("csat").is_not_null())
        a.experience_effects = models.average_marginal_effects(
            a.experience.fit, surveyed, a.experience.drivers, {"unresolved", "escalated"})
        a.drivers = models.key_drivers(features, a.experience.drivers)
    if "nps" in contacts.columns and tables.revenue is not None and "expansion" in tables.revenue.columns:
        a.expansion = models.expansion_by_nps(contacts, tables.revenue)
    else:
        notes.append("Revenue by NPS category needs nps answers and a revenue table with expansion.")
    if tables.customers is None or "customer_id" not in contacts.columns:
        notes.append("Churn models need a customers table and customer_id on interactions.")
        return a
    a.panel = build_panel(tables.customers, contacts, tables.revenue, cost_per_contact=params.cost_per_contact,
                          repeat_window_days=params.repeat_window_days)
    if a.experience is None or "expected_negatives_prev" not in a.panel.columns:
        notes.append("The churn hazard model needs the experience model (csat answers).")
        return a
    if int(a.panel.get_column("churn").sum()) < 20:
        notes.append("The churn hazard model needs at least 20 churn events (churned_at on customers).")
        return a
    try:
        a.hazard = models.fit_hazard_model(a.panel)
    except _fit_errors() as exc:
        notes.append(f"The churn hazard model could not be fitted on this data ({_why(exc)}).")
        return a
    a.churn = models.churn_effect(a.hazard, a.panel)
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
        if a.contacts is not None:  # derived frames, so a cold start reads them instead of rebuilding them
            a.contacts.write_parquet(tmp / "contacts.parquet")
        if a.panel is not None:
            a.panel.write_parquet(tmp / "panel.parquet")
        summary = {
            "notes": a.notes,
            "experience": None if a.experience is None else {
                "fit": a.experience.fit.to_dict(), "response_fit": a.experience.response_fit.to_dict(),
                "drivers": a.experience.drivers, "satisfaction": a.experience.satisfaction.to_dict()},
            "hazard": None if a.hazard is None else {
                "adjusted": a.hazard.adjusted.to_dict(), "naive": a.hazard.naive.to_dict(), "exposure": a.hazard.exposure},
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

    a = Analysis(frame("contacts"), frame("panel"), notes=summary["notes"], drivers=frame("drivers"),
                 expansion=frame("expansion"), experience_effects=frame("experience_effects"))
    if summary["experience"]:
        e = summary["experience"]
        a.experience = ExperienceModel(Fit.from_dict(e["fit"]), Fit.from_dict(e["response_fit"]), e["drivers"],
                                       Fit.from_dict(e["satisfaction"]))
    if summary["hazard"]:
        h = summary["hazard"]
        a.hazard = HazardModel(Fit.from_dict(h["adjusted"]), Fit.from_dict(h["naive"]), h["exposure"])
    if summary["churn"]:
        a.churn = ChurnEffect(**{k: tuple(v) if isinstance(v, list) else v for k, v in summary["churn"].items()})
    if summary["risk"]:
        r = summary["risk"]
        a.risk = RiskResult(**{k: tuple(v) if isinstance(v, list) else v for k, v in r.items()}, moments=frame("moments"),
                            draws=frame("moment_draws"))
    return a


def load_or_analyse(store: Store, version_id: int, params: Params = Params(), horizon: int = 12) -> Analysis:
    """The analysis of a dataset version: read from its fit folder, or fitted now and saved there."""
    folder = store.data_dir / "fits" / fit_key(version_id, params, horizon)
    if (folder / "summary.json").exists():
        return _load(folder)
    a = analyse(Tables.from_store(store, version_id), params, horizon)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if not folder.exists():
        _save(a, folder)
    return a


def load_frames(store: Store, version_id: int, params: Params = Params(), horizon: int = 12
                ) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """The contact frame and the customer-month panel of a version, without fitting any model:
    read from the version's fit folder when it exists, else built from the tables (what alerts and
    initiative measurements need; a second or two on the sample)."""
    folder = store.data_dir / "fits" / fit_key(version_id, params, horizon)
    if (folder / "summary.json").exists():
        return _read(folder, "contacts"), _read(folder, "panel")
    tables = Tables.from_store(store, version_id)
    if tables.interactions is None:
        return None, None
    contacts = enrich_contacts(tables.interactions, tables.customers)
    if tables.customers is None or "customer_id" not in contacts.columns:
        return contacts, None
    return contacts, build_panel(tables.customers, contacts, tables.revenue, cost_per_contact=params.cost_per_contact,
                                 repeat_window_days=params.repeat_window_days)
