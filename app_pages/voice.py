"""Voice of the customer — what customers say in their comments, in their own words.

The sentiment method and its validation (AUC on held-back scored comments, or the lexicon fallback),
the share of negative comments by touchpoint and channel, the themes that set negative comments apart
(overall, or in one touchpoint and channel), the comments behind a theme and the theme's trend.

URL parameters of the page: ``theme_touchpoint``, ``theme_channel`` (where the themes come from;
clicking a bar sets them), ``theme`` (the selected theme). Numbers: cxdata.screens.voice.voice_screen
(cached by :func:`ui.voice.view_voice`). Comments are shown as plain text only (table cells), never Markdown or HTML.
"""

from collections.abc import Mapping

import polars as pl
import streamlit as st

from cxdata.screens.figures import Figure
from cxdata.screens.voice import PICK, ThemeView, Tile, VoiceScreen
from ui.charts import draw
from ui.dashboard import data_page_link, header, page_analysis
from ui.filters import current_scope
from ui.settings import current_settings
from ui.store import get_store
from ui.text import NO_VALUE, plain
from ui.voice import unavailable, view_voice

BIND = "query-params"
THEME_TOUCHPOINT, THEME_CHANNEL, THEME = "theme_touchpoint", "theme_channel", "theme"
ALL = "All"
SELECTIONS = {"touchpoint": "_touchpoint_bars", "channel": "_channel_bars"}


def _on_bar(column: str) -> None:
    """A click on a bar sets the themes' touchpoint or channel (a bound selectbox, so it is a link)."""
    points = st.session_state[SELECTIONS[column]].selection.get(PICK) or []
    if points:
        st.session_state[THEME_TOUCHPOINT if column == "touchpoint" else THEME_CHANNEL] = points[0][column]


def _on_theme_row(key: str, terms: list[str]) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        st.session_state[THEME] = terms[rows[0]]


def sentiment_block(s: VoiceScreen) -> None:
    st.info(plain(s.sentiment), icon=":material/fact_check:")
    st.caption("How is the tone of a comment found?", help=s.sentiment_method)
    if s.sentiment_note is not None:
        st.caption(s.sentiment_note)


def share_tiles(tiles: tuple[Tile, ...]) -> None:
    for column, tile in zip(st.columns([1, 1, 2]), tiles):
        with column.container(border=True):
            st.metric(tile.label, tile.text, help=tile.help)
            st.caption(plain(tile.caption))


def share_bars(figure: Figure | None, column: str) -> None:
    if figure is None:
        st.info(f"Needs a {column} column on interactions.", icon=":material/lock:")
        return
    draw(figure.chart, key=SELECTIONS[column], on_select=lambda: _on_bar(column), selection_mode=PICK)


def theme_scope(choices: Mapping[str, tuple[str, ...]]) -> None:
    """The touchpoint and channel the themes come from (bound selectboxes; "All" is the default)."""
    for column, key in (("touchpoint", THEME_TOUCHPOINT), ("channel", THEME_CHANNEL)):
        values = [ALL, *choices.get(column, ())]
        if st.session_state.get(key) not in (None, *values):
            del st.session_state[key]
        st.selectbox(f"Themes in {column}", values, key=key, bind=BIND, disabled=len(values) == 1,
                     help=f"The themes of negative comments in one {column}, or in all of them. Clicking a "
                          f"bar above chooses it too.")


def themes_table(table: pl.DataFrame, wanted: str | None, where: str) -> None:
    """The themes, strongest first; clicking a row chooses the theme (written into the bound ``theme``)."""
    terms = table.get_column("term").to_list()
    key = f"_themes_{where}_{wanted}"
    st.dataframe(
        table, hide_index=True, placeholder=NO_VALUE, width="stretch", key=key,
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
                "How clearly negative", format="%.1f",
                help="How much more often the theme appears in negative than in positive comments, in standard "
                     "errors: above 2 is clear, above 4 very clear. Technically the z-score of the weighted "
                     "log-odds ratio with an informative prior (Monroe et al. 2008)."),
        })


def theme_block(theme: ThemeView) -> None:
    """The chosen theme's share of negative comments by month and the comments behind it."""
    if theme.trend.chart is not None:
        draw(theme.trend.chart)
    st.markdown(f"**{plain(theme.comments_title)}** {plain(theme.comments_note)}")
    st.dataframe(theme.comments, hide_index=True, placeholder=NO_VALUE, width="stretch", height=360, column_config={
        "started_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "comment": st.column_config.TextColumn("Comment", width="large"),
        "csat": st.column_config.NumberColumn("CSAT"),
        "tone": st.column_config.TextColumn("Tone", help="Negative: CSAT 1 or 2, positive: 4 or 5; without a score, "
                                                         "the sentiment model's label."),
        "channel": st.column_config.TextColumn("Channel"),
        "touchpoint": st.column_config.TextColumn("Touchpoint"),
        "reason": st.column_config.TextColumn("Reason"),
    })


def themes_block(s: VoiceScreen, wanted: str | None) -> None:
    st.subheader("Themes of negative comments", divider="gray")
    pickers, table_col = st.columns([1, 2], gap="large")
    with pickers:
        theme_scope(s.choices)
    if s.theme is None:
        with table_col:
            st.info("Themes need both negative and positive comments here (words in at least 5 of them): widen the "
                    "filters or choose All.", icon=":material/filter_alt_off:")
        return
    with table_col:
        themes_table(s.themes, wanted, s.themes_where)
        st.caption(plain(f"{s.themes_note} Click a row for its comments and trend."))
    with pickers:
        st.selectbox("Theme", s.theme_options, index=0, key=THEME, bind=BIND,
                     help="The comments behind this theme and its share of negative comments by month.")
    theme_block(s.theme)


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
    reason = unavailable(store, scope.version, a.contacts)
    if reason is not None:
        st.info(reason, icon=":material/lock:")
        data_page_link()
        return
    asked = {k: st.session_state.get(k, st.query_params.get(k)) for k in (THEME_TOUCHPOINT, THEME_CHANNEL, THEME)}
    touchpoint, channel = (None if asked[k] == ALL else asked[k] for k in (THEME_TOUCHPOINT, THEME_CHANNEL))
    s = view_voice(store, settings, scope, touchpoint, channel, asked[THEME], a)
    sentiment_block(s)
    share_tiles(s.tiles)
    if s.ignored_note is not None:
        st.caption(plain(s.ignored_note))
    if not s.n:
        st.warning("No comment matches these filters: widen the period or clear a filter in the sidebar.",
                   icon=":material/filter_alt_off:")
        return
    st.subheader("Where negative comments concentrate", divider="gray")
    left, right = st.columns(2, gap="large")
    with left:
        share_bars(s.by_touchpoint, "touchpoint")
    with right:
        share_bars(s.by_channel, "channel")
    themes_block(s, asked[THEME])


main()
