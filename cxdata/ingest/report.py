"""The validation report of one import (docs/architecture.md "Import"): what came in, what was kept, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from cxdata.ingest.convert import Note

REJECTED = "row rejected"
CLEARED = "value cleared"

#: Columns of the per-row problems table: spreadsheet row, source column, field, raw value, problem, action.
PROBLEM_SCHEMA = {
    "row": pl.Int64,
    "column": pl.String,
    "field": pl.String,
    "value": pl.String,
    "problem": pl.String,
    "action": pl.String,
}


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


@dataclass
class ValidationReport:
    """Rows in = accepted + rejected, always. ``problems`` lists every rejected row and every cleared value."""

    filename: str
    table: str
    rows_in: int
    accepted: int
    rejected: int
    mapping: dict[str, str | None]
    mapping_reasons: dict[str, str] = field(default_factory=dict)  # column → why it was mapped
    choices: dict = field(default_factory=dict)  # the analyst's value maps, units, scales, date orders
    suggestions: list[dict] = field(default_factory=list)  # columns left for the analyst: column, field, reason
    extras: dict[str, str] = field(default_factory=dict)  # extra column → "dimension" | "measure"
    notes: list[str] = field(default_factory=list)  # how the file was read
    conversions: list[Note] = field(default_factory=list)
    problems: pl.DataFrame = field(default_factory=empty_problems)

    def __post_init__(self) -> None:
        if self.accepted + self.rejected != self.rows_in:
            raise AssertionError(f"rows do not add up: {self.accepted} + {self.rejected} != {self.rows_in}")

    def rejected_rows(self) -> pl.DataFrame:
        """One line per rejected row: its spreadsheet row number and the reason."""
        return self.problems.filter(pl.col("action") == REJECTED).select("row", reason="problem").sort("row")

    def warnings(self) -> list[Note]:
        """Cleared values counted by field and problem, with up to three examples."""
        cleared = self.problems.filter(pl.col("action") == CLEARED)
        if cleared.is_empty():
            return []
        grouped = (
            cleared.group_by("field", "problem", maintain_order=True)
            .agg(pl.len().alias("n"), pl.col("value").unique(maintain_order=True).head(3).alias("examples"))
            .sort("n", descending=True)
        )
        return [
            Note(r["field"], f"{r['problem']} — cleared (e.g. {', '.join(repr(v) for v in r['examples'])})", r["n"])
            for r in grouped.iter_rows(named=True)
        ]

    def summary(self) -> str:
        """One line: ``12,034 rows in: 12,000 accepted, 34 rejected; 5 values cleared.``"""
        cleared = int((self.problems.get_column("action") == CLEARED).sum())
        text = f"{self.rows_in:,} rows in: {self.accepted:,} accepted, {self.rejected:,} rejected"
        return text + (f"; {cleared:,} values cleared." if cleared else ".")

    def to_dict(self) -> dict:
        """JSON-ready form (the command line's ``--json``)."""
        return {
            "file": self.filename,
            "table": self.table,
            "rows_in": self.rows_in,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "mapping": self.mapping,
            "mapping_reasons": self.mapping_reasons,
            "suggestions": self.suggestions,
            "choices": self.choices,
            "extras": self.extras,
            "notes": self.notes,
            "conversions": [vars(n) for n in self.conversions],
            "warnings": [vars(n) for n in self.warnings()],
            "rejected_rows": self.rejected_rows().head(1000).to_dicts(),
        }
