"""Excel exports, written with openpyxl (DESIGN.md §2.4 "Excel in, Excel out").

One writer serves every export: a cover sheet (title, filters, data version, notes) and one sheet
per table, with header styling, number formats by column and fitted column widths. Text cells that
begin with ``=``, ``+``, ``-`` or ``@`` are written with a leading apostrophe-equivalent (a quote
prefix) so that no formula runs when the file is opened (CSV/formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cxdata.roi import HORIZONS, ScenarioResult, Spread, lever_summary, scenario_to_dict

_HEADER_FILL = PatternFill("solid", fgColor="2F5D8A")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text that a spreadsheet will not read as a formula: a risky first character gets a leading quote."""
    return "'" + value if value.startswith(_RISKY_PREFIXES) else value


@dataclass
class Sheet:
    title: str
    frame: pl.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)  # column → Excel number format
    note: str = ""


def _cell(value):
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def workbook(title: str, cover: Sequence[tuple[str, object]], sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx with a cover sheet (label/value rows) and one sheet per table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Cover"
    ws.append([safe_text(title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for label, value in cover:
        ws.append([safe_text(str(label)), _cell(value if not isinstance(value, (list, tuple, dict)) else str(value))])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 80
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.title[:31]), sheet)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_sheet(ws, sheet: Sheet) -> None:
    row0 = 1
    if sheet.note:
        ws.append([safe_text(sheet.note)])
        ws["A1"].font = Font(italic=True)
        row0 = 3
        ws.append([])
    columns = sheet.frame.columns
    ws.append(columns)
    for j in range(1, len(columns) + 1):
        c = ws.cell(row0, j)
        c.fill, c.font, c.alignment = _HEADER_FILL, _HEADER_FONT, Alignment(wrap_text=True, vertical="top")
    for row in sheet.frame.iter_rows():
        ws.append([_cell(v) for v in row])
    for j, name in enumerate(columns, 1):
        fmt = sheet.formats.get(name)
        dtype = sheet.frame.schema[name]
        if fmt is None and dtype in (pl.Date,):
            fmt = "yyyy-mm-dd"
        elif fmt is None and isinstance(dtype, pl.Datetime):
            fmt = "yyyy-mm-dd hh:mm"
        if fmt:
            for r in range(row0 + 1, ws.max_row + 1):
                ws.cell(r, j).number_format = fmt
        values = [len(str(name))] + [len(str(v)) for v in sheet.frame.get_column(name).head(500).to_list() if v is not None]
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, max(values) + 2))
    ws.freeze_panes = ws.cell(row0 + 1, 1)


# ---------------------------------------------------------------- scenario export

def _spread_rows(label: str, s: Spread | None, unit: str) -> dict:
    if s is None:
        return {"output": label, "unit": unit, "base": None, "P10": None, "P50": None, "P90": None}
    return {"output": label, "unit": unit, "base": s.base, "P10": s.p10, "P50": s.p50, "P90": s.p90}


def scenario_workbook(result: ScenarioResult, *, currency: str, dataset: str, version: int,
                      created: datetime | None = None) -> bytes:
    """Inputs, assumptions and results of a scenario, for finance to check."""
    s = result.scenario
    econ = scenario_to_dict(s)["economics"]
    inputs = pl.DataFrame({"lever": [lever_summary(lv) for lv in s.levers]})
    assumptions = pl.DataFrame({
        "input": [k for k, v in econ.items() if not isinstance(v, dict)],
        "value": [str(v) for k, v in econ.items() if not isinstance(v, dict)],
    })
    costs = pl.DataFrame({"channel": list(econ["cost_per_contact"]), "cost per contact": list(econ["cost_per_contact"].values())})
    rows = [
        _spread_rows("negative experiences avoided a month", result.negatives_avoided, "contacts"),
        _spread_rows("Δ CSAT top-2-box in scope", result.csat_points, "points"),
        _spread_rows("customers retained a month", result.churners_avoided, "customers"),
        _spread_rows("Δ monthly churn rate", result.churn_rate_pp, "percentage points"),
        _spread_rows("customer value retained a month", result.value_per_month, currency),
        _spread_rows("revenue retained a month (MRR)", result.revenue_per_month, currency),
        _spread_rows("cost-to-serve savings a month", result.savings_per_month, currency),
    ]
    for h in HORIZONS:
        rows.append(_spread_rows(f"NPV {h} months", result.npv[h], currency))
        rows.append(_spread_rows(f"ROI {h} months", result.roi[h], "ratio"))
    rows.append(_spread_rows("payback, value basis", result.payback_value, "months"))
    rows.append(_spread_rows("payback, cash basis", result.payback_cash, "months"))
    results = pl.DataFrame(rows, schema={"output": pl.String, "unit": pl.String, "base": pl.Float64,
                                         "P10": pl.Float64, "P50": pl.Float64, "P90": pl.Float64})
    extra = pl.DataFrame({
        "check": [f"P(ROI > 0) at {h} months" for h in HORIZONS]
        + [f"half effect: NPV {h} months" for h in HORIZONS] + ["break-even verified containment κ*"],
        "value": [result.p_roi_positive[h] for h in HORIZONS] + [result.half_effect.npv[h] for h in HORIZONS]
        + [result.break_even_containment],
    })
    cover = [("Scenario", s.name), ("Verdict", result.verdict(currency)), ("Dataset", f"{dataset} (version {version})"),
             ("Created", (created or datetime.now()).strftime("%Y-%m-%d %H:%M")),
             ("Method", "METHOD.md §3: g-computation with the experience and churn models; P10–P90 from "
                        "coefficient draws and business-input ranges."),
             ("Caution", "Associations adjusted for segment, plan, region, tenure and month — not proof of cause.")]
    return workbook(f"Momento — ROI scenario: {s.name}", cover, [
        Sheet("Levers", inputs),
        Sheet("Results", results, {"base": "#,##0.00", "P10": "#,##0.00", "P50": "#,##0.00", "P90": "#,##0.00"},
              note="base = fitted coefficients and base inputs; P10/P50/P90 over the uncertainty draws"),
        Sheet("Checks", extra, {"value": "#,##0.00"}),
        Sheet("Assumptions", assumptions),
        Sheet("Cost per contact", costs, {"cost per contact": "#,##0.00"}),
    ])

