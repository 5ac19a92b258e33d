"""Streamlit glue shared by the pages (docs/architecture.md).

Module rules: ``ui`` holds widgets, caching and formatting only. A number shown on a page is
computed in ``cxdata``; ``ui`` loads it (cached by dataset version) and draws it. Text that comes
from users or their files is shown as plain text: dataframes, ``st.text``, or :func:`ui.text.plain`
before any element that renders Markdown.
"""
