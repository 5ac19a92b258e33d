"""Datasets and their versions on the Data page: the version table, activate, delete (confirmed; both for admins
only), and the problems of the active version's imports."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st

from cxdata.catalog.store import Store, VersionInfo
from cxdata.schema import TABLES
from cxdata.scope import withheld_sentence
from ui.auth import current_actor, offered, refusals_shown
from ui.downloads import download_buttons
from ui.loaders import problem_counts
from ui.text import NO_VALUE, plain, slug

_CONFIRM = "_confirm_delete"  # (dataset, version number) awaiting confirmation


def versions_frame(versions: list[VersionInfo]) -> pl.DataFrame:
    """One row per version: number, creation time, note, rows per table (null when absent), active."""
    return pl.DataFrame(
        {
            "version": [v.number for v in versions],
            "created (UTC)": [v.created_at for v in versions],
            "note": [v.note for v in versions],
            **{table: [v.tables.get(table) for v in versions] for table in TABLES},
            "active": [v.active for v in versions],
        },
        schema_overrides={table: pl.Int64 for table in TABLES},
    )


def _activate(store: Store, dataset: str, number: int) -> None:
    with refusals_shown():
        store.activate(dataset, number, actor=current_actor())
        st.toast(f"Version {number} is now the active one.")


def _delete(store: Store, dataset: str, number: int) -> None:
    st.session_state.pop(_CONFIRM, None)
    with refusals_shown():
        store.delete_version(dataset, number, actor=current_actor())
        st.toast(f"Version {number} deleted.")


def _ask(dataset: str, number: int | None) -> None:
    st.session_state[_CONFIRM] = None if number is None else (dataset, number)


def version_actions(store: Store, dataset: str, versions: list[VersionInfo]) -> None:
    """Pick a version; activate it, or delete it after a confirmation (admins only; others are told why)."""
    if not offered("version.activate"):
        return
    numbers = [v.number for v in versions]
    active = next((v.number for v in versions if v.active), numbers[0])
    row = st.container(horizontal=True, vertical_alignment="bottom")
    number = row.selectbox("Version", numbers, index=numbers.index(active), key=f"version-{dataset}",
                           format_func=lambda n: f"{n} (active)" if n == active else str(n), width=160)
    row.button("Make active", key=f"activate-{dataset}", disabled=number == active,
               on_click=_activate, args=(store, dataset, number),
               help="Every page shows the active version of the dataset.")
    row.button("Delete…", key=f"delete-{dataset}", on_click=_ask, args=(dataset, number),
               help="Remove this version; files no other version uses are deleted.")
    if st.session_state.get(_CONFIRM) == (dataset, number):
        last = len(versions) == 1
        st.warning(f"Delete version {number}{' — the only one, so the whole dataset goes' if last else ''}? "
                   "This cannot be undone.")
        confirm = st.container(horizontal=True)
        confirm.button(f"Yes, delete version {number}", key=f"confirm-{dataset}", type="primary",
                       on_click=_delete, args=(store, dataset, number))
        confirm.button("Cancel", key=f"cancel-{dataset}", on_click=_ask, args=(dataset, None))


def active_problems(store: Store, version: VersionInfo) -> None:
    """Per table of the active version: its rows and what its import rejected or cleared, downloadable."""
    counts = {table: problem_counts(store, version, table) for table in version.tables}
    st.markdown("**The active version's tables and the problems found when they were imported**")
    st.dataframe(
        pl.DataFrame({"table": list(counts), "rows": list(version.tables.values()),
                      "rows rejected": [r for r, _ in counts.values()],
                      "values cleared": [c for _, c in counts.values()]}),
        hide_index=True, placeholder=NO_VALUE, width=560,
        column_config={c: st.column_config.NumberColumn(format="localized")
                       for c in ("rows", "rows rejected", "values cleared")},
    )
    for table, (rejected, cleared) in counts.items():
        if rejected or cleared:
            row = st.container(horizontal=True, vertical_alignment="center")
            row.text(f"Problems of {table}:")
            with row:
                download_buttons(lambda t=table: store.problems(version.version_id, t),
                                 f"{slug(version.dataset)}-v{version.number}-{table}-problems",
                                 key=f"problems-{version.dataset}-{table}")


def datasets_section(store: Store, current: str | None, restricted: Sequence[str] = ()) -> None:
    """One expander per dataset (the selected one open) with its versions and actions; the versions' row counts
    and the rejected rows for a user not ``restricted`` to part of the rows (they count, and list, every row)."""
    names = store.datasets()
    if not names:
        st.info("No dataset yet: import a file above.")
        return
    for name in names:
        versions = store.versions(name)
        with st.expander(f"{plain(name)} · {len(versions)} version{'s' if len(versions) != 1 else ''}",
                         expanded=name == current, icon=":material/database:"):
            frame = versions_frame(versions)
            if restricted:
                frame = frame.drop(*TABLES)
                st.caption(plain(withheld_sentence(restricted, "Row counts and rejected rows are")))
            st.dataframe(
                frame, hide_index=True, placeholder=NO_VALUE,
                column_config={
                    "created (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
                    "note": st.column_config.TextColumn(width="medium"),
                    **{t: st.column_config.NumberColumn(format="localized") for t in TABLES},
                },
            )
            version_actions(store, name, versions)
            active = next((v for v in versions if v.active), None)
            if active is not None and not restricted:
                active_problems(store, active)
