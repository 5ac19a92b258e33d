"""A dataset version's frames built on Spark (``MOMENTO_ENGINE``, :mod:`cxdata.compute`; docs/scale-out.md).

The contact frame and the customer-month panel are computed on Spark from the version's Parquet files
(:mod:`cxdata.measures.portable`) and come back as the Polars frames the embedded path builds. The models are
fitted here in Python, as always. The panel's ``expected_negatives*`` exposures sum p̂ (the experience model's
P(negative) of each contact): the E-model is fitted on the contact frame that came back, and its coefficients go
to Spark, where p̂ is the model's linear predictor through the logistic function — plain SQL arithmetic on the
contact features below — so the panel is built where the contacts are, and no per-contact column travels back
to the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import polars as pl

from cxdata import compute
from cxdata.catalog.store import Store
from cxdata.measures import portable
from cxdata.measures.metrics import Params
from cxdata.models.fit import ExperienceModel, Fit

if TYPE_CHECKING:
    from ibis.backends.pyspark import Backend

def contact_features(contacts: ir.Table) -> dict[str, ir.NumericValue]:
    """The experience model's numeric inputs per contact, as :func:`cxdata.models.fit.contact_features` makes them."""
    cols = contacts.columns
    zero = ibis.literal(0.0)
    return {
        "wait_minutes": (contacts.wait_seconds / 60).fill_null(0.0) if "wait_seconds" in cols else zero,
        "transfers": contacts.transfers.cast("float64").fill_null(0.0) if "transfers" in cols else zero,
        "unresolved": (~contacts.resolved).cast("float64").fill_null(0.0) if "resolved" in cols else zero,
        "escalated": contacts.escalated.cast("float64").fill_null(0.0) if "escalated" in cols else zero,
        "tenure_years": (portable.days(contacts.started_at.date(), contacts.joined_at) / 365.25).clip(lower=0)
        .fill_null(0.0) if "joined_at" in cols else zero,
    }


def predicted(contacts: ir.Table, fit: Fit) -> ir.FloatingValue:
    """``fit``'s prediction for every contact (:meth:`cxdata.models.fit.Fit.predict`): the design's columns times
    the coefficients, through 1/(1 + e^−η)."""
    features = contact_features(contacts)
    design = fit.design
    columns: list[ir.NumericValue] = [ibis.literal(1.0)]
    columns += [features.get(c, contacts[c] if c in contacts.columns else ibis.literal(0.0))
                .cast("float64").fill_null(0.0) for c in design.numeric]
    columns += [(contacts[c] == v).fill_null(False).cast("float64") for c, vs in design.levels.items() for v in vs]
    eta = sum((float(b) * x for b, x in zip(fit.coef, columns)), ibis.literal(0.0))
    return 1.0 / (1.0 + (-eta).exp())


@dataclass
class RemoteTables:
    """The tables of one dataset version as Spark reads them (None when the version lacks one)."""

    interactions: ir.Table | None
    customers: ir.Table | None
    revenue: ir.Table | None
    _frames: dict[tuple, ir.Table] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, store: Store, version_id: int, backend: Backend) -> RemoteTables:
        """The version's Parquet files, read by ``backend`` where :func:`cxdata.compute.spark_path` says."""
        def read(name: str) -> ir.Table | None:
            path = store.table_path(version_id, name)
            return None if path is None else backend.read_parquet(compute.spark_path(store.data_dir, path))

        return cls(read("interactions"), read("customers"), read("revenue"))

    def _contact_frame(self, params: Params) -> ir.Table | None:
        """The contact frame as a Spark expression (kept per exclusion settings: it is also the panel's input)."""
        if self.interactions is None:
            return None
        key = (tuple(params.cancellation_terms), params.exclusion_window_days)
        if key not in self._frames:
            self._frames[key] = portable.contact_frame(self.interactions, self.customers, *key).cache()
        return self._frames[key]

    def contacts(self, params: Params) -> pl.DataFrame | None:
        """The contact frame with ``exposure_exclusion`` (:func:`cxdata.models.analysis._contacts`), brought back."""
        frame = self._contact_frame(params)
        return None if frame is None else portable.collect(frame, portable.CONTACT_TYPES,
                                                           portable.contact_order(frame.columns))

    def panel(self, params: Params, experience: ExperienceModel | None) -> pl.DataFrame:
        """The customer-month panel (:func:`cxdata.models.analysis._panel`), with ``expected_negatives*`` when the
        experience model is given; the caller has checked that the data has one."""
        assert self.customers is not None  # the caller checked
        contacts = self._contact_frame(params)
        if contacts is not None and experience is not None:
            contacts = contacts.mutate(p_negative=predicted(contacts, experience.fit))
        table = portable.panel(self.customers, contacts, self.revenue, cost_per_contact=params.cost_per_contact,
                               repeat_window_days=params.repeat_window_days)
        return portable.collect(table, portable.PANEL_TYPES, portable.PANEL_ORDER)
