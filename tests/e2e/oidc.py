"""The sign-in tests' identity provider and an app server that signs in with it (docs/access.md).

- :func:`identity_provider`: ``oidc-provider-mock`` (an OpenID Connect provider made for tests) on a free loopback
  port, knowing the claims of ``users``; its authorization form asks for the subject (``sub``) and signs that user in.
- :func:`write_secrets`: a ``secrets.toml`` with the ``[auth]`` section Streamlit's ``st.login`` reads, pointing at
  the provider, and Momento's ``[momento]`` section (first admins, role rules).
- :func:`signin_server`: the app server (:func:`browser.streamlit_server`) on a free loopback port, reading that
  secrets file (``--secrets.files``: nothing is written into the repository).

A plain module, imported by the tests (``conftest.py`` is pytest's).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import werkzeug.serving
from oidc_provider_mock import User, app

from browser import free_port, streamlit_server


@contextmanager
def identity_provider(users: Sequence[User]) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of an OpenID Connect provider serving in a thread of this process;
    any client id and secret are accepted, and ``users`` are known with their claims. Stopped on exit.

    Bound to 127.0.0.1 (the package's own helper binds "localhost", which may resolve to ::1 first) so the
    discovery document's addresses are the ones the app server and the browser reach."""
    server = werkzeug.serving.make_server("127.0.0.1", 0, app(user_claims=users), threaded=True)
    with server:
        thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join()


def write_secrets(path: Path, app_port: int, provider: str, momento: Mapping[str, object]) -> Path:
    """Write ``path``: Streamlit's ``[auth]`` for ``provider`` (redirect back to the app on ``app_port``, a fresh
    cookie secret and client secret) and ``[momento]`` (``admins`` and ``claim`` as given, ``roles`` as a table)."""
    auth = {
        "redirect_uri": f"http://127.0.0.1:{app_port}/oauth2callback",
        "cookie_secret": secrets.token_hex(32),
        "client_id": "momento-e2e",
        "client_secret": secrets.token_hex(16),
        "server_metadata_url": f"{provider}/.well-known/openid-configuration",
    }
    plain = {key: value for key, value in momento.items() if not isinstance(value, Mapping)}
    tables = {key: value for key, value in momento.items() if isinstance(value, Mapping)}
    lines = ["[auth]", *_toml_pairs(auth), "", "[momento]", *_toml_pairs(plain)]
    for name, table in tables.items():
        lines += ["", f"[momento.{name}]", *_toml_pairs(table)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml_pairs(values: Mapping[str, object]) -> list[str]:
    """``"key" = value`` lines: strings and lists of strings written as JSON, which TOML reads the same."""
    return [f"{json.dumps(str(key))} = {json.dumps(value)}" for key, value in values.items()]


@contextmanager
def signin_server(data_dir: Path, work_dir: Path, provider: str, momento: Mapping[str, object]) -> Iterator[str]:
    """Base URL of the app serving ``data_dir`` (:func:`browser.streamlit_server`) with sign-in through
    ``provider``; its secrets file and log are written in ``work_dir``. Stopped on exit."""
    port = free_port()
    secrets_file = write_secrets(work_dir / "secrets.toml", port, provider, momento)
    with streamlit_server(data_dir, work_dir / "streamlit.log", port=port,
                          options=["--secrets.files", str(secrets_file)]) as served:
        yield served.url
