"""The meeting pack: the workbook read back with openpyxl carries every number the engine computes
for the same filters (recomputed here with the engine's own functions), its cover states the
filters, period and data version, charts are images, numbers have formats, formula-looking text
stays text; the HTML report prints the same numbers as the pages, escapes text and needs no network."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.measures.metrics import MIN_ANSWERS, REGISTRY, Base, Filters, compute
from cxdata.measures.periods import data_span, default_period
from cxdata.scope import Scope, where_of
from cxdata.screens.dashboard import churn_by_negatives, headlines, kpi_tiles, moments_in_scope, risk_tile
from cxdata.screens.export import Sheet
from cxdata.screens.pack import TOP_MOMENTS, meeting_pack, pack_html, pack_workbook
from cxdata.settings import Settings

INJECTED = '=HYPERLINK("http://x","<b>y</b>")'
WHERE = {"channel": ["phone", "chat"]}
TREND_KEYS = ("nps", "csat", "ces", "fcr", "contacts", "answer_rate", "aht", "resolution_rate", "logo_churn", "arpu",
              "cost_to_serve")
#: Every registry tile of the Overview: the trend's KPIs and the customers table's snapshot (no months).
TILE_KEYS = (*TREND_KEYS, "customer_churn", "lost_revenue_share")
GENERATED = datetime(2026, 11, 20, 9, 30)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def case(sample_store, sample_analysis):
    """The sample with a segment named like a formula (in the moments of service), the app's default
    period and comparison, and a channel filter; the pack built once, written to both formats."""
    version = sample_store.active_version("sample")
    moments = sample_analysis.risk.moments.with_columns(
        segment=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(INJECTED)).otherwise(pl.col("segment")))
    a = dataclasses.replace(sample_analysis, risk=dataclasses.replace(sample_analysis.risk, moments=moments))
    (start, end), comparison = default_period(*data_span(sample_store, version.version_id))
    filters, compared = Filters.of(start, end, **WHERE), Filters.of(*comparison, **WHERE)
    extra = Sheet("Alerts", pl.DataFrame({"alert": ["+1 escalations"], "value": [12.5]}), units={"value": "%"})
    pack = meeting_pack(a, Scope("sample", version, start, end, comparison, where_of(WHERE.items())), Settings(),
                        extra=[extra], generated_at=GENERATED)
    book = load_workbook(io.BytesIO(pack_workbook(pack)))
    return dataclasses.make_dataclass("Case", ["a", "version", "filters", "compared", "pack", "book", "html"])(
        a, version, filters, compared, pack, book, pack_html(pack))


def same(got, expected) -> bool:
    """Equal; floats to 12 significant digits: a workbook keeps 15–16, and Polars' parallel sums can differ in
    the last bits between two runs of the same query (3.9413800000000134 then …156)."""
    if isinstance(got, (list, tuple)):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected))
    if isinstance(expected, float) and not isinstance(got, bool):
        return got == pytest.approx(expected, rel=1e-12, abs=0)
    return got == expected


#: The row of a pack sheet's header: title, context, finding, note and a blank row come first.
HEADER_ROW = 6


def table(ws) -> list[dict]:
    """The rows of a pack sheet under its header."""
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    header = [c for c in rows[0] if c is not None]
    return [dict(zip(header, r)) for r in rows[1:]]


def cells_of(ws, column: str) -> list:
    header = [c.value for c in ws[HEADER_ROW]]
    j = header.index(column)
    return [row[j] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]


def test_the_cover_states_dataset_version_period_comparison_filters_and_settings(case) -> None:
    cover = {r[0]: r[1] for r in case.book["Cover"].iter_rows(min_row=3, values_only=True) if r[0]}
    created = case.version.created_at.astimezone()
    assert case.book["Cover"]["A1"].value == "Momento meeting pack — sample"
    assert cover["Dataset"] == "sample"
    assert cover["Data version"] == f"{case.version.number}, created {created:%Y-%m-%d %H:%M}"
    assert cover["Period"] == "Aug–Oct 2026 (2026-08-01 to 2026-10-31)"
    assert cover["Comparison period"] == "May–Jul 2026 (2026-05-01 to 2026-07-31)"
    assert cover["Filters"] == "Channel: phone, chat"
    assert (cover["Currency"], cover["Revenue-at-risk horizon"]) == ("EUR", "12 months")
    assert cover["Generated"] == "2026-11-20 09:30"
    assert case.book.sheetnames == ["Cover", "KPIs", "Headlines", "Moments of service", "Trend by month",
                                    "Drill-down CSAT", "Churn by negatives", "Customers who left", "Key drivers",
                                    "Alerts"]


def test_kpi_tiles_round_trip_with_their_formats(case) -> None:
    tiles = kpi_tiles(case.a, case.filters, case.compared, Settings().params(), keys=TILE_KEYS)
    expected = {t["label"]: t for t in [*tiles, risk_tile(case.a, case.filters)]}
    rows = {r["KPI"]: r for r in table(case.book["KPIs"])}
    assert set(rows) == set(expected)
    for label, t in expected.items():
        r = rows[label]
        assert same((r["Value"], r["95% CI low"], r["95% CI high"], r["n"]), (t["value"], t["low"], t["high"], t["n"])), label
        assert same((r["Change"], r["Change 95% CI low"], r["Change 95% CI high"]),
                    (t["delta"], t["delta_low"], t["delta_high"]))
        assert r["Status"] == t["status"] == "ok"
    ws = case.book["KPIs"]
    formats = dict(zip((c.value for c in cells_of(ws, "KPI")), (c.number_format for c in cells_of(ws, "Value"))))
    assert (formats["CSAT"], formats["CES"], formats["Revenue per customer"]) == (
        '0.0"%";"−"0.0"%"', '0.00;"−"0.00', '"€"#,##0.00;"−€"#,##0.00')
    assert formats["Revenue at risk from CX"] == '"€"#,##0;"−€"#,##0'
    assert cells_of(ws, "Change")[0].number_format == '+0.0;"−"0.0;0.0'  # NPS points
    assert cells_of(ws, "Change")[1].number_format == '+0.0" pts";"−"0.0" pts";0.0" pts"'  # CSAT %
    assert all(c.number_format == '#,##0;"−"#,##0' for c in cells_of(ws, "n"))


def test_headlines_moments_churn_and_drivers_round_trip(case) -> None:
    lines = headlines(case.a, case.filters, "€")
    assert same([(r["Headline"], r["Estimate"], r["95% CI low"], r["95% CI high"]) for r in table(case.book["Headlines"])],
                [(h.text, h.value, h.low, h.high) for h in lines])
    top = moments_in_scope(case.a, case.filters.where, TOP_MOMENTS)
    rows = table(case.book["Moments of service"])
    assert 0 < len(rows) == top.height <= TOP_MOMENTS
    assert {r["Channel"] for r in rows} <= {"phone", "chat"}
    for r, m in zip(rows, top.iter_rows(named=True)):
        assert (r["Channel"], r["Touchpoint"]) == (m["channel"], m["touchpoint"])
        got = (r["Revenue at risk, 12 months"], r["95% CI low"], r["95% CI high"], r["Contacts a month"],
               r["Share negative"])
        assert same(got, (m["revenue_at_risk"], m["low"], m["high"], m["contacts_per_month"], m["negative_rate"]))
    churn = churn_by_negatives(case.a.panel, case.filters)
    assert same([tuple(r.values()) for r in table(case.book["Churn by negatives"])],
                list(churn.select("bucket", "churn", "low", "high", "n", "events").iter_rows()))
    drivers = case.a.drivers
    got = [(r["Share of explained variance"], r["95% CI low"], r["95% CI high"], r["R²"])
           for r in table(case.book["Key drivers"])]
    assert same(got, list(drivers.select("share", "low", "high", "r2").iter_rows()))
    assert [r["Driver"] for r in table(case.book["Key drivers"])] == [fmt.driver_label(d) for d in drivers["driver"]]


def test_the_trend_is_every_month_of_every_tile_kpi_with_the_dimension_filters(case) -> None:
    rows = table(case.book["Trend by month"])
    dimensions = Filters.of(**WHERE)
    for key in TREND_KEYS:
        m = REGISTRY[key]
        expected = compute(m, case.a.contacts if m.base is Base.CONTACTS else case.a.panel, by=["month"],
                           filters=dimensions, params=Settings().params())
        assert len(expected), key
        got = [r for r in rows if r["KPI"] == m.label]
        assert [r["Month"].date() for r in got] == expected["month"].to_list()
        assert same([(r["Value"], r["95% CI low"], r["95% CI high"], r["n"], r["Fewer than 30 answers"]) for r in got],
                    list(expected.select("value", "low", "high", "n", "small").iter_rows())), key


def test_charts_are_images_and_extra_sheets_follow(case) -> None:
    images = {ws.title: len(ws._images) for ws in case.book.worksheets}
    assert images == {"Cover": 0, "KPIs": 0, "Headlines": 0, "Moments of service": 1, "Trend by month": 11,
                      "Drill-down CSAT": 1, "Churn by negatives": 1, "Customers who left": 1, "Key drivers": 1,
                      "Alerts": 0}
    image = case.book["Trend by month"]._images[0]
    assert image.format == "png" and image.width >= 700
    assert [tuple(r.values()) for r in table(case.book["Alerts"])] == [("+1 escalations", 12.5)]


def test_formula_looking_text_arrives_as_text_and_no_cell_is_a_formula(case) -> None:
    ws = case.book["Moments of service"]
    segment = cells_of(ws, "Segment")
    injected = [c for c in segment if INJECTED in str(c.value)]
    assert len(injected) == 1 and injected[0].data_type == "s" and injected[0].value == INJECTED
    assert injected[0].quotePrefix  # Excel keeps it text when the cell is edited
    assert all(c.data_type != "f" for sheet in case.book.worksheets for row in sheet.iter_rows() for c in row)


def test_html_prints_the_numbers_as_the_pages_do_escapes_text_and_needs_no_network(case) -> None:
    page = case.html
    units = {s.frame.get_column("KPI")[i]: s.units["Value"][i] for s in case.pack.sheets if s.title == "KPIs"
             for i in range(s.frame.height)}
    for r in table(case.book["KPIs"]):
        unit = units[r["KPI"]]
        assert f">{fmt.number(r['Value'], unit, '€')}<" in page, r["KPI"]
        if r["Change"] is not None:
            assert f">{fmt.delta(r['Change'], unit, '€')}<" in page
    for r in table(case.book["Moments of service"]):
        assert f">{fmt.money(r['Revenue at risk, 12 months'], '€')}<" in page
        assert f">{r['Share negative']:.0f}%<" in page
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;&lt;b&gt;y&lt;/b&gt;&quot;)" in page
    assert "<b>y</b>" not in page
    assert not re.search(r"<script[^>]+src", page, re.IGNORECASE) and "<link" not in page
    assert ">Channel: phone, chat<" in page and ">Aug–Oct 2026 (2026-08-01 to 2026-10-31)<" in page
    specs = json.loads(re.search(r"const specs = (.*?);\n", page).group(1))
    assert len(specs) == 16 == page.count('<div class="chart"')
    assert all("datasets" in s for s in specs) and '"url"' not in json.dumps(specs)  # the data is inline


# ---------------------------------------------------------------- command line


def export(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOMENTO_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "cxdata", "export", *args], capture_output=True, text=True, env=env,
                          cwd=data_dir.parent, timeout=180)


def test_cli_writes_the_pack_of_the_apps_default_view(sample_store, tmp_path) -> None:
    """The session's sample store (its fits are saved, so nothing is refitted): workbook and HTML at once."""
    run = export(sample_store.data_dir, "--out", str(tmp_path / "pack.xlsx"), "--html", str(tmp_path / "pack.html"),
                 "--where", "segment=Enterprise")
    assert run.returncode == 0, run.stderr
    number = sample_store.active_version("sample").number
    assert run.stdout.splitlines()[-1] == f"sample v{number} · Aug–Oct 2026 vs May–Jul 2026 · Segment: Enterprise"
    cover = {r[0]: r[1] for r in load_workbook(tmp_path / "pack.xlsx")["Cover"].iter_rows(min_row=3, values_only=True)}
    assert (cover["Period"], cover["Filters"]) == ("Aug–Oct 2026 (2026-08-01 to 2026-10-31)", "Segment: Enterprise")
    assert ">Segment: Enterprise<" in (tmp_path / "pack.html").read_text(encoding="utf-8")
    html_only = export(sample_store.data_dir, "--out", str(tmp_path / "only.html"), "--start", "2026-10-01",
                       "--end", "2026-10-31", "--metric", "nps")
    assert html_only.returncode == 0, html_only.stderr
    assert "Oct 2026 vs Sep 2026" in html_only.stdout and (tmp_path / "only.html").stat().st_size > 500_000
    assert "NPS by channel and touchpoint" in (tmp_path / "only.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "expected"), [
    (("--where", "colour=red"), "error: 'sample' has no field 'colour' to filter on"),
    (("--where", "channel=fax"), "error: channel has no value 'fax' in 'sample'; its values: app, chat,"),
    (("--start", "2030-01-01", "--end", "2030-01-31"), "error: No data matches these filters (Jan 2030 · all "),
    (("--start", "2026-01-01"), "error: Give both --start and --end"),
    (("--dataset", "acme"), "error: No dataset named 'acme'"),
    (("--metric", "happiness"), "error: Unknown KPI 'happiness' for --metric"),
])
def test_cli_bad_input_exits_2_with_one_sentence(sample_store, tmp_path, args, expected) -> None:
    run = export(sample_store.data_dir, "--out", str(tmp_path / "pack.xlsx"), *args)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(expected) and run.stderr.count("\n") == 1, run.stderr
    assert not (tmp_path / "pack.xlsx").exists()


def test_cli_refuses_other_file_types(tmp_path) -> None:
    run = export(tmp_path / "empty", "--out", str(tmp_path / "pack.csv"))
    assert run.returncode == 2
    assert run.stderr == f"error: '{tmp_path / 'pack.csv'}': the meeting pack is written as .xlsx, .pdf, .pptx or .html.\n"


def test_initiatives_and_alerts_sheets_carry_the_pages_numbers(sample_store, sample_analysis) -> None:
    """An initiative and two alerts on the sample: the pack's Initiatives sheet holds what
    ``measure`` gives, the Alerts sheet what ``check_alert`` gives, the fired alert first."""
    from datetime import date

    from cxdata.actions.alerts import FIRED, OK, Alert, check_alert, create_alert, delete_alert
    from cxdata.actions.initiatives import create_initiative, delete_initiative, measure
    from cxdata.screens.initiatives import change_text
    from cxdata.screens.pack import action_sheets

    version = sample_store.active_version("sample")
    a, settings = sample_analysis, Settings()
    scope = {"channel": ["phone"], "touchpoint": ["billing"]}
    initiative = create_initiative(sample_store, dataset="sample", title="=Billing staffing", metric="negative_rate",
                                   start=date(2026, 7, 1), where=scope, investment=50_000, running_cost=2_000,
                                   status="active", actor=LOCAL)
    quiet = create_alert(sample_store, dataset="sample", metric="nps", rule="above", threshold=99, actor=LOCAL)
    loud = create_alert(sample_store, dataset="sample", metric="escalation_rate", rule="above", threshold=1,
                        where={"channel": ["chatbot"]}, actor=LOCAL)
    try:
        (start, end), comparison = default_period(*data_span(sample_store, version.version_id))
        view = Scope("sample", version, start, end, comparison)
        sheets = {s.title: s for s in action_sheets(a, view, settings, sample_store)}
        pack = meeting_pack(a, view, settings, extra=list(sheets.values()))
        book = load_workbook(io.BytesIO(pack_workbook(pack)))
    finally:
        delete_initiative(sample_store, initiative, actor=LOCAL)
        for alert_id in (quiet, loud):
            delete_alert(sample_store, alert_id, actor=LOCAL)
    row = table(book["Initiatives"])[0]
    m = measure("negative_rate", a.contacts, a.panel, scope, date(2026, 7, 1), params=settings.params(),
                investment=50_000, running_cost=2_000)
    assert row["Title"] == "=Billing staffing" and book["Initiatives"]["A7"].data_type == "s"
    assert same([row["Before"], row["After"], row["Effect"], row["Effect 95% CI low"], row["Effect 95% CI high"]],
                [m.before.value, m.after.value, m.did.value, m.did.low, m.did.high])
    assert row["Method"] == "difference-in-differences" and same(row["Cost to date"], m.realised.cost_to_date)
    assert sheets["Initiatives"].finding == (
        f"1 initiative tracked; =Billing staffing (active) moved {REGISTRY['negative_rate'].label} by "
        f"{change_text(m.effect, REGISTRY['negative_rate'].unit)}.")  # the Initiatives page's text
    alerts = table(book["Alerts"])
    assert [r["Status"] for r in alerts] == [FIRED, OK]
    expected = check_alert(Alert(dataset="sample", name="x", metric="escalation_rate", rule="above", threshold=1,
                                 min_n=MIN_ANSWERS, where_json=json.dumps({"channel": ["chatbot"]})), a.contacts, a.panel, settings.params())
    fired = alerts[0]
    assert same([fired["Value"], fired["95% CI low"], fired["95% CI high"], fired["n"], fired["Month before"]],
                [expected.value, expected.low, expected.high, expected.n, expected.previous])
    assert fired["Month"].date() == expected.month and fired["Alert"].startswith("Escalation rate (chatbot)")
    assert sheets["Alerts"].finding == f"1 of 2 alerts fired: {fired['Message']}"
    assert f"{fmt.number(expected.value, '%')} in {expected.month:%b %Y} (" in fired["Message"]


def test_the_drilldown_sheet_is_the_heat_map_of_the_pages_kpi(sample_store, sample_analysis) -> None:
    """Default: the Drill-down's default KPI (CSAT); a chosen one (NPS) as the page shows it after a pick."""
    version = sample_store.active_version("sample")
    (start, end), comparison = default_period(*data_span(sample_store, version.version_id))
    filters = Filters.of(start, end, **WHERE)
    for key, title in ((None, "Drill-down CSAT"), ("nps", "Drill-down NPS")):
        pack = meeting_pack(sample_analysis, Scope("sample", version, start, end, None, where_of(WHERE.items())),
                            Settings(), drill_metric=key)
        book = load_workbook(io.BytesIO(pack_workbook(pack)))
        rows = table(book[title])
        want = compute(key or "csat", sample_analysis.contacts, by=["channel", "touchpoint"], filters=filters)
        assert {r["Channel"] for r in rows} == set(WHERE["channel"])
        got = [(r["Channel"], r["Touchpoint"], r["Value"], r["95% CI low"], r["95% CI high"], r["n"]) for r in rows]
        assert same(got, [tuple(r) for r in want.select("channel", "touchpoint", "value", "low", "high", "n").rows()])
        assert len(book[title]._images) == 1
