"""What the server computes before it listens (``python -m ui.serve``), so that the first visit to a page after
start-up finds its default view in memory (docs/architecture.md "Speed"; bench/firststart.py measures it).

For each dataset's active version whose models are fitted (at most four, the caches' size):
:func:`ui.analysis.warm` reads the models back and builds the ROI planner; then this module fills the caches a
first visit reads, for a link without filters (:func:`ui.filters.default_scope`): the Overview's screen and What
to fund, the Voice page's sentiment fit and screen, the Journeys page's repeat-contact chains and screen, and the
ROI planner's three default scenarios and screen. Streamlit's caches are process-wide, so a value computed here before the
runtime starts is the one every session gets (the same functions, keys and arguments the pages use).
"""

from __future__ import annotations

import logging

from cxdata.actions.roi import PlannerBase
from cxdata.catalog.store import Store, VersionInfo
from cxdata.settings import Settings
from ui import analysis, voice
from ui.dashboard import view_funding, view_overview
from ui.filters import default_scope
from ui.journeys import journeys_view
from ui.planner import SCENARIOS, default_scenario, view_roi

LOG = logging.getLogger(__name__)


def warm(store: Store, settings: Settings) -> None:
    """Fill the caches of the warmed versions' default views (module docstring). A view that fails here is only
    logged: its page says what went wrong at its first visit, and the server starts all the same."""
    notices = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = notices.level
    notices.setLevel(logging.ERROR)  # "No runtime found": expected, the runtime starts after this
    try:
        for version in analysis.warm(store, settings):
            try:
                _default_views(store, version, settings)
            except Exception:  # noqa: BLE001 — a warm-up never stops the server
                LOG.exception("warming up the default views of %s v%s failed", version.dataset, version.number)
    finally:
        notices.setLevel(level)


def _default_views(store: Store, version: VersionInfo, settings: Settings) -> None:
    a = analysis.analysis(store, version, settings, draw=False)
    scope = default_scope(store, version)
    view_overview(store, version, settings, scope, a)
    if a.contacts is not None and voice.unavailable(store, version, a.contacts) is None:
        voice.view_voice(store, settings, scope, None, None, None, a)
    if a.contacts is not None and "customer_id" in a.contacts.columns:
        journeys_view(store, settings, scope, None, None, a)
    base = analysis.planner(store, version, settings)
    if isinstance(base, PlannerBase):
        view_funding(store, version, settings, (), a, ())
        view_roi(store, version, settings, scope, (),
                 {letter: default_scenario(letter, (), settings) for letter in SCENARIOS}, base)
