"""Voice of the customer — what customers say in their comments, in their own words.

The sentiment method and its validation (AUC on held-back scored comments, or the lexicon fallback),
the share of negative comments by touchpoint and channel, the themes that set negative comments apart
(overall, or in one touchpoint and channel), the comments behind a theme and the theme's trend.

URL parameters of the page: ``theme_touchpoint``, ``theme_channel`` (where the themes come from;
clicking a bar sets them), ``theme`` (the selected theme). Numbers come from :mod:`cxdata.measures.text`
through :mod:`ui.voice`. Comments are shown as plain text only (table cells), never Markdown or HTML.
"""

import polars as pl
import streamlit as st

from cxdata import format as fmt
from cxdata.scope import Scope
from cxdata.screens.charts import interval_bars, labelled, trend_chart
from ui.charts import draw
from ui.dashboard import data_page_link, header, page_analysis
from ui.filters import current_scope
from ui.settings import current_settings
from ui.store import get_store
from ui.text import plain
from ui.voice import COMMENTS_SHOWN, Voice, has_comments, shares, theme_comments, theme_table, theme_trend, voice

BIND = "query-params"
THEME_TOUCHPOINT, THEME_CHANNEL, THEME = "theme_touchpoint", "theme_channel", "theme"
ALL = "All"
SELECTIONS = {"touchpoint": "_touchpoint_bars", "channel": "_channel_bars"}
PICK = "pick"  # the bar charts' point selection


def _on_bar(column: str) -> None:
    """A click on a bar sets the themes' touchpoint or channel (a bound selectbox, so it is a link)."""
    points = st.session_state[SELECTIONS[column]].selection.get(PICK) or []
    if points:
        st.session_state[THEME_TOUCHPOINT if column == "touchpoint" else THEME_CHANNEL] = points[0][column]


def _on_theme_row(key: str, terms: list[str]) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        st.session_state[THEME] = terms[rows[0]]


def sentiment_block(v: Voice) -> None:
    s = v.sentiment
    st.info(plain(s.description), icon=":material/fact_check:")
    if s.method == "lexicon":
        st.caption("With at least 200 comments scored with CSAT (30 of them negative), Momento learns the sentiment "
                   "from your own customers, in whatever languages they write: import interactions with comments and "
                   "csat answers on the Data page.")


def share_tiles(overall: dict) -> None:
    n = overall["n"]
    left, right, _ = st.columns([1, 1, 2])
    with left.container(border=True):
        st.metric("Comments", fmt.count(n), help="Contacts with a non-empty comment in the filters.")
        st.caption("In the sidebar's filters")
    with right.container(border=True):
        st.metric("Negative comments", fmt.number(overall["value"] if n else None, "%"),
                  help="A comment is negative when its CSAT is 1–2; comments without a score take the sentiment "
                       "model's label (probability of negative ≥ 0.5).")
        st.caption(plain(f"{fmt.interval(overall['low'], overall['high'], '%')} · n {fmt.count(n)}" if n
                         else "No comment in these filters."))


def share_bars(frame: pl.DataFrame | None, column: str, chosen: str | None, what: str) -> None:
    if frame is None:
        st.info(f"Needs a {column} column on interactions.", icon=":material/lock:")
        return
    bars = interval_bars(
        labelled(frame, "%", ""), category=column, title=f"Negative comments by {what}",
        subtitle="Share of comments, with its 95% interval · click a bar for its themes",
        value_title="negative comments (%)", highlight=chosen, selection=PICK, category_title=what)
    draw(bars, key=SELECTIONS[column], on_select=lambda: _on_bar(column), selection_mode=PICK)


def theme_scope(options: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """The touchpoint and channel the themes come from (bound selectboxes; "All" is the default)."""
    chosen = []
    for column, key in (("touchpoint", THEME_TOUCHPOINT), ("channel", THEME_CHANNEL)):
        values = [ALL, *options.get(column, [])]
        if st.session_state.get(key) not in (None, *values):
            del st.session_state[key]
        value = st.selectbox(f"Themes in {column}", values, key=key, bind=BIND, disabled=len(values) == 1,
                             help=f"The themes of negative comments in one {column}, or in all of them. Clicking a "
                                  f"bar above chooses it too.")
        chosen.append(None if value in (None, ALL) else value)
    return chosen[0], chosen[1]


def themes_table(table: pl.DataFrame, wanted: str | None, where: str) -> None:
    """The themes, strongest first; clicking a row chooses the theme (written into the bound ``theme``)."""
    terms = table.get_column("term").to_list()
    key = f"_themes_{where}_{wanted}"
    st.dataframe(
        table.select("term", "negative", "positive", "z"), hide_index=True, width="stretch", key=key,
        height=35 * min(table.height, 10) + 38, on_select=lambda: _on_theme_row(key, terms),
        selection_mode="single-row",
        selection_default={"selection": {"rows": [terms.index(wanted)]}} if wanted in terms else None,
        column_config={
            "term": st.column_config.TextColumn("Theme", help="A word or word pair of the comments."),
            "negative": st.column_config.NumberColumn("Negative", format="localized",
                                                      help="Negative comments that mention it."),
            "positive": st.column_config.NumberColumn("Positive", format="localized",
                                                      help="Positive comments that mention it."),
            "z": st.column_config.NumberColumn(
                "z", format="%.1f", help="Weighted log-odds of appearing in a negative rather than a positive "
                                         "comment, in standard errors (Monroe et al. 2008); above 2 is clear."),
        })


def themes_block(store, version, v: Voice, scope: Scope, options: dict[str, list[str]]) -> None:
    st.subheader("Themes of negative comments", divider="gray")
    pickers, table_col = st.columns([1, 2], gap="large")
    with pickers:
        touchpoint, channel = theme_scope(options)
    table = theme_table(store, version, scope.filters, touchpoint, channel, v)
    where = " · ".join(f"{c} {x}" for c, x in (("touchpoint", touchpoint), ("channel", channel)) if x)
    where = where or "all comments"
    if not table.height:
        with table_col:
            st.info("Themes need both negative and positive comments here (words in at least 5 of them): widen the "
                    "filters or choose All.", icon=":material/filter_alt_off:")
        return
    terms = table.get_column("term").to_list()
    wanted = st.session_state.get(THEME, st.query_params.get(THEME))
    with table_col:
        themes_table(table, wanted, where)
        st.caption(plain(f"Words and word pairs that set negative comments apart from positive ones in {where}, "
                         "strongest first. Click a row for its comments and trend."))
    with pickers:
        term = st.selectbox("Theme", terms if not wanted or wanted in terms else [*terms, wanted], index=0, key=THEME,
                            bind=BIND,
                            help="The comments behind this theme and its share of negative comments by month.")
    if term is None:
        return
    trend = theme_trend(store, version, scope.dimension_filters, touchpoint, channel, term, v)
    if trend.height:
        draw(trend_chart(labelled(trend, "%", ""), title=f"Negative comments mentioning “{term}”, by month",
                         subtitle=f"Share of the negative comments, with its 95% interval · {where} · "
                                  f"{scope.where_text()} · hollow: fewer than 30 negative comments",
                         value_title="share (%)", period=(scope.start, scope.end) if scope.start else None,
                         height=260))
    comments = theme_comments(store, version, scope.filters, touchpoint, channel, term, v)
    first = f", the first {COMMENTS_SHOWN}" if comments.height == COMMENTS_SHOWN else ""
    st.markdown(f"**The comments behind “{plain(term)}”** ({fmt.count(comments.height)}{first}; negative first, "
                "newest first)")
    st.dataframe(comments, hide_index=True, width="stretch", height=360, column_config={
        "started_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "comment": st.column_config.TextColumn("Comment", width="large"),
        "csat": st.column_config.NumberColumn("CSAT"),
        "tone": st.column_config.TextColumn("Tone", help="Negative: CSAT 1–2, positive: 4–5; without a score, "
                                                         "the sentiment model's label."),
        "channel": st.column_config.TextColumn("Channel"),
        "touchpoint": st.column_config.TextColumn("Touchpoint"),
        "reason": st.column_config.TextColumn("Reason"),
    })


def main() -> None:
    store = get_store()
    scope = current_scope()
    if scope is None:
        st.title("Voice of the customer")
        st.info("No data yet. Import interactions with a comment column on the Data page to hear what customers say.")
        data_page_link()
        return
    settings = current_settings(store)
    header("Voice of the customer", scope, "What customers say about the experience, in their own words.")
    a, _ = page_analysis(store, scope.version, settings)  # the comments need the contacts, not the models
    if a.contacts is None or not has_comments(store, scope.version, a.contacts):
        what = "interactions" if a.contacts is None else "comments"
        st.info(f"This version has no {what}: import interactions with a comment column (free text, any language) on "
                "the Data page to see what customers say; with csat answers beside them, the sentiment is learned "
                "from your own customers' scores.", icon=":material/lock:")
        data_page_link()
        return
    v = voice(store, scope.version, a.contacts)
    sentiment_block(v)
    figures = shares(store, scope.version, scope.filters, v)
    share_tiles(figures.overall)
    if figures.ignored:
        st.caption(plain(f"The {', '.join(figures.ignored)} filter does not apply to comments."))
    if not figures.overall["n"]:
        st.warning("No comment matches these filters: widen the period or clear a filter in the sidebar.",
                   icon=":material/filter_alt_off:")
        return
    chosen = {c: st.session_state.get(k, st.query_params.get(k)) for c, k in
              (("touchpoint", THEME_TOUCHPOINT), ("channel", THEME_CHANNEL))}
    st.subheader("Where negative comments concentrate", divider="gray")
    left, right = st.columns(2, gap="large")
    with left:
        share_bars(figures.by_touchpoint, "touchpoint", chosen["touchpoint"], "touchpoint")
    with right:
        share_bars(figures.by_channel, "channel", chosen["channel"], "channel")
    options = {c: frame.get_column(c).to_list() for c, frame in
               (("touchpoint", figures.by_touchpoint), ("channel", figures.by_channel)) if frame is not None}
    themes_block(store, scope.version, v, scope, options)


main()
