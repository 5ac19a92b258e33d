"""Every shape of data lights up what it can, on screen: a customers-only churn file (no dates, no
interactions) and a call-centre log without customer ids, imported into an empty store. The pages show
the numbers worked out here by hand, say in plain words what is missing, and never raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from apptest_helpers import DATA_PAGE, by_label, run_app, shown, table_with
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from dashboard_helpers import CHURN_PAGE, DRILLDOWN_PAGE, OVERVIEW_PAGE, captions, chart_data, chart_titles, tiles
from tests.shape_files import TELCO_CSV, call_log

JOURNEYS_PAGE, VOICE_PAGE = "app_pages/journeys.py", "app_pages/voice.py"


def telco_times(k: int) -> bytes:
    """The churn file with every customer repeated ``k`` times under new ids."""
    header, *rows = TELCO_CSV.strip().splitlines()
    return "\n".join([header] + [f"{i}{row}" for i in range(k) for row in rows]).encode()


@pytest.fixture
def telco(empty_store: Path) -> Path:
    import_file(Store(empty_store), TELCO_CSV.encode(), "telco.csv", "customers", dataset="telco", actor=LOCAL)
    return empty_store


def test_the_overview_of_a_customers_only_file_shows_who_left_and_the_revenue_they_took(telco: Path) -> None:
    at = run_app(OVERVIEW_PAGE)
    shown_tiles = tiles(at)
    # 6 of 20 left; 487.90 of 1,397.40 a month
    assert shown_tiles == {"Customers who left": ("30.0%", ""), "Monthly revenue lost": ("34.9%", "")}
    assert "95% CI 14.5% to 51.9%  \nn = 20" in captions(at)
    lines = [shown(m.value).removeprefix("- ") for m in at.markdown if m.value.startswith("- ")]
    assert lines[0].startswith("30.0% of customers left (95% CI 14.5% to 51.9%; 6 of 20); they paid €488 a month, "
                               "34.9% of all monthly revenue")
    assert any("need an interactions table" in c for c in captions(at))
    assert any("a customers table has no months" in i.value for i in at.info)
    assert "Needs the churn model" in " ".join(i.value for i in at.info)


def test_the_churn_page_breaks_churn_down_by_any_customer_attribute(empty_store: Path) -> None:
    import_file(Store(empty_store), telco_times(5), "telco.csv", "customers", dataset="telco", actor=LOCAL)
    at = run_app(CHURN_PAGE, churn_by="Contract")
    assert tiles(at)["Customers who left"] == ("30.0%", "")
    assert tiles(at)["Monthly revenue of those who left"] == ("€2.4k", "")  # 5 × 487.90 = 2,439.50
    assert by_label(at.selectbox, "Churn by").value == "contract"
    table = table_with(at, "Share who left")
    assert table["Contract"].tolist() == ["Month-to-month", "One year", "Two year"]
    assert table["Customers"].tolist() == ["60", "25", "15"] and table["Who left"].tolist() == ["30", "0", "0"]
    assert table["Share who left"].tolist() == ["50.0%", "0.0%", "0.0%"]  # 30 of 60, 0 of 25, 0 of 15
    # only month-to-month has 30 customers and 10 who left: the other groups are too few to draw
    bars = next(f for f in chart_data(at, "bars") if "group" in f.columns)
    assert bars["group"].to_list() == ["Month-to-month"] and bars["value"].to_list() == pytest.approx([50.0])
    assert "Customers who left, by contract" in chart_titles(at)
    assert any("Too few to show" in c and "One year, Two year" in c for c in captions(at))
    assert any("need to follow customers month by month" in i.value for i in at.info)


def test_the_data_page_says_what_the_data_can_show_and_how_to_unlock_the_rest(telco: Path) -> None:
    at = run_app(DATA_PAGE)
    pages = table_with(at, "shows on this data").set_index("page")
    assert pages.loc["Churn & Revenue", "status"] == "🟡 partly ready"
    assert pages.loc["Journeys", "status"] == "🔒 not ready"
    assert "Upload an interactions table with a customer id column to see journeys" in pages.loc["Journeys",
                                                                                                  "to unlock more"]
    kpis = table_with(at, "to unlock").set_index("KPI")
    assert bool(kpis.loc["Customers who left", "ready"]) and not bool(kpis.loc["Resolved in contact", "ready"])
    assert kpis.loc["Resolved in contact", "to unlock"] == "Upload an interactions table with a resolved column."
    assert any(e.label == "KPIs: 2 of 29 ready" for e in at.expander)


@pytest.fixture
def calls(empty_store: Path) -> tuple[Path, list[dict]]:
    text, rows = call_log()
    import_file(Store(empty_store), text.encode(), "calls.csv", "interactions", dataset="calls", actor=LOCAL)
    return empty_store, rows


def test_a_contact_log_without_customer_ids_on_every_page(calls) -> None:
    _, rows = calls
    at = run_app(OVERVIEW_PAGE, period="All data", compare_to="No comparison")
    shown_tiles = tiles(at)
    handled = [r["handle_seconds"] for r in rows if not r["abandoned"]]
    assert shown_tiles["Contact volume"] == ("900", "")
    assert shown_tiles["Average handle time"][0] == f"{sum(handled) / len(handled):,.0f} s"
    known = [r["resolved"] for r in rows if r["resolved"] is not None]
    assert shown_tiles["Resolved in contact"][0] == f"{100 * sum(known) / len(known):.1f}%"
    assert shown_tiles["First-contact resolution"][0] == "–" and shown_tiles["Logo churn / month"][0] == "–"

    drill = run_app(DRILLDOWN_PAGE, period="All data", metric="Average handle time", drill_by="Agent")
    assert by_label(drill.selectbox, "Break down by").value == "agent"
    bars = next(f for f in chart_data(drill, "bars") if "agent" in f.columns)
    assert bars["agent"].to_list() == ["Ana", "Bo", "Cy"]
    for agent, value in zip(bars["agent"], bars["value"]):
        times = [r["handle_seconds"] for r in rows if not r["abandoned"] and r["agent"] == agent]
        assert value == pytest.approx(sum(times) / len(times))
    assert any("The heat map crosses channel and touchpoint" in i.value for i in drill.info)

    churn = run_app(CHURN_PAGE)
    assert "Key drivers of negative experiences" in chart_titles(churn)
    assert any("need a customers table" in i.value for i in churn.info)

    journeys = run_app(JOURNEYS_PAGE)
    assert any("a customer id column" in i.value for i in journeys.info)
    run_app(VOICE_PAGE)


PAGES = (OVERVIEW_PAGE, DRILLDOWN_PAGE, CHURN_PAGE, JOURNEYS_PAGE, VOICE_PAGE, "app_pages/roi.py",
         "app_pages/initiatives.py", "app_pages/alerts.py", DATA_PAGE, "app_pages/settings.py")


@pytest.mark.parametrize("shape", ["customers only", "contacts without customer ids"])
def test_every_page_renders_on_either_shape_and_says_what_is_missing(empty_store: Path, shape: str) -> None:
    if shape == "customers only":
        import_file(Store(empty_store), TELCO_CSV.encode(), "telco.csv", "customers", dataset="shape", actor=LOCAL)
    else:
        import_file(Store(empty_store), call_log()[0].encode(), "calls.csv", "interactions", dataset="shape",
                    actor=LOCAL)
    for page in PAGES:
        at = run_app(page)  # raises on any exception the page shows
        said = " ".join(m.value for m in (*at.info, *at.warning, *at.caption, *at.markdown))
        assert "Traceback" not in said, page
    if shape == "customers only":
        assert "import interactions" in " ".join(i.value for i in run_app(JOURNEYS_PAGE).info).lower()
