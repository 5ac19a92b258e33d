"""The store of the process (with start-up housekeeping) and the first-start sample load."""

from __future__ import annotations

import polars as pl
import streamlit as st

from cxdata import bootstrap
from cxdata.catalog.housekeeping import sweep
from cxdata.catalog.store import Store, data_dir_from_env
from cxdata.ingest import UnusableFile
from cxdata.settings import load_settings


@st.cache_resource(show_spinner=False)
def _open_store(data_dir: str) -> Store:
    """Open the store once per process, removing what an interrupted import left behind
    (:func:`cxdata.catalog.housekeeping.sweep`)."""
    store = Store(data_dir)
    sweep(store)
    return store


def get_store() -> Store:
    """The one :class:`Store` of ``$MOMENTO_DATA_DIR`` in this process (keyed by the directory)."""
    return _open_store(str(data_dir_from_env().resolve()))


def store_identity(store: Store) -> tuple[str, str]:
    """What tells two stores apart in cache keys: the data directory and the catalog URL."""
    return str(store.data_dir.resolve()), str(store.engine.url)


def _sample_frames(store: Store) -> tuple[pl.DataFrame | None, pl.DataFrame | None] | None:
    """The contact frame and panel of the sample just imported, as the pages will show them before the models are
    fitted (:func:`ui.analysis.measured`, built once: the examples' baseline and the first page share them)."""
    from ui.analysis import measured  # ui.analysis keys its caches with this module's store_identity

    version = store.active_version(bootstrap.SAMPLE_DATASET)
    if version is None:
        return None
    a = measured(store, version, load_settings(store))
    return a.contacts, a.panel


@st.cache_resource(show_spinner=False, hash_funcs={Store: store_identity})
def load_sample_once(store: Store) -> str | None:
    """On the very first start, import the sample company with its example initiative and alerts (once
    per process and store).

    Returns a sentence for the analyst when the sample could not be loaded (its files are missing
    or unusable), else None. A store that holds data, or once held the sample, is left alone.
    """
    if store.datasets():
        return None
    if bootstrap.sample_files(bootstrap.SAMPLE_DIR) is None:
        return (f"The sample data is not in {bootstrap.SAMPLE_DIR} (run 'make sample' to generate it): "
                "import your own files on the Data page.")
    try:
        if bootstrap.ensure_sample(store, bootstrap.SAMPLE_DIR):
            bootstrap.seed_examples(store, _sample_frames(store))
    except UnusableFile as exc:
        return f"The sample data could not be loaded: {exc}"
    return None
