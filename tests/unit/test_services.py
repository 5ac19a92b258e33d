"""A missing PostgreSQL server or Chromium skips a test on a developer's machine and fails it in CI."""

from __future__ import annotations

import pytest

from tests.services import REQUIRE_SERVICES, unavailable


@pytest.mark.parametrize("value, outcome", [(None, pytest.skip.Exception), ("0", pytest.skip.Exception),
                                            ("1", pytest.fail.Exception)])
def test_a_missing_service_skips_unless_required(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                                 outcome: type[BaseException]) -> None:
    if value is None:
        monkeypatch.delenv(REQUIRE_SERVICES, raising=False)
    else:
        monkeypatch.setenv(REQUIRE_SERVICES, value)
    with pytest.raises(outcome, match="no PostgreSQL server"):
        unavailable("no PostgreSQL server")
