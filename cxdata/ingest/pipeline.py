"""The import path, used alike by the Data page, the command line and the first-start sample load.

``prepare`` reads a file and proposes a mapping (the saved one for this export format, else a
suggestion by name); ``run_import`` applies the analyst's overrides, validates, and commits a new
dataset version. ``import_file`` does both. Nothing is written before validation has finished. What follows a
commit (evaluating alerts: :func:`cxdata.actions.alerts.after_import`) is the caller's business.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from cxdata.access import Actor, require
from cxdata.catalog.store import Store, VersionInfo
from cxdata.ingest.choices import Choices
from cxdata.ingest.errors import UnusableFile
from cxdata.ingest.isolate import read_isolated
from cxdata.ingest.limits import Limits
from cxdata.ingest.mapping import (
    Mapping,
    apply_overrides,
    check_required,
    header_signature,
    restore_mapping,
    suggest_mapping,
)
from cxdata.ingest.normalise import normalise
from cxdata.ingest.read import RawTable
from cxdata.ingest.report import ValidationReport
from cxdata.schema import TABLES, Table

Progress = Callable[[float, str], None]
Mode = Literal["replace", "append"]
DEFAULT_MAX_MB = 200


def max_upload_bytes() -> int:
    """The product's own upload limit: ``$MOMENTO_MAX_UPLOAD_MB`` (default 200, also when unreadable) megabytes."""
    try:
        mb = float(os.environ.get("MOMENTO_MAX_UPLOAD_MB", DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    return round((mb if mb > 0 else DEFAULT_MAX_MB) * 1024 * 1024)


def megabytes(nbytes: int) -> str:
    """A size for a sentence: ``250.0 MB``, ``1.5 MB``, ``0.00195 MB`` (never a misleading ``0 MB``)."""
    mb = nbytes / 2**20
    return f"{mb:,.1f} MB" if mb >= 0.1 else f"{mb:.3g} MB"


@dataclass
class Prepared:
    """A file read and mapped, not yet validated or stored."""

    filename: str
    sha256: str
    table: Table
    raw: RawTable
    signature: str
    mapping: Mapping
    mapping_source: Literal["saved", "suggested"]
    reasons: dict[str, str] = field(default_factory=dict)  # column → why it was mapped automatically
    suggestions: list[dict] = field(default_factory=list)  # columns left to the analyst, with a reason
    choices: Choices = field(default_factory=Choices)  # saved value maps, units, scales, date orders


@dataclass
class ImportResult:
    status: Literal["imported", "identical"]
    version: VersionInfo
    report: ValidationReport | None
    message: str


def _no_progress(_fraction: float, _message: str) -> None:
    pass


def table_of(name: str) -> Table:
    if name not in TABLES:
        raise UnusableFile(f"'{name}' is not a table; choose one of: {', '.join(TABLES)}.")
    return TABLES[name]


def prepare(store: Store, data: bytes, filename: str, table: str, sheet: str | None = None) -> Prepared:
    """Read ``data`` in a worker process within the reader's limits (:mod:`cxdata.ingest.isolate`,
    :mod:`cxdata.ingest.limits`) and propose a mapping. Raises :class:`UnusableFile`."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise UnusableFile(
            f"'{filename}' is {megabytes(len(data))}, over the {megabytes(limit)} limit "
            "(MOMENTO_MAX_UPLOAD_MB): split the export by period, or compress it as .csv.gz."
        )
    t = table_of(table)
    raw = read_isolated(data, filename, sheet, Limits.from_env(limit))
    signature = header_signature(t, raw.columns)
    saved = store.saved_mapping(signature)
    restored = None if saved is None else restore_mapping(saved.mapping, raw.columns)
    sha = hashlib.sha256(data).hexdigest()
    if saved is not None and restored is not None:  # restored only from a saved mapping
        reasons = dict.fromkeys((c for c, f in restored.items() if f), "the saved mapping of this export format")
        return Prepared(filename, sha, t, raw, signature, restored, "saved", reasons, [], Choices.from_json(saved.choices))
    proposal = suggest_mapping(raw.frame, raw.columns, t, raw.decimal_hint)
    return Prepared(filename, sha, t, raw, signature, proposal.mapping, "suggested", proposal.reasons,
                    proposal.suggestions)


def run_import(
    store: Store,
    prepared: Prepared,
    *,
    actor: Actor,
    dataset: str = "default",
    overrides: Mapping | None = None,
    choices: Choices | None = None,
    mode: Mode = "replace",
    force: bool = False,
    progress: Progress = _no_progress,
) -> ImportResult:
    """Validate a prepared file and store it as a new version of ``dataset``.

    ``overrides`` and ``choices`` are the analyst's decisions on top of the prepared mapping and
    the saved choices; both are saved for the next file of the same export format.

    ``mode="replace"`` makes the file the whole table; ``"append"`` adds its rows to the active
    version's table, rejecting keys already there. An identical file (same SHA-256, same table,
    same dataset) is recognised and not imported again unless ``force``.

    Imports into one dataset at the same moment (two analysts, two app replicas) take turns: each holds
    :meth:`Store.dataset_lock` from looking for an identical file and reading the active version until
    its version is committed, so an append builds on every version committed before it.

    ``actor`` makes the changes "data.import" and "mapping.save" (:mod:`cxdata.access`): a role below them is
    refused (:class:`cxdata.access.Forbidden`) before anything is done.
    """
    require(actor, "data.import")
    t = prepared.table
    with store.dataset_lock(dataset):
        same = None if force else store.find_identical(dataset, t.name, prepared.sha256)
        if same is not None:
            return ImportResult("identical", same, None,
                                f"'{prepared.filename}' is identical to the file already imported as version "
                                f"{same.number} of '{dataset}'; nothing was imported.")
        mapping = apply_overrides(prepared.mapping, overrides or {}, prepared.raw.columns, t)
        check_required(mapping, prepared.raw.columns, t, prepared.suggestions)
        decided = prepared.choices.merged(choices or Choices())
        decided.check(t)
        reasons = {c: prepared.reasons[c] if f == prepared.mapping.get(c) and c in prepared.reasons
                   else "chosen by the analyst" for c, f in mapping.items() if f}
        progress(0.3, "Checking and converting values")
        previous = _active_table(store, dataset, t.name) if mode == "append" else None
        known = previous.select(t.key) if previous is not None else None
        result = normalise(prepared.raw, t, mapping, filename=prepared.filename,
                           id_prefix=prepared.sha256[:8], known_keys=known, choices=decided,
                           reasons_for_mapping=reasons,
                           on_column=lambda done, total, name: progress(
                               0.3 + 0.45 * done / total, f"Converting '{name}' ({done} of {total} columns)"))
        report = result.report
        report.suggestions = [s for s in prepared.suggestions if s["column"] not in mapping]
        if report.accepted == 0:
            raise UnusableFile(_nothing_usable(report, prepared.filename))
        frame = result.frame
        if previous is not None:
            frame = pl.concat([previous, frame], how="diagonal_relaxed")
        if t.stored_order and t.stored_order[0] in frame.columns:
            frame = frame.sort([c for c in t.stored_order if c in frame.columns], nulls_last=True, maintain_order=True)
        progress(0.8, "Saving the new version")
        version = store.commit_table(
            dataset, t.name, frame, report.problems,
            actor=actor, source_name=prepared.filename, source_sha256=prepared.sha256,
            audit=report.to_dict() | {"mode": mode},
        )
    store.save_mapping(prepared.signature, t.name, mapping, decided.to_json(), actor=actor)
    progress(1.0, "Done")
    message = f"Imported '{prepared.filename}' as version {version.number} of '{dataset}': {report.summary()}"
    return ImportResult("imported", version, report, message)


def _nothing_usable(report: ValidationReport, filename: str) -> str:
    """Why no row of a file could be used, with the fix that matches the reason."""
    reasons = report.rejected_rows()
    row, reason = reasons.row(0) if reasons.height else (None, "")
    where = f" (row {row}: {reason})" if row is not None else ""
    if reasons.get_column("reason").str.contains("already in the dataset").all():
        fix = "every row is already in the dataset, so there is nothing new to append"
    elif reasons.get_column("reason").str.starts_with("duplicate").all():
        fix = "every row repeats an earlier id; check which column holds the id"
    elif reasons.get_column("reason").str.starts_with("unclosed quote").all():
        fix = f"close the quote on row {row} and import again"
    else:
        fix = "check the mapping of the required columns"
    return f"None of the {report.rows_in:,} rows of '{filename}' could be used{where}: {fix}."


def import_file(
    store: Store,
    data: bytes,
    filename: str,
    table: str,
    *,
    actor: Actor,
    dataset: str = "default",
    sheet: str | None = None,
    overrides: Mapping | None = None,
    choices: Choices | None = None,
    mode: Mode = "replace",
    force: bool = False,
    progress: Progress = _no_progress,
) -> ImportResult:
    """Read, map, validate and store one file as ``actor`` (:func:`run_import`; refused before the file is read).
    Raises :class:`UnusableFile` with one sentence."""
    require(actor, "data.import")
    progress(0.0, f"Reading {filename}")
    prepared = prepare(store, data, filename, table, sheet)
    return run_import(store, prepared, actor=actor, dataset=dataset, overrides=overrides, choices=choices, mode=mode,
                      force=force, progress=progress)


def _active_table(store: Store, dataset: str, table: str) -> pl.DataFrame | None:
    active = store.active_version(dataset)
    lf = None if active is None else store.scan(active.version_id, table)
    return None if lf is None else lf.collect()
