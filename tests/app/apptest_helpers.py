"""Helpers for the AppTest suites: run the app, find widgets, read numbers straight from disk."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT_S = 30
DATA_PAGE = "app_pages/data.py"
#: An ``[auth]`` section that turns sign-in on; its provider is never reached (AppTest sets ``st.user`` itself).
SIGN_IN = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-secret",
           "client_id": "momento", "client_secret": "not-a-secret",
           "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
OVERVIEW_PAGE = "app_pages/overview.py"


def run_app(page: str | None = None, *, secrets: Mapping[str, object] | None = None,
            user: Mapping[str, object] | None = None, **query: str | list[str]) -> AppTest:
    """Run the app on ``page`` (default: the default page; e.g. ``"app_pages/data.py"``) with URL
    parameters, as a link to that page does (a list is a repeated parameter): only that page runs
    (the Overview would fit models). ``secrets``: sections of ``secrets.toml`` (``{"auth": SIGN_IN}`` turns
    sign-in on); ``user``: what ``st.user`` holds (``{"is_logged_in": True, "email": …}``)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for section, values in (secrets or {}).items():
        at.secrets[section] = values
    if user is not None:
        at.user = dict(user)
    for key, value in query.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def parquet_rows(data_dir: Path, dataset: str, table: str) -> int:
    """Rows of the newest Parquet file of ``table`` in ``dataset``, read straight from disk (no Store)."""
    files = [p for p in (data_dir / "datasets" / dataset).glob(f"{table}-*.parquet")
             if not p.name.endswith(".problems.parquet")]
    newest = max(files, key=lambda p: p.stat().st_mtime_ns)
    return pl.scan_parquet(newest).select(pl.len()).collect().item()


def by_label(widgets, label: str):
    """The one widget of an AppTest list whose label is ``label``."""
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, f"{len(found)} widgets labelled {label!r}: {[w.label for w in widgets]}"
    return found[0]


def metrics(at: AppTest) -> dict[str, str]:
    """Every ``st.metric`` on the page: label → displayed value."""
    return {m.label: m.value for m in at.metric}


def shown(markdown: str) -> str:
    """The text a reader sees for a Markdown body escaped with ``ui.text.plain``."""
    return re.sub(r"\\(.)", r"\1", markdown)


def table_with(at: AppTest | Block, column: str):
    """The first ``st.dataframe`` (as pandas) that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)
