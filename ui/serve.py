"""Serve Momento with its code already imported: ``python -m ui.serve [streamlit options]`` is ``streamlit run
app.py [options]`` after importing every module of ``ui`` — and through them the engine, Polars, Altair,
SQLModel and SciPy — in the server process (``make run``, the browser tests and the benchmarks start
the app this way).

Streamlit runs every session's script in the server process, where a module is imported once. Without this, the
first visit to a page after start-up pays for those imports (about 1.5 s of CPU on a quiet machine, several
seconds under load: bench/RESULTS.md "First start"); with it, the server pays once before it listens, and a first
visit runs only its page's script (docs/architecture.md "Speed"). The fitted models of the datasets are read back
before the server listens too, and the default views of the pages that need the models computed
(:func:`ui.warmup.warm`). On a store without data (the very first start), the sample company's import starts at
once in a thread of the server process instead (:func:`ui.store.load_sample_once`, whose cache the first visit
then waits on), so it runs while the server imports its code and the browser loads the front end.

Without sign-in (no ``[auth]`` in ``.streamlit/secrets.toml``) Momento is a single-user local app: started on an
address other than this computer's (``--server.address``, else ``server.address`` of Streamlit's configuration,
whose own default, empty, means every interface) it refuses with a sentence and exit code 2
(:func:`anonymous_refusal`), unless the operator set ``MOMENTO_ALLOW_ANONYMOUS=1``. ``make run`` and
``.streamlit/config.toml`` both say 127.0.0.1.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import sys
import threading
from pathlib import Path

import streamlit  # noqa: F401 — its loggers exist (and have their levels) before preload mutes one

import ui
from ui.auth import ALLOW_ANONYMOUS, anonymous_allowed, auth_configured, is_loopback

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


def server_address(options: list[str]) -> str:
    """The address the server will listen on, as Streamlit's command line takes it: ``--server.address`` of
    ``options`` (the last one given), else ``$STREAMLIT_SERVER_ADDRESS``, else the configuration files
    (``.streamlit/config.toml``; "" when unset)."""
    address = os.environ.get("STREAMLIT_SERVER_ADDRESS")
    for n, option in enumerate(options):
        if option == "--server.address" and n + 1 < len(options):
            address = options[n + 1]
        elif option.startswith("--server.address="):
            address = option.partition("=")[2]
    if address is not None:
        return address
    from streamlit import config

    return str(config.get_option("server.address") or "")


def anonymous_refusal(address: str, signed_in: bool, allowed: bool) -> str | None:
    """The sentence refusing to serve without sign-in on ``address`` (None: it may serve): only a loopback address
    may be served without sign-in, unless the operator ``allowed`` it (``MOMENTO_ALLOW_ANONYMOUS=1``)."""
    if signed_in or allowed or is_loopback(address):
        return None
    where = f"on {address}" if address else "on every network interface (an empty server.address)"
    return (f"Momento has no sign-in configured, so it only listens on 127.0.0.1, not {where}: configure [auth] in "
            f".streamlit/secrets.toml (README, Sign-in) or set {ALLOW_ANONYMOUS}=1.")


def main(options: list[str]) -> None:
    """``streamlit run app.py`` with ``options`` (``--server.port 8501``…), after :func:`preload` and after the fitted
    models of the datasets are read back (:func:`ui.warmup.warm`); refused first (exit code 2) on an address other
    than this computer's without sign-in (:func:`anonymous_refusal`)."""
    refusal = anonymous_refusal(server_address(options), auth_configured(), anonymous_allowed())
    if refusal is not None:
        print(refusal, file=sys.stderr)
        raise SystemExit(2)
    from ui.store import get_store, load_sample_once

    store = get_store()
    first_start = not store.datasets()
    if first_start:
        threading.Thread(target=load_sample_once, args=(store,), name="momento-sample", daemon=True).start()
    preload()
    if not first_start:
        from cxdata.settings import load_settings
        from ui.warmup import warm

        warm(store, load_settings(store))
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
