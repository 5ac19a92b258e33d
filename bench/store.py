"""The one store every benchmark reads: ``bench/out/sample-store``, the sample as the app loads it on
its first start (the sample company, its example initiative and two alerts), with the models fitted
under the store's settings, once, and kept between runs (``bench/out/`` is git-ignored).

The analytics, pages and load benchmarks all read it, so a run fits the models at most once; delete
the folder to start again (after the sample was regenerated, for instance).
"""

from __future__ import annotations

from pathlib import Path

from cxdata.models.analysis import Analysis

OUT = Path(__file__).resolve().parent / "out"
STORE_DIR = OUT / "sample-store"


def sample_store() -> Path:
    """``STORE_DIR``, the sample imported with the app's examples and its analysis saved in ``fits/``."""
    from cxdata.actions.initiatives import list_initiatives
    from cxdata.bootstrap import ensure_sample, seed_examples
    from cxdata.catalog.store import Store

    store = Store(STORE_DIR)
    if ensure_sample(store) or not list_initiatives(store, "sample"):
        seed_examples(store)
    store_analysis(store)
    store.engine.dispose()
    return STORE_DIR


def store_analysis(store) -> Analysis:
    """The analysis of the store's active sample version under its settings (as the app reads it)."""
    from cxdata.models.analysis import load_or_analyse
    from cxdata.settings import load_settings

    settings = load_settings(store)
    return load_or_analyse(store, store.active_version("sample").version_id, settings.params(),
                           settings.churn_horizon_months)
