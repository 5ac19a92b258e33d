"""The meeting pack as a PowerPoint deck, opened with python-pptx: 16:9, a title slide then one slide per chart or
table, each titled by its sheet's finding, the pack's context in every footer, the numbers behind each slide in its
notes (the Overview's and the drivers' numbers recomputed here with :mod:`cxdata.format`), hostile text kept as
text."""

from __future__ import annotations

import io

import polars as pl
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from cxdata import format as fmt
from cxdata.screens.dashboard import OVERVIEW_TILES
from cxdata.screens.pack_pptx import CELL_CHARS, TABLE_ROWS, pack_pptx
from tests.unit.test_pack_pdf import COMMENT, FORMULA, SCRIPT, STYLE, case, hostile_pack

__all__ = ["case"]  # the PDF tests' pack, built again for this module


@pytest.fixture(scope="module")
def deck(case):
    return Presentation(io.BytesIO(pack_pptx(case.pack)))


def footer(slide) -> str:
    return next(shape.text_frame.text for shape in slide.shapes if shape.name == "Filters")


def notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text


def test_one_slide_per_chart_or_table_titled_by_its_finding_with_the_context_in_the_footer(case, deck) -> None:
    sheets = case.pack.sheets
    slides = list(deck.slides)
    assert deck.slide_width * 9 == deck.slide_height * 16
    assert len(slides) == 1 + sum(len(s.charts) or 1 for s in sheets)
    titles = [case.pack.title] + [title for s in sheets
                                  for title in (s.chart_findings or [s.finding or s.title] * (len(s.charts) or 1))]
    assert [slide.shapes.title.text for slide in slides] == titles
    assert all(s.finding for s in sheets)  # every sheet of the pack states a finding
    for slide in slides:
        assert footer(slide) == case.pack.context
        assert case.scope.describe() in footer(slide) and f"v{case.version.number}" in footer(slide)
    kinds = [[shape.shape_type for shape in slide.shapes if shape.name != "Filters"] for slide in slides[1:]]
    expected = [MSO_SHAPE_TYPE.PICTURE if s.charts else MSO_SHAPE_TYPE.TABLE for s in sheets
                for _ in (s.charts or [None])]
    assert [k for kind in kinds for k in kind if k in (MSO_SHAPE_TYPE.PICTURE, MSO_SHAPE_TYPE.TABLE)] == expected


def test_each_trend_chart_slide_states_its_own_kpis_last_month(case, deck) -> None:
    """One slide per KPI of the trend, each titled with that KPI's last month against its first, read here from the
    sheet's own rows (the pack's trend table)."""
    trend = next(s for s in case.pack.sheets if s.title == "Trend by month")
    frame = trend.frame.with_columns(unit=pl.Series(list(trend.units["Value"])))
    kpis = list(dict.fromkeys(frame.get_column("KPI")))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert len(trend.charts) == len(kpis) > 1
    for kpi in kpis:
        rows = frame.filter((pl.col("KPI") == kpi) & pl.col("Value").is_not_null())
        first, last = rows.row(0, named=True), rows.row(-1, named=True)
        (said,) = [t for t in titles if t.startswith(f"{kpi} was ")]
        assert said.startswith(f"{kpi} was {fmt.number(last['Value'], last['unit'], '€')} (95% CI ")
        assert said.endswith(f" in {last['Month']:%b %Y}, against {fmt.number(first['Value'], first['unit'], '€')} "
                             f"in {first['Month']:%b %Y}.")


def test_the_title_slide_is_the_cover(case, deck) -> None:
    title = deck.slides[0]
    text = "\n".join(shape.text_frame.text for shape in title.shapes if shape.has_text_frame)
    for label, value in case.pack.cover:
        assert f"{label}: {value}" in text and f"{label}: {value}" in notes(title)


def test_the_kpi_slide_shows_the_tiles_and_its_notes_hold_every_number(case, deck) -> None:
    """The first KPI rows on the slide and all of them in the notes, as the Overview writes its tiles."""
    slide = deck.slides[1]
    kpis = case.pack.sheets[0]
    assert kpis.title == "KPIs" and slide.shapes.title.text == kpis.finding
    grid = next(shape.table for shape in slide.shapes if shape.has_table)
    assert [cell.text for cell in grid.rows[0].cells] == kpis.frame.columns
    assert len(grid.rows) == 1 + min(TABLE_ROWS, kpis.frame.height)
    for i, key in enumerate(OVERVIEW_TILES):
        t = case.overview.tiles[key]
        unit = t["unit"]
        values = [fmt.number(t[k], unit, "€") for k in ("value", "low", "high")]
        changes = [fmt.delta(t[k], unit, "€") or "–" for k in ("delta", "delta_low", "delta_high")]
        assert " | ".join([t["label"], *values, fmt.count(t["n"]), *changes]) + " | " in notes(slide), key
        if i < TABLE_ROWS:
            assert [c.text for c in grid.rows[i + 1].cells][:5] == [t["label"], *values, fmt.count(t["n"])]
    assert notes(slide).endswith(kpis.note)


def test_a_chart_slides_notes_hold_the_numbers_behind_the_chart(case, deck, sample_analysis) -> None:
    slide = deck.slides[-1]
    drivers = case.pack.sheets[-1]
    assert drivers.title == "Key drivers" and slide.shapes.title.text == drivers.finding
    for row in sample_analysis.drivers.iter_rows(named=True):
        shares = " | ".join(fmt.number(row[k], "%") for k in ("share", "low", "high"))
        assert f"{fmt.driver_label(row['driver'])} | {shares} | " in notes(slide)
    picture = next(shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert picture.image.content_type == "image/png"
    assert picture.left + picture.width <= deck.slide_width and picture.top + picture.height <= deck.slide_height


def test_hostile_text_stays_text_and_long_text_is_cut_on_the_slide_only() -> None:
    pack = hostile_pack()
    deck = Presentation(io.BytesIO(pack_pptx(pack)))
    cover, slide = deck.slides
    assert cover.shapes.title.text == pack.title and footer(cover) == f"{STYLE} · {FORMULA}"
    assert slide.shapes.title.text == f"{FORMULA} {SCRIPT}"
    cells = [row.cells[0].text for row in next(s.table for s in slide.shapes if s.has_table).rows]
    assert cells == ["Comment", SCRIPT, STYLE, FORMULA, COMMENT[:CELL_CHARS - 1] + "…", "ok"]
    assert f"\n{COMMENT} | 4.0%\n" in notes(slide) and notes(slide).endswith(SCRIPT)
