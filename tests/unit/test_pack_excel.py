"""The meeting pack's workbook as an executive forwards it: read back with openpyxl, every number keeps the value
the screen shows (recomputed here from the Overview's screen and the engine, not from the writer) under a number
format that writes its unit — money with the workspace's symbol, percentages as on screen with ``%``, changes
signed with a true minus, counts with separators; headers are the app's labels; every sheet is headed by its title,
the dataset, period, filters and export time, and its finding; and each finding is one sentence with its number."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime

import polars as pl
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from cxdata import format as fmt
from cxdata.measures.metrics import REGISTRY, Filters, compute
from cxdata.measures.periods import data_span, default_period
from cxdata.scope import Scope, where_of
from cxdata.screens.dashboard import OVERVIEW_TILES
from cxdata.screens.export import number_format
from cxdata.screens.overview import overview_screen
from cxdata.screens.pack import TOP_MOMENTS, drilldown_finding, kpi_finding, meeting_pack, pack_workbook
from cxdata.settings import Settings

WHERE = {"channel": ["phone", "chat"]}
GENERATED = datetime(2026, 11, 20, 9, 30)
SETTINGS = Settings(currency="USD")  # not the default currency, so "$" can only come from the settings
HEADER_ROW = 6  # title, context, finding, note, a blank row, then the header


@pytest.fixture(scope="module")
def case(sample_store, sample_analysis):
    """The sample's pack for the app's default period against its comparison, two channels, in dollars; the
    Overview's screen of the same scope, built on its own; the workbook read back."""
    version = sample_store.active_version("sample")
    (start, end), comparison = default_period(*data_span(sample_store, version.version_id))
    scope = Scope("sample", version, start, end, comparison, where_of(WHERE.items()))
    pack = meeting_pack(sample_analysis, scope, SETTINGS, generated_at=GENERATED)
    book = load_workbook(io.BytesIO(pack_workbook(pack)))
    screen = overview_screen(sample_analysis, scope, SETTINGS, moments=TOP_MOMENTS)
    return dataclasses.make_dataclass("Case", ["a", "version", "scope", "pack", "book", "screen"])(
        sample_analysis, version, scope, pack, book, screen)


def rows(ws) -> list[dict]:
    """A sheet's rows under its header, each as header → cell."""
    header = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=HEADER_ROW + 1)]


def by_kpi(case) -> dict[str, dict]:
    return {r["KPI"].value: r for r in rows(case.book["KPIs"])}


def test_money_carries_the_settings_symbol_and_the_screens_amounts(case) -> None:
    moments = rows(case.book["Moments of service"])
    top = case.screen.moments
    assert 0 < len(moments) == top.height
    for r, m in zip(moments, top.iter_rows(named=True)):
        for column, key in (("Revenue at risk, 12 months", "revenue_at_risk"), ("95% CI low", "low"),
                            ("95% CI high", "high")):
            cell = r[column]
            assert cell.value == pytest.approx(m[key], rel=1e-12)
            assert cell.number_format == '"$"#,##0;"−$"#,##0'  # whole dollars, a true minus for a loss
    kpis = by_kpi(case)
    risk, arpu = case.screen.tiles["revenue_at_risk"], case.screen.tiles["arpu"]
    assert kpis[risk["label"]]["Value"].value == pytest.approx(risk["value"], rel=1e-12) and risk["value"] > 1000
    assert kpis[risk["label"]]["Value"].number_format == '"$"#,##0;"−$"#,##0'
    assert kpis[arpu["label"]]["Value"].value == pytest.approx(arpu["value"], rel=1e-12) and arpu["value"] < 1000
    assert kpis[arpu["label"]]["Value"].number_format == '"$"#,##0.00;"−$"#,##0.00'  # cents, as the tile shows
    assert kpis[arpu["label"]]["Change"].number_format == '+"$"#,##0.00;"−$"#,##0.00;"$"#,##0.00'
    assert not any("€" in str(c.number_format) for ws in case.book.worksheets for row in ws.iter_rows() for c in row)


def test_percentages_keep_the_screens_numbers_under_a_percent_format(case) -> None:
    kpis = by_kpi(case)
    csat = case.screen.tiles["csat"]
    row = kpis[csat["label"]]
    assert row["Value"].value == pytest.approx(csat["value"], rel=1e-12) and 1 < row["Value"].value < 100
    assert {row[c].number_format for c in ("Value", "95% CI low", "95% CI high")} == {'0.0"%";"−"0.0"%"'}
    assert row["Change"].value == pytest.approx(csat["delta"], rel=1e-12)
    assert row["Change"].number_format == '+0.0" pts";"−"0.0" pts";0.0" pts"'  # as the tile: +1.1 pts
    share = case.screen.moments.get_column("negative_rate").to_list()
    got = [r["Share negative"] for r in rows(case.book["Moments of service"])]
    assert [c.value for c in got] == pytest.approx(share, rel=1e-12) and all(c.number_format == '0"%";"−"0"%"' for c in got)
    drivers = [r["Share of explained variance"] for r in rows(case.book["Key drivers"])]
    assert [c.value for c in drivers] == pytest.approx(case.a.drivers.get_column("share").to_list(), rel=1e-12)
    assert all(c.number_format == '0.0"%";"−"0.0"%"' for c in drivers)


def test_each_kpi_row_has_its_own_units_format_and_no_unit_column(case) -> None:
    kpis = by_kpi(case)
    expected = {"%": '0.0"%";"−"0.0"%"', "points": '0.0;"−"0.0', "score": '0.00;"−"0.00',
                "seconds": '#,##0" s";"−"#,##0" s"', "contacts": '#,##0;"−"#,##0'}
    seen = set()
    for key in OVERVIEW_TILES:
        tile = case.screen.tiles[key]
        if tile["unit"] in expected:
            assert kpis[tile["label"]]["Value"].number_format == expected[tile["unit"]], key
            seen.add(tile["unit"])
        assert kpis[tile["label"]]["n"].value == tile["n"]
        assert kpis[tile["label"]]["n"].number_format == '#,##0;"−"#,##0'
    assert seen == set(expected)
    assert kpis["NPS"]["Change"].number_format == '+0.0;"−"0.0;0.0'
    headers = {c.value for ws in case.book.worksheets[1:] for c in ws[HEADER_ROW]}
    assert not {"unit", "Unit"} & headers


def test_headers_are_the_apps_labels(case) -> None:
    header = [c.value for c in case.book["Moments of service"][HEADER_ROW]]
    assert header == ["Rank", *map(fmt.dimension_label, ("channel", "touchpoint", "segment")),
                      "Revenue at risk, 12 months", "95% CI low", "95% CI high", "Contacts a month", "Share negative"]
    assert [c.value for c in case.book["KPIs"][HEADER_ROW]] == [
        "KPI", "Value", "95% CI low", "95% CI high", "n", "Change", "Change 95% CI low", "Change 95% CI high",
        "Status", "Definition"]
    assert [c.value for c in case.book["Trend by month"][HEADER_ROW]][:2] == ["KPI", fmt.dimension_label("month")]
    for ws in case.book.worksheets[1:]:
        names = [c.value for c in ws[HEADER_ROW] if c.value is not None]
        assert all(n == "n" or not n[0].islower() for n in names), (ws.title, names)
        assert not any("95% low" in n or "95% high" in n for n in names)
        assert all(c.fill.fgColor.rgb.endswith("2F5D8A") for c in ws[HEADER_ROW] if c.value is not None)


def test_every_sheet_is_headed_by_its_title_the_scope_and_the_export_time(case) -> None:
    context = (f"Dataset sample v{case.version.number} · Aug–Oct 2026 vs May–Jul 2026 · Channel: phone, chat · "
               "exported 2026-11-20 09:30")
    assert case.pack.context == context
    sheets = {s.title: s for s in case.pack.sheets}
    assert len(case.book.worksheets) == len(sheets) + 1
    for ws in case.book.worksheets[1:]:
        sheet = sheets[ws.title]
        assert [ws.cell(r, 1).value for r in range(1, 5)] == [sheet.title, context, sheet.finding, sheet.note]
        assert ws["A1"].font.b and ws["A3"].font.b and ws["A4"].font.i
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"  # the header and the rows above stay in view
    cover = {r[0]: r[1] for r in case.book["Cover"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert (cover["Period"], cover["Comparison period"], cover["Filters"], cover["Generated"], cover["Currency"]) == (
        "Aug–Oct 2026 (2026-08-01 to 2026-10-31)", "May–Jul 2026 (2026-05-01 to 2026-07-31)", "Channel: phone, chat",
        "2026-11-20 09:30", "USD")


def test_findings_are_sentences_that_state_the_number(case) -> None:
    for sheet in case.pack.sheets:
        f = sheet.finding
        assert f and f[0].isupper() and f.endswith(".") and re.search(r"\d", f), (sheet.title, f)
        assert "None" not in f and "nan" not in f.lower().split()
    found = {s.title: s.finding for s in case.pack.sheets}
    first = next(t for t in case.screen.shown if t["value"] is not None)
    assert found["KPIs"].startswith(f"{first['label']} {fmt.number(first['value'], first['unit'], '$')} (95% CI ")
    assert f"on {fmt.month_span(*case.scope.comparison)}." in found["KPIs"]
    top = case.screen.moments.row(0, named=True)
    channel = top["channel"][:1].upper() + top["channel"][1:]
    assert found["Moments of service"].startswith(f"{channel} contacts about {top['touchpoint']} from {top['segment']} ")
    assert f"put {fmt.money(top['revenue_at_risk'], '$')} ({fmt.interval(top['low'], top['high'], 'money', '$')})" \
        in found["Moments of service"]
    driver = case.a.drivers.row(0, named=True)
    assert found["Key drivers"].startswith(f"{fmt.driver_label(driver['driver'])} is the strongest driver of negative "
                                           f"experiences: {fmt.number(driver['share'], '%')} (95% CI ")
    cells = compute("csat", case.a.contacts, by=["channel", "touchpoint"], filters=case.scope.filters)
    worst = cells.filter(~pl.col("small")).sort("value").row(0, named=True)
    assert found["Drill-down CSAT"] == (
        f"CSAT is lowest for {worst['channel']} contacts about {worst['touchpoint']}: "
        f"{fmt.number(worst['value'], '%')} ({fmt.interval(worst['low'], worst['high'], '%')}, n = {worst['n']:,}).")
    assert found["Headlines"] == case.screen.headlines[0].text


def test_columns_fit_their_printed_values_and_charts_sit_beside_the_table(case) -> None:
    ws = case.book["Moments of service"]
    header = [c.value for c in ws[HEADER_ROW]]
    j = header.index("Revenue at risk, 12 months") + 1
    widest = max(len(fmt.money(v, "$")) for v in case.screen.moments.get_column("revenue_at_risk"))
    assert widest < ws.column_dimensions[get_column_letter(j)].width <= 62
    assert all(10 <= ws.column_dimensions[get_column_letter(k)].width <= 62 for k in range(1, len(header) + 1))
    (image,) = ws._images
    assert (image.anchor._from.col, image.anchor._from.row) == (len(header) + 1, HEADER_ROW - 1)


def test_empty_data_gives_findings_that_say_so(sample_store, sample_analysis) -> None:
    version = sample_store.active_version("sample")
    (start, end), comparison = default_period(*data_span(sample_store, version.version_id))
    scope = Scope("sample", version, start, end, comparison, where_of({"segment": ["nobody"]}.items()))
    pack = meeting_pack(sample_analysis, scope, SETTINGS, generated_at=GENERATED)
    found = {s.title: s.finding for s in pack.sheets}
    screen = overview_screen(sample_analysis, scope, SETTINGS, moments=TOP_MOMENTS)
    assert found["Moments of service"] == screen.unranked and screen.unranked
    assert found["Churn by negatives"].startswith("Too few customer-months under these filters")
    assert all(f and f.endswith(".") and "None" not in f for f in found.values())
    blank = dataclasses.replace(screen, tiles={k: {**t, "value": None} for k, t in screen.tiles.items()})
    assert kpi_finding(blank, comparison, "$") == "No KPI has data under these filters."
    none = pl.DataFrame(schema={"channel": pl.String, "touchpoint": pl.String, "value": pl.Float64,
                                "low": pl.Float64, "high": pl.Float64, "n": pl.UInt32, "small": pl.Boolean})
    assert drilldown_finding(none, REGISTRY["csat"], "$") == \
        "No channel and touchpoint has 30 answers for CSAT under these filters."


@pytest.mark.parametrize(("unit", "value", "symbol", "expected"), [
    ("money", 52.3, "CHF ", '"CHF "#,##0.00;"−CHF "#,##0.00'),
    ("money", 1520.0, "£", '"£"#,##0;"−£"#,##0'),
    ("amount", 12.0, "€", '"€"#,##0;"−€"#,##0'),  # an amount has no cents, whatever its size
    ("±money/customer-month", -1.5, "$", '+"$"#,##0.00;"−$"#,##0.00;"$"#,##0.00'),
    ("%", 48.4, "€", '0.0"%";"−"0.0"%"'),
    ("±%", -1.2, "€", '+0.0" pts";"−"0.0" pts";0.0" pts"'),
    ("whole %", 38.0, "€", '0"%";"−"0"%"'),
    ("±points", 0.2, "€", '+0.0;"−"0.0;0.0'),
    ("seconds", 434.8, "€", '#,##0" s";"−"#,##0" s"'),
    ("count", 18900, "€", '#,##0;"−"#,##0'),
    ("ratio", 1.75, "€", '0.00"×";"−"0.00"×"'),
    ("months", 3.0, "€", None),
    (None, 3.0, "€", None),
])
def test_number_formats_by_unit(unit, value, symbol, expected) -> None:
    assert number_format(unit, value, symbol) == expected


def test_the_trends_months_are_dates_under_a_month_format(case) -> None:
    """Every month of the data (the period filter does not cut the trend), each a date written ``Oct 2026``."""
    months = [r["Month"] for r in rows(case.book["Trend by month"])]
    assert all(c.number_format == "mmm yyyy" for c in months)
    dimensions = Filters.of(**WHERE)
    expected = compute("nps", case.a.contacts, by=["month"], filters=dimensions).get_column("month").to_list()
    nps = [r["Month"].value.date() for r in rows(case.book["Trend by month"]) if r["KPI"].value == "NPS"]
    assert nps == expected and nps[0] < case.scope.start
