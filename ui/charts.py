"""Drawing the dashboard's charts: the builders in :mod:`cxdata.screens.charts` return Vega-Lite specs
(filled from validated, cached Altair templates), drawn with ``st.vega_lite_chart``."""

from __future__ import annotations

import streamlit as st


def draw(spec: dict, **kwargs) -> object:
    """Draw a Vega-Lite spec across the container; keyword arguments as ``st.vega_lite_chart``
    (``key``, ``on_select``, ``selection_mode``…)."""
    kwargs.setdefault("width", "stretch")
    return st.vega_lite_chart(spec, **kwargs)
