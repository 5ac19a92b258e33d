"""From a raw string table and a mapping to a typed canonical table plus its validation report.

Rules (issue 2, README.md "Data format", docs/architecture.md "Import"):

- a row is **rejected** when a required field is empty or unusable, when it has more fields than
  the header, or when its key repeats an earlier row of the file or a row already in the dataset;
- an optional value that cannot be used (text in a number column, a negative duration, a score
  off its scale) is **cleared**, listed and counted; the row is kept;
- columns not mapped to a field are kept as extra dimensions (text) or measures (when at least
  95% of their values are numbers and none has a leading zero, which marks codes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from cxdata.ingest.choices import Choices, FieldChoice
from cxdata.ingest.convert import Converted, Note, convert, decide_decimal, is_blank, parse_numbers
from cxdata.ingest.mapping import Mapping, unit_in_header
from cxdata.ingest.read import ROW, RawTable
from cxdata.ingest.report import CLEARED, PROBLEM_SCHEMA, REJECTED, ValidationReport, empty_problems
from cxdata.schema import Table, normalise_name

_MEASURE_SHARE = 0.95


@dataclass
class Normalised:
    frame: pl.DataFrame  # accepted rows: canonical fields (typed) + extras; no ROW column
    report: ValidationReport


def _extra_name(column: str, taken: set[str]) -> str:
    base = normalise_name(column) or "extra"
    name = base if base not in taken else f"extra_{base}"
    i = 2
    while name in taken:
        name, i = f"extra_{base}_{i}", i + 1
    taken.add(name)
    return name


def _convert_extra(raw: pl.Series, decimal_hint: str) -> tuple[Converted, str]:
    """An unmapped column: a numeric measure when 95% of its values are numbers, else a text dimension."""
    blank = is_blank(raw)
    filled = int((~blank).sum())
    decimal = decide_decimal(raw, decimal_hint)
    numbers = parse_numbers(raw, decimal)
    leading_zero = bool(raw.str.contains(r"^0\d").fill_null(False).any())
    if filled and not leading_zero and numbers.is_not_null().sum() >= _MEASURE_SHARE * filled:
        problems = pl.select(pl.when(numbers.is_null() & ~blank).then(pl.lit("not a number"))).to_series()
        return Converted(numbers, problems), "measure"
    text = raw.str.strip_chars()
    text = pl.select(pl.when(text == "").then(None).otherwise(text)).to_series()
    return Converted(text, pl.Series(values=[None] * len(raw), dtype=pl.String)), "dimension"


def normalise(
    raw: RawTable,
    table: Table,
    mapping: Mapping,
    *,
    filename: str,
    id_prefix: str,
    known_keys: pl.DataFrame | None = None,
    choices: Choices | None = None,
    reasons_for_mapping: dict[str, str] | None = None,
    on_column: Callable[[int, int, str], None] | None = None,
) -> Normalised:
    """Type, validate and de-duplicate ``raw``; see the module docstring.

    ``id_prefix`` makes generated ids (``{prefix}-{row}``) unique across files; ``known_keys``
    holds the key columns already in the dataset (for appends); ``choices`` are the analyst's value
    maps, units, scales and date orders; ``reasons_for_mapping`` says why each column was mapped
    (for the report); ``on_column(done, total, name)`` is called after each column is converted.
    A field that ``negates`` another is stored as that one's opposite (answered → abandoned); a
    time-of-day field completes the date it names (``Date`` + ``Time`` → started_at).
    """
    choices = choices or Choices()
    frame = raw.frame
    rows = frame.get_column(ROW)
    columns: dict[str, pl.Series] = {ROW: rows}
    cleared: list[pl.DataFrame] = [empty_problems()]  # never empty: a file may hold only required fields
    reasons: list[pl.Series] = []
    notes: list[Note] = []
    extras: dict[str, str] = {}

    total = len(raw.columns)
    done = 0

    def advance(column: str) -> None:
        nonlocal done
        done += 1
        if on_column is not None:
            on_column(done, total, column)

    for column, field_name in mapping.items():
        if field_name is None:
            continue
        f = table.field(field_name)
        source = frame.get_column(column)
        choice = choices.of(f.name)
        if f.unit is not None and choice.unit is None and (unit := unit_in_header(column)) not in (None, f.unit):
            choice = FieldChoice(choice.values, unit, choice.scale, choice.order)
            notes.append(Note(f.name, f"unit read from the header '{column}': {unit}", int((~is_blank(source)).sum())))
        converted = convert(source, f, raw.decimal_hint, choice, column)
        columns[f.name] = converted.values.alias(f.name)
        notes += converted.notes
        if f.required:
            reasons.append(_required_reason(f.name, source, converted))
        else:
            cleared.append(_cleared(rows, column, f.name, source, converted.problems))
        advance(column)

    taken = set(table.names)
    extra_of: dict[str, str] = {}
    for column in raw.columns:
        if column in mapping:
            continue
        name = extra_of[column] = _extra_name(column, taken)
        source = frame.get_column(column)
        converted, extras[name] = _convert_extra(source, raw.decimal_hint)
        columns[name] = converted.values.alias(name)
        cleared.append(_cleared(rows, column, name, source, converted.problems))
        advance(column)

    if table.generated_key and table.generated_key not in columns:
        columns[table.generated_key] = (id_prefix + "-" + rows.cast(pl.String)).alias(table.generated_key)
        notes.append(Note(table.generated_key, "no id column: ids generated from the file and row number", len(rows)))

    typed = pl.DataFrame(list(columns.values()))
    typed, derived = _derive(typed, table)
    notes += derived
    typed, combined = _combine(typed, table, mapping)
    notes += combined
    if raw.cell_problems is not None and raw.cell_problems.height:
        target = {c: f for c, f in mapping.items() if f is not None} | extra_of
        cleared.append(raw.cell_problems.select(
            pl.col(ROW).alias("row"), "column", pl.col("column").replace_strict(target, default=None).alias("field"),
            "value", "problem", pl.lit(CLEARED).alias("action")).cast(pl.Schema(PROBLEM_SCHEMA)))
    reasons += _key_reasons(typed, table, known_keys)
    joined = pl.concat_str(reasons, separator="; ", ignore_nulls=True) if reasons else None
    reason = pl.select(pl.when(joined != "").then(joined)).to_series() if reasons else None
    if raw.reader_rejects is not None and raw.reader_rejects.height:  # the reader's reason says it all
        read_why = rows.to_frame(ROW).join(raw.reader_rejects.select(ROW, "reason"), on=ROW, how="left")
        reason = read_why.select(pl.coalesce("reason", pl.lit(reason, dtype=pl.String))).to_series()
    is_rejected = reason.is_not_null() if reason is not None else pl.Series([False] * len(rows))
    accepted = typed.filter(~is_rejected)

    rejected = pl.DataFrame({
        "row": rows.filter(is_rejected), "column": None, "field": None, "value": None,
        "problem": reason.filter(is_rejected) if reason is not None else [], "action": REJECTED,
    }, schema=PROBLEM_SCHEMA)
    kept_cleared = pl.concat(cleared).join(accepted.select(pl.col(ROW).alias("row")), on="row", how="semi")
    report = ValidationReport(
        filename=filename,
        table=table.name,
        rows_in=len(rows),
        accepted=accepted.height,
        rejected=rejected.height,
        mapping=dict(mapping),
        mapping_reasons=dict(reasons_for_mapping or {}),
        choices=choices.to_json(),
        extras=extras,
        notes=list(raw.notes),
        conversions=[n for n in notes if n.count],
        problems=pl.concat([rejected, kept_cleared]).sort("row", "action"),
    )
    order = [n for n in table.names if n in accepted.columns] + list(extras)
    return Normalised(accepted.select(order), report)


def _combine(typed: pl.DataFrame, table: Table, mapping: Mapping) -> tuple[pl.DataFrame, list[Note]]:
    """Fields stored through another: an opposite (answered → abandoned = not answered) and a time of
    day added to the date it completes (where that date has no time of its own)."""
    notes = []
    source = {f: c for c, f in mapping.items() if f is not None}
    for f in table.fields:
        if f.name not in typed.columns:
            continue
        if f.negates is not None:
            typed = typed.with_columns((~pl.col(f.name)).alias(f.negates)).drop(f.name)
            notes.append(Note(f.negates, f"read as the opposite of '{source[f.name]}' ({f.name})",
                              int(typed.get_column(f.negates).is_not_null().sum())))
        elif f.completes is not None and f.completes in typed.columns:
            date = pl.col(f.completes)
            at_midnight = date.is_not_null() & (date == date.dt.truncate("1d")) & pl.col(f.name).is_not_null()
            n = typed.select(at_midnight.sum()).item()
            typed = typed.with_columns(pl.when(at_midnight)
                                       .then(date + pl.duration(microseconds=(pl.col(f.name) * 1e6).round(0).cast(pl.Int64)))
                                       .otherwise(date).alias(f.completes)).drop(f.name)
            notes.append(Note(f.completes, f"time of day taken from '{source[f.name]}'", int(n)))
        elif f.completes is not None:
            typed = typed.drop(f.name)
    return typed, notes


def _when(mask: pl.Series, text: str) -> pl.Series:
    return pl.select(pl.when(mask).then(pl.lit(text))).to_series()


def _required_reason(field: str, source: pl.Series, converted: Converted) -> pl.Series:
    """Why a required value makes its row unusable: ``started_at '31/02/2025': not a date`` or ``started_at is empty``."""
    return pl.select(
        pl.when(converted.problems.is_not_null())
        .then(pl.format("{} '{}': {}", pl.lit(field), source, converted.problems))
        .when(converted.values.is_null())
        .then(pl.lit(f"{field} is empty"))
    ).to_series()


def _cleared(rows: pl.Series, column: str, field: str, source: pl.Series, problems: pl.Series) -> pl.DataFrame:
    mask = problems.is_not_null()
    return pl.DataFrame({
        "row": rows.filter(mask), "column": column, "field": field,
        "value": source.filter(mask), "problem": problems.filter(mask), "action": CLEARED,
    }, schema=PROBLEM_SCHEMA)


def _key_reasons(typed: pl.DataFrame, table: Table, known_keys: pl.DataFrame | None) -> list[pl.Series]:
    """Duplicated keys: a repeat of an earlier row of the file, or a key already in the dataset."""
    key = list(table.key)
    if not all(k in typed.columns for k in key):
        return []
    present = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    first = pl.col(ROW).min().over(key)
    label = pl.format("{}", pl.col(key[0])) if len(key) == 1 else pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=" / ")
    name = " + ".join(key)
    out = [typed.select(
        pl.when(present & (pl.col(ROW) != first)).then(pl.format(f"duplicate {name} '{{}}' (first on row {{}})", label, first))
    ).to_series()]
    if known_keys is not None and known_keys.height:
        known = typed.select(key).join(known_keys.select(key).unique().with_columns(_known=pl.lit(True)), on=key, how="left")
        out.append(_when(known.get_column("_known").fill_null(False), f"{name} already in the dataset"))
    return out


def _derive(typed: pl.DataFrame, table: Table) -> tuple[pl.DataFrame, list[Note]]:
    """Fields implied by others: a customer with a churn date has churned.

    With a ``churned`` column, a churn date sets it to yes and an unknown value stays unknown;
    without one, ``churned`` is yes exactly where a churn date is given.
    """
    if table.name != "customers" or "churned_at" not in typed.columns:
        return typed, []
    has_date = pl.col("churned_at").is_not_null()
    if "churned" not in typed.columns:
        note = Note("churned", "derived from churned_at (a churn date means yes)", typed.height)
        return typed.with_columns(churned=has_date), [note]
    n = typed.select((has_date & ~pl.col("churned").fill_null(False)).sum()).item()
    typed = typed.with_columns(churned=pl.when(has_date).then(True).otherwise(pl.col("churned")))
    return typed, [Note("churned", "set to yes for customers with a churn date", int(n))]
