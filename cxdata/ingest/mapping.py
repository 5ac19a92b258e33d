"""Column mapping: which source column feeds which canonical field (docs/architecture.md "Import").

A mapping is a dict ``{source column: field name or None}``; ``None`` means "ignore this column".
Source columns absent from the mapping are kept as extra dimensions or measures.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import polars as pl

from cxdata.ingest.choices import bool_word
from cxdata.ingest.convert import (
    OTHER_SCALES,
    channel_of,
    convert_date,
    convert_number,
    convert_time,
    decide_decimal,
    is_blank,
    read_numbers,
)
from cxdata.ingest.errors import UnusableFile
from cxdata.schema import Field, Kind, Table, normalise_name

Mapping = dict[str, str | None]

#: Words that name a duration's unit in a header (any of the six languages), by unit.
UNIT_WORDS: dict[str, str] = {
    **dict.fromkeys(["seconds", "second", "secs", "sec", "s", "secondi", "segundos", "segundo", "sekunden", "sek",
                     "secondes"], "seconds"),
    **dict.fromkeys(["minutes", "minute", "mins", "min", "m", "minuti", "minutos", "minuten"], "minutes"),
    **dict.fromkeys(["hours", "hour", "hrs", "hr", "h", "ore", "horas", "heures", "stunden", "std"], "hours"),
    **dict.fromkeys(["ms", "milliseconds", "millisecond", "millis", "msec", "millisecondi"], "ms"),
}
_SHORT_UNITS = {"s", "m", "h"}  # single letters count as units only at the end of a header
_FILLERS = {"in", "en", "em", "di", "de", "per", "im"}
_STATS = {"avg", "average", "mean", "media", "medio", "durchschnittliche", "moyenne", "promedio"}
_SCORE_WORDS = {"rating", "score", "value", "punteggio", "voto", "puntuacion", "nota", "note", "bewertung"}
_FLAGS = (("y", "n"), ("yes", "no"), ("si", "no"), ("s", "n"), ("yn",), ("flag",), ("0", "1"), ("1", "0"))
_SAMPLE = 100_000
_FIT, _SCORES, _MOST = 0.95, 0.8, 0.5


def header_words(column: str) -> list[str]:
    """A header as lower-case words: camelCase and digits split, accents and punctuation folded
    (``AvgTalkDuration`` → avg, talk, duration; ``Answered (Y/N)`` → answered, y, n)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", column)
    return [w for w in normalise_name(spaced).split("_") if w]


def unit_in_header(column: str) -> str | None:
    """The unit a header names at its start or end (``first_response_minutes``, ``attesa_min``, ``ms``), if any."""
    words = header_words(column)
    if not words:
        return None
    if words[-1] in UNIT_WORDS:
        return UNIT_WORDS[words[-1]]
    if words[0] in UNIT_WORDS and words[0] not in _SHORT_UNITS and len(words) > 1:
        return UNIT_WORDS[words[0]]
    return None


def _variants(words: list[str]) -> list[tuple[str, str]]:
    """(core name, what was set aside) for a header: as it is; without its unit or an average word
    (durations); without a yes/no hint (yes/no fields); without "rating"/"score" (survey scores).
    Each variant applies only to fields of the matching kind."""
    out = [("_".join(words), "")]
    core = list(words)
    if core and core[-1] in UNIT_WORDS and len(core) > 1:
        core = core[:-1]
        if len(core) > 1 and core[-1] in _FILLERS:
            core = core[:-1]
    elif core and core[0] in UNIT_WORDS and core[0] not in _SHORT_UNITS and len(core) > 1:
        core = core[1:]
    if core != words:
        out.append(("_".join(core), "unit"))
    if core and core[0] in _STATS and len(core) > 1:
        out.append(("_".join(core[1:]), "unit"))
    for flag in _FLAGS:
        if len(words) > len(flag) and tuple(words[-len(flag):]) == flag:
            out.append(("_".join(words[: -len(flag)]), "flag"))
    if len(words) > 1 and words[-1] in _SCORE_WORDS:
        out.append(("_".join(words[:-1]), "score"))
    return out


@dataclass
class NameMatch:
    field: Field
    how: str  # "name" or "alias"
    alias: str
    set_aside: str  # "", "unit" or "flag"


def name_matches(column: str, table: Table) -> list[NameMatch]:
    """Fields whose name or an alias equals the header as whole words (after setting aside a unit
    for durations, an average word for durations, a Y/N hint for yes/no fields), best first."""
    found: list[NameMatch] = []
    for core, aside in _variants(header_words(column)):
        for f in table.fields:
            if ((aside == "unit" and f.unit is None) or (aside == "flag" and f.kind is not Kind.BOOL)
                    or (aside == "score" and f.kind is not Kind.SCORE)):
                continue
            if core == f.name:
                found.append(NameMatch(f, "name", core, aside))
            elif core in f.aliases:
                found.append(NameMatch(f, "alias", core, aside))
    found.sort(key=lambda m: m.how != "name")
    first: dict[str, NameMatch] = {}  # the first match of each field, in order
    for m in found:
        first.setdefault(m.field.name, m)
    return list(first.values())


def contained_aliases(column: str, table: Table) -> list[tuple[Field, str]]:
    """Fields one of whose names appears inside the header as whole words (``customer_city`` holds
    ``customer``): never mapped automatically, only offered."""
    words = header_words(column)
    text = "_" + "_".join(words) + "_"
    out = []
    for f in table.fields:
        for alias in (f.name, *f.aliases):
            if len(alias) > 2 and f"_{alias}_" in text and alias != "_".join(words):
                out.append((f, alias))
                break
    return out


def content_fit(values: pl.Series, f: Field, table: Table, decimal_hint: str = ".") -> tuple[bool, str]:
    """Whether a column's values fit a field, and the evidence in words.

    An id has many distinct values (at least 2% of the filled cells and 5 of the first 20, or 1,000; half for the
    table's own key); a yes/no field reads as yes/no (or the field's status words) and a time of
    day parses for ≥ 95% of the filled cells; a score is a whole number within 0 and the top of
    its largest scale for ≥ 80% (stray answers are cleared and counted); a
    number, duration or date reads (within the field's bounds) and a channel is recognised for at
    least half of them (the rest are cleared or rejected and counted in the report). Text always fits.
    """
    sample = values.head(_SAMPLE)
    filled = sample.filter(~is_blank(sample))
    n = len(filled)
    if n == 0:
        return True, "the column is empty"
    if f.kind is Kind.ID:
        distinct = filled.n_unique()
        need = 0.5 * n if table.key == (f.name,) else min(1000, max(0.02 * n, 0.25 * min(n, 20)))
        return distinct >= need or n == 1, f"{distinct:,} distinct values in {n:,} filled cells"
    if f.kind in (Kind.CATEGORY, Kind.TEXT):
        return True, "text"
    if f.kind is Kind.BOOL:
        yes, no = f.words or (frozenset(), frozenset())
        uniques = filled.str.strip_chars().value_counts()
        ok = sum(c for v, c in uniques.iter_rows() if bool_word(v) is not None or normalise_name(v) in yes | no)
        return ok >= _FIT * n, f"{ok / n:.0%} of {n:,} values read as yes/no"
    if f.kind is Kind.CHANNEL:
        uniques = filled.str.strip_chars().value_counts()
        ok = sum(c for v, c in uniques.iter_rows() if channel_of(v) is not None)
        return ok >= 0.5 * n, f"{ok / n:.0%} of {n:,} values are channel names"
    if f.kind is Kind.TIME:
        ok = int(convert_time(filled, f).values.is_not_null().sum())
        return ok >= _FIT * n, f"{ok / n:.0%} of {n:,} values read as times of day"
    if f.kind is Kind.SCORE:
        numbers = read_numbers(filled, decide_decimal(filled, decimal_hint))[0]
        top = 100 if f.name in OTHER_SCALES else f.maximum
        ok = int(((numbers.round(0) == numbers) & (numbers >= 0) & (numbers <= top)).sum())
        return ok >= _SCORES * n, f"{ok / n:.0%} of {n:,} values are whole scores within 0–{top:g}"
    if f.kind in (Kind.DATETIME, Kind.DATE, Kind.MONTH):
        ok, what = int(convert_date(filled, f).values.is_not_null().sum()), "dates"
    else:
        ok, what = int(convert_number(filled, f, decimal_hint).values.is_not_null().sum()), "numbers"
    return ok >= _MOST * n, f"{ok / n:.0%} of {n:,} values read as {what}"


@dataclass
class Proposal:
    """A proposed mapping with the reason for each automatic choice and the suggestions left to the analyst."""

    mapping: Mapping
    reasons: dict[str, str] = field(default_factory=dict)
    suggestions: list[dict] = field(default_factory=list)  # {column, field, reason}


def _why(match: NameMatch, column: str) -> str:
    said = "its name is the field's name" if match.how == "name" else f"its name is '{match.alias}', a name for it"
    if match.set_aside == "unit":
        unit = unit_in_header(column)
        said += f", written in {unit}" if unit else ""
    elif match.set_aside == "flag":
        said += " (a yes/no column)"
    elif match.set_aside == "score":
        said += " (a survey score)"
    if match.field.negates:
        said += f"; stored as the opposite of {match.field.negates}"
    return said


def suggest_mapping(frame: pl.DataFrame, columns: list[str], table: Table, decimal_hint: str = ".") -> Proposal:
    """Map source columns to fields when the name AND the content agree.

    A column is mapped automatically only when its header, as whole words, is a field's name or
    alias (a unit, an average word or a Y/N hint set aside — ``first_response_minutes``,
    ``AvgTalkDuration``, ``Answered (Y/N)``), never by prefix or substring, and its values fit the
    field (:func:`content_fit`). Field names win over aliases; each field takes one column, the
    first that qualifies. A name that matches with content that does not, or a field's name inside
    a longer header (``customer_city``), becomes a suggestion with its reason.
    """
    mapping: Mapping = {}
    reasons: dict[str, str] = {}
    refused: dict[str, tuple[str, str]] = {}
    matches = {c: name_matches(c, table) for c in columns}
    for strength in ("name", "alias"):
        for column in columns:
            if column in mapping:
                continue
            for m in matches[column]:
                if m.how != strength or m.field.name in mapping.values() or _taken_by_opposite(m.field, mapping, table):
                    continue
                ok, evidence = content_fit(frame.get_column(column), m.field, table, decimal_hint)
                if ok:
                    mapping[column] = m.field.name
                    reasons[column] = f"{_why(m, column)}; {evidence}"
                    refused.pop(column, None)
                    break
                refused.setdefault(column, (m.field.name, f"its name says {m.field.name}, but only {evidence}"))
    suggestions = []
    for column in columns:
        if column in mapping:
            continue
        if column in refused:
            name, reason = refused[column]
            suggestions.append({"column": column, "field": name, "reason": reason})
            continue
        for f, alias in contained_aliases(column, table):
            if f.name in mapping.values():
                continue
            ok, evidence = content_fit(frame.get_column(column), f, table, decimal_hint)
            if ok and f.kind not in (Kind.CATEGORY, Kind.TEXT):
                suggestions.append({"column": column, "field": f.name,
                                    "reason": f"its name contains '{alias}' and {evidence}; check that it is {f.name}"})
                break
    return Proposal({c: mapping[c] for c in columns if c in mapping}, reasons, suggestions)


def _taken_by_opposite(f: Field, mapping: Mapping, table: Table) -> bool:
    """True when the field's opposite (answered ↔ abandoned) is already fed by a column."""
    used = set(mapping.values())
    return (f.negates is not None and f.negates in used) or any(o.negates == f.name and o.name in used for o in table.fields)


def apply_overrides(suggested: Mapping, overrides: Mapping, columns: list[str], table: Table) -> Mapping:
    """Apply the analyst's choices on top of a suggestion and check the result.

    An override moves a field to another column (the field's previous column becomes an extra) or
    ignores a column (``None``). Raises :class:`UnusableFile` for unknown columns or fields and for
    a field given two columns.
    """
    for column, name in overrides.items():
        if column not in columns:
            raise UnusableFile(f"The mapping names a column '{column}' that the file does not have; "
                               f"its columns are: {', '.join(columns)}.")
        if name is not None and name not in table.names:
            raise UnusableFile(f"'{name}' is not a field of {table.name}; "
                               f"the fields are: {', '.join(table.names)}.")
    mapping = {c: f for c, f in suggested.items() if c not in overrides and f not in overrides.values()}
    mapping.update(overrides)
    fields = [f for f in mapping.values() if f is not None]
    doubled = sorted({f for f in fields if fields.count(f) > 1})
    if doubled:
        raise UnusableFile(f"Field '{doubled[0]}' is mapped from two columns; keep one of them.")
    for f in table.fields:
        if f.negates is not None and f.name in fields and f.negates in fields:
            raise UnusableFile(f"Both '{f.name}' and '{f.negates}' are mapped, but one is the opposite of the other; "
                               "keep one of them.")
    return {c: mapping[c] for c in columns if c in mapping}


def check_required(mapping: Mapping, columns: list[str], table: Table, suggestions: list[dict] | None = None) -> None:
    """Raise :class:`UnusableFile` naming the first required field no column feeds (and the column
    whose name matched it but whose content did not, when there is one)."""
    mapped = set(mapping.values())
    for name in table.required:
        if name not in mapped:
            what = table.field(name).description.split(" (")[0].rstrip(".").lower()  # its first clause
            near = next((s for s in suggestions or () if s["field"] == name and s["column"] not in mapping), None)
            if near is None:
                hint = f"rename one of them to '{name}' or choose it in the mapping"
            elif ", but " in near["reason"]:
                hint = (f"'{near['column']}' is named like it, but {near['reason'].split(', but ', 1)[1]}: check that "
                        "column, or choose it in the mapping to import it anyway")
            else:
                hint = (f"'{near['column']}' may be it ({near['reason'].split('; check', 1)[0]}): choose it in the "
                        f"mapping (--map \"{near['column']}={name}\")")
            raise UnusableFile(
                f"No column holds '{name}' ({what}), which {table.name} needs: "
                f"the file's columns are {', '.join(columns)}; {hint}."
            )


def header_signature(table: Table, columns: list[str]) -> str:
    """Identity of an export format: SHA-256 of the table name and the normalised headers, in order."""
    text = table.name + "\x1f" + "\x1f".join(normalise_name(c) for c in columns)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def restore_mapping(saved: Mapping, columns: list[str]) -> Mapping | None:
    """A saved mapping applied to a file of the same export format, or None when it does not fit.

    The header signature ignores case and punctuation, so the saved choices are matched to this
    file's columns by normalised name (``CODICE CLIENTE`` takes what ``Codice cliente`` had).
    None when two of the file's columns share a normalised name or a saved column is missing.
    """
    by_key = {normalise_name(c): f for c, f in saved.items()}
    keys = [normalise_name(c) for c in columns]
    if len(set(keys)) != len(keys) or not set(by_key) <= set(keys):
        return None
    return {c: by_key[k] for c, k in zip(columns, keys, strict=True) if k in by_key}
