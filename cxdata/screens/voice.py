"""The Voice of the customer, built once for the page that draws it (and any writer of the same numbers): how the
sentiment of comments is found and how well it does, the share of negative comments overall and by touchpoint and
channel, the themes that set negative comments apart, and one theme's comments and trend by month.

Where each number comes from (:mod:`cxdata.measures.text`, method in ``docs/method/text.md``):

- a comment's tone: negative when its CSAT is 1 or 2, positive when 4 or 5; without a score, the sentiment model's label
  (:func:`~cxdata.measures.text.fit_sentiment`, :func:`~cxdata.measures.text.labelled_comments`);
- share of negative comments = negative comments / comments × 100 with a 95% Wilson interval
  (:func:`~cxdata.measures.text.negative_share`);
- themes: the weighted log-odds of a word or word pair appearing in a negative rather than a positive comment, in
  standard errors, z (:func:`~cxdata.measures.text.themes`);
- a theme by month: negative comments mentioning it / negative comments × 100 with a Wilson interval
  (:func:`~cxdata.measures.text.theme_trend`), over every month of the data.

The sentiment is fitted once per dataset version (:func:`fit_voice`); the app keeps the fit and passes it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from cxdata import format as fmt
from cxdata.measures import text
from cxdata.measures.metrics import Filters
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope, withheld_sentence
from cxdata.screens.charts import interval_bars, labelled, trend_chart
from cxdata.screens.figures import Figure
from cxdata.settings import Settings

#: Months with fewer negative comments than this are drawn hollow on the theme's trend.
SMALL_MONTH = 30
#: Comments listed behind a theme.
COMMENTS_SHOWN = 50
COMMENT_COLUMNS = ("started_at", "comment", "csat", "tone", "channel", "touchpoint", "reason")
#: The columns whose negative shares are drawn as bars, and where the themes can be narrowed to.
BY = ("touchpoint", "channel")
#: The name of the share bars' point selection (a click on a bar).
PICK = "pick"

LEXICON_NOTE = ("With at least 200 comments scored with CSAT (30 of them negative), Momento learns the sentiment from "
                "your own customers, in whatever languages they write: import interactions with comments and csat "
                "answers on the Data page.")
COMMENTS_HELP = "Contacts with a non-empty comment in the filters."
NEGATIVE_HELP = ("A comment is negative when its CSAT is 1 or 2; comments without a score take the sentiment model's label "
                 "(probability of negative ≥ 0.5).")


@dataclass(frozen=True)
class Voice:
    """The sentiment fit of a version and its comments labelled with a tone."""

    sentiment: text.Sentiment
    labelled: pl.DataFrame  # text.labelled_comments


@dataclass(frozen=True)
class Tile:
    """One number of the screen: ``value`` (with its 95% interval ``low``–``high`` when it has one, over ``n``
    comments), ``text`` the value as printed, ``caption`` the line under it, ``help`` what it counts."""

    label: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    text: str
    caption: str
    help: str


@dataclass(frozen=True)
class ThemeView:
    """One theme in scope: ``trend`` its share of the negative comments by month over every month of the data
    (table: month, negative, mentioning, share, low, high and the chart's value, n, small; no chart when no month
    has a negative comment); ``comments`` the first :data:`COMMENTS_SHOWN` comments that mention it, negative first,
    newest first (:func:`cxdata.measures.text.comments_with`); ``comments_title`` and ``comments_note`` their
    heading (how many are listed, in what order)."""

    term: str
    trend: Figure
    comments: pl.DataFrame
    comments_title: str
    comments_note: str


@dataclass(frozen=True)
class VoiceScreen:
    """What the Voice of the customer shows for one scope and the page's touchpoint, channel and theme.

    ``sentiment``: how tones are found and validated (:meth:`cxdata.measures.text.Sentiment.describe`, without counts
    under restrictions);
    ``sentiment_method``: the same in technical terms (:meth:`cxdata.measures.text.Sentiment.describe_technically`);
    ``sentiment_note``: how to get a learned model (None when the sentiment is learned).
    ``tiles``: the comments in scope and the share of them that is negative (:func:`text.negative_share`);
    ``n``: the comments in scope; ``ignored_note``: the sidebar filters comments do not have (None when all apply).
    ``by_touchpoint``, ``by_channel``: the negative share by touchpoint and by channel (n, negative, value, low,
    high; comments without one as ``(none)``), bars highlighting the chosen one; None when the comments lack the
    column or none is in scope. ``choices``: the touchpoints and channels the themes can be narrowed to.
    ``touchpoint``, ``channel``: the page's choices among them (None: all); ``themes_where`` names them.
    ``themes``: term, negative, positive, z of the themes of the comments in scope and those choices, strongest
    first (:func:`text.themes`), with ``themes_note``; ``theme_options``: the themes a reader can pick (the asked
    theme included; none without themes); ``theme``: the asked theme, else the strongest (None without themes)."""

    sentiment: str
    sentiment_note: str | None
    sentiment_method: str
    tiles: tuple[Tile, Tile]
    n: int
    ignored_note: str | None
    by_touchpoint: Figure | None
    by_channel: Figure | None
    choices: Mapping[str, tuple[str, ...]]
    touchpoint: str | None
    channel: str | None
    themes_where: str
    themes: pl.DataFrame
    themes_note: str
    theme_options: tuple[str, ...]
    theme: ThemeView | None


def unavailable(contacts: pl.DataFrame | None) -> str | None:
    """Why a version has nothing to show here (no interactions, or no contact with a non-empty comment), in
    one sentence; None when it has comments."""
    if contacts is not None and "comment" in contacts.columns and text.comment_frame(contacts.select("comment")).height:
        return None
    what = "interactions" if contacts is None else "comments"
    return (f"This version has no {what}: import interactions with a comment column (free text, any language) on "
            "the Data page to see what customers say; with csat answers beside them, the sentiment is learned "
            "from your own customers' scores.")


def fit_voice(contacts: pl.DataFrame) -> Voice:
    """:func:`cxdata.measures.text.fit_sentiment` and every comment labelled with it
    (:func:`cxdata.measures.text.labelled_comments`): once per version."""
    sentiment = text.fit_sentiment(contacts)
    return Voice(sentiment, text.labelled_comments(contacts, sentiment))


def in_scope(comments: pl.DataFrame, filters: Filters, touchpoint: str | None = None,
             channel: str | None = None) -> pl.DataFrame:
    """The labelled comments passing ``filters`` and in ``touchpoint`` and ``channel`` (None: any;
    :data:`cxdata.measures.text.NONE`: those without one)."""
    scoped, _ = filters.apply(comments, "started_at")
    for column, value in (("touchpoint", touchpoint), ("channel", channel)):
        if value is not None and column in scoped.columns:
            scoped = scoped.filter(pl.col(column).is_null() if value == text.NONE else pl.col(column) == value)
    return scoped


def _tiles(overall: dict) -> tuple[Tile, Tile]:
    n = overall["n"]
    comments = Tile("Comments", n, None, None, n, fmt.count(n), "In the sidebar's filters", COMMENTS_HELP)
    value, low, high = (overall[k] if n else None for k in ("value", "low", "high"))
    caption = f"{fmt.interval(low, high, '%')} · n {fmt.count(n)}" if n else "No comment in these filters."
    return comments, Tile("Negative comments", value, low, high, n, fmt.number(value, "%"), caption, NEGATIVE_HELP)


def _share_figure(scoped: pl.DataFrame, column: str, chosen: str | None) -> Figure | None:
    if column not in scoped.columns or not scoped.height:
        return None
    table = text.negative_share(scoped, column)
    chart = interval_bars(
        labelled(table, "%", ""), category=column, title=f"Negative comments by {column}",
        subtitle="Share of comments, with its 95% interval · click a bar for its themes",
        value_title="Negative comments (%)", highlight=chosen, selection=PICK,
        category_title=fmt.dimension_label(column))
    return Figure(table, chart)


def _theme(comments: pl.DataFrame, scope: Scope, touchpoint: str | None, channel: str | None, term: str,
           where: str) -> ThemeView:
    months = text.theme_trend(in_scope(comments, scope.dimension_filters, touchpoint, channel), term)
    months = months.with_columns(value=pl.col("share"), n=pl.col("negative"), small=pl.col("negative") < SMALL_MONTH)
    chart = None if not months.height else trend_chart(
        labelled(months, "%", ""), title=f"Negative comments mentioning “{term}”, by month",
        subtitle=f"Share of the negative comments, with its 95% interval · {where} · {scope.where_text()} · "
                 f"hollow: fewer than {SMALL_MONTH} negative comments",
        value_title="share (%)", period=(scope.start, scope.end) if scope.start else None, height=260)
    hits = text.comments_with(in_scope(comments, scope.filters, touchpoint, channel), term, COMMENTS_SHOWN)
    hits = hits.select([c for c in COMMENT_COLUMNS if c in hits.columns])
    first = f", the first {COMMENTS_SHOWN}" if hits.height == COMMENTS_SHOWN else ""
    return ThemeView(term, Figure(months, chart), hits, f"The comments behind “{term}”",
                     f"({fmt.count(hits.height)}{first}; negative first, newest first)")


def voice_screen(a: Analysis, scope: Scope, settings: Settings, touchpoint: str | None = None,
                 channel: str | None = None, theme: str | None = None, voice: Voice | None = None) -> VoiceScreen:
    """The Voice of the customer of ``a``'s comments in ``scope``, the themes narrowed to ``touchpoint`` and
    ``channel`` (ignored unless among the bars' values) and showing ``theme`` (default: the strongest).

    ``voice``: the version's sentiment fit when the caller keeps one (default: fitted here, :func:`fit_voice`).
    No number here depends on ``settings``. Raises ValueError (with :func:`unavailable`'s sentence) when the
    version has no comments."""
    reason = unavailable(a.contacts)
    if reason is not None or a.contacts is None:
        raise ValueError(reason)
    fit = voice if voice is not None else fit_voice(a.contacts)
    scoped, ignored = scope.filters.apply(fit.labelled, "started_at")
    overall = text.negative_share(scoped).row(0, named=True)
    asked = dict(zip(BY, (touchpoint, channel)))
    shares = {c: _share_figure(scoped, c, asked[c]) for c in BY}
    choices = {c: tuple(f.table.get_column(c)) for c, f in shares.items() if f is not None}
    chosen = {c: asked[c] if asked[c] in choices.get(c, ()) else None for c in BY}
    where = " · ".join(f"{c} {x}" for c, x in chosen.items() if x) or "all comments"
    themes = text.themes(in_scope(fit.labelled, scope.filters, chosen["touchpoint"], chosen["channel"]))
    terms = tuple(themes.get_column("term"))
    return VoiceScreen(
        sentiment=fit.sentiment.describe(counts=not scope.restrictions),
        sentiment_method=fit.sentiment.describe_technically(counts=not scope.restrictions),
        sentiment_note=LEXICON_NOTE if fit.sentiment.method == "lexicon" else None,
        tiles=_tiles(overall), n=overall["n"],
        ignored_note=(withheld_sentence(withheld, "Comments are") if (withheld := scope.withheld_by(fit.labelled))
                      else f"The {', '.join(ignored)} filter does not apply to comments." if ignored else None),
        by_touchpoint=shares["touchpoint"], by_channel=shares["channel"], choices=choices,
        touchpoint=chosen["touchpoint"], channel=chosen["channel"], themes_where=where,
        themes=themes.select("term", "negative", "positive", "z"),
        themes_note=(f"Words and word pairs that set negative comments apart from positive ones in {where}, "
                     "strongest first."),
        theme_options=terms if not terms or not theme or theme in terms else (*terms, theme),
        theme=_theme(fit.labelled, scope, chosen["touchpoint"], chosen["channel"], theme or terms[0], where)
        if terms else None)
