"""Every number the user sees is written by cxdata.format: the cases a page could get wrong."""

from __future__ import annotations

from cxdata import format as fmt


def test_a_number_that_is_not_finite_reads_as_no_number() -> None:
    """The interval of a mean of one answer is NaN: every formatter shows a dash, never "nan–nan"."""
    nan, inf = float("nan"), float("inf")
    assert fmt.interval(nan, nan, "seconds") == "" and fmt.interval(1.0, inf, "%") == ""
    assert fmt.number(nan, "seconds") == "–" and fmt.money(inf, "€") == "–" and fmt.delta(nan, "%") is None
    assert fmt.count(nan) == "–" and fmt.share(nan) == "–" and fmt.quantity(nan) == "–"
    assert fmt.interval(38.0, 41.5, "seconds") == "95% CI 38 s to 42 s"


def test_a_change_that_rounds_to_zero_has_no_minus() -> None:
    assert fmt.delta(-0.04, "%") == "+0.0 pts" and fmt.delta(-0.06, "%") == "−0.1 pts"
    assert fmt.delta(-0.4, "seconds") == "+0 s" and fmt.delta(-0.004, "score") == "+0.00"
    assert fmt.delta(-1234.0, "money", "€") == "−€1.2k" and fmt.delta(2.5, "points") == "+2.5"


def test_one_way_to_write_a_sign_an_interval_and_money() -> None:
    """A true minus (U+2212) and never a signed zero; "95% CI a to b" with both ends in full; money in one
    precision per size (whole units, thousands to one decimal, millions to two), written out by hand."""
    minus = "\u2212"
    assert fmt.interval(-79_700.0, -67_000.0, "money", "€") == f"95% CI {minus}€79.7k to {minus}€67.0k"
    assert fmt.interval(48.0, 51.8, "%") == "95% CI 48.0% to 51.8%"
    assert [fmt.money(x, "€") for x in (10_000, 9_390, 870.4, 284_460, -1_390_000)] == [
        "€10.0k", "€9.4k", "€870", "€284.5k", f"{minus}€1.39M"]
    assert (fmt.signed_percent(-0.004), fmt.share(-0.004), fmt.points(-0.04)) == ("+0%", "0%", "+0.0 pts")
    assert (fmt.decimal(-0.214), fmt.decimal(1.434, 2, "×"), fmt.decimal(4.1, 1, plus=True)) == (
        f"{minus}0.21", "1.43×", "+4.1")
    assert fmt.span(fmt.money(4_000, "€"), fmt.money(6_000, "€")) == "€4.0k to €6.0k"
    assert "-" not in fmt.quantity(-5.94) + fmt.count(-3) + fmt.number(-0.5, "points") + fmt.money(-12, "€")


def test_a_small_quantity_keeps_two_significant_digits_so_it_never_reads_as_zero() -> None:
    """0.04 customers kept a month beside €801 of value retained must not read "0.0"."""
    assert [fmt.quantity(x) for x in (0.04, 0.38, 5.93, 257.4, 1234)] == ["0.040", "0.38", "5.9", "257", "1,234"]
    assert fmt.quantity(0) == "0.0" and fmt.quantity(-0.04) == f"{fmt.MINUS}0.040"
