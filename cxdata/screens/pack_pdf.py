"""The meeting pack as a print-ready PDF (issue 17): HTML and CSS for paper, laid out by WeasyPrint.

WeasyPrint (not ReportLab) because the pack is already HTML-shaped — a cover and one table per sheet — and CSS paged
media gives what a printed report needs in a few declarations: a running header on every page with what the pack is
of (:attr:`cxdata.screens.pack.Pack.context`: dataset, version, period, comparison, filters), ``Page N of M`` in the
footer (``counter(page)``, ``counter(pages)``), table headers repeated on each page and rows that never split.
WeasyPrint runs no JavaScript, so this is not the interactive HTML report: the same cover and tables are written for
print — each sheet from a new page, on landscape pages when its table has more than :data:`_WIDE` columns, column
widths from the text they hold (:meth:`Grid.shares`, a fixed table layout) — and every chart is drawn by
``vl-convert`` as SVG and embedded as a vector image (``data:`` URL), scaled to the page width.

Every number is written by :func:`cxdata.screens.export.shown`, as the HTML report and the pages write it, so the
PDF says what the screen says; every text is HTML-escaped. Nothing is fetched from the network: the only URLs are
the charts' ``data:`` URLs and the fetcher refuses any other scheme.

The helpers the PowerPoint deck shares (:func:`heading`, :func:`grid`, :func:`printable`) live here.
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cxdata.screens.export import CHART_WIDTH, Sheet, _fixed_width, shown

if TYPE_CHECKING:  # pack.py writes its files with these modules
    from cxdata.screens.pack import Pack

#: Paper sizes a pack is printed on: the name a caller gives → the CSS ``size``.
PAPERS = {"A4": "A4", "Letter": "letter"}
#: A sheet with more columns than this is printed on landscape pages, in a smaller font, so its table fits.
_WIDE = 8
#: Characters a column needs beyond its text (the cell's padding), and how much wider a bold header's letters are.
_PADDING = 2
_BOLD = 1.3
#: Rows read to size a table's columns.
_SAMPLED = 200


def heading(sheet: Sheet) -> str:
    """A sheet's heading (a section's, a slide's title): the sentence stating its finding, else its title."""
    return sheet.finding or sheet.title


@dataclass(frozen=True)
class Grid:
    """A sheet's table as the pages print it, all text: the column headers, which columns hold numbers (set
    right-aligned) and the rows, each value by :func:`cxdata.screens.export.shown` in its unit."""

    titles: list[str]
    numeric: list[bool]
    rows: list[list[str]]

    def shares(self) -> list[float]:
        """Each column's share of the table width (%), by the characters it needs: a number column its longest
        figure (numbers do not wrap), a text column its longest text up to 32 (longer text wraps), at least the
        header's longest word (in bold: :data:`_BOLD` wider) and 4, plus :data:`_PADDING`; from the first :data:`_SAMPLED` rows, so a fixed table layout fits the page
        without measuring every cell (an automatic layout measures each one: seconds for a long table)."""
        needs = []
        for j, title in enumerate(self.titles):
            longest = max((len(row[j]) for row in self.rows[:_SAMPLED]), default=0)
            header = max(math.ceil(len(word) * _BOLD) for word in title.split() or [""])
            needs.append(_PADDING + max(4, header, longest if self.numeric[j] else min(32, longest)))
        return [100 * n / sum(needs) for n in needs]


def grid(sheet: Sheet, symbol: str, rows: int | None = None) -> Grid:
    """The first ``rows`` rows of ``sheet`` (all by default) as a :class:`Grid`."""
    frame = sheet.frame if rows is None else sheet.frame.head(rows)
    return Grid(list(frame.columns), [frame.schema[c].is_numeric() for c in frame.columns],
                [[shown(value, sheet.unit_of(name, i), symbol, sheet.formats.get(name))
                  for name, value in zip(frame.columns, row)] for i, row in enumerate(frame.iter_rows())])


def chart_svg(spec: dict, width: int = CHART_WIDTH) -> str:
    """A Vega-Lite spec as SVG, ``width`` CSS pixels wide where it says "container"; rendered offline (the specs
    carry their data, no URL may be fetched)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(_fixed_width(spec, width), allowed_base_urls=[])


_STYLE = """
@page { size: %(size)s; margin: 20mm 14mm 18mm;
        @top-center { content: element(line); width: 100%%; }
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt; color: #52606d; } }
html { font-family: "DejaVu Sans", "Helvetica", "Arial", sans-serif; font-size: 9pt; color: #1f2933;
       line-height: 1.35; }
.line { position: running(line); font-size: 7.5pt; color: #52606d; text-align: center; }
h1 { font-size: 18pt; margin: 0 0 8mm; }
h2 { font-size: 13pt; margin: 0 0 2mm; break-after: avoid; }
.kicker { font-size: 8pt; color: #52606d; margin: 0; }
@page wide { size: %(size)s landscape; }
section { break-before: page; }
section.wide { page: wide; }
section.wide table { font-size: 7pt; }
.note { color: #52606d; font-style: italic; }
table { border-collapse: collapse; table-layout: fixed; width: 100%%; margin: 3mm 0; font-size: 7.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { background: #2f5d8a; color: #fff; text-align: left; padding: 1mm 1.2mm; vertical-align: bottom;
     overflow-wrap: break-word; }
td { border-bottom: .5pt solid #c3cad3; padding: .8mm 1.2mm; vertical-align: top; overflow-wrap: anywhere; }
th.n, td.n { text-align: right; }
td.n { white-space: nowrap; }
table.cover { font-size: 9.5pt; }
table.cover th { background: none; color: #1f2933; width: 30%%; vertical-align: top; }
figure { margin: 0; break-inside: avoid; }
figcaption { font-weight: bold; font-size: 9pt; margin-top: 4mm; }
img.chart { display: block; width: 100%%; height: auto; max-height: 125mm; object-fit: contain; margin: 3mm 0;
            break-inside: avoid; }
"""


def printable(text: object) -> str:
    """``text`` without the control characters a document cannot show (nor an Office file's XML hold)."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(text))


def _e(text: object) -> str:
    return html.escape(printable(text), quote=True)


def _table(sheet: Sheet, symbol: str) -> str:
    table = grid(sheet, symbol)
    kinds = [' class="n"' if number else "" for number in table.numeric]
    columns = "".join(f'<col style="width: {w:.1f}%">' for w in table.shares())
    head = "".join(f"<th{k}>{_e(t)}</th>" for t, k in zip(table.titles, kinds))
    body = "".join("<tr>" + "".join(f"<td{k}>{_e(t)}</td>" for t, k in zip(row, kinds)) + "</tr>"
                   for row in table.rows)
    return f"<table><colgroup>{columns}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(sheet: Sheet, symbol: str) -> str:
    title = heading(sheet)
    wide = ' class="wide"' if sheet.frame.width > _WIDE else ""
    parts = [f"<section{wide}>", f'<p class="kicker">{_e(sheet.title)}</p>' if title != sheet.title else "",
             f"<h2>{_e(title)}</h2>", _table(sheet, symbol),
             f'<p class="note">{_e(sheet.note)}</p>' if sheet.note else ""]
    for k, spec in enumerate(sheet.charts):
        svg = base64.b64encode(chart_svg(spec).encode("utf-8")).decode("ascii")
        caption = sheet.chart_findings[k] if len(sheet.chart_findings) > 1 else ""
        parts.append(f'<figure>{f"<figcaption>{_e(caption)}</figcaption>" if caption else ""}'
                     f'<img class="chart" alt="" src="data:image/svg+xml;base64,{svg}"></figure>')
    return "".join(parts) + "</section>"


def pack_document(pack: Pack, paper: str = "A4") -> str:
    """The HTML for print that :func:`pack_pdf` lays out: the running line, the cover, one section per sheet."""
    if paper not in PAPERS:
        raise ValueError(f"The PDF is printed on {' or '.join(PAPERS)} paper, not '{paper}'.")
    cover = "".join(f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in pack.cover)
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(pack.title)}</title><style>{_STYLE % {'size': PAPERS[paper]}}</style></head><body>"
            f'<div class="line">{_e(pack.context)}</div><h1>{_e(pack.title)}</h1>'
            f'<table class="cover">{cover}</table>'
            + "".join(_section(sheet, pack.symbol) for sheet in pack.sheets) + "</body></html>")


def pack_pdf(pack: Pack, paper: str = "A4") -> bytes:
    """The pack as a PDF on ``paper`` ("A4" or "Letter"): the cover, then each sheet on a new page — its finding,
    table, note and charts (vector images) — with the pack's context atop and ``Page N of M`` below every page."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = pack_document(pack, paper)
    offline = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return HTML(string=document, url_fetcher=offline).write_pdf()
