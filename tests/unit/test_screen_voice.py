"""The Voice of the customer's screen: its shares, themes and a theme's comments and trend against counts made by
hand on a small set of comments and with plain Polars on the sample; the version without comments says so."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime

import polars as pl
import pytest

from cxdata import format as fmt
from cxdata.catalog.store import VersionInfo
from cxdata.measures import text
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope, where_of
from cxdata.screens.voice import LEXICON_NOTE, fit_voice, unavailable, voice_screen
from cxdata.settings import Settings

VERSION = VersionInfo(version_id=7, dataset="acme", number=3, created_at=datetime(2026, 5, 1), note="", active=True,
                      tables={})
Z = 1.959963984540054

# (month, days, channel, touchpoint, csat, comment)
ROWS = [
    (2, [10], "phone", "billing", 1, "slow refund"),  # before the period: only in the theme's trend
    (3, [1, 2, 3, 4, 5, 6], "phone", "billing", 1, "slow refund"),
    (4, [1, 2], "phone", "billing", 1, "slow refund"),
    (3, [10, 11], "phone", "billing", 2, "rude agent"),
    (4, [10, 11, 12], "phone", "billing", 2, "rude agent"),
    (3, [15, 16, 17, 18, 19, 20], "chat", "billing", 5, "great quick answer"),
    (4, [15, 16, 17, 18, 19], "chat", "delivery", 2, "parcel arrived late"),
    (3, [21, 22, 23, 24, 25], "phone", "delivery", 4, "friendly courier"),
    (3, [26, 27], "phone", None, 3, "okay I guess"),
    (3, [28], "chat", "billing", 5, "   "),  # blank: not a comment
    (3, [29], "chat", "billing", 5, None),
]


def _contacts() -> pl.DataFrame:
    rows = [(datetime(2026, month, day, 9), channel, touchpoint, csat, comment)
            for month, days, channel, touchpoint, csat, comment in ROWS for day in days]
    frame = pl.DataFrame(rows, schema={"started_at": pl.Datetime, "channel": pl.String, "touchpoint": pl.String,
                                       "csat": pl.Int64, "comment": pl.String}, orient="row")
    return frame.with_row_index("interaction_id")


def _scope(start: date = date(2026, 3, 1), end: date = date(2026, 4, 30), **where: list[str]) -> Scope:
    return Scope("acme", VERSION, start, end, None, where_of(where.items()))


def _wilson(x: int, n: int) -> tuple[float, float]:
    p, denom = x / n, 1 + Z**2 / n
    centre, half = (p + Z**2 / (2 * n)) / denom, Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / denom
    return (centre - half) * 100, (centre + half) * 100


@pytest.fixture(scope="module")
def small() -> Analysis:
    return Analysis(_contacts(), None)


def test_the_shares_of_negative_comments_counted_by_hand(small: Analysis) -> None:
    s = voice_screen(small, _scope(region=["north"]), Settings())
    # in March–April: 8 + 5 + 5 negative (CSAT 1–2) of 31 comments; the blank and the missing one are not comments
    comments, negative = s.tiles
    assert (s.n, comments.value, comments.text, comments.caption) == (31, 31, "31", "In the sidebar's filters")
    low, high = _wilson(18, 31)
    assert negative.value == pytest.approx(18 / 31 * 100) and negative.text == fmt.number(18 / 31 * 100, "%")
    assert (negative.low, negative.high) == (pytest.approx(low), pytest.approx(high))
    assert negative.caption == f"{fmt.interval(low, high, '%')} · n 31"
    assert s.ignored_note == "The region filter does not apply to comments."
    touchpoints = s.by_touchpoint.table if s.by_touchpoint is not None else None
    assert touchpoints is not None and touchpoints.select("touchpoint", "n", "negative").rows() == [
        ("billing", 19, 13), ("delivery", 10, 5), (text.NONE, 2, 0)]
    assert touchpoints.get_column("value").to_list() == pytest.approx([13 / 19 * 100, 50.0, 0.0])
    assert s.by_channel is not None and s.by_channel.table.select("channel", "n", "negative").rows() == [
        ("phone", 20, 13), ("chat", 11, 5)]
    assert s.choices == {"touchpoint": ("billing", "delivery", text.NONE), "channel": ("phone", "chat")}
    bars = s.by_channel.chart
    assert bars is not None and bars["title"]["text"] == "Negative comments by channel"
    assert [(b["channel"], b["n"]) for b in bars["datasets"]["bars"]] == [("phone", 20), ("chat", 11)]


def test_the_sentiment_is_the_word_lists_with_few_scored_comments(small: Analysis) -> None:
    s = voice_screen(small, _scope(), Settings())
    assert s.sentiment == text.fit_sentiment(_contacts()).describe() and s.sentiment.startswith("Tone of comments: a small word list")
    assert s.sentiment_note == LEXICON_NOTE


def test_a_touchpoints_themes_with_the_comments_and_trend_of_the_first(small: Analysis) -> None:
    s = voice_screen(small, _scope(), Settings(), touchpoint="billing", channel="fax")
    assert (s.touchpoint, s.channel, s.themes_where) == ("billing", None, "touchpoint billing")
    # billing in March–April: "slow refund" in 8 negative comments, "rude agent" in 5; "great quick answer" in 6
    # positive ones (five terms each: the words and word pairs, one theme per set of comments)
    assert s.themes.select("term", "negative", "positive").rows() == [("slow refund", 8, 0), ("rude agent", 5, 0)]
    ni, nj = 3 * 8 + 3 * 5, 5 * 6
    alpha = 500 * 8 / (ni + nj)
    z = (math.log((8 + alpha) / (ni + 500 - 8 - alpha)) - math.log(alpha / (nj + 500 - alpha))) / math.sqrt(
        1 / (8 + alpha) + 1 / alpha)
    assert s.themes.get_column("z")[0] == pytest.approx(z)
    assert s.theme_options == ("slow refund", "rude agent")
    assert s.themes_note.startswith("Words and word pairs that set negative comments apart from positive ones in "
                                    "touchpoint billing")

    theme = s.theme
    assert theme is not None and theme.term == "slow refund"
    # every month of the data: Feb 1 of 1 negative billing comment, Mar 6 of 8, Apr 2 of 5
    months = theme.trend.table
    assert months.select("month", "mentioning", "n", "small").rows() == [
        (date(2026, 2, 1), 1, 1, True), (date(2026, 3, 1), 6, 8, True), (date(2026, 4, 1), 2, 5, True)]
    assert months.get_column("value").to_list() == pytest.approx([100.0, 75.0, 40.0])
    assert months.get_column("low").to_list() == pytest.approx([_wilson(x, n)[0] for x, n in ((1, 1), (6, 8), (2, 5))])
    assert theme.trend.chart is not None and "touchpoint billing" in theme.trend.chart["title"]["subtitle"]
    # the comments in the period, newest first
    assert theme.comments.get_column("started_at").to_list() == [
        datetime(2026, m, d, 9) for m, d in ((4, 2), (4, 1), (3, 6), (3, 5), (3, 4), (3, 3), (3, 2), (3, 1))]
    assert set(theme.comments.get_column("tone")) == {"negative"}
    assert (theme.comments_title, theme.comments_note) == ("The comments behind “slow refund”",
                                                          "(8; negative first, newest first)")


def test_an_asked_theme_is_shown_even_when_not_among_the_themes(small: Analysis) -> None:
    s = voice_screen(small, _scope(), Settings(), touchpoint="billing", theme="courier")
    assert s.theme_options == ("slow refund", "rude agent", "courier")
    assert s.theme is not None and s.theme.term == "courier" and not s.theme.comments.height
    assert s.theme.trend.table.get_column("mentioning").to_list() == [0, 0, 0]


def test_no_themes_where_no_comment_is_negative(small: Analysis) -> None:
    s = voice_screen(small, _scope(), Settings(), touchpoint=text.NONE)
    assert s.touchpoint == text.NONE and s.themes_where == f"touchpoint {text.NONE}"
    assert not s.themes.height and s.theme is None and s.theme_options == ()


def test_no_comment_in_scope(small: Analysis) -> None:
    s = voice_screen(small, _scope(date(2026, 6, 1), date(2026, 6, 30)), Settings())
    assert s.n == 0 and s.tiles[1].text == "–" and s.tiles[1].caption == "No comment in these filters."
    assert s.by_touchpoint is None and s.by_channel is None and s.choices == {} and s.theme is None
    assert s.ignored_note is None


def test_a_given_fit_is_used_and_the_screen_is_frozen(small: Analysis, monkeypatch: pytest.MonkeyPatch) -> None:
    fit = fit_voice(_contacts())
    monkeypatch.setattr(text, "fit_sentiment", lambda contacts: pytest.fail("fitted again"))
    s = voice_screen(small, _scope(), Settings(), voice=fit)
    assert s.n == 31
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.n = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.tiles[0].value = 0  # type: ignore[misc]


def test_a_version_without_comments_says_what_to_import() -> None:
    assert unavailable(_contacts()) is None
    without = _contacts().drop("comment")
    assert unavailable(None) is not None and unavailable(None).startswith("This version has no interactions:")
    assert unavailable(without) is not None and unavailable(without).startswith("This version has no comments:")
    blank = _contacts().with_columns(comment=pl.lit("  "))
    with pytest.raises(ValueError, match="This version has no comments"):
        voice_screen(Analysis(blank, None), _scope(), Settings())


# ---------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_voice(sample_analysis: Analysis):
    assert sample_analysis.contacts is not None
    return fit_voice(sample_analysis.contacts)


def test_the_sample_screen_is_its_comments_counted_with_polars(sample_analysis: Analysis, sample_store,
                                                               sample_voice) -> None:
    start, end = date(2026, 8, 1), date(2026, 10, 31)
    scope = Scope("sample", sample_store.active_version("sample"), start, end, None, (("channel", ("phone",)),))
    s = voice_screen(sample_analysis, scope, Settings(), touchpoint="billing", voice=sample_voice)
    phone = sample_voice.labelled.filter(pl.col("channel") == "phone")
    scoped = phone.filter(pl.col("started_at").dt.date().is_between(start, end))
    negative = scoped.filter(pl.col("tone") == "negative").height
    assert s.n == scoped.height > 0 and s.tiles[1].value == pytest.approx(negative / scoped.height * 100)
    assert s.by_touchpoint is not None
    expected = scoped.group_by("touchpoint").agg(n=pl.len(), negative=(pl.col("tone") == "negative").sum())
    shown = s.by_touchpoint.table.select("touchpoint", "n", "negative")
    assert shown.sort("touchpoint").rows() == expected.sort("touchpoint").rows()
    assert s.choices["channel"] == ("phone",) and s.touchpoint == "billing"

    billing = scoped.filter(pl.col("touchpoint") == "billing")
    assert s.themes.get_column("term").to_list() == text.themes(billing).get_column("term").to_list()
    assert s.theme is not None and s.theme.term == s.themes.get_column("term")[0]
    term = s.theme.term
    negatives = phone.filter((pl.col("touchpoint") == "billing") & (pl.col("tone") == "negative"))
    by_month = negatives.with_columns(
        month=pl.col("started_at").dt.truncate("1mo").dt.date(),
        hit=pl.col("comment").map_elements(lambda c: term in text.terms(c), return_dtype=pl.Boolean),
    ).group_by("month").agg(n=pl.len(), mentioning=pl.col("hit").sum()).sort("month")
    assert s.theme.trend.table.select("month", "n", "mentioning").rows() == by_month.rows()
    behind = billing.filter(pl.col("comment").map_elements(lambda c: term in text.terms(c), return_dtype=pl.Boolean))
    assert s.theme.comments.height == min(behind.height, 50)
    assert s.theme.comments.get_column("tone").to_list() == sorted(s.theme.comments.get_column("tone").to_list(),
                                                                   key=lambda t: t != "negative")
