"""Data readiness: for each page and each KPI of the registry, whether a dataset version supports it,
and which field or upload would unlock it, in plain words ("Upload a customers table with a churned
column", "Map a column to resolved").

Whether a KPI is supported is :meth:`cxdata.models.analysis.Analysis.needs` (the tables, then
:func:`cxdata.measures.metrics.availability` on the KPI's base frame); whether a model can be fitted is
:func:`cxdata.models.analysis.experience_gap` / :func:`cxdata.models.analysis.hazard_gap`, the rules
:func:`cxdata.models.analysis.analyse` itself follows. Nothing is fitted here: the frames of a version are
enough (:func:`cxdata.models.analysis.load_unfitted`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from cxdata import format as fmt
from cxdata.measures.metrics import METRICS, REGISTRY, Base, Metric, by_month
from cxdata.models.analysis import Analysis, experience_gap, hazard_gap
from cxdata.schema import TABLES
from cxdata.screens.dashboard import TILE_KEYS

READY, PARTLY, LOCKED = "ready", "partly ready", "not ready"
#: A table still to upload is named with the columns it needs when they are this few.
MAX_NAMED = 3
#: The canonical table a field is imported with (the first table naming it: customer_id → interactions).
FIELD_TABLE: dict[str, str] = {}
for _table in TABLES.values():
    for _name in _table.names:
        FIELD_TABLE.setdefault(_name, _table.name)


@dataclass(frozen=True)
class KpiReadiness:
    key: str
    label: str
    ready: bool
    unlock: str | None  # what would unlock it, one sentence (None when ready)


@dataclass(frozen=True)
class PageReadiness:
    page: str
    status: str  # READY, PARTLY or LOCKED
    shows: str  # what the page shows on this data
    unlock: tuple[str, ...]  # one sentence per missing part: what to upload or map, and what it unlocks


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _columns(fields: Sequence[str]) -> str:
    """``a churned column``, ``automated and escalated columns``."""
    if len(fields) == 1:
        return f"{_article(fields[0])} {fields[0]} column"
    return f"{_listed(fields)} columns"


def action(status: str, tables: Collection[str], fields: Sequence[str] = ()) -> str:
    """What to do about an engine status (``"needs customers"``, ``"needs resolved"``, ``"needs customers and
    customer_id"``, ``"needs csat answers (at least 200)"``), as the start of a sentence: ``Upload a
    customers table with a churned column``, ``Map a column to resolved``, ``Map columns to automated and
    escalated``. ``fields``: what the feature reads from a table still to upload; ``tables``: the tables
    the version has."""
    need = status.removeprefix("needs").strip()
    names = [n.strip() for n in need.replace(" and ", ",").split(",") if n.strip()]
    if not all(n in TABLES or n in FIELD_TABLE for n in names):
        return fmt.fields_in_words(f"Needs {need}")
    uploads = [n for n in names if n in TABLES]
    uploads += [t for n in names if n not in TABLES and (t := FIELD_TABLE[n]) not in tables and t not in uploads]
    maps = [n for n in names if n not in TABLES and FIELD_TABLE[n] in tables]
    parts = []
    for table in uploads:
        wanted = [f for f in (*fields, *names) if FIELD_TABLE.get(f) == table and f not in TABLES[table].required]
        wanted = list(dict.fromkeys(wanted))
        parts.append(f"upload {_article(table)} {table} table" + (f" with {_columns(wanted)}" if wanted else ""))
    if maps == ["customer_id"]:
        parts.append("map a column of the interactions to customer_id")
    elif maps:
        parts.append(f"map {'a column' if len(maps) == 1 else 'columns'} to {_listed(maps)}")
    text = fmt.fields_in_words(" and ".join(parts))
    return text[0].upper() + text[1:]


def kpi_readiness(a: Analysis, tables: Collection[str]) -> list[KpiReadiness]:
    """Every KPI of the registry, in its order: supported on this data, or what would unlock it."""
    out = []
    for m in METRICS:
        status = a.needs(m)
        out.append(KpiReadiness(m.key, m.label, status is None,
                                None if status is None else action(status, tables, _fields(m)) + "."))
    return out


def _fields(m: Metric) -> tuple[str, ...]:
    """The fields a KPI reads; a KPI of customers also reads their churned field, and one of the
    customer-month panel the interactions' customer_id (to follow customers month by month)."""
    if m.base is Base.CONTACTS:
        return m.needs
    linked = ("customer_id",) if m.base is Base.CUSTOMER_MONTHS else ()
    return tuple(dict.fromkeys(("churned", *linked, *m.needs)))


def _sentence(status: str, tables: Collection[str], what: str, fields: Sequence[str] = ()) -> str:
    return f"{action(status, tables, fields)} to see {what}."


def _kpi_unlocks(a: Analysis, tables: Collection[str], metrics: Sequence[Metric]) -> list[str]:
    """One sentence per distinct action, naming the KPIs it unlocks: ``Upload an interactions table to
    see NPS, CSAT and CES.``"""
    grouped: dict[str, list[Metric]] = {}
    for m in metrics:
        if (status := a.needs(m)) is not None:
            grouped.setdefault(status, []).append(m)
    out = []
    for status, group in grouped.items():
        fields = list(dict.fromkeys(f for m in group for f in _fields(m)))
        act = action(status, tables, fields if len(fields) <= MAX_NAMED else ())
        out.append(f"{act} to see {_listed([m.label for m in group])}.")
    return out


def _listed(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def _status(ready: int, total: int) -> str:
    return READY if ready == total else LOCKED if ready == 0 else PARTLY


def _overview(a: Analysis, tables: Collection[str]) -> PageReadiness:
    metrics = [REGISTRY[k] for k in TILE_KEYS]
    supported = [m.label for m in metrics if a.needs(m) is None]
    risk = hazard_gap(a.contacts, a.panel, a.customers)
    unlock = _kpi_unlocks(a, tables, metrics)
    if risk is not None:
        unlock.append(_sentence(risk, tables, "revenue at risk and the moments of service", ("churned_at",)))
    shows = (f"{len(supported)} of {len(metrics)} KPI tiles ({_listed(supported)})" if supported else "no KPI yet") \
        + (", revenue at risk and the moments of service" if risk is None else "")
    return PageReadiness("Overview", _status(len(supported) + (risk is None), len(metrics) + 1), shows, tuple(unlock))


def _drilldown(a: Analysis, tables: Collection[str]) -> PageReadiness:
    metrics = [m for m in METRICS if m.base is Base.CONTACTS]
    supported = [m for m in metrics if a.needs(m) is None]
    unlock = _kpi_unlocks(a, tables, metrics)
    if a.contacts is not None:
        missing = [c for c in ("channel", "touchpoint") if c not in a.contacts.columns]
        if missing:
            unlock.append(_sentence(f"needs {', '.join(missing)}", tables, "the channel × touchpoint heat map"))
    shows = f"{len(supported)} of {len(metrics)} contact KPIs by any dimension and by month, down to the contacts" \
        if supported else "nothing yet"
    return PageReadiness("Drill-down", _status(len(supported), len(metrics)), shows, tuple(unlock))


def _single(page: str, status: str | None, tables: Collection[str], shows: str, what: str,
            fields: Sequence[str] = ()) -> PageReadiness:
    if status is None:
        return PageReadiness(page, READY, shows, ())
    return PageReadiness(page, LOCKED, "nothing yet", (_sentence(status, tables, what, fields),))


def _journeys(a: Analysis, tables: Collection[str]) -> PageReadiness:
    status = "needs interactions" if a.contacts is None else \
        None if "customer_id" in a.contacts.columns else "needs customer_id"
    return _single("Journeys", status, tables, "issues as repeat-contact chains, channel paths, customer histories",
                   "journeys and customer histories", ("customer_id",))


def _voice(a: Analysis, tables: Collection[str]) -> PageReadiness:
    status = "needs interactions" if a.contacts is None else \
        None if "comment" in a.contacts.columns else "needs comment"
    return _single("Voice of the customer", status, tables, "comment sentiment and the themes of negative comments",
                   "what customers say", ("comment",))


def _churn(a: Analysis, tables: Collection[str]) -> PageReadiness:
    """Customers who left by attribute, monthly churn by negative experiences and the churn model, the key
    drivers of negative experiences, expansion revenue by NPS category."""
    parts: list[tuple[str, str | None, Sequence[str]]] = [
        ("customers who left, by customer attribute, and the monthly revenue they took",
         a.needs(REGISTRY["customer_churn"]), ("churned", "monthly_revenue")),
        ("monthly churn by negative experiences and the churn model",
         hazard_gap(a.contacts, a.panel, a.customers), ("churned_at",)),
        ("the key drivers of negative experiences", experience_gap(a.contacts), ("csat",)),
    ]
    shown = [what for what, status, _ in parts if status is None]
    unlock = tuple(_sentence(status, tables, what, fields) for what, status, fields in parts if status is not None)
    return PageReadiness("Churn & Revenue", _status(len(shown), len(parts)), _listed(shown) if shown else "nothing yet",
                         unlock)


def _roi(a: Analysis, tables: Collection[str]) -> PageReadiness:
    return _single("ROI planner", hazard_gap(a.contacts, a.panel, a.customers), tables,
                   "scenarios: what fixing waits, transfers or resolution would return", "the ROI planner",
                   ("churned_at",))


def _monthly(page: str, a: Analysis, tables: Collection[str], what: str) -> PageReadiness:
    supported = [m for m in METRICS if by_month(m) and a.needs(m) is None]
    if supported:
        return PageReadiness(page, READY, f"{len(supported)} KPIs by month", ())
    return PageReadiness(page, LOCKED, "nothing yet", (_sentence("needs interactions", tables, what),))


def page_readiness(a: Analysis, tables: Collection[str]) -> list[PageReadiness]:
    """The eight analysis pages, in the app's order, each ready / partly ready / not ready on this data."""
    return [
        _overview(a, tables), _drilldown(a, tables), _journeys(a, tables), _voice(a, tables), _churn(a, tables),
        _roi(a, tables),
        _monthly("Initiatives", a, tables, "initiatives measured before and after (a KPI by month)"),
        _monthly("Alerts", a, tables, "alerts on a KPI's last complete month"),
    ]
