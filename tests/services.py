"""What a test does when a real service it needs (PostgreSQL's server, Chromium) is not installed.

On a developer's machine the test is skipped, saying what to install. Where the services are meant to be
there — CI, whose ``.ci/run`` installs both and sets ``MOMENTO_REQUIRE_SERVICES=1`` — it fails instead, so a
broken install can never turn the PostgreSQL or browser tests into silent skips.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_SERVICES = "MOMENTO_REQUIRE_SERVICES"


def required() -> bool:
    """Whether missing services fail the tests (``MOMENTO_REQUIRE_SERVICES=1``) rather than skip them."""
    return os.environ.get(REQUIRE_SERVICES, "") not in ("", "0")


def unavailable(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it when the services are required."""
    if required():
        pytest.fail(f"{reason} ({REQUIRE_SERVICES} is set: this machine must have it)", pytrace=False)
    pytest.skip(reason)
