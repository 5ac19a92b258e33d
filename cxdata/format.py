"""Number formats of the dashboard: values, intervals and deltas in the metric's unit and the
workspace currency (``Settings.symbol``). Formatting only: every number comes from ``cxdata``.

Pure Python, shared by the pages (through ``ui``) and the exports (the HTML meeting pack), so a
file prints a number exactly as the screen does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from typing_extensions import TypeIs

MINUS = "−"  # U+2212, as a figure is printed

MONEY_UNITS = ("money", "money/customer-month")


def missing(value: float | None) -> TypeIs[None]:
    """No number to show: None, NaN (e.g. the interval of a mean of one answer) or ±infinity (typed as None, so a
    caller that returns on it holds a float after)."""
    return value is None or not math.isfinite(value)


def money(amount: float | None, symbol: str) -> str:
    """Money as an executive reads it: ``€870``, then three significant digits: ``€4.87k``, ``€19.2k``,
    ``€284k``, ``−€1.39M``."""
    if missing(amount):
        return "–"
    sign = MINUS if amount < 0 else ""
    a = abs(amount)
    if round(a) < 1_000:
        body = f"{a:,.0f}"
    elif a < 999_500:
        body = f"{a / 1e3:.3g}k"
    else:
        body = f"{a / 1e6:,.3g}M"
    return f"{sign}{symbol}{body}"


def number(value: float | None, unit: str, symbol: str = "€") -> str:
    """A metric value in its unit: ``49.9%``, ``4.1`` (NPS points), ``5.02`` (score), ``38 s``, ``1,204`` (contacts),
    ``€152.45`` (money below a thousand keeps its cents), ``€19.2k``."""
    if missing(value):
        return "–"
    if unit == "%":
        text = f"{value:.1f}%"
    elif unit == "points":
        text = f"{value:.1f}"
    elif unit == "score":
        text = f"{value:.2f}"
    elif unit == "seconds":
        text = f"{value:,.0f} s"
    elif unit == "contacts":
        text = f"{value:,.0f}"
    elif unit in MONEY_UNITS:
        return money(value, symbol) if abs(value) >= 1000 else (MINUS if value < 0 else "") + f"{symbol}{abs(value):,.2f}"
    else:
        text = f"{value:,.2f}"
    return text.replace("-", MINUS)


def interval(low: float | None, high: float | None, unit: str, symbol: str = "€") -> str:
    """``95% CI 48.0–51.8%``; empty when the interval is unknown."""
    if missing(low) or missing(high):
        return ""
    lo, hi = number(low, unit, symbol), number(high, unit, symbol)
    if unit == "%":
        lo = lo.removesuffix("%")
    return f"95% CI {lo} – {hi}" if lo.startswith(MINUS) or hi.startswith(MINUS) else f"95% CI {lo}–{hi}"


def delta(value: float | None, unit: str, symbol: str = "€") -> str | None:
    """A change against the comparison period with an explicit sign: ``+1.2 pts``, ``−0.5 pts``,
    ``+€1.7``; a change that rounds to zero is ``+0.0``; None when there is none (st.metric then shows no delta)."""
    if missing(value):
        return None
    body = number(abs(value), unit, symbol)
    if unit == "%":
        body = body.removesuffix("%") + " pts"
    shown_zero = not any(c in "123456789" for c in body)  # −0.004 points is shown as +0.0, not −0.0
    return ("+" if value >= 0 or shown_zero else MINUS) + body


def signed_percent(ratio: float | None) -> str:
    """A ratio as a signed percentage: ``+94%``, ``−14%``."""
    if missing(ratio):
        return "–"
    text = f"{ratio * 100:+,.0f}%"
    return text.replace("-", MINUS) if ratio * 100 <= -0.5 else text.replace("-", "+")


def share(p: float | None) -> str:
    """A probability or share: ``79%``."""
    return "–" if missing(p) else f"{p:.0%}"


def months(m: float | None) -> str:
    """Months until an event, rounded up as a payback is read ("within month 7"); ``never`` when none,
    ``immediate`` when there is nothing to pay back (no investment, and the first month covers its costs)."""
    if m is None or m != m or m == float("inf"):
        return "never"
    if m == 0:
        return "immediate"
    n = max(1, math.ceil(m - 1e-9))
    return f"{n} month{'s' * (n != 1)}"


def quantity(x: float | None, unit: str = "") -> str:
    """A count that may be fractional: ``5.9``, ``257``, ``1,234``, with an optional unit after it."""
    if missing(x):
        return "–"
    body = f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"
    body = body.replace("-", MINUS)
    return f"{body} {unit}".strip()


def points(x: float | None) -> str:
    """Percentage points, signed: ``+2.9 pts``."""
    return "–" if missing(x) else f"{x:+.1f} pts".replace("-", MINUS)


def value_text(unit: str, value: float | None, symbol: str) -> str:
    """A planner KPI (:class:`cxdata.actions.planner.Kpi`) in its unit: money, ratio (ROI), share, months, points or a count."""
    if unit == "money":
        return money(value, symbol)
    if unit == "ratio":
        return signed_percent(value)
    if unit in ("share", "containment"):
        return share(value)
    if unit == "months":
        return months(value)
    if unit == "points":
        return points(value)
    return quantity(value)


def count(n: int | float | None) -> str:
    """A count with thousands separators, ``1,204``, or an en dash when there is none."""
    return "–" if missing(n) else f"{n:,.0f}"


def month_span(start: date, end: date) -> str:
    """``Aug–Oct 2026``, ``Oct 2026``, ``Nov 2025 – Oct 2026``, or exact days when not whole months."""
    whole = start.day == 1 and (end + timedelta(days=1)).day == 1
    if not whole:
        if start.year == end.year:
            return f"{start:%-d %b} – {end:%-d %b %Y}"
        return f"{start:%-d %b %Y} – {end:%-d %b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%b %Y}"
    if start.year == end.year:
        return f"{start:%b}–{end:%b %Y}"
    return f"{start:%b %Y} – {end:%b %Y}"



#: Names of the filter dimensions as the sidebar shows them.
DIMENSION_LABELS = {"channel": "Channel", "touchpoint": "Touchpoint", "segment": "Segment", "region": "Region",
                    "plan": "Plan", "reason": "Contact reason", "team": "Team", "agent": "Agent"}


def dimension_label(column: str) -> str:
    return DIMENSION_LABELS.get(column, column.replace("_", " ").capitalize())


def period_text(start: date | None, end: date | None, comparison: tuple[date, date] | None = None) -> str:
    """``Aug–Oct 2026 vs May–Jul 2026``; ``all dates`` without a period."""
    if start is None or end is None:
        return "all dates"
    text = month_span(start, end)
    if comparison is not None:
        text += f" vs {month_span(*comparison)}"
    return text


def where_text(where: Iterable[tuple[str, Sequence[str]]]) -> str:
    """``Channel: phone, chat · Segment: Small Business``; ``all customers and contacts`` without filters."""
    parts = [f"{dimension_label(c)}: {', '.join(map(str, v))}" for c, v in where]
    return " · ".join(parts) if parts else "all customers and contacts"


#: The key drivers of negative experiences as the Churn & Revenue page names them.
#: The service drivers of negative experiences by one name each, wherever they are shown: the Churn & Revenue
#: charts, the Overview's headline, the ROI planner's custom lever and the meeting pack.
DRIVER_LABELS = {"wait_minutes": "Wait", "transfers": "Transfers", "unresolved": "Not resolved",
                 "escalated": "Bot escalated to a human"}
#: One unit of a driver, for its marginal effect ("Wait, per minute").
DRIVER_UNITS = {"wait_minutes": "per minute", "transfers": "per transfer"}


def driver_label(name: str, per_unit: bool = False) -> str:
    """``Wait``; with ``per_unit``, the label of a marginal effect: ``Wait, per minute``."""
    label = DRIVER_LABELS.get(name, name.replace("_", " ").capitalize())
    return f"{label}, {DRIVER_UNITS[name]}" if per_unit and name in DRIVER_UNITS else label


def when(moment: datetime | date | None) -> str:
    """A timestamp as an analyst reads it: ``2 Nov 2026 14:27`` (UTC for catalog times)."""
    if moment is None:
        return "–"
    if isinstance(moment, datetime):
        return moment.strftime("%-d %b %Y %H:%M")
    return moment.strftime("%-d %b %Y")
