"""How every number of the product is written — pages, exports and the command line — in the metric's unit and
the workspace currency (``Settings.symbol``). Formatting only: every number comes from ``cxdata``.

Pure Python, shared by the pages (through ``ui``) and the exports (the meeting pack, ``report``), so a file
prints a number exactly as the screen does. The rules (docs/method/README.md "How numbers are written"):

- a negative number has a true minus, U+2212 (``−4.3``), never a hyphen; a figure that rounds to zero has no
  sign (never ``−0%``, ``−0.0``);
- an interval is ``95% CI a to b`` and a range or band ``a to b``, each end written in full (``95% CI 48.0% to
  51.8%``, ``95% CI −€79.7k to −€67.0k``, ``€4.0k to €6.0k``): :func:`interval`, :func:`ci`, :func:`span`;
- money has one precision per size, so figures in one table line up: whole units below a thousand (``€870``),
  thousands with one decimal (``€9.4k``, ``€10.0k``, ``€284.5k``), millions with two (``€1.39M``); a metric in
  money below a thousand (a revenue or cost per customer) keeps its cents (``€52.30``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from typing_extensions import TypeIs

MINUS = "−"  # U+2212, as a figure is printed

MONEY_UNITS = ("money", "money/customer-month")


def missing(value: float | None) -> TypeIs[None]:
    """No number to show: None, NaN (e.g. the interval of a mean of one answer) or ±infinity (typed as None, so a
    caller that returns on it holds a float after)."""
    return value is None or not math.isfinite(value)


def signed(text: str, negative: bool) -> str:
    """``text`` (a figure written without its sign) with a true minus when ``negative`` and it does not read as
    zero: ``−4.3``, but ``0.0`` for −0.04 shown to one decimal."""
    return (MINUS if negative and any(c in "123456789" for c in text) else "") + text


def money(amount: float | None, symbol: str) -> str:
    """Money as an executive reads it, one precision per size: ``€870``, ``€4.9k``, ``€10.0k``, ``€284.5k``,
    ``−€1.39M``."""
    if missing(amount):
        return "–"
    a = abs(amount)
    if round(a) < 1_000:
        body = f"{a:,.0f}"
    elif a < 999_950:
        body = f"{a / 1e3:.1f}k"
    else:
        body = f"{a / 1e6:,.2f}M"
    return signed(f"{symbol}{body}", amount < 0)


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
        return money(value, symbol) if abs(value) >= 1000 else signed(f"{symbol}{abs(value):,.2f}", value < 0)
    else:
        text = f"{value:,.2f}"
    return signed(text.removeprefix("-"), value < 0)


def span(low: str, high: str) -> str:
    """A range or band from its two ends as written: ``€4.0k to €6.0k``, ``−3.0 to 2.0``, ``1 to 12``."""
    return f"{low} to {high}"


def ci(low: str, high: str) -> str:
    """A 95% confidence interval from its two ends as written: ``95% CI 48.0% to 51.8%``."""
    return f"95% CI {span(low, high)}"


def interval(low: float | None, high: float | None, unit: str, symbol: str = "€") -> str:
    """``95% CI 48.0% to 51.8%``, ``95% CI −€79.7k to −€67.0k``; empty when the interval is unknown."""
    if missing(low) or missing(high):
        return ""
    return ci(number(low, unit, symbol), number(high, unit, symbol))


def decimal(x: float | None, digits: int = 2, suffix: str = "", plus: bool = False) -> str:
    """A plain figure (an odds ratio, a coefficient, a score) to ``digits`` decimals with a true minus, ``suffix``
    after it, and ``+`` before a positive one when ``plus``: ``1.43×``, ``−0.21``, ``+4.1``; ``–`` when none."""
    if missing(x):
        return "–"
    text = signed(f"{abs(x):,.{digits}f}", x < 0)
    return ("+" if plus and not text.startswith(MINUS) else "") + text + suffix


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
    """A ratio as a signed percentage: ``+94%``, ``−14%``, ``+0%`` (never ``−0%``)."""
    return "–" if missing(ratio) else decimal(ratio * 100, 0, "%", plus=True)


def share(p: float | None) -> str:
    """A probability or share: ``79%``, ``−3%`` (never ``−0%``)."""
    return "–" if missing(p) else decimal(p * 100, 0, "%")


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
    """A count that may be fractional: ``0.04`` and ``0.38`` (two significant digits below one, so a small
    effect does not read as zero), ``5.9``, ``257``, ``1,234``, with an optional unit after it."""
    if missing(x):
        return "–"
    places = 0 if abs(x) >= 100 else 1 if abs(x) >= 1 or x == 0 else max(1, 1 - math.floor(math.log10(abs(x))))
    body = decimal(x, places)
    return f"{body} {unit}".strip()


def points(x: float | None) -> str:
    """Percentage points, signed: ``+2.9 pts``, ``−0.4 pts``, ``+0.0 pts`` (never ``−0.0``)."""
    return "–" if missing(x) else decimal(x, 1, " pts", plus=True)


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
    return decimal(n, 0)


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
#: Every canonical field (``cxdata.schema``) by the one name a page, an export or the command line gives it.
FIELD_LABELS = {**DIMENSION_LABELS, "interaction_id": "Contact id", "customer_id": "Customer id",
                "started_at": "Contact start", "started_time": "Time of day", "wait_seconds": "Wait (seconds)",
                "handle_seconds": "Handling time (seconds)", "abandoned": "Abandoned", "answered": "Answered",
                "transfers": "Transfers", "resolved": "Resolved", "automated": "Automated",
                "escalated": "Escalated to a human", "csat": "CSAT", "nps": "NPS", "ces": "CES", "comment": "Comment",
                "cost": "Cost", "value": "Order value", "joined_at": "Date joined", "churned": "Left",
                "churned_at": "Date left", "monthly_revenue": "Monthly revenue", "month": "Month",
                "revenue": "Revenue", "cost_to_serve": "Cost to serve", "expansion": "Expansion revenue",
                "contraction": "Contraction revenue", "tenure_months": "Tenure (months)"}


def dimension_label(column: str) -> str:
    """A field's or a dimension's name as every page, export and the command line show it: :data:`FIELD_LABELS`,
    else an upload's own column (``x_contract_type`` → ``Contract type``)."""
    return FIELD_LABELS.get(column, column.removeprefix("x_").replace("_", " ").capitalize())


_FIELD_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b(?:csat|nps|ces)\b")


def fields_in_words(text: str) -> str:
    """``text`` (an engine status, "needs csat answers and customer_id") with every field name written as its
    label inside a sentence: "needs CSAT answers and customer id"."""
    def word(match: re.Match[str]) -> str:
        label = dimension_label(match.group(0))
        return label if label[:2].isupper() else label[0].lower() + label[1:]
    return _FIELD_WORD.sub(word, text)


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
