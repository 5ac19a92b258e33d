"""The meeting pack as a PowerPoint deck (issue 17), written with python-pptx.

A 16:9 deck: a title slide with the pack's cover, then one slide per chart — or, for a sheet without charts, one
slide with its table (the first :data:`TABLE_ROWS` rows). Each slide's title states the sheet's finding
(:func:`cxdata.screens.pack_pdf.heading`; each chart's own when the sheet has one per chart), its footer says what the pack is of — dataset, version, period,
comparison, filters (:attr:`cxdata.screens.pack.Pack.context`) — and its speaker notes hold the numbers behind it:
the sheet's whole table as text, every value written as the pages write it (:func:`cxdata.screens.pack_pdf.grid`),
then the sheet's note. A table on a slide is set in the largest font that fits (:func:`_font_size`), a text cell cut
at :data:`CELL_CHARS`. Charts are the Vega-Lite specs drawn as PNG (:func:`cxdata.screens.export.chart_png`),
offline.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from pptx import Presentation
from pptx.enum.text import PP_ALIGN
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from cxdata.screens.export import Sheet, chart_png
from cxdata.screens.pack_pdf import Grid, grid, heading, printable

if TYPE_CHECKING:  # pack.py writes its files with these modules
    from cxdata.screens.pack import Pack

#: Rows of a table shown on its slide (all of them are in the notes).
TABLE_ROWS = 12
#: A text cell longer than this is cut on the slide (with "…"); the notes keep it whole.
CELL_CHARS = 40
_WIDTH, _HEIGHT = Emu(12_192_000), Emu(6_858_000)  # PowerPoint's widescreen, 13.33 × 7.5 in
_MARGIN = Inches(0.5)
_INNER = Emu(_WIDTH - 2 * _MARGIN)  # the width inside the margins
_BODY_TOP, _BODY_BOTTOM = Inches(1.35), Inches(6.8)  # between the title and the footer
_BODY = Emu(_BODY_BOTTOM - _BODY_TOP)
_SIZES = (14, 12, 11, 10, 9, 8)  # a table's font sizes, largest first
_TITLE_ONLY = 5  # the default template's "Title Only" layout
_PX = 9525  # EMU in a CSS pixel (chart_png's sizes): 914,400 an inch / 96


def _cut(text: str) -> str:
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


def _footer(slide: Slide, line: str) -> None:
    box = slide.shapes.add_textbox(_MARGIN, Inches(6.95), _INNER, Inches(0.4))
    box.name = "Filters"
    paragraph = box.text_frame.paragraphs[0]
    paragraph.text = printable(line)
    paragraph.font.size = Pt(10)


def _slide(deck, title: str, line: str, notes: str) -> Slide:
    """A slide with ``title`` across its top, the filters ``line`` in its footer and ``notes`` as its speaker
    notes."""
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = _MARGIN, Inches(0.3), _INNER, Inches(1)
    shape.text = printable(title)
    shape.text_frame.paragraphs[0].font.size = Pt(26)
    _footer(slide, line)
    slide.notes_slide.notes_text_frame.text = printable(notes)
    return slide


def table_notes(sheet: Sheet, symbol: str) -> str:
    """The numbers behind a sheet's slides: its whole table as text, one row a line with `` | `` between the
    values as the pages write them, then its note."""
    table = grid(sheet, symbol)
    lines = [" | ".join(table.titles), *(" | ".join(row) for row in table.rows)]
    return "\n".join(lines + ([sheet.note] if sheet.note else []))


def _picture(slide: Slide, spec: dict) -> None:
    """The chart drawn as PNG, as large as fits between the title and the footer, centred."""
    png, width, height = chart_png(spec)
    scale = min(_INNER / (width * _PX), _BODY / (height * _PX))
    w, h = Emu(int(width * _PX * scale)), Emu(int(height * _PX * scale))
    slide.shapes.add_picture(io.BytesIO(png), Emu((_WIDTH - w) // 2), _BODY_TOP, w, h)


def _font_size(table: Grid) -> int:
    """The largest of :data:`_SIZES` (points) at which ``table`` fits between the title and the footer, by an
    estimate: a character is half the size wide, a line 1.2 times the size high, a row as many lines as its longest
    cell wraps to (at the column's share of the width), plus 0.1 in of cell margins."""
    room = (_BODY - Inches(0.4)) / Pt(1)  # points, with room for the caption
    inches = [_INNER * share / 100 / Inches(1) for share in table.shares()]
    for size in _SIZES:
        per_line = [max(1, int(w * 72 / (size / 2))) for w in inches]
        lines = [max(-(-len(text) // n) for text, n in zip(row, per_line)) for row in [table.titles, *table.rows]]
        if sum(n * 1.2 * size + 7.2 for n in lines) <= room:
            return size
    return _SIZES[-1]


def _table(slide: Slide, sheet: Sheet, symbol: str) -> None:
    """The sheet's first :data:`TABLE_ROWS` rows as a table in the largest font that fits, columns as wide as their
    text needs, numbers right-aligned; a caption says when the notes hold more rows."""
    table = grid(sheet, symbol, TABLE_ROWS)
    table = Grid(table.titles, table.numeric, [[_cut(text) for text in row] for row in table.rows])
    size = Pt(_font_size(table))
    shape = slide.shapes.add_table(len(table.rows) + 1, len(table.titles), _MARGIN, _BODY_TOP, _INNER,
                                   Emu(Inches(0.3) * (len(table.rows) + 1)))
    for j, share in enumerate(table.shares()):
        shape.table.columns[j].width = Emu(int(_INNER * share / 100))
    for i, row in enumerate([table.titles, *table.rows]):
        for j, text in enumerate(row):
            cell = shape.table.cell(i, j)
            cell.margin_top = cell.margin_bottom = Inches(0.05)
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.text = printable(text)
            paragraph.font.size = size
            if table.numeric[j]:
                paragraph.alignment = PP_ALIGN.RIGHT
    if sheet.frame.height > TABLE_ROWS:
        caption = slide.shapes.add_textbox(_MARGIN, Emu(_BODY_BOTTOM - Inches(0.35)), _INNER, Inches(0.35))
        caption.text_frame.text = f"First {TABLE_ROWS} of {sheet.frame.height} rows; all of them are in the notes."
        caption.text_frame.paragraphs[0].font.size = Pt(10)


def _title_slide(deck, pack: Pack, line: str) -> None:
    """The pack's title and its cover rows (label: value), the cover also in the notes."""
    cover = "\n".join(f"{label}: {value}" for label, value in pack.cover)
    slide = _slide(deck, pack.title, line, cover)
    body = slide.shapes.add_textbox(_MARGIN, _BODY_TOP, _INNER, _BODY).text_frame
    body.word_wrap = True
    for k, (label, value) in enumerate(pack.cover):
        paragraph = body.paragraphs[0] if k == 0 else body.add_paragraph()
        head, text = paragraph.add_run(), paragraph.add_run()
        head.text, text.text = printable(f"{label}: "), printable(str(value))
        head.font.bold = True
        head.font.size = text.font.size = Pt(14)


def pack_pptx(pack: Pack) -> bytes:
    """The pack as a 16:9 .pptx: a title slide with the cover, then one slide per chart, or per table for a sheet
    without charts (see the module docstring)."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = _WIDTH, _HEIGHT
    line = pack.context
    _title_slide(deck, pack, line)
    for sheet in pack.sheets:
        notes = table_notes(sheet, pack.symbol)
        if sheet.charts:
            titles = sheet.chart_findings or [heading(sheet)] * len(sheet.charts)
            for spec, title in zip(sheet.charts, titles, strict=True):
                _picture(_slide(deck, title, line, notes), spec)
        else:
            _table(_slide(deck, heading(sheet), line, notes), sheet, pack.symbol)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
