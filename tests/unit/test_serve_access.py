"""Without sign-in, Momento serves this computer only (docs/access.md "Two ways to run"): ``python -m ui.serve`` on
another address refuses with one sentence and exit code 2, unless the operator set MOMENTO_ALLOW_ANONYMOUS=1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui.serve import anonymous_refusal, is_loopback, server_address

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("address", "local"), [
    ("127.0.0.1", True), ("localhost", True), ("LocalHost", True), ("::1", True), ("[::1]", True),
    ("127.0.1.1", True), ("::ffff:127.0.0.1", True), ("0.0.0.0", False), ("", False), ("::", False), ("192.168.1.20", False),
    ("cx.example.com", False),
])
def test_only_loopback_addresses_are_this_computer(address: str, local: bool) -> None:
    assert is_loopback(address) is local


def test_a_non_local_address_is_refused_without_sign_in_or_the_opt_out() -> None:
    sentence = anonymous_refusal("0.0.0.0", signed_in=False, allowed=False)
    assert sentence == ("Momento has no sign-in configured, so it only listens on 127.0.0.1, not on 0.0.0.0: "
                        "configure [auth] in .streamlit/secrets.toml (README, Sign-in) or set "
                        "MOMENTO_ALLOW_ANONYMOUS=1.")
    assert "every network interface" in anonymous_refusal("", signed_in=False, allowed=False)
    assert anonymous_refusal("0.0.0.0", signed_in=True, allowed=False) is None
    assert anonymous_refusal("0.0.0.0", signed_in=False, allowed=True) is None
    for local in ("127.0.0.1", "localhost", "::1"):
        assert anonymous_refusal(local, signed_in=False, allowed=False) is None


def test_the_address_is_read_as_streamlit_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMLIT_SERVER_ADDRESS", "10.1.2.3")
    assert server_address(["--server.port", "8501"]) == "10.1.2.3", "the environment, without a flag"
    assert server_address(["--server.address", "0.0.0.0", "--server.address=127.0.0.1"]) == "127.0.0.1", \
        "the last flag wins"
    assert server_address(["--server.address=::1"]) == "::1"


def _serve(args: list[str], cwd: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``python -m ui.serve ARGS`` started from ``cwd`` (no .streamlit folder there, nor in the home folder), with
    neither the opt-out nor an address in the environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("MOMENTO_ALLOW_ANONYMOUS", "STREAMLIT_SERVER_ADDRESS")}
    env |= {"HOME": str(cwd), "MOMENTO_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "ui.serve", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_server_refuses_to_start_on_another_address(tmp_path: Path) -> None:
    data_dir = tmp_path / "momento"
    started = _serve(["--server.address", "0.0.0.0", "--server.port", "1", "--server.headless", "true"],
                     tmp_path, data_dir)
    assert started.returncode == 2, started.stderr
    assert started.stderr.strip().splitlines()[-1] == anonymous_refusal("0.0.0.0", signed_in=False, allowed=False)
    assert not data_dir.exists(), "refused before the store was opened"


def test_without_an_address_the_server_refuses_streamlits_default_of_every_interface(tmp_path: Path) -> None:
    started = _serve(["--server.headless", "true"], tmp_path, tmp_path / "momento")
    assert started.returncode == 2, started.stderr
    assert started.stderr.strip().splitlines()[-1] == anonymous_refusal("", signed_in=False, allowed=False)


def test_started_from_the_repository_without_an_address_it_listens_on_this_computer() -> None:
    """The repository's .streamlit/config.toml says 127.0.0.1 (and ``make run`` passes it too), so the default start
    is the local mode's."""
    env = {k: v for k, v in os.environ.items() if k != "STREAMLIT_SERVER_ADDRESS"}
    read = subprocess.run([sys.executable, "-c", "from ui.serve import server_address; print(server_address([]))"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert read.stdout.strip() == "127.0.0.1"
