"""Excel and HTML exports (README.md "Meeting pack").

One writer per format serves every export:

- :func:`workbook` (openpyxl): a cover sheet (title, filters, data version, notes) and one sheet per
  table — headed, when given a context line (what the numbers are of), by its title, that line, its
  finding and its note — with header styling and panes frozen below it, number formats by column (or by
  cell, from the cells' units: :func:`number_format`, money with the workspace's symbol), fitted
  column widths, and the table's charts as PNG images beside it (Vega-Lite specs rendered by
  ``vl-convert``, Altair's own image engine, with a fixed width and no network access). Every text is
  written as a string cell (:func:`text_cell`), never a formula, and one that begins with ``=``, ``+``,
  ``-`` or ``@`` also carries Excel's quote prefix, so no formula runs when the file is opened or the
  cell is edited (formula injection), while the text itself stays exactly as it was.
- :func:`csv_bytes`: a table as CSV for Excel (UTF-8 with a byte-order mark). A CSV cell has no
  "text" type, so a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  gets a leading ``'`` (OWASP's advice against CSV formula injection; :func:`formula_safe`), unless the
  whole cell is a plain number such as ``-5`` or ``+3.2`` (which Excel reads as that number, no
  formula); number columns are written as numbers, untouched.
- :func:`html_report`: the same cover and tables as one standalone HTML page, every number printed
  as the pages print it (:mod:`cxdata.format`), every text HTML-escaped, and the charts interactive
  through one inlined Vega/Vega-Lite/Vega-Embed bundle (no network access needed to open it).

A :class:`Sheet`'s ``units`` name how its numbers read: a unit of :mod:`cxdata.format` (``%``,
``points``, ``score``, ``seconds``, ``money``, ``money/customer-month``) or ``amount`` (money without
cents, as the moments of service show it), ``count``, ``whole %``, ``ratio``; ``±`` before a unit marks
a change (printed with its sign). A column's unit is one string, or one unit per row. A workbook keeps
each number as the screen shows it (a percentage is 48.4, not 0.484) under a format that writes its unit,
so no column needs to say the unit.
"""

from __future__ import annotations

import copy
import functools
import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cxdata import format as fmt
from cxdata.actions.roi import HORIZONS, ScenarioResult, Spread, lever_summary, scenario_to_dict

_HEADER_FILL = PatternFill("solid", fgColor="2F5D8A")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=14)
_CONTEXT_FONT = Font(color="52606D")
_FINDING_FONT = Font(bold=True, size=12)
_NOTE_FONT = Font(italic=True)
_RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Width of a chart drawn as an image (CSS pixels); rendered at twice that for sharp text.
CHART_WIDTH = 720
_CHART_SCALE = 2
_ROW_PX = 20  # default row height of a sheet, in pixels
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

#: The Excel number pattern and the text after it of each unit that is not money (the pages' precision,
#: :func:`cxdata.format.number`); a change of a percentage is in points, as the pages write it (``+1.2 pts``).
UNIT_FORMATS = {"%": ("0.0", "%"), "points": ("0.0", ""), "score": ("0.00", ""), "seconds": ("#,##0", " s"),
                "contacts": ("#,##0", ""), "count": ("#,##0", ""), "whole %": ("0", "%"), "ratio": ("0.00", "×")}


def text_cell(ws, value: str) -> Cell:
    """A cell for ``ws.append`` holding ``value`` as text: a string cell (openpyxl would make a formula of
    ``=…``), with Excel's quote prefix when it begins with a character a spreadsheet reads as the start of
    a formula (so editing it keeps it text), and without the control characters XML cannot hold."""
    cell = WriteOnlyCell(ws, ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    if value.startswith(_RISKY_PREFIXES):
        cell.quotePrefix = True
    return cell


@dataclass
class Sheet:
    """One table of an export: ``formats`` (column → Excel number format) win over ``units`` (column →
    a unit, or one unit per row; see the module docstring); ``charts`` are Vega-Lite specs drawn with
    the table."""

    title: str
    frame: pl.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    units: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    charts: Sequence[dict] = ()
    finding: str = ""  # one sentence stating what the table shows (a slide's title); "" → the title
    chart_findings: Sequence[str] = ()  # one sentence per chart, when a sheet has several (each chart slide's title)

    def unit_of(self, column: str, row: int) -> str | None:
        unit = self.units.get(column)
        return unit if unit is None or isinstance(unit, str) else unit[row]


#: A text cell a spreadsheet would read as the start of a formula (its first character is one of
#: ``_RISKY_PREFIXES``), and a text cell that is only a number (which it reads as that number).
_RISKY_START = "^[" + "".join(f"\\x{ord(ch):02x}" for ch in _RISKY_PREFIXES) + "]"
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell a spreadsheet would run as a formula prefixed with ``'``: a cell of a
    text (or categorical) column that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    and is not a plain number (``=cmd|' /C calc'!A0`` → ``'=cmd|' /C calc'!A0``, ``+39 06 1234`` →
    ``'+39 06 1234``, ``-5`` unchanged). Other columns, numbers above all, are returned as they are."""
    text = [name for name, dtype in frame.schema.items()
            if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))]
    cells = [pl.col(name).cast(pl.String) for name in text]
    return frame.with_columns(
        pl.when(cell.str.contains(_RISKY_START) & ~cell.str.contains(_PLAIN_NUMBER)).then("'" + cell)
        .otherwise(cell).alias(name)
        for name, cell in zip(text, cells)
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """Every CSV download: :func:`formula_safe` ``frame`` as UTF-8 CSV with a byte-order mark, so Excel shows
    accented text correctly and runs no formula from the data."""
    return b"\xef\xbb\xbf" + formula_safe(frame).write_csv().encode("utf-8")


def _quoted(text: str) -> str:
    """``text`` as a literal of an Excel number format (``"€"``), nothing when empty."""
    return f'"{text}"' if text else ""


def number_format(unit: str | None, value: object = None, symbol: str = "€") -> str | None:
    """The Excel number format of a value in ``unit`` as the pages print it (None: leave the cell's default):
    money with ``symbol`` (``"€"#,##0``; cents below a thousand for a money KPI, ``"€"#,##0.00``; ``amount`` always
    whole), a percentage as shown on screen (48.4 under ``0.0"%"``), seconds with ``s``, counts with thousands
    separators; a negative number with a true minus (``"−"0.0"%"``), a change (``±``) with its sign
    (``+0.0" pts";"−"0.0" pts";0.0" pts"``)."""
    if unit is None:
        return None
    change = unit.startswith("±")
    base = unit.removeprefix("±")
    if base in fmt.MONEY_UNITS or base == "amount":
        cents = base != "amount" and isinstance(value, (int, float)) and abs(value) < 1000
        digits, suffix, lead = "#,##0.00" if cents else "#,##0", "", symbol
    elif base in UNIT_FORMATS:
        (digits, suffix), lead = UNIT_FORMATS[base], ""
    else:
        return None
    if change and suffix == "%":
        suffix = " pts"
    positive = _quoted(lead) + digits + _quoted(suffix)
    negative = _quoted(fmt.MINUS + lead) + digits + _quoted(suffix)
    return f"+{positive};{negative};{positive}" if change else f"{positive};{negative}"


def shown(value: object, unit: str | None = None, symbol: str = "€", number_format: str | None = None) -> str:
    """A value as the pages print it: in its unit through :mod:`cxdata.format`, else by its type
    (numbers by their Excel ``number_format`` when there is one)."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit is not None and isinstance(value, (int, float)):
        base = unit.removeprefix("±")
        if unit.startswith("±"):
            return fmt.delta(value, base, symbol) or "–"
        if base == "amount":
            return fmt.money(value, symbol)
        if base == "count":
            return fmt.count(value)
        if base == "whole %":
            return f"{value:.0f}%".replace("-", fmt.MINUS)
        if base == "ratio":
            return f"{value:.2f}×"
        return fmt.number(value, base, symbol)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        decimals = {"#,##0": 0, "0": 0, "0.0": 1, "#,##0.0": 1}.get(number_format or "", 2)
        return f"{value:,.{decimals}f}"
    return str(value)


def text_table(frame: pl.DataFrame, titles: Mapping[str, str] | None = None, units: Mapping[str, str] | None = None,
               symbol: str = "€") -> pl.DataFrame:
    """``frame`` as a page's table shows it, all text: each column under ``titles[column]``, else its one name
    (:func:`cxdata.format.dimension_label`); each value by :func:`shown` in ``units[column]`` when given — a time as
    ``31 Oct 2026 22:56``, yes or no, a dash when missing (a grid would print ``None``)."""
    titles, units = titles or {}, units or {}
    heads = {c: titles.get(c, fmt.dimension_label(c)) for c in frame.columns}
    return pl.DataFrame({heads[c]: [fmt.when(v) if isinstance(v, date) else shown(v, units.get(c), symbol)
                                    for v in frame.get_column(c).to_list()] for c in frame.columns},
                        schema={heads[c]: pl.String for c in frame.columns})


def _cell(ws, value):
    if isinstance(value, str):
        return text_cell(ws, value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = _BAD_TITLE.sub(" ", title).strip("' ")[:31] or "Sheet"
    name, i = base, 2
    while name.lower() in taken:
        name = f"{base[:28]} {i}"
        i += 1
    taken.add(name.lower())
    return name


def workbook(title: str, cover: Sequence[tuple[str, object]], sheets: Sequence[Sheet], *, context: str = "",
             symbol: str = "€") -> bytes:
    """An .xlsx with a cover sheet (label/value rows) and one sheet per table (:func:`_write_sheet`); money in
    ``symbol``. ``context`` (what the numbers are of: dataset, period, filters, export time) heads every sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Cover"
    ws.append([_cell(ws, title)])
    ws["A1"].font = _TITLE_FONT
    ws.append([])
    for label, value in cover:
        ws.append([_cell(ws, str(label)), _cell(ws, value if not isinstance(value, (list, tuple, dict)) else str(value))])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    taken = {"cover"}
    for sheet in sheets:
        _write_sheet(wb.create_sheet(_sheet_title(sheet.title, taken)), sheet, context, symbol)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _banner(sheet: Sheet, context: str) -> list[tuple[str, Font]]:
    """The rows above a table: with a ``context``, always four (title, context, finding, note; a missing one left
    blank, so every table's header is on the same row); without, the finding and the note it has."""
    rows = [(sheet.title, _TITLE_FONT), (context, _CONTEXT_FONT)] if context else []
    rows += [(sheet.finding, _FINDING_FONT), (sheet.note, _NOTE_FONT)]
    return rows if context else [r for r in rows if r[0]]


def _write_sheet(ws, sheet: Sheet, context: str = "", symbol: str = "€") -> None:
    """The banner (:func:`_banner`) and a blank row, the header (frozen with the rows above it), the rows with
    each cell's number format (the column's ``formats``, else its unit's :func:`number_format`, dates as dates),
    widths fitted to the values as printed, and the charts as images to the right of the table."""
    banner = _banner(sheet, context)
    for r, (text, font) in enumerate(banner, 1):
        ws.append([_cell(ws, text) if text else None])
        ws.cell(r, 1).font = font
    if banner:
        ws.append([])
    row0 = len(banner) + 1 + bool(banner)
    columns = sheet.frame.columns
    ws.append([_cell(ws, c) for c in columns])
    for j in range(1, len(columns) + 1):
        c = ws.cell(row0, j)
        c.fill, c.font, c.alignment = _HEADER_FILL, _HEADER_FONT, Alignment(wrap_text=True, vertical="top")
    for values in sheet.frame.iter_rows():
        ws.append([_cell(ws, v) for v in values])
    for j, name in enumerate(columns, 1):
        fmt_ = sheet.formats.get(name)
        dtype = sheet.frame.schema[name]
        if fmt_ is None and dtype in (pl.Date,):
            fmt_ = "yyyy-mm-dd"
        elif fmt_ is None and isinstance(dtype, pl.Datetime):
            fmt_ = "yyyy-mm-dd hh:mm"
        if fmt_:
            for r in range(row0 + 1, ws.max_row + 1):
                ws.cell(r, j).number_format = fmt_
        elif name in sheet.units:
            for i, value in enumerate(sheet.frame.get_column(name).to_list()):
                if (cell_format := number_format(sheet.unit_of(name, i), value, symbol)) is not None:
                    ws.cell(row0 + 1 + i, j).number_format = cell_format
        head = sheet.frame.get_column(name).head(500)
        texts = [shown(v, sheet.unit_of(name, i), symbol, fmt_) for i, v in enumerate(head)]
        words = max(map(len, str(name).split()), default=0)  # the header wraps between words
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, words, min(len(str(name)), 24),
                                                                       *map(len, texts)) + 2)
    ws.freeze_panes = ws.cell(row0 + 1, 1)
    row = row0
    for spec in sheet.charts:
        png, _width, height = chart_png(spec)
        image = Image(io.BytesIO(png))
        image.width, image.height = image.width / _CHART_SCALE, image.height / _CHART_SCALE
        ws.add_image(image, f"{get_column_letter(len(columns) + 2)}{row}")
        row += -(-height // _ROW_PX) + 2


# ---------------------------------------------------------------- charts


def _fixed_width(spec: dict, width: int) -> dict:
    """``spec`` with a fixed width where it says "container" (an image or a file has no container)."""
    out = copy.deepcopy(spec)
    if out.get("width") == "container":
        out["width"] = width
    return out


def chart_png(spec: dict, width: int = CHART_WIDTH) -> tuple[bytes, int, int]:
    """A Vega-Lite spec as PNG (at twice the size, for sharp text), with its width and height in
    CSS pixels. Rendered offline: the specs carry their data, and no URL may be fetched."""
    import vl_convert

    png = vl_convert.vegalite_to_png(_fixed_width(spec, width), scale=_CHART_SCALE, allowed_base_urls=[])
    w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the PNG's IHDR chunk
    return png, w // _CHART_SCALE, h // _CHART_SCALE


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script (about 0.9 MB) that defines ``vegaEmbed`` globally;
    built once per process (about 2 s)."""
    import vl_convert

    # the stub makes `snippet` required; the function has a default (the globals this docstring names)
    return vl_convert.javascript_bundle().replace(  # type: ignore[call-arg]
        "</script", "<\\/script")


# ---------------------------------------------------------------- HTML


_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2933;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #c3cad3; padding-bottom: .2rem;
margin-top: 2.5rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th { background: #2f5d8a; color: #fff; text-align: left; padding: .3rem .6rem; vertical-align: top; }
td { border-bottom: 1px solid #e4e7eb; padding: .25rem .6rem; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.cover th { background: none; color: #1f2933; padding-left: 0; }
.note { color: #52606d; font-style: italic; }
.chart { width: 100%; margin: 1rem 0; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element (no ``</script>``, no ``<!--``)."""
    return json.dumps(value, ensure_ascii=False, default=str).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")


def html_report(title: str, cover: Sequence[tuple[str, object]], sheets: Sequence[Sheet], symbol: str = "€") -> str:
    """A standalone HTML page: the cover, then each table with its interactive charts."""
    parts = [f"<h1>{_e(title)}</h1>", '<table class="cover">']
    parts += [f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in cover]
    parts.append("</table>")
    specs: list[dict] = []
    for sheet in sheets:
        parts.append(f"<section><h2>{_e(sheet.title)}</h2>")
        if sheet.note:
            parts.append(f'<p class="note">{_e(sheet.note)}</p>')
        for spec in sheet.charts:
            parts.append(f'<div class="chart" id="chart-{len(specs)}"></div>')
            specs.append(spec)
        parts.append(_html_table(sheet, symbol))
        parts.append("</section>")
    head = [f'<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_STYLE}</style>"]
    tail = []
    if specs:
        head.append(f"<script>{vega_bundle()}</script>")
        tail.append("<script>const specs = " + _script_json(specs) + ";\n"
                    "specs.forEach((spec, i) => vegaEmbed('#chart-' + i, spec, "
                    "{actions: {export: true, source: false, compiled: false, editor: false}}));</script>")
    return ('<!DOCTYPE html>\n<html lang="en"><head>' + "".join(head) + "</head><body>" + "\n".join(parts)
            + "".join(tail) + "</body></html>\n")


def _html_table(sheet: Sheet, symbol: str) -> str:
    frame = sheet.frame
    out = ["<table><thead><tr>" + "".join(f"<th>{_e(c)}</th>" for c in frame.columns) + "</tr></thead><tbody>"]
    for i, row in enumerate(frame.iter_rows()):
        cells = []
        for name, value in zip(frame.columns, row):
            text = shown(value, sheet.unit_of(name, i), symbol, sheet.formats.get(name))
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            cells.append(f'<td class="n">{_e(text)}</td>' if numeric else f"<td>{_e(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


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
        + [f"half effect: NPV {h} months" for h in HORIZONS] + ["containment needed to break even (κ*)"],
        "value": [result.p_roi_positive[h] for h in HORIZONS] + [result.half_effect.npv[h] for h in HORIZONS]
        + [result.break_even_containment],
    })
    cover = [("Scenario", s.name), ("Verdict", result.verdict(currency).text), ("Dataset", f"{dataset} (version {version})"),
             ("Created", (created or datetime.now()).strftime("%Y-%m-%d %H:%M")),
             ("Method", "docs/method/planner.md: g-computation with the experience and churn models; P10 to P90 from "
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

