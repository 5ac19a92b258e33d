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


def test_a_change_that_rounds_to_zero_has_no_minus() -> None:
    assert fmt.delta(-0.04, "%") == "+0.0 pts" and fmt.delta(-0.06, "%") == "−0.1 pts"
    assert fmt.delta(-0.4, "seconds") == "+0 s" and fmt.delta(-0.004, "score") == "+0.00"
    assert fmt.delta(-1234.0, "money", "€") == "−€1.23k" and fmt.delta(2.5, "points") == "+2.5"
