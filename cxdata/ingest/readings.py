"""How each mapped column will be read, before anything is imported: the Data page shows it so the
analyst can correct a value map, a unit, a scale or a date order where the data alone cannot tell.

The readings come from the same converters the import runs (:mod:`cxdata.ingest.convert`), so what
the page shows is what the import will do.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cxdata.ingest.choices import Choices, FieldChoice, value_key
from cxdata.ingest.convert import DateOrder, MixedScales, convert, convert_score, is_blank, parse_datetimes
from cxdata.ingest.mapping import Mapping, unit_in_header
from cxdata.ingest.read import RawTable
from cxdata.schema import Field, Kind, Table

NOT_READ = "(not read)"
_MOST_VALUES = 30


@dataclass
class FieldReading:
    """One mapped column and the decisions the analyst can make about it."""

    column: str
    field: Field
    values: pl.DataFrame | None = None  # value, rows, default, read_as — for yes/no and channel fields
    unit: str | None = None  # the unit the column is read in (durations)
    unit_from_header: bool = False
    mixed: str | None = None  # why the analyst must choose the scale (a score column mixing scales)
    order: DateOrder | None = None  # the date order, and the other orders that read as well


def _as_text(values: pl.Series) -> list[str]:
    if values.dtype == pl.Boolean:
        return [NOT_READ if v is None else "yes" if v else "no" for v in values.to_list()]
    return [NOT_READ if v is None else str(v) for v in values.to_list()]


def value_readings(source: pl.Series, f: Field, choice: FieldChoice) -> pl.DataFrame:
    """The most frequent distinct values of a column: how many rows hold each, how the field reads it
    without a value map (``default``) and with the analyst's (``read_as``)."""
    trimmed = source.filter(~is_blank(source)).str.strip_chars()
    counts = trimmed.value_counts(sort=True).head(_MOST_VALUES)
    values = counts.get_column(trimmed.name)
    default = convert(values, f, ".", FieldChoice()).values
    chosen = convert(values, f, ".", choice).values
    return pl.DataFrame({"value": values, "rows": counts.get_column("count"),
                         "default": _as_text(default), "read_as": _as_text(chosen)})


def readings(raw: RawTable, table: Table, mapping: Mapping, choices: Choices) -> list[FieldReading]:
    """A :class:`FieldReading` for each mapped yes/no, channel, duration, score and date column."""
    out = []
    for column, name in mapping.items():
        if name is None:
            continue
        f, source, choice = table.field(name), raw.frame.get_column(column), choices.of(name)
        reading = FieldReading(column, f)
        if f.kind in (Kind.BOOL, Kind.CHANNEL):
            reading.values = value_readings(source, f, choice)
        elif f.unit is not None:
            header = unit_in_header(column)
            reading.unit, reading.unit_from_header = choice.unit or header or f.unit, choice.unit is None and bool(header)
        elif f.kind is Kind.SCORE:
            try:
                convert_score(source, f, raw.decimal_hint, choice, column)
            except MixedScales as exc:
                reading.mixed = str(exc)
        elif f.kind in (Kind.DATETIME, Kind.DATE, Kind.MONTH):
            reading.order = parse_datetimes(source, choice.order).order
        else:
            continue
        out.append(reading)
    return out


def value_map(edited: pl.DataFrame) -> dict[str, str]:
    """The analyst's value map from an edited readings table: every value read other than by default
    (keys as :func:`cxdata.ingest.choices.value_key` looks them up; an empty target clears the value)."""
    changed = edited.filter(pl.col("read_as") != pl.col("default"))
    return {value_key(v): ("" if t == NOT_READ else t) for v, t in changed.select("value", "read_as").iter_rows()}
