"""Serve Momento with its code already imported: ``python -m ui.serve [streamlit options]`` is ``streamlit run
app.py [options]`` after importing every module of ``ui`` — and through them the engine, Polars, Altair,
SQLModel, SciPy and statsmodels — in the server process (``make run``, the browser tests and the benchmarks start
the app this way).

Streamlit runs every session's script in the server process, where a module is imported once. Without this, the
first visit to a page after start-up pays for those imports (about 1.5 s of CPU on a quiet machine, several
seconds under load: bench/RESULTS.md "First start"); with it, the server pays once before it listens, and a first
visit runs only its page's script (docs/architecture.md "Speed"). The fitted models of the datasets are read back
before the server listens too, and the default views of the pages that need the models computed
(:func:`ui.warmup.warm`).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
from pathlib import Path

import streamlit  # noqa: F401 — its loggers exist (and have their levels) before preload mutes one

import ui

APP = Path(__file__).resolve().parent.parent / "app.py"


def preload() -> None:
    """Import every module of ``ui`` (this one aside), and so everything the pages import. Streamlit's notice that
    a ``st.cache_data`` is declared before its runtime exists is muted meanwhile: its storage is made at the first
    call, inside the runtime."""
    notices = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = notices.level
    notices.setLevel(logging.ERROR)
    try:
        for module in pkgutil.iter_modules(ui.__path__, "ui."):
            if module.name != "ui.serve":
                importlib.import_module(module.name)
    finally:
        notices.setLevel(level)


def loopback_command(port: int) -> list[str]:
    """How the browser tests and the benchmarks start a server: this module, headless on 127.0.0.1:``port``, no file
    watcher (run from the repository's root)."""
    return [sys.executable, "-m", "ui.serve", "--server.address", "127.0.0.1", "--server.port", str(port),
            "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]


def main(options: list[str]) -> None:
    """``streamlit run app.py`` with ``options`` (``--server.port 8501``…), after :func:`preload` and after the fitted
    models of the datasets are read back (:func:`ui.warmup.warm`)."""
    preload()
    from cxdata.settings import load_settings
    from ui.store import get_store
    from ui.warmup import warm

    store = get_store()
    warm(store, load_settings(store))
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
