"""Column mapping: which source column feeds which canonical field (DESIGN.md §5).

A mapping is a dict ``{source column: field name or None}``; ``None`` means "ignore this column".
Source columns absent from the mapping are kept as extra dimensions or measures.
"""

from __future__ import annotations

import hashlib

from cxdata.ingest.errors import UnusableFile
from cxdata.schema import Table, normalise_name

Mapping = dict[str, str | None]


def suggest_mapping(columns: list[str], table: Table) -> Mapping:
    """Map source columns to fields by name, in three passes of decreasing certainty.

    1. the normalised header equals the field name (``Customer ID`` → ``customer_id``);
    2. it equals one of the field's aliases (``Codice cliente`` → ``customer_id``);
    3. it starts with the field name or an alias followed by ``_`` (``attesa_sec`` → ``wait_seconds``).

    Each field takes at most one column, the first that matches in the strongest pass.
    Unmatched columns are left out (kept as extras).
    """
    keys = {c: normalise_name(c) for c in columns}
    mapping: Mapping = {}
    taken: set[str] = set()

    def claim(column: str, field: str) -> None:
        mapping[column] = field
        taken.add(field)

    for matches in (
        lambda key, f: key == f.name,
        lambda key, f: key in f.aliases,
        lambda key, f: any(key.startswith(a + "_") for a in (f.name, *f.aliases) if len(a) > 2),
    ):
        for column in columns:
            if column in mapping:
                continue
            for f in table.fields:
                if f.name not in taken and matches(keys[column], f):
                    claim(column, f.name)
                    break
    return {c: mapping[c] for c in columns if c in mapping}


def apply_overrides(suggested: Mapping, overrides: Mapping, columns: list[str], table: Table) -> Mapping:
    """Apply the analyst's choices on top of a suggestion and check the result.

    An override moves a field to another column (the field's previous column becomes an extra) or
    ignores a column (``None``). Raises :class:`UnusableFile` for unknown columns or fields and for
    a field given two columns.
    """
    for column, field in overrides.items():
        if column not in columns:
            raise UnusableFile(f"The mapping names a column '{column}' that the file does not have; "
                               f"its columns are: {', '.join(columns)}.")
        if field is not None and field not in table.names:
            raise UnusableFile(f"'{field}' is not a field of {table.name}; "
                               f"the fields are: {', '.join(table.names)}.")
    mapping = {c: f for c, f in suggested.items() if c not in overrides and f not in overrides.values()}
    mapping.update(overrides)
    fields = [f for f in mapping.values() if f is not None]
    doubled = sorted({f for f in fields if fields.count(f) > 1})
    if doubled:
        raise UnusableFile(f"Field '{doubled[0]}' is mapped from two columns; keep one of them.")
    return {c: mapping[c] for c in columns if c in mapping}


def check_required(mapping: Mapping, columns: list[str], table: Table) -> None:
    """Raise :class:`UnusableFile` naming the first required field no column feeds."""
    mapped = set(mapping.values())
    for name in table.required:
        if name not in mapped:
            what = table.field(name).description.split(" (")[0].rstrip(".").lower()  # its first clause
            raise UnusableFile(
                f"No column holds '{name}' ({what}), which {table.name} needs: "
                f"the file's columns are {', '.join(columns)}; rename one of them to '{name}' or choose it in the mapping."
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
