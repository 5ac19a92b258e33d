"""Formatting helpers and the plain-text guard for user-supplied strings."""

from __future__ import annotations

import re

#: Characters that Markdown (and Streamlit's directives and LaTeX) would interpret inline. A bare URL
#: still becomes a link (GitHub autolinks ignore escapes); it is shown as itself.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~$|#])")
#: What a table shows in a cell without a value (``st.dataframe(placeholder=…)``), as the formatter writes nothing.
NO_VALUE = "–"


def plain(text: str) -> str:
    """Escape ``text`` so an element that renders Markdown (``st.error``, ``st.success``…) shows it verbatim.

    File names, dataset names and cell values are user text: ``**x**`` or ``$x$`` must not become
    bold or a formula. HTML is never enabled anywhere in the app.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def slug(text: str) -> str:
    """A file-name-safe form of user text: ``Q3 exports/EU`` → ``Q3_exports_EU``."""
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "data"
