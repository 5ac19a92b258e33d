"""The global dataset selector: a sidebar widget bound to ``?dataset=`` on every page (docs/architecture.md "Links")."""

from __future__ import annotations

import streamlit as st

from cxdata import format as fmt
from cxdata.bootstrap import SAMPLE_DATASET
from cxdata.catalog.store import Store

KEY = "dataset"  # also the query parameter
_PENDING = "_dataset_pending"


def dataset_selector(store: Store) -> str | None:
    """Draw the sidebar selector (call from the entry script) and return the chosen dataset, if any."""
    names = store.datasets()
    pending = st.session_state.pop(_PENDING, None)
    if pending in names:
        st.session_state[KEY] = pending
    if not names:
        st.session_state.pop(KEY, None)
        st.sidebar.caption("No dataset yet: import one on the Data page.")
        return None
    chosen = st.sidebar.selectbox(
        "Dataset",
        names,
        index=names.index(SAMPLE_DATASET) if SAMPLE_DATASET in names else 0,
        key=KEY,
        bind="query-params",
        help="Every page shows this dataset; the choice is part of the link you share.",
    )
    active = store.active_version(chosen)
    if active is not None:
        st.sidebar.caption(f"Version {active.number} · imported {fmt.when(active.created_at)} UTC")
    return chosen


def current_dataset() -> str | None:
    """The dataset chosen in the sidebar on this run."""
    return st.session_state.get(KEY)


def select_dataset(name: str) -> None:
    """Make ``name`` the selected dataset from the next run on.

    A bound widget cannot be changed after it was drawn in a run, so the choice is parked and the
    selector applies it before drawing itself; call ``st.rerun()`` after this.
    """
    st.session_state[_PENDING] = name
