"""Every number the user sees is written by cxdata.format: the cases a page could get wrong."""

from __future__ import annotations

from cxdata import format as fmt


def test_a_number_that_is_not_finite_reads_as_no_number() -> None:
    """The interval of a mean of one answer is NaN: every formatter shows a dash, never "nan–nan"."""
    nan, inf = float("nan"), float("inf")
    assert fmt.interval(nan, nan, "seconds") == "" and fmt.interval(1.0, inf, "%") == ""
    assert fmt.number(nan, "seconds") == "–" and fmt.money(inf, "€") == "–" and fmt.delta(nan, "%") is None
    assert fmt.count(nan) == "–" and fmt.share(nan) == "–" and fmt.quantity(nan) == "–"
    assert fmt.interval(38.0, 41.5, "seconds") == "95% CI 38 s–42 s"
