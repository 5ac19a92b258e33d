"""The meeting pack as a PDF, read back with pypdf: A4 and Letter pages, the pack's context and ``Page N of M`` on
every page, the cover's dataset and version, the Overview's numbers as the app writes them (recomputed here from
the Overview's screen with :mod:`cxdata.format`), charts as vectors, hostile text printed as text, no URL but
``data:``."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime

import polars as pl
import pytest
from pypdf import PdfReader

from cxdata import format as fmt
from cxdata.measures.periods import data_span, default_period
from cxdata.scope import Scope, where_of
from cxdata.screens.dashboard import OVERVIEW_TILES
from cxdata.screens.export import Sheet
from cxdata.screens.overview import overview_screen
from cxdata.screens.pack import TOP_MOMENTS, Pack, meeting_pack
from cxdata.screens.pack_pdf import pack_document, pack_pdf
from cxdata.settings import Settings

WHERE = {"channel": ["phone", "chat"]}
GENERATED = datetime(2026, 11, 20, 9, 30)
PAPERS = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}


@pytest.fixture(scope="module")
def case(sample_store, sample_analysis):
    """The sample's pack for the app's default period and comparison with a channel filter, and its Overview
    screen for the same scope (what the app shows)."""
    version = sample_store.active_version("sample")
    (start, end), comparison = default_period(*data_span(sample_store, version.version_id))
    scope = Scope("sample", version, start, end, comparison, where_of(WHERE.items()))
    pack = meeting_pack(sample_analysis, scope, Settings(), generated_at=GENERATED)
    overview = overview_screen(sample_analysis, scope, Settings(), moments=TOP_MOMENTS)
    return dataclasses.make_dataclass("Case", ["scope", "version", "pack", "overview"])(scope, version, pack, overview)


def flat(text: str) -> str:
    """A page's extracted text with every run of white space as one space (lines wrap where the layout says)."""
    return re.sub(r"\s+", " ", text).strip()


@dataclasses.dataclass(frozen=True)
class Printed:
    paper: str
    pdf: PdfReader
    pages: list[str]  # each page's text, flat

    @property
    def text(self) -> str:
        return " ".join(self.pages)


@pytest.fixture(scope="module", params=list(PAPERS))
def printed(request, case) -> Printed:
    """The pack printed on each paper, read back."""
    pdf = PdfReader(io.BytesIO(pack_pdf(case.pack, request.param)))
    return Printed(request.param, pdf, [flat(page.extract_text()) for page in pdf.pages])


def test_pages_are_the_paper_size_and_each_carries_the_context_and_its_number(case, printed) -> None:
    pdf = printed.pdf
    width, height = PAPERS[printed.paper]
    n = len(pdf.pages)
    assert n > 1 + len(case.pack.sheets)  # a cover, then each sheet on at least one page
    first = pdf.pages[0].mediabox
    assert (float(first.width), float(first.height)) == pytest.approx((width, height), abs=0.01)
    for i, (page, text) in enumerate(zip(pdf.pages, printed.pages), 1):
        box = page.mediabox
        assert sorted((float(box.width), float(box.height))) == pytest.approx(sorted((width, height)), abs=0.01)
        assert case.scope.describe() in text and f"Page {i} of {n}" in text, i
        assert f"Dataset sample v{case.version.number} · " in text
    landscape = {text.split(" ", 1)[0]: page.mediabox.width > page.mediabox.height
                 for page, text in zip(pdf.pages, printed.pages)}
    assert landscape["KPIs"] and not landscape["Headlines"]  # 10 columns fit across the page, 4 fit down it


def test_the_cover_states_dataset_version_period_comparison_and_filters(case, printed) -> None:
    cover = printed.pages[0]
    created = case.version.created_at.astimezone()
    assert cover.startswith("Momento meeting pack — sample Dataset sample ")
    assert f"Data version {case.version.number}, created {created:%Y-%m-%d %H:%M}" in cover
    assert "Period Aug–Oct 2026 (2026-08-01 to 2026-10-31)" in cover
    assert "Comparison period May–Jul 2026 (2026-05-01 to 2026-07-31)" in cover
    assert "Filters Channel: phone, chat" in cover and "Currency EUR" in cover


def test_the_kpis_are_printed_as_the_overview_shows_them(case, printed) -> None:
    """Each tile's row: label, value, 95% interval, n and change with its interval, written by cxdata.format from
    the Overview's own tiles."""
    text = printed.text
    for key in OVERVIEW_TILES:
        t = case.overview.tiles[key]
        unit = t["unit"]
        values = [fmt.number(t[k], unit, "€") for k in ("value", "low", "high")]
        changes = [fmt.delta(t[k], unit, "€") or "–" for k in ("delta", "delta_low", "delta_high")]
        row = " ".join([t["label"], *values, fmt.count(t["n"]), *changes])
        assert row in text, row
    top = case.overview.moments
    for m in top.iter_rows(named=True):
        assert f"{m['touchpoint']} {m['segment']} {fmt.money(m['revenue_at_risk'], '€')} " in text


def test_every_sheet_has_its_finding_as_heading_and_charts_are_vectors(case, printed) -> None:
    """The charts' titles are text in the PDF (a picture would have none) and there is no raster image at all."""
    text = printed.text
    for sheet in case.pack.sheets:
        assert flat(sheet.finding or sheet.title) in text, sheet.title
        for spec in sheet.charts:
            assert spec["title"]["text"] in text
    assert sum(len(s.charts) for s in case.pack.sheets) >= 10
    assert not any(image_xobjects(page["/Resources"]) for page in printed.pdf.pages)


def image_xobjects(resources) -> list:
    """The raster images a page's resources reach, through every form XObject (a vector chart is a form)."""
    found, seen, todo = [], set(), [resources]
    while todo:
        xobjects = todo.pop().get_object().get("/XObject")
        for ref in (xobjects.get_object() if xobjects is not None else {}).values():
            key = getattr(ref, "idnum", None) or id(ref)
            if key in seen:
                continue
            seen.add(key)
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                found.append(obj)
            elif "/Resources" in obj:
                todo.append(obj["/Resources"])
    return found


def test_paper_other_than_a4_or_letter_is_refused_with_a_sentence(case) -> None:
    with pytest.raises(ValueError, match=r"^The PDF is printed on A4 or Letter paper, not 'A3'\.$"):
        pack_pdf(case.pack, "A3")


# ---------------------------------------------------------------- hostile text

SCRIPT = "<script>alert('x')</script>"
STYLE = "</style><h1>big</h1>"
FORMULA = "=cmd|' /C calc'!A0"
COMMENT = " ".join(f"w{i:04d}" for i in range(1000)) + " END"  # 5,004 characters


def hostile_pack() -> Pack:
    """A pack whose every text — title, cover, context, finding, note and cells — holds markup, a formula and a
    5,000-character comment."""
    frame = pl.DataFrame({"Comment": [SCRIPT, STYLE, FORMULA, COMMENT, "ok\x00\x0b"],
                          "Value": [1.5, 2.0, None, 4.0, 5.0]})
    sheet = Sheet(STYLE, frame, note=SCRIPT, units={"Value": "%"}, finding=f"{FORMULA} {SCRIPT}")
    cover = (("Dataset", SCRIPT), ("Filters", STYLE), ("Comment", COMMENT))
    return Pack(f"Pack {SCRIPT}", cover, (sheet,), "€", GENERATED, "hostile", context=f"{STYLE} · {FORMULA}")


def test_hostile_text_is_printed_as_text() -> None:
    pack = hostile_pack()
    document = pack_document(pack)
    assert SCRIPT not in document and STYLE not in document and "<h1>big" not in document
    assert all(url.startswith("data:") for url in re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', document))
    pdf = PdfReader(io.BytesIO(pack_pdf(pack, "Letter")))
    text = " ".join(flat(page.extract_text()) for page in pdf.pages)
    assert text.count(SCRIPT) >= 4 and text.count(STYLE) >= 3 and FORMULA in text
    assert all(f" {value} " in text for value in ("1.5%", "2.0%", "4.0%", "5.0%", "–"))
    at = 0  # all of it, every word in order: wrapped, and continued on the next page under its header if need be
    for word in COMMENT.split():
        at = text.index(word, at) + len(word)
    assert all(f"{STYLE} · {FORMULA}" in flat(page.extract_text()) for page in pdf.pages)
