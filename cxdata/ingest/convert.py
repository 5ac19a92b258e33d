"""Typed conversion of one text column into one canonical field, with every decision counted.

Each converter takes the raw String series and returns a :class:`Converted`: the typed values,
a parallel series naming the problem of every non-empty cell that gave no value (``None`` when
the cell is fine or empty), and the conversions decided for the column as a whole. Nothing is
ever turned into 0 or guessed silently: a value is either converted by a rule the report states,
or cleared and listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from cxdata.schema import CHANNEL_SYNONYMS, FALSE_WORDS, TRUE_WORDS, Field, Kind, normalise_name

#: Cell contents that mean "no value" in typed columns (compared lower-cased and trimmed).
BLANKS = ["", "na", "n/a", "n.a.", "nd", "n.d.", "null", "none", "nan", "#n/a", "#n/d", "-", "--", "—"]

_ISO = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
        "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"]
_ISO_TZ = "%Y-%m-%dT%H:%M:%S%.f%#z"
_TIMES = [" %H:%M:%S%.f", " %H:%M", ""]
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DM = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}"


@dataclass
class Note:
    """A conversion applied to ``count`` values of a field, stated for the validation report."""

    field: str
    message: str
    count: int


@dataclass
class Converted:
    values: pl.Series
    problems: pl.Series  # String; why a non-empty cell produced no value
    notes: list[Note] = field(default_factory=list)


def is_blank(raw: pl.Series) -> pl.Series:
    """True where a cell is empty or holds a "no value" token such as ``n/a`` or ``-``."""
    return raw.is_null() | raw.str.strip_chars().str.to_lowercase().is_in(BLANKS)


def _problem(mask: pl.Series, text: str) -> pl.Series:
    return pl.select(pl.when(mask).then(pl.lit(text))).to_series()


def _first(*series: pl.Series) -> pl.Series:
    return pl.select(pl.coalesce(series)).to_series()


# ---------------------------------------------------------------- text


def convert_text(raw: pl.Series, f: Field) -> Converted:
    """Trimmed text. Ids that Excel turned into ``12345.0`` get their ``.0`` back off."""
    values = raw.str.strip_chars()
    values = pl.select(pl.when(values == "").then(None).otherwise(values)).to_series()
    notes = []
    if f.kind is Kind.ID:
        float_ids = values.str.contains(r"^\d+\.0$").fill_null(False)
        if float_ids.any():
            values = pl.select(pl.when(float_ids).then(values.str.replace(r"\.0$", "")).otherwise(values)).to_series()
            notes.append(Note(f.name, "ids stored as decimals by Excel (12345.0) read as 12345", int(float_ids.sum())))
    return Converted(values, pl.Series(values=[None] * len(raw), dtype=pl.String), notes)


# ---------------------------------------------------------------- numbers


def decide_decimal(raw: pl.Series, hint: str) -> str:
    """Decimal mark of a column: ``,`` or ``.``.

    Unambiguous evidence for a decimal comma is ``12,5`` or ``1.234,56`` (comma not followed by
    exactly three digits, or dots grouping thousands before it); for a decimal point, the mirror
    image. ``1,234`` or ``1.234`` alone are ambiguous; the file's hint decides (``,`` when the file
    is ``;``-separated, as European exports are).
    """
    s = raw.drop_nulls().str.replace_all(r"[\s\u00a0€$£%']", "")
    comma = s.str.contains(r"^[+-]?(\d+,\d{1,2}|\d+,\d{4,}|\d{1,3}(\.\d{3})+,\d+)$").sum()
    point = s.str.contains(r"^[+-]?(\d+\.\d{1,2}|\d+\.\d{4,}|\d{1,3}(,\d{3})+\.\d+)$").sum()
    if comma != point:
        return "," if comma > point else "."
    return hint


#: A number as written with a decimal point (thousands may be grouped by commas; exponent allowed).
_POINT_NUMBER = r"^[+-]?(\d+|\d{1,3}(,\d{3})+)?(\.\d+)?([eE][+-]?\d+)?$"
#: A number as written with a decimal comma (thousands may be grouped by dots).
_COMMA_NUMBER = r"^[+-]?(\d+|\d{1,3}(\.\d{3})+)?(,\d+)?$"


def read_numbers(raw: pl.Series, decimal: str) -> tuple[pl.Series, pl.Series]:
    """Float64 from text, and the mask of values read with a decimal comma.

    Currency signs, %, spaces and apostrophes are removed first. A value that only one
    convention accepts is read in that convention (``1.234,56`` → 1234.56, ``1,234.56`` →
    1234.56, ``12,5`` → 12.5), so a stray European value in an otherwise US column is read
    right, not shifted; a value both accept (``1.234``, ``1,234``, ``12``) is read with the
    column's decimal mark ``decimal``; anything else (``1.2.3``, ``12abc``, ``inf``) is null.
    """
    s = raw.str.strip_chars().str.replace_all(r"[\s\u00a0€$£%']", "")
    has_digit = s.str.contains(r"\d")
    point_ok = s.str.contains(_POINT_NUMBER) & has_digit
    comma_ok = s.str.contains(_COMMA_NUMBER) & has_digit
    use_point = point_ok & (~comma_ok | (decimal == "."))
    use_comma = comma_ok & ~use_point
    as_point = s.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    as_comma = (s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
                .cast(pl.Float64, strict=False))
    values = pl.select(pl.when(use_point).then(as_point).when(use_comma).then(as_comma)).to_series()
    values = pl.select(pl.when(values.is_finite()).then(values)).to_series()  # 1e400 overflows to inf: not a number
    return values, (use_comma & s.str.contains(",", literal=True)).fill_null(False)


def parse_numbers(raw: pl.Series, decimal: str) -> pl.Series:
    """Float64 from text, null where the text is not a number; see :func:`read_numbers`."""
    return read_numbers(raw, decimal)[0]


_DURATION = r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)\s*$"


def read_durations(raw: pl.Series) -> pl.Series:
    """Seconds from ``h:mm:ss`` or ``mm:ss`` text (contact-centre exports), null for anything else."""
    parts = raw.str.extract_groups(_DURATION)
    h = parts.struct.field("1").cast(pl.Float64, strict=False).fill_null(0.0)
    m = parts.struct.field("2").cast(pl.Float64, strict=False)
    sec = parts.struct.field("3").str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    return pl.select(pl.when((m < 60) & (sec < 60)).then(h * 3600 + m * 60 + sec)).to_series()


def convert_number(raw: pl.Series, f: Field, decimal_hint: str) -> Converted:
    """Float or whole number within the field's bounds; other cells cleared with their reason.

    Fields in seconds also accept durations written ``h:mm:ss`` or ``mm:ss`` (counted in the report).
    """
    blank = is_blank(raw)
    decimal = decide_decimal(raw, decimal_hint)
    values, with_comma = read_numbers(raw, decimal)
    notes = []
    if f.name.endswith("_seconds"):
        durations = read_durations(raw)
        taken = values.is_null() & durations.is_not_null()
        if taken.any():
            values = pl.select(pl.coalesce(values, durations)).to_series()
            notes.append(Note(f.name, "durations written as [h:]mm:ss read as seconds", int(taken.sum())))
    problems = _problem(values.is_null() & ~blank, "not a number")
    if with_comma.any():
        notes.append(Note(f.name, "decimal comma read as a decimal point (1.234,5 → 1234.5)", int(with_comma.sum())))
    checks = []
    if f.kind is Kind.INT:
        checks.append((values.is_not_null() & (values.round(0) != values), "not a whole number"))
        checks.append((values.abs() >= 2.0**63, "too large"))  # beyond a 64-bit integer
    if f.minimum is not None:
        checks.append((values < f.minimum, "negative" if f.minimum == 0 else f"below {f.minimum:g}"))
    if f.maximum is not None:
        checks.append((values > f.maximum, f"above {f.maximum:g}"))
    for mask, text in checks:
        values, problems = _clear(values, problems, mask, text)
    if f.kind is Kind.INT:
        values = values.cast(pl.Int64)
    return Converted(values, problems, notes)


@dataclass(frozen=True)
class OtherScale:
    """A scale a score column may arrive on, and how it maps onto the field's native scale."""

    low: float
    high: float
    above: float  # the scale is recognised only when a fifth of the values lie above this
    rule: str
    to_native: Callable[[pl.Expr], pl.Expr]


#: Other scales by field, tried in order (DESIGN.md §4: "other scales converted with a recorded rule").
OTHER_SCALES: dict[str, tuple[OtherScale, ...]] = {
    "csat": (
        OtherScale(0, 10, 5, "on a 1–10 scale converted to 1–5 as ⌈x/2⌉ (0 → 1)",
                   lambda x: (x / 2).ceil().clip(lower_bound=1)),
        OtherScale(0, 100, 10, "on a 0–100 scale converted to 1–5 as 1 + round(x/25)",
                   lambda x: (x / 25).round(0) + 1),
    ),
}
_SCALE_FIT, _SCALE_ABOVE, _SCALE_MIN_VALUES = 0.98, 0.2, 20


def other_scale(values: pl.Series, f: Field) -> OtherScale | None:
    """The other scale a score column is on, or None for its native scale.

    A scale is recognised when at least 98% of the values fit it and at least a fifth lie above
    the top of the smaller scale — half, in a column of fewer than 20 answers (so a 1–5 column with
    a stray 9 or 12 stays 1–5 and the stray value is cleared, while a real 1–10 column, where most
    answers are 6–10, is converted).
    """
    present = values.drop_nulls()
    if not len(present):
        return None
    needed_above = _SCALE_ABOVE if len(present) >= _SCALE_MIN_VALUES else 0.5  # few answers: a typo is likelier
    for scale in OTHER_SCALES.get(f.name, ()):
        fits = float(((present >= scale.low) & (present <= scale.high)).mean())
        above = float((present > scale.above).mean())
        if fits >= _SCALE_FIT and above >= needed_above:
            return scale
    return None


def convert_score(raw: pl.Series, f: Field, decimal_hint: str) -> Converted:
    """Survey score on the field's native scale.

    A column on another scale (see :func:`other_scale`) is converted by that scale's rule, and
    the report counts the values converted; values outside every scale, or not whole, are
    cleared, never clipped into range.
    """
    blank = is_blank(raw)
    values = parse_numbers(raw, decide_decimal(raw, decimal_hint))
    problems = _problem(values.is_null() & ~blank, "not a number")
    values, problems = _clear(values, problems, values.round(0) != values, "not a whole score")
    notes = []
    lo, hi = f.scale or (f.minimum, f.maximum)
    scale = other_scale(values, f)
    if scale is not None:
        on_scale = ((values >= scale.low) & (values <= scale.high)).fill_null(False)
        x = pl.lit(values)
        values = pl.select(pl.when(on_scale).then(scale.to_native(x)).otherwise(x)).to_series()
        notes.append(Note(f.name, f"values {scale.rule}", int(on_scale.sum())))
    values, problems = _clear(values, problems, (values < lo) | (values > hi), f"outside the {lo:g}–{hi:g} scale")
    return Converted(values.cast(pl.Int64), problems, notes)


def _clear(values: pl.Series, problems: pl.Series, mask: pl.Series, text: str) -> tuple[pl.Series, pl.Series]:
    """Clear the values under ``mask`` and give them the problem ``text`` (unless they already have one)."""
    mask = mask.fill_null(False)
    return (pl.select(pl.when(mask).then(None).otherwise(values)).to_series(),
            _first(problems, _problem(mask, text)))


# ---------------------------------------------------------------- vocabularies


def _lookup(raw: pl.Series, classify, dtype: pl.DataType) -> tuple[pl.Series, dict[str, object]]:
    """Map each distinct trimmed value through ``classify``; return the values and the mapping."""
    trimmed = raw.str.strip_chars()
    table = {u: classify(u) for u in trimmed.drop_nulls().unique().to_list()}
    return trimmed.replace_strict(table, default=None, return_dtype=dtype), table


def convert_bool(raw: pl.Series, f: Field) -> Converted:
    """Booleans from yes/no words in English and Italian (sì, vero, falso…), 1/0, Y/N, x."""

    def classify(word: str) -> bool | None:
        key = normalise_name(word)
        return True if key in TRUE_WORDS else False if key in FALSE_WORDS else None

    values, table = _lookup(raw, classify, pl.Boolean)
    problems = _problem(values.is_null() & ~is_blank(raw), "not a yes/no value")
    words = sorted(w for w, v in table.items() if v is not None and w.lower() not in ("true", "false"))
    notes = []
    if words:
        n = int(raw.str.strip_chars().is_in(words).sum())
        notes.append(Note(f.name, f"{', '.join(words[:6])} read as yes/no", n))
    return Converted(values, problems, notes)


def channel_of(word: str) -> str | None:
    """Canonical channel of a free-text channel name, or None when nothing matches.

    Whole name first (``call center`` → phone), then any of its words (``Phone - inbound`` → phone).
    """
    key = normalise_name(word)
    if key in CHANNEL_SYNONYMS:
        return CHANNEL_SYNONYMS[key]
    for token in key.split("_"):
        if token in CHANNEL_SYNONYMS and len(token) > 1:
            return CHANNEL_SYNONYMS[token]
    return None


def convert_channel(raw: pl.Series, f: Field) -> Converted:
    """Channel vocabulary; unrecognised names become ``other`` and are counted in a note."""
    values, table = _lookup(raw, lambda w: channel_of(w) or "other", pl.String)
    trimmed = raw.str.strip_chars()
    counts = dict(trimmed.value_counts().iter_rows())
    notes = []
    renamed = {w: c for w, c in table.items() if channel_of(w) and w != c}
    if renamed:
        parts = [f"'{w}' → {c}" for w, c in sorted(renamed.items(), key=lambda kv: -counts[kv[0]])[:8]]
        notes.append(Note(f.name, "channel names mapped: " + ", ".join(parts), sum(counts[w] for w in renamed)))
    unknown = sorted(w for w in table if channel_of(w) is None)
    if unknown:
        notes.append(Note(f.name, "not recognised, counted as 'other': " + ", ".join(f"'{w}'" for w in unknown[:8]),
                          sum(counts[w] for w in unknown)))
    return Converted(values, pl.Series(values=[None] * len(raw), dtype=pl.String), notes)


# ---------------------------------------------------------------- dates


def day_first(raw: pl.Series) -> tuple[bool, bool]:
    """(day comes first, the column alone proves it) for dates written as a/b/yyyy.

    A first number above 12 proves day-first; a second above 12 proves month-first; with
    neither, day-first (European) is assumed and the report says so.
    """
    parts = raw.str.extract_groups(_DM)
    a = parts.struct.field("1").cast(pl.Int32, strict=False)
    b = parts.struct.field("2").cast(pl.Int32, strict=False)
    a_day, b_day = bool((a > 12).any()), bool((b > 12).any())
    if b_day and not a_day:
        return False, True
    return True, a_day


def _date_parsers(dayfirst: bool) -> list[tuple[str, Callable[[pl.Series], pl.Series]]]:
    """(name, parser) in the order they are tried: ISO, then d/m/y (or m/d/y), ISO with a UTC offset, Excel serial."""
    order = ("%d", "%m") if dayfirst else ("%m", "%d")
    formats = list(_ISO)
    for sep in "/-.":
        for year in ("%Y", "%y"):
            formats += [f"{order[0]}{sep}{order[1]}{sep}{year}{t}" for t in _TIMES]
    parsers: list[tuple[str, Callable[[pl.Series], pl.Series]]] = [
        (fmt, lambda s, fmt=fmt: s.str.strptime(pl.Datetime("us"), fmt, strict=False)) for fmt in formats
    ]
    return parsers + [("offset", _parse_with_offset), ("serial", _parse_excel_serial)]


def _parse_with_offset(s: pl.Series) -> pl.Series:
    """ISO timestamps with a UTC offset, converted to UTC."""
    return s.str.strptime(pl.Datetime("us", "UTC"), _ISO_TZ, strict=False).dt.replace_time_zone(None)


def _parse_excel_serial(s: pl.Series) -> pl.Series:
    """Excel day numbers (10,000–100,000, i.e. 1927–2173; a fraction is the time of day)."""
    serial = s.cast(pl.Float64, strict=False)
    serial = pl.select(pl.when((serial >= 10_000) & (serial <= 100_000)).then(serial)).to_series()
    return pl.select(
        pl.lit(_EXCEL_EPOCH) + pl.duration(microseconds=(serial * 86_400_000_000).round(0).cast(pl.Int64))
    ).to_series().cast(pl.Datetime("us"))


def parse_datetimes(raw: pl.Series, dayfirst: bool) -> tuple[pl.Series, pl.Series]:
    """Datetime from ISO, d/m/y (or m/d/y) with - . / and optional time, ISO with UTC offset, or Excel serial.

    The parsers are tried in order, each on the values no earlier parser could read, so the
    first that reads a value decides it, and a column written in one format costs one pass.
    Returns (values, mask of values that came from Excel serial numbers).
    """
    s = raw.str.strip_chars()
    n = len(s)
    values = pl.Series(s.name, [None] * n, dtype=pl.Datetime("us"))
    from_serial = pl.Series([False] * n)
    todo = s.is_not_null() & (s != "")
    for name, parse in _date_parsers(dayfirst):
        index = todo.arg_true()
        if index.is_empty():
            break
        parsed = parse(s if len(index) == n else s.gather(index))
        read = parsed.is_not_null()
        if not read.any():
            continue
        done = index.filter(read)
        values = values.scatter(done, parsed.filter(read))
        todo = todo.scatter(done, False)
        if name == "serial":
            from_serial = from_serial.scatter(done, True)
    return values, from_serial


def convert_date(raw: pl.Series, f: Field) -> Converted:
    """Datetime, Date or first-of-month Date; years outside 1970–2100 are cleared as implausible."""
    s = raw
    if f.kind is Kind.MONTH:  # 2025-06, 2025/06, 06/2025, 6.2025 → ISO, so they never sway the day/month order
        s = (s.str.strip_chars()
             .str.replace(r"^(\d{4})[-/](\d{1,2})$", "${1}-${2}-01")
             .str.replace(r"^(\d{1,2})[-/.](\d{4})$", "${2}-${1}-01"))
    dayfirst, proven = day_first(s)
    values, from_serial = parse_datetimes(s, dayfirst)
    blank = is_blank(raw)
    problems = _problem(values.is_null() & ~blank, "not a date")
    implausible = ((values.dt.year() < 1970) | (values.dt.year() > 2100)).fill_null(False)
    problems = _first(problems, _problem(implausible, "implausible year"))
    values = pl.select(pl.when(implausible).then(None).otherwise(values)).to_series()
    notes = []
    n_dm = int(s.str.contains(_DM).fill_null(False).sum())
    if n_dm:
        how = "dd/mm/yyyy" if dayfirst else "mm/dd/yyyy"
        why = "" if proven else " (no day above 12 in the column, so day-first was assumed)"
        notes.append(Note(f.name, f"dates read as {how}{why}", n_dm))
    if from_serial.any():
        notes.append(Note(f.name, "Excel serial day numbers converted to dates", int(from_serial.sum())))
    if f.kind is Kind.DATE:
        values = values.dt.date()
    elif f.kind is Kind.MONTH:
        values = values.dt.truncate("1mo").dt.date()
    return Converted(values, problems, notes)


def convert(raw: pl.Series, f: Field, decimal_hint: str) -> Converted:
    """Dispatch on the field's kind."""
    if f.kind in (Kind.ID, Kind.CATEGORY, Kind.TEXT):
        return convert_text(raw, f)
    if f.kind in (Kind.FLOAT, Kind.INT):
        return convert_number(raw, f, decimal_hint)
    if f.kind is Kind.SCORE:
        return convert_score(raw, f, decimal_hint)
    if f.kind is Kind.BOOL:
        return convert_bool(raw, f)
    if f.kind is Kind.CHANNEL:
        return convert_channel(raw, f)
    return convert_date(raw, f)
