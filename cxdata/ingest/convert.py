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
from typing import cast

import polars as pl

from cxdata.ingest.choices import DATE_ORDERS, SCALES, UNITS, FieldChoice, bool_word, value_key
from cxdata.ingest.errors import UnusableFile
from cxdata.schema import CHANNEL_SYNONYMS, Field, Kind, normalise_name

#: Cell contents that mean "no value" in typed columns (compared lower-cased and trimmed).
BLANKS = ["", "na", "n/a", "n.a.", "nd", "n.d.", "null", "none", "nan", "#n/a", "#n/d", "-", "--", "—"]



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


def convert_text(raw: pl.Series, f: Field, choice: FieldChoice = FieldChoice()) -> Converted:
    """Trimmed text, renamed by the analyst's value map. Ids that Excel turned into ``12345.0`` get their ``.0`` back off."""
    values = raw.str.strip_chars()
    values = pl.select(pl.when(values == "").then(None).otherwise(values)).to_series()
    notes = []
    if f.kind is Kind.ID:
        float_ids = values.str.contains(r"^\d+\.0$").fill_null(False)
        if float_ids.any():
            values = pl.select(pl.when(float_ids).then(values.str.replace(r"\.0$", "")).otherwise(values)).to_series()
            notes.append(Note(f.name, "ids stored as decimals by Excel (12345.0) read as 12345", int(float_ids.sum())))
    if choice.values:
        values, note = _apply_value_map(values, f, choice.values, lambda t: t or None, pl.String)
        notes += note
    return Converted(values, pl.Series(values=[None] * len(raw), dtype=pl.String), notes)


def _apply_value_map(values: pl.Series, f: Field, value_map: dict[str, str], target,
                     dtype: pl.DataType | type[pl.DataType]) -> tuple[pl.Series, list[Note]]:
    """Replace the values the analyst mapped (looked up by :func:`value_key`); other values stay."""
    trimmed = values.cast(pl.String).str.strip_chars()
    table = {u: target(value_map[value_key(u)]) for u in trimmed.drop_nulls().unique().to_list()
             if value_key(u) in value_map}
    if not table:
        return values, []
    hit = trimmed.is_in(list(table)).fill_null(False)
    mapped = trimmed.replace_strict(table, default=None, return_dtype=dtype)
    out = pl.select(pl.when(hit).then(mapped).otherwise(values.cast(dtype, strict=False))).to_series()
    shown = ", ".join(f"'{w}' → {v if v is not None else '(empty)'}" for w, v in list(table.items())[:6])
    return out, [Note(f.name, f"value map applied: {shown}", int(hit.sum()))]


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


#: A number as machines write it: digits, a minus sign, a decimal point with digits after it.
_PLAIN_NUMBER = r"^-?\d+(\.\d+)?$"


def _plain(raw: pl.Series, decimal: str) -> bool:
    """Whether every value of ``raw`` is a plain number (:data:`_PLAIN_NUMBER`) that :func:`read_numbers` reads as
    it is written: with a decimal point, or with ``decimal`` a comma and no dot at all (``1.234`` would group
    thousands there)."""
    values = raw.drop_nulls()
    if not values.len() or not bool(values.str.contains(_PLAIN_NUMBER).all()):
        return False
    return decimal == "." or not bool(values.str.contains(".", literal=True).any())


def read_numbers(raw: pl.Series, decimal: str) -> tuple[pl.Series, pl.Series]:
    """Float64 from text, and the mask of values read with a decimal comma.

    Currency signs, %, spaces and apostrophes are removed first. A value that only one
    convention accepts is read in that convention (``1.234,56`` → 1234.56, ``1,234.56`` →
    1234.56, ``12,5`` → 12.5), so a stray European value in an otherwise US column is read
    right, not shifted; a value both accept (``1.234``, ``1,234``, ``12``) is read with the
    column's decimal mark ``decimal``; anything else (``1.2.3``, ``12abc``, ``inf``) is null.

    A column whose every value is a plain number (``-12``, ``3.5``: :data:`_PLAIN_NUMBER`), which both conventions
    read alike unless a dot could group thousands under a decimal comma, is cast at once: the same numbers, one
    pass instead of six (most machine exports).
    """
    if _plain(raw, decimal):
        return _finite(raw.cast(pl.Float64)), pl.Series(raw.name, [False] * len(raw), pl.Boolean)
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
    return _finite(values), (use_comma & s.str.contains(",", literal=True)).fill_null(False)


def _finite(values: pl.Series) -> pl.Series:
    """``values`` with an infinity cleared: 1e400 overflows to inf, which is not a number."""
    return pl.select(pl.when(values.is_finite()).then(values)).to_series()


def parse_numbers(raw: pl.Series, decimal: str) -> pl.Series:
    """Float64 from text, null where the text is not a number; see :func:`read_numbers`."""
    return read_numbers(raw, decimal)[0]


_DURATION = r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)\s*$"
#: An Excel time cell as the workbook reader writes it: days after Excel's day 0 (1899-12-31, or 1899-12-30
#: in tools that count from Excel's epoch) and the time of day.
_EXCEL_TIME = r"^\s*(1899-12-3[01]|1900-01-0[1-9])[ T](\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)\s*$"
#: The largest magnitude accepted in any number field: beyond it a value is a placeholder or an overflow.
ABSURD = 1e15


def read_durations(raw: pl.Series) -> pl.Series:
    """Seconds from ``h:mm:ss`` or ``mm:ss`` text (contact-centre exports), null for anything else."""
    parts = raw.str.extract_groups(_DURATION)
    h = parts.struct.field("1").cast(pl.Float64, strict=False).fill_null(0.0)
    m = parts.struct.field("2").cast(pl.Float64, strict=False)
    sec = parts.struct.field("3").str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    return pl.select(pl.when((m < 60) & (sec < 60)).then(h * 3600 + m * 60 + sec)).to_series()


def read_excel_times(raw: pl.Series) -> pl.Series:
    """Seconds from Excel time cells read as ``1899-12-31 00:02:23`` (a duration of 2 min 23 s), null otherwise.

    Excel stores a duration as a fraction of a day; a reader that knows only dates shows it as a
    time on day 0 (1899-12-31), and a duration over 24 hours as a time on the days after it.
    """
    parts = raw.str.extract_groups(_EXCEL_TIME)
    day = parts.struct.field("1")
    days = (pl.select(pl.when(day == "1899-12-30").then(pl.lit("1899-12-31")).otherwise(day)).to_series()
            .str.strptime(pl.Date, "%Y-%m-%d", strict=False) - pl.Series([datetime(1899, 12, 31).date()])).dt.total_days()
    h = parts.struct.field("2").cast(pl.Float64, strict=False)
    m = parts.struct.field("3").cast(pl.Float64, strict=False)
    sec = parts.struct.field("4").cast(pl.Float64, strict=False)
    return pl.select(days.cast(pl.Float64) * 86400 + h * 3600 + m * 60 + sec).to_series()


def convert_number(raw: pl.Series, f: Field, decimal_hint: str, choice: FieldChoice = FieldChoice()) -> Converted:
    """Float or whole number within the field's bounds; other cells cleared with their reason.

    A duration (a field with a unit) is read in ``choice.unit`` (from the header or the analyst)
    and converted to the field's unit: minutes ×60, hours ×3600, ms ÷1000. Durations written
    ``h:mm:ss`` / ``mm:ss`` and Excel time cells are absolute and read as they are. Every
    conversion is counted in the report. Values beyond ±10¹⁵, and beyond the field's maximum
    (a wait over 7 days, a handle time over 24 hours), are cleared as absurd.
    """
    blank = is_blank(raw)
    decimal = decide_decimal(raw, decimal_hint)
    values, with_comma = read_numbers(raw, decimal)
    notes = []
    if f.unit is not None:
        unit = choice.unit or f.unit
        factor = UNITS[unit] / UNITS[f.unit]
        if factor != 1 and values.is_not_null().any():
            notes.append(Note(f.name, f"values in {unit} converted to {f.unit} (× {factor:g})", int(values.is_not_null().sum())))
            values = values * factor
        for reader, what in ((read_durations, "durations written as [h:]mm:ss read as seconds"),
                             (read_excel_times, "Excel time cells (h:mm:ss) read as durations")):
            durations = reader(raw)
            taken = values.is_null() & durations.is_not_null()
            if taken.any():
                values = pl.select(pl.coalesce(values, durations * (1 / UNITS[f.unit]))).to_series()
                notes.append(Note(f.name, what, int(taken.sum())))
    problems = _problem(values.is_null() & ~blank, "not a number")
    if with_comma.any():
        notes.append(Note(f.name, "decimal comma read as a decimal point (1.234,5 → 1234.5)", int(with_comma.sum())))
    checks = [(values.abs() > ABSURD, "absurd value (beyond ±10^15)")]
    if f.kind is Kind.INT:
        checks.append((values.is_not_null() & (values.round(0) != values), "not a whole number"))
    if f.minimum is not None:
        checks.append((values < f.minimum, "negative" if f.minimum == 0 else f"below {f.minimum:g}"))
    if f.maximum is not None:
        limit = f"{f.maximum / 86400:g} days" if f.unit and f.maximum > 86400 else (
            f"{f.maximum / 3600:g} hours" if f.unit else f"{f.maximum:g}")
        checks.append((values > f.maximum, f"absurd: over {limit}" if f.unit else f"above {limit}"))
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


#: Other scales by field, tried in order (README.md "Data format": "other scales converted with a recorded rule").
OTHER_SCALES: dict[str, tuple[OtherScale, ...]] = {
    "csat": (
        OtherScale(0, 10, 5, "on a 1–10 scale converted to 1–5 as ⌈x/2⌉ (0 → 1)",
                   lambda x: (x / 2).ceil().clip(lower_bound=1)),
        OtherScale(0, 100, 10, "on a 0–100 scale converted to 1–5 as 1 + round(x/25)",
                   lambda x: (x / 25).round(0) + 1),
    ),
}
_SCALE_FIT, _SCALE_ABOVE, _SCALE_MIN_VALUES = 0.98, 0.2, 20
_MIX_RATIO, _MIX_SHARE = 2.0, 0.1


class MixedScales(UnusableFile):
    """A score column whose answers mix two scales: the analyst must name its one scale."""


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
        # means of Boolean series that are not empty: floats
        fits = float(cast(float, ((present >= scale.low) & (present <= scale.high)).mean()))
        above = float(cast(float, (present > scale.above).mean()))
        if fits >= _SCALE_FIT and above >= needed_above:
            return scale
    return None


def looks_mixed(values: pl.Series, f: Field, scale: OtherScale) -> bool:
    """True when a column recognised as ``scale`` also holds answers on the field's native scale.

    Answers on a 1–5 scale pile up on its top two values (4 and 5); on a 0–10 or 0–100 scale those
    values are rare low marks. The column is called mixed when its answers of 4–5 are more than
    twice as frequent, per value, as its answers above 5, and are at least a tenth of all answers.
    """
    present = values.drop_nulls()
    if len(present) < _SCALE_MIN_VALUES or f.scale is None:
        return False
    hi = f.scale[1]
    top = float(((present >= hi - 1) & (present <= hi)).sum()) / 2
    above = float((present > hi).sum()) / (scale.high - hi)
    return top >= _MIX_SHARE * len(present) / 2 and top > _MIX_RATIO * above


def convert_score(raw: pl.Series, f: Field, decimal_hint: str, choice: FieldChoice = FieldChoice(),
                  column: str | None = None) -> Converted:
    """Survey score on the field's native scale.

    A column has one scale. The analyst's ``choice.scale`` decides it; otherwise a column on
    another scale (see :func:`other_scale`) is converted by that scale's rule, and the report
    counts the values converted. A column whose answers mix scales (see :func:`looks_mixed`) is
    never rescaled row by row: :class:`MixedScales` asks for its scale. Values outside the
    scale, or not whole, are cleared, never clipped into range.
    """
    blank = is_blank(raw)
    values = parse_numbers(raw, decide_decimal(raw, decimal_hint))
    problems = _problem(values.is_null() & ~blank, "not a number")
    values, problems = _clear(values, problems, values.round(0) != values, "not a whole score")
    notes = []
    lo, hi = f.scale or (f.minimum, f.maximum)
    if choice.scale is not None:
        declared = SCALES[f.name][choice.scale]
        scale = next((s for s in OTHER_SCALES.get(f.name, ()) if (s.low, s.high) == declared), None)
    else:
        scale = other_scale(values, f)
        if scale is not None and looks_mixed(values, f, scale):
            where = f" in '{column}'" if column else ""
            share = float(((values >= lo) & (values <= hi)).sum() / values.count())
            raise MixedScales(
                f"The {f.name} answers{where} mix scales: {share:.0%} lie on {lo:g}–{hi:g} and the rest reach "
                f"{cast(float, values.max()):g}, as if {lo:g}–{hi:g} and {scale.low:g}–{scale.high:g} answers were merged. "
                f"A column has one scale: choose it (--scale {f.name}={lo:g}-{hi:g} clears the answers above "
                f"{hi:g}; --scale {f.name}={scale.low:g}-{scale.high:g} converts all of them).")
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


def _lookup(raw: pl.Series, classify,
            dtype: pl.DataType | type[pl.DataType]) -> tuple[pl.Series, dict[str, object]]:
    """Map each distinct trimmed value through ``classify``; return the values and the mapping."""
    trimmed = raw.str.strip_chars()
    table = {u: classify(u) for u in trimmed.drop_nulls().unique().to_list()}
    return trimmed.replace_strict(table, default=None, return_dtype=dtype), table


def _mapped(choice: FieldChoice, word: str) -> str | None:
    """The analyst's target for a source value, or None when the value map does not name it."""
    return choice.values.get(value_key(word))


def convert_bool(raw: pl.Series, f: Field, choice: FieldChoice = FieldChoice()) -> Converted:
    """Booleans from the analyst's value map, the field's status words (``Solved`` → yes, ``Pending``
    → no for ``resolved``), then yes/no words in six languages (sì, sim, oui, ja, vero, falso…), 1/0, Y/N, x."""
    yes_words, no_words = f.words or (frozenset(), frozenset())

    def classify(word: str) -> tuple[bool | None, str]:
        target = _mapped(choice, word)
        if target is not None:
            return (bool_word(target) if target else None), "map"
        key = normalise_name(word)
        if key in yes_words or key in no_words:
            return key in yes_words, "status"
        return bool_word(word), "word"

    trimmed = raw.str.strip_chars()
    table = {u: classify(u) for u in trimmed.drop_nulls().unique().to_list()}
    values = trimmed.replace_strict({w: v for w, (v, _) in table.items()}, default=None, return_dtype=pl.Boolean)
    cleared_by_map = trimmed.is_in([w for w, (v, how) in table.items() if how == "map" and v is None]).fill_null(False)
    problems = _problem(values.is_null() & ~is_blank(raw) & ~cleared_by_map, "not a yes/no value")
    counts = dict(trimmed.value_counts().iter_rows())
    notes = []
    for how, text in (("map", "value map applied"), ("status", "status words read")):
        hits = sorted(((w, v) for w, (v, h) in table.items() if h == how), key=lambda wv: -counts[wv[0]])
        if hits:
            shown = ", ".join(f"'{w}' → {'yes' if v else 'no' if v is not None else '(empty)'} ({counts[w]:,})"
                              for w, v in hits[:8])
            notes.append(Note(f.name, f"{text}: {shown}", sum(counts[w] for w, _ in hits)))
    words = sorted(w for w, (v, h) in table.items() if h == "word" and v is not None and w.lower() not in ("true", "false"))
    if words:
        notes.append(Note(f.name, f"{', '.join(words[:6])} read as yes/no", int(trimmed.is_in(words).sum())))
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


def convert_channel(raw: pl.Series, f: Field, choice: FieldChoice = FieldChoice()) -> Converted:
    """Channel vocabulary, after the analyst's value map; unrecognised names become ``other`` and are counted."""
    values, table = _lookup(raw, lambda w: _mapped(choice, w) or channel_of(w) or "other", pl.String)
    trimmed = raw.str.strip_chars()
    counts = dict(trimmed.value_counts().iter_rows())
    notes = []
    mapped = {w: c for w, c in table.items() if _mapped(choice, w)}
    renamed = {w: c for w, c in table.items() if w not in mapped and channel_of(w) and w != c}
    for what, words in (("value map applied", mapped), ("channel names mapped", renamed)):
        if words:
            parts = [f"'{w}' → {c}" for w, c in sorted(words.items(), key=lambda kv: -counts[kv[0]])[:8]]
            notes.append(Note(f.name, f"{what}: " + ", ".join(parts), sum(counts[w] for w in words)))
    unknown = sorted(w for w in table if w not in mapped and channel_of(w) is None)
    if unknown:
        notes.append(Note(f.name, "not recognised, counted as 'other': " + ", ".join(f"'{w}'" for w in unknown[:8]),
                          sum(counts[w] for w in unknown)))
    return Converted(values, pl.Series(values=[None] * len(raw), dtype=pl.String), notes)


# ---------------------------------------------------------------- dates

_MONTH_NAMES: dict[int, tuple[str, ...]] = {  # English, Italian, Spanish, Portuguese, French, German (accents folded)
    1: ("january", "jan", "gennaio", "gen", "enero", "ene", "janeiro", "janvier", "janv", "januar", "janner", "jaenner"),
    2: ("february", "feb", "febbraio", "febrero", "fevereiro", "fev", "fevrier", "fevr", "fev", "februar"),
    3: ("march", "mar", "marzo", "marco", "mars", "marz", "maerz", "mrz"),
    4: ("april", "apr", "aprile", "abril", "abr", "avril", "avr"),
    5: ("may", "maggio", "mag", "mayo", "maio", "mai"),
    6: ("june", "jun", "giugno", "giu", "junio", "junho", "juin", "juni"),
    7: ("july", "jul", "luglio", "lug", "julio", "julho", "juillet", "juil", "juli"),
    8: ("august", "aug", "agosto", "ago", "aout", "august"),
    9: ("september", "sep", "sept", "settembre", "set", "septiembre", "setiembre", "setembro", "septembre"),
    10: ("october", "oct", "ottobre", "ott", "octubre", "outubro", "out", "octobre", "oktober", "okt"),
    11: ("november", "nov", "novembre", "noviembre", "novembro"),
    12: ("december", "dec", "dicembre", "dic", "diciembre", "dezembro", "dez", "decembre", "dezember"),
}
MONTHS: dict[str, int] = {name: number for number, names in _MONTH_NAMES.items() for name in names}

#: A date written in three parts (numbers or a month name) with an optional time of day, 24- or 12-hour.
_THREE_PARTS = (r"^\s*(?P<a>\d{1,4}|\p{L}{3,}\.?)[\s./-]+(?P<b>\d{1,2}|\p{L}{3,}\.?)[\s./,-]+(?P<c>\d{4}|\d{2})"
                r"(?:(?:\s*[ T,]\s*)(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d{1,6})?)?\s*(?:[AaPp]\.?\s?[Mm]\.?)?))?\s*$")
_TIME = r"^\s*(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2})(?:[.,](?P<f>\d{1,6}))?)?\s*(?P<p>[AaPp])?\.?\s?(?:[Mm]\.?)?\s*$"
_ISO = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]
_ISO_TZ = "%Y-%m-%dT%H:%M:%S%.f%#z"
_EXCEL_EPOCH = datetime(1899, 12, 30)
_PIVOT = datetime.now().year % 100 + 10  # a two-digit year up to ten years ahead is 20yy, else 19yy
_PARTS = {"dmy": ("c", "b", "a"), "mdy": ("c", "a", "b"), "ymd": ("a", "b", "c")}  # (year, month, day)


@dataclass
class DateParts:
    """The parts of the three-part dates of a column, as numbers (a month name gives its month number)."""

    a: pl.Series
    b: pl.Series
    c: pl.Series
    digits_a: pl.Series  # number of digits of the first part (0 for a month name)
    named: pl.Series  # which part was a month name: "a", "b" or None
    seconds: pl.Series  # time of day in seconds (null: none given or not a time)
    has_time: pl.Series
    twelve_hour: pl.Series

    @classmethod
    def of(cls, s: pl.Series) -> DateParts:
        g = s.str.extract_groups(_THREE_PARTS)

        def part(name: str) -> tuple[pl.Series, pl.Series]:
            text = g.struct.field(name)
            word = normalise_name_expr(text)
            month = word.replace_strict(MONTHS, default=None, return_dtype=pl.Int32)
            number = text.cast(pl.Int32, strict=False)
            return pl.select(pl.coalesce(number, month)).to_series(), month.is_not_null()

        (a, a_named), (b, b_named) = part("a"), part("b")
        time = g.struct.field("time")
        return cls(a, b, g.struct.field("c").cast(pl.Int32, strict=False),
                   g.struct.field("a").str.len_chars().cast(pl.Int32) * (~a_named).cast(pl.Int32),
                   pl.select(pl.when(a_named).then(pl.lit("a")).when(b_named).then(pl.lit("b"))).to_series(),
                   read_time_of_day(time), time.is_not_null(), time.str.contains(r"[AaPp]").fill_null(False))

    def allowed(self, order: str) -> pl.Series:
        """Values whose shape permits ``order``: year-first only after a 4-digit first part."""
        year_first = self.digits_a == 4
        return (year_first if order == "ymd" else ~year_first).fill_null(False)

    def _in_order(self, order: str) -> pl.Series:
        y, m, d = (getattr(self, p) for p in _PARTS[order])
        year = pl.select(pl.when(y < 100).then(pl.when(y <= _PIVOT).then(y + 2000).otherwise(y + 1900)).otherwise(y)).to_series()
        text = pl.select(pl.format("{}-{}-{}", year, m.cast(pl.String).str.zfill(2), d.cast(pl.String).str.zfill(2))).to_series()
        day = text.str.strptime(pl.Datetime("us"), "%Y-%m-%d", strict=False)
        return pl.select(pl.when(self.allowed(order) & (m <= 12) & (d <= 31)).then(day)).to_series()

    def dates(self, order: str) -> pl.Series:
        """Datetimes with the numeric dates read in ``order``; a date with a month name is read in the
        order its position gives (``Apr 15, 2022`` month first, ``22-Apr-15`` day first)."""
        day = pl.select(
            pl.when(self.named == "a").then(self._in_order("mdy"))
            .when(self.named == "b").then(pl.when(self.digits_a == 4).then(self._in_order("ymd")).otherwise(self._in_order("dmy")))
            .otherwise(self._in_order(order))
        ).to_series()
        return pl.select(day + pl.duration(microseconds=pl.lit((self.seconds.fill_null(0) * 1e6).round(0).cast(pl.Int64)))).to_series()


def normalise_name_expr(text: pl.Series) -> pl.Series:
    """Lower-cased, dots dropped and common accents folded, for month names."""
    folded = text.str.to_lowercase().str.strip_chars(". ")
    for accented, plain in (("é", "e"), ("è", "e"), ("û", "u"), ("ä", "a"), ("ç", "c"), ("ã", "a"), ("ô", "o")):
        folded = folded.str.replace_all(accented, plain, literal=True)
    return folded


def read_time_of_day(text: pl.Series) -> pl.Series:
    """Seconds after midnight from ``15:53``, ``15:53:50``, ``3:53:50 PM`` or ``12:05 am``; null otherwise."""
    g = text.str.extract_groups(_TIME)
    h = g.struct.field("h").cast(pl.Int32, strict=False)
    pm = g.struct.field("p").str.to_lowercase()
    hour = pl.select(
        pl.when(pm.is_null()).then(h)
        .when(h > 12).then(None)
        .when(pm == "p").then(h % 12 + 12)
        .otherwise(h % 12)
    ).to_series()
    m = g.struct.field("m").cast(pl.Int32, strict=False)
    sec = g.struct.field("s").cast(pl.Int32, strict=False).fill_null(0)
    frac = ("0." + g.struct.field("f").fill_null("0")).cast(pl.Float64, strict=False)
    return pl.select(pl.when((hour < 24) & (m < 60) & (sec < 60)).then(hour * 3600 + m * 60 + sec + frac)).to_series()


@dataclass
class DateOrder:
    """The order a column's three-part dates are read in, and how sure that is."""

    order: str | None  # None: the column has no three-part dates
    valid: dict[str, int]  # values each order reads
    ambiguous: list[str]  # other orders that read as many values


def decide_order(parts: DateParts, chosen: str | None = None) -> DateOrder:
    """Day-month-year, month-day-year or year-month-day for the whole column.

    The order that reads the most values wins (a day above 12 proves its position, a month name
    its own). On a tie the analyst's choice decides, else day-first, and the report flags the column.
    """
    numeric = parts.named.is_null()
    valid = {o: int((parts.dates(o).is_not_null() & numeric).sum()) for o in DATE_ORDERS}
    best = max(valid.values())
    if best == 0:
        return DateOrder("dmy" if (~numeric).any() else None, valid, [])
    tied = [o for o in DATE_ORDERS if valid[o] == best]
    order = chosen if chosen in tied or (chosen and valid[chosen]) else tied[0]
    return DateOrder(order, valid, [o for o in tied if o != order] if chosen is None else [])


def _parse_with_offset(s: pl.Series) -> pl.Series:
    """ISO timestamps with a UTC offset, converted to UTC."""
    return s.str.strptime(pl.Datetime("us", "UTC"), _ISO_TZ, strict=False).dt.replace_time_zone(None)


def _parse_excel_serial(s: pl.Series) -> pl.Series:
    """Excel day numbers (10,000–100,000, i.e. 1927–2173; a fraction is the time of day)."""
    serial = s.cast(pl.Float64, strict=False)
    serial = pl.select(pl.when((serial >= 10_000) & (serial <= 100_000)).then(serial)).to_series()
    return pl.select(
        pl.lit(_EXCEL_EPOCH) + pl.duration(microseconds=pl.lit((serial * 86_400_000_000).round(0).cast(pl.Int64)))
    ).to_series().cast(pl.Datetime("us"))


@dataclass
class ParsedDates:
    values: pl.Series
    how: pl.Series  # per value: "iso", "offset", "parts", "serial" or null
    order: DateOrder
    parts: DateParts | None


def parse_datetimes(raw: pl.Series, chosen_order: str | None = None) -> ParsedDates:
    """Datetimes from ISO (with or without a UTC offset), three-part dates in the column's order
    (two-digit years, month names in six languages, 24- or 12-hour times) or Excel serial numbers.

    Each reader takes only the values the earlier ones could not read, so a column written in one
    format costs one pass.
    """
    s = raw.str.strip_chars()
    n = len(s)
    values = pl.Series(s.name, [None] * n, dtype=pl.Datetime("us"))
    how = pl.Series([None] * n, dtype=pl.String)
    todo = s.is_not_null() & (s != "")
    order, parts = DateOrder(None, {}, []), None

    def take(name: str, parsed: pl.Series, index: pl.Series) -> None:
        nonlocal values, how, todo
        read = parsed.is_not_null()
        if read.any():
            done = index.filter(read)
            values, how = values.scatter(done, parsed.filter(read)), how.scatter(done, name)
            todo = todo.scatter(done, False)

    iso = s.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}").fill_null(False)
    for fmt in _ISO:
        index = (todo & iso).arg_true()
        if index.is_empty():
            break
        take("iso", s.gather(index).str.strptime(pl.Datetime("us"), fmt, strict=False), index)
    index = todo.arg_true()
    if not index.is_empty():
        take("offset", _parse_with_offset(s.gather(index)), index)
    index = todo.arg_true()
    if not index.is_empty():
        parts = DateParts.of(s.gather(index))
        order = decide_order(parts, chosen_order)
        if order.order is not None:
            take("parts", parts.dates(order.order), index)
    index = todo.arg_true()
    if not index.is_empty():
        take("serial", _parse_excel_serial(s.gather(index)), index)
    return ParsedDates(values, how, order, parts)


def _date_notes(f: Field, s: pl.Series, parsed: ParsedDates) -> list[Note]:
    """What the report says about how a date column was read: the order (with an example), its
    ambiguity, month names, 12-hour times and Excel serial numbers."""
    notes = []
    n_parts = int((parsed.how == "parts").sum())
    order = parsed.order
    if n_parts and order.order is not None:
        example_at = (parsed.how == "parts").arg_true()[0]
        example = f"{s[example_at].strip()} → {parsed.values[example_at]:%Y-%m-%d}"
        message = f"dates read as {DATE_ORDERS[order.order]} ({example})"
        if order.ambiguous:
            others = " or ".join(DATE_ORDERS[o] for o in order.ambiguous)
            message += (f"; FLAGGED: every date could also be read as {others} — if that is right, choose it "
                        f"(--dates {f.name}={order.ambiguous[0]})")
        notes.append(Note(f.name, message, n_parts))
        if parsed.parts is not None:
            if parsed.parts.named.is_not_null().any():
                notes.append(Note(f.name, "month names read (Apr, aprile, abril, avril…)", int(parsed.parts.named.is_not_null().sum())))
            if parsed.parts.twelve_hour.any():
                notes.append(Note(f.name, "12-hour times (AM/PM) read", int(parsed.parts.twelve_hour.sum())))
    n_serial = int((parsed.how == "serial").sum())
    if n_serial:
        notes.append(Note(f.name, "Excel serial day numbers converted to dates", n_serial))
    return notes


def convert_date(raw: pl.Series, f: Field, choice: FieldChoice = FieldChoice()) -> Converted:
    """Datetime, Date or first-of-month Date; years outside 1970–2100 are cleared as implausible."""
    s = raw
    if f.kind is Kind.MONTH:  # 2025-06, 2025/06, 06/2025, 6.2025 → ISO, so they never sway the day/month order
        s = (s.str.strip_chars()
             .str.replace(r"^(\d{4})[-/](\d{1,2})$", "${1}-${2}-01")
             .str.replace(r"^(\d{1,2})[-/.](\d{4})$", "${2}-${1}-01"))
    parsed = parse_datetimes(s, choice.order)
    values = parsed.values
    blank = is_blank(raw)
    problems = _problem(values.is_null() & ~blank, "not a date")
    implausible = ((values.dt.year() < 1970) | (values.dt.year() > 2100)).fill_null(False)
    problems = _first(problems, _problem(implausible, "implausible year"))
    values = pl.select(pl.when(implausible).then(None).otherwise(values)).to_series()
    notes = _date_notes(f, s, parsed)
    if f.kind is Kind.DATE:
        values = values.dt.date()
    elif f.kind is Kind.MONTH:
        values = values.dt.truncate("1mo").dt.date()
    return Converted(values, problems, notes)


def convert_time(raw: pl.Series, f: Field) -> Converted:
    """Time of day (seconds after midnight, Float64) from ``15:53[:50]``, ``3:53:50 PM`` or an Excel time cell."""
    text = raw.str.strip_chars()
    excel = text.str.extract(r"^(?:1899-12-3[01]|1900-01-00)[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$", 1)
    seconds = read_time_of_day(pl.select(pl.coalesce(excel, text)).to_series())
    problems = _problem(seconds.is_null() & ~is_blank(raw), "not a time of day")
    notes = [Note(f.name, "Excel time cells read as times of day", int(excel.is_not_null().sum()))]
    return Converted(seconds, problems, notes)


def convert(raw: pl.Series, f: Field, decimal_hint: str, choice: FieldChoice = FieldChoice(),
            column: str | None = None) -> Converted:
    """Dispatch on the field's kind; ``choice`` carries the analyst's decisions for the field."""
    if f.kind in (Kind.ID, Kind.CATEGORY, Kind.TEXT):
        return convert_text(raw, f, choice)
    if f.kind in (Kind.FLOAT, Kind.INT):
        return convert_number(raw, f, decimal_hint, choice)
    if f.kind is Kind.SCORE:
        return convert_score(raw, f, decimal_hint, choice, column)
    if f.kind is Kind.BOOL:
        return convert_bool(raw, f, choice)
    if f.kind is Kind.CHANNEL:
        return convert_channel(raw, f, choice)
    if f.kind is Kind.TIME:
        return convert_time(raw, f)
    return convert_date(raw, f, choice)
