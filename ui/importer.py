"""The import form of the Data page (docs/architecture.md "Import"): what the file holds and where it goes, the file
and its sheet, the column mapping, and the import itself with progress.

Session state: the file being mapped is read once (``_PREPARED``), and how its mapped columns read is
computed once per mapping (``_READINGS``); a finished import is parked in
``LAST_IMPORT`` for the report with the alerts the new version fired (import, then notify), the uploader is emptied (``_ROUND``) and the sidebar switches to the
target dataset; an identical file parks its message in ``_IDENTICAL`` and offers "Import anyway".
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from cxdata import format as fmt
from cxdata.access import Forbidden
from cxdata.actions.alerts import after_import
from cxdata.catalog.store import Store
from cxdata.ingest import ImportResult, Prepared, UnusableFile, prepare, run_import
from cxdata.ingest.choices import DATE_ORDERS, SCALES, UNITS, Choices
from cxdata.ingest.mapping import Mapping, apply_overrides, check_required
from cxdata.ingest.names import MAX_NAME_CHARS, NEW_DATASET_LABEL, dataset_name_problem
from cxdata.ingest.pipeline import Mode, max_upload_bytes, megabytes
from cxdata.ingest.read import RawTable, is_excel, sheet_names
from cxdata.ingest.readings import NOT_READ, FieldReading, readings, value_map
from cxdata.schema import CHANNELS, TABLES, Kind, Table
from ui.auth import current_actor
from ui.dataset import select_dataset
from ui.text import NO_VALUE, plain

UPLOAD_TYPES = ["csv", "txt", "tsv", "gz", "xlsx", "xls"]
NEW_DATASET = ""  # the "New dataset…" option of the target selector (no dataset has an empty name)
EXTRA = "keep as extra column"
IGNORE = "ignore"
MODES: dict[str, tuple[str, str]] = {
    "replace": ("Replace the table", "The file becomes the whole table in a new version."),
    "append": ("Append rows", "Rows are added to the active version's table; keys already there are rejected."),
}
LAST_IMPORT = "_last_import"
_ROUND = "_upload_round"
_PREPARED = "_prepared"
_IDENTICAL = "_identical"
_READINGS = "_readings"
_SAMPLE_ROWS = 500
_SAMPLE_CHARS = 40


@dataclass(frozen=True)
class Target:
    """Where an upload goes."""

    table: str
    dataset: str | None  # None until the analyst names one that can be used
    mode: Mode
    problem: str | None = None  # why there is no dataset yet (:func:`cxdata.ingest.names.dataset_name_problem`)


@dataclass(frozen=True)
class Imported:
    """A finished import and the messages of the alerts its version fired."""

    result: ImportResult
    fired: tuple[str, ...]


def fields_guide(table: Table) -> None:
    """The required fields in a line, and every field's meaning one click away (field texts are ours)."""
    required = ", ".join(f"{fmt.dimension_label(name)} (`{name}`)" for name in table.required)
    st.caption(f"Required: {required}. A column is matched to one of the {table.name} fields when its name is the "
               "field's name or an alias (English, Italian, Spanish, Portuguese, French, German) and its values "
               "fit the field; any other column is kept as an extra for drill-down.")
    with st.expander(f"The {len(table.fields)} fields of {table.name} and what they mean"):
        st.dataframe(
            pl.DataFrame({"Field": [fmt.dimension_label(n) for n in table.names],
                          "Column name in a file": list(table.names), "Required": [f.required for f in table.fields],
                          "Meaning": [f.description for f in table.fields]}),
            hide_index=True, placeholder=NO_VALUE,
        )


def choose_target(store: Store, current: str | None) -> Target:
    """Table, target dataset (an existing one or a new name) and mode, side by side."""
    names = store.datasets()
    left, middle, right = st.columns([1.3, 1, 1], gap="large")
    table = left.radio("The file holds", list(TABLES), format_func=str.capitalize,
                       captions=[t.description for t in TABLES.values()])
    options = [*names, NEW_DATASET]
    chosen = middle.selectbox(
        "Into dataset", options, index=options.index(current) if current in names else len(names),
        format_func=lambda o: NEW_DATASET_LABEL if o == NEW_DATASET else o,
        help="Every import makes a new version of the dataset it goes into.",
    )
    problem = None
    if chosen == NEW_DATASET:
        chosen = middle.text_input("Name of the new dataset", max_chars=MAX_NAME_CHARS, placeholder="e.g. crm-2026-q4",
                                   help="Letters, digits, spaces, hyphens, underscores and dots.").strip()
        problem = dataset_name_problem(chosen)
        if problem is not None and chosen:  # an empty name is only asked for at the Import button
            middle.error(plain(problem), icon=":material/edit_off:")
    mode = right.radio("Mode", list(MODES), format_func=lambda m: MODES[m][0],
                       captions=[caption for _, caption in MODES.values()])
    fields_guide(TABLES[table])
    return Target(table, None if problem else chosen, mode, problem)


def upload_file() -> UploadedFile | None:
    """The file uploader. Its drop zone states the product's limit (``max_upload_size``, whole megabytes, so it
    never reads "1GB per file" under a 200 MB label) and refuses a bigger file in the browser with "File must be …
    or smaller."; the engine checks the same limit again with a sentence (docs/architecture.md "Streamlit rules")."""
    return st.file_uploader(
        f"Export file (up to {megabytes(max_upload_bytes())})", type=UPLOAD_TYPES,
        max_upload_size=max(1, math.ceil(max_upload_bytes() / 2**20)),
        key=f"upload-{st.session_state.get(_ROUND, 0)}",
        help="CSV, TSV or TXT (also gzip-compressed, .csv.gz) or an Excel workbook (XLSX, XLS). "
             "Compress bigger exports as .csv.gz, or split them by period.",
    )


def read_upload(store: Store, upload: UploadedFile, table: str) -> Prepared:
    """Read the uploaded file (once per file, table and sheet) and propose a mapping.

    A workbook with several sheets gets a sheet choice. Raises :class:`UnusableFile`.
    """
    data = upload.getvalue()
    sheet = None
    if is_excel(data):
        sheets = sheet_names(data, upload.name)
        if len(sheets) > 1:
            sheet = st.selectbox("Sheet", sheets, index=None, placeholder="The first sheet with data", width=360)
    key = (upload.file_id, table, sheet)
    cached = st.session_state.get(_PREPARED)
    if cached is not None and cached[0] == key:
        return cached[1]
    with st.spinner("Reading the file…"):
        prepared = prepare(store, data, upload.name, table, sheet)
    st.session_state[_PREPARED] = (key, prepared)
    return prepared


def sample_values(raw: RawTable, column: str) -> str:
    """The first three distinct non-empty values of a column, shortened."""
    values = raw.frame.head(_SAMPLE_ROWS).get_column(column).drop_nulls().str.strip_chars()
    shown = values.filter(values != "").unique(maintain_order=True).head(3).to_list()
    return " · ".join(v if len(v) <= _SAMPLE_CHARS else v[: _SAMPLE_CHARS - 1] + "…" for v in shown)


def mapping_rows(prepared: Prepared) -> pl.DataFrame:
    """One row per source column: its name, sample values, the proposed target and why (the reason
    for an automatic mapping, or the suggestion left to the analyst)."""
    columns, mapping = prepared.raw.columns, prepared.mapping
    suggested = {s["column"]: f"Suggested {s['field']}: {s['reason']}" for s in prepared.suggestions}
    return pl.DataFrame({
        "source column": columns,
        "sample values": [sample_values(prepared.raw, c) for c in columns],
        "maps to": [EXTRA if c not in mapping else mapping[c] or IGNORE for c in columns],
        "why": [prepared.reasons.get(c) or suggested.get(c, "") for c in columns],
    })


def mapping_from_rows(rows: pl.DataFrame) -> Mapping:
    """The edited table back to a mapping: extras are left out, ignored columns map to None."""
    return {
        column: None if target == IGNORE else target
        for column, target in rows.select("source column", "maps to").iter_rows()
        if target not in (EXTRA, None)
    }


def mapping_editor(prepared: Prepared) -> Mapping:
    """Draw the mapping editor for ``prepared`` and return the analyst's mapping."""
    table = prepared.table
    if prepared.mapping_source == "saved":
        st.caption("Recognised: these columns match an export imported before, so its saved mapping is applied.")
    else:
        st.caption("Suggested from the column names and their values; 'Why' says what each choice rests on, and "
                   "columns left to you carry a suggestion. Check it: the mapping is saved "
                   "with the import, so the next export with these columns maps itself.")
    required = set(table.required)
    edited = st.data_editor(
        mapping_rows(prepared),
        key=f"mapping-{prepared.sha256[:16]}-{table.name}-{prepared.raw.sheet}",
        hide_index=True,
        height="content",
        disabled=["source column", "sample values", "why"],
        column_config={
            "source column": st.column_config.TextColumn("Source column", width="medium"),
            "sample values": st.column_config.TextColumn("Sample values", width="medium"),
            "why": st.column_config.TextColumn(
                "Why", width="large",
                help="A column is mapped by itself only when its name is a field's name or alias as whole words "
                     "AND its values fit the field; otherwise it is suggested here and you decide."),
            "maps to": st.column_config.SelectboxColumn(
                "Maps to", options=[*table.names, EXTRA, IGNORE], required=True, width="medium",
                format_func=lambda f: f"{f} (required)" if f in required else f,
                help="The canonical field this column feeds; extra columns stay available for drill-down.",
            ),
        },
    )
    return mapping_from_rows(edited)


def mapping_problem(prepared: Prepared, mapping: Mapping) -> str | None:
    """The engine's sentence for a mapping that cannot be imported (a field used twice, a required one missing)."""
    columns, table = prepared.raw.columns, prepared.table
    try:
        check_required(apply_overrides(mapping, {}, columns, table), columns, table, prepared.suggestions)
    except UnusableFile as exc:
        return str(exc)
    return None


def import_controls(store: Store, prepared: Prepared, mapping: Mapping, choices: Choices, target: Target,
                    undecided: str | None = None) -> None:
    """The Import button (or, for a file already imported, the notice and "Import anyway")."""
    problem = mapping_problem(prepared, mapping) or undecided
    if problem is not None:
        st.error(plain(problem))
    if target.problem is not None:
        st.warning(plain(target.problem))
    this = (prepared.sha256, target.dataset, target.table)
    identical = st.session_state.get(_IDENTICAL)
    blocked = problem is not None or target.dataset is None
    force = identical is not None and identical[0] == this
    if force:
        st.info(plain(identical[1]))
    label, hint = (("Import anyway", "Make a new version from this file although it was imported before.")
                   if force else ("Import", "Validate the file and store it as a new version of the dataset."))
    if st.button(label, type="primary", disabled=blocked, help=hint):
        _run(store, dataclasses.replace(prepared, mapping=mapping, choices=choices), target, force)


def _run(store: Store, prepared: Prepared, target: Target, force: bool) -> None:
    bar = st.progress(0.0, text="Starting the import")
    try:
        result = run_import(store, prepared, actor=current_actor(), dataset=target.dataset, mode=target.mode,
                            force=force, progress=lambda fraction, message: bar.progress(fraction, text=message))
    except (UnusableFile, Forbidden) as exc:
        bar.empty()
        st.error(plain(str(exc)))
        return
    if result.status == "identical":
        st.session_state[_IDENTICAL] = ((prepared.sha256, target.dataset, target.table), result.message)
    else:
        bar.progress(0.95, text="Checking the alerts on the new version")
        st.session_state[LAST_IMPORT] = Imported(result, after_import(store, result.version))
        st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1
        for key in (_PREPARED, _IDENTICAL, _READINGS):
            st.session_state.pop(key, None)
        select_dataset(target.dataset)
    st.rerun()


def import_form(store: Store, current: str | None) -> None:
    """The whole import flow, from choosing the table to the Import button."""
    target = choose_target(store, current)
    upload = upload_file()
    if upload is None:
        return
    try:
        prepared = read_upload(store, upload, target.table)
    except UnusableFile as exc:
        st.error(plain(str(exc)))
        return
    st.markdown("**The file**")
    rows, columns = prepared.raw.frame.height, len(prepared.raw.columns)
    st.text(f"{rows:,} data row{'s' * (rows != 1)}, {columns} column{'s' * (columns != 1)}. "
            + " ".join(prepared.raw.notes))
    st.markdown("**Map the columns**")
    mapping = mapping_editor(prepared)
    choices, undecided = choices_editor(prepared, mapping)
    import_controls(store, prepared, mapping, choices, target, undecided)


_BOOL_OPTIONS = ["yes", "no", NOT_READ]
_UNIT_LABELS = {"seconds": "seconds", "minutes": "minutes", "hours": "hours", "ms": "milliseconds"}


def _readings(prepared: Prepared, mapping: Mapping) -> list[FieldReading]:
    """The readings of the mapped columns, computed once per file and mapping (a rerun of the page, e.g.
    after editing a value, reuses them instead of parsing every column again)."""
    key = (prepared.sha256, prepared.table.name, prepared.raw.sheet, tuple(mapping.items()))
    cached = st.session_state.get(_READINGS)
    if cached is None or cached[0] != key:
        cached = (key, readings(prepared.raw, prepared.table, mapping, prepared.choices))
        st.session_state[_READINGS] = cached
    return cached[1]


def choices_editor(prepared: Prepared, mapping: Mapping) -> tuple[Choices, str | None]:
    """How the mapped columns will be read — yes/no and channel values, units, one scale per survey
    column, the order of dates — each editable; returns the analyst's choices and, when a decision is
    still missing (a column mixing scales), the sentence that says so."""
    try:
        found = _readings(prepared, apply_overrides(mapping, {}, prepared.raw.columns, prepared.table))
    except UnusableFile:
        return prepared.choices, None  # the mapping itself is not valid yet: import_controls says why
    if not found:
        return prepared.choices, None
    st.markdown("**How values are read**")
    st.caption("Change a reading where the file means something else; your choices are saved with the mapping.")
    choices = Choices.from_json(prepared.choices.to_json())
    undecided = None
    key = f"{prepared.sha256[:16]}-{prepared.table.name}-{prepared.raw.sheet}"
    for r in found:
        name, label = r.field.name, f"'{r.column}' → {r.field.name}"
        if r.values is not None:
            options = _BOOL_OPTIONS if r.field.kind is Kind.BOOL else [*CHANNELS, NOT_READ]
            unread = bool(r.values.filter(pl.col("read_as") == NOT_READ).height)  # open where a value is not read
            with st.expander(f"Values of {label}", expanded=unread):
                edited = st.data_editor(
                    r.values, key=f"values-{key}-{r.column}", hide_index=True, height="content",
                    disabled=["value", "rows", "default"], column_order=["value", "rows", "read_as"],
                    column_config={"value": st.column_config.TextColumn("Value in the file"),
                                   "rows": st.column_config.NumberColumn("Rows", format="%d"),
                                   "read_as": st.column_config.SelectboxColumn("Read as", options=options,
                                                                               required=True)})
                choices.values[name] = choices.values.get(name, {}) | value_map(edited)
        elif r.unit is not None:
            units = list(UNITS)
            said = " (from its header)" if r.unit_from_header else ""
            chosen = st.selectbox(f"Unit of {label}{said}", units, index=units.index(r.unit),
                                  format_func=_UNIT_LABELS.get, key=f"unit-{key}-{r.column}", width=360)
            if chosen != r.unit or not r.unit_from_header:
                choices.units[name] = chosen
        elif r.mixed is not None:
            st.warning(plain(r.mixed))
            scale = st.selectbox(f"The one scale of {label}", list(SCALES[name]), index=None,
                                 placeholder="Choose the scale", key=f"scale-{key}-{r.column}", width=360)
            if scale is None:
                undecided = f"Choose the scale of '{r.column}' before importing: its answers mix scales."
            else:
                choices.scales[name] = scale
        elif r.order is not None and r.order.ambiguous:
            orders = [r.order.order, *r.order.ambiguous]
            chosen = st.selectbox(
                f"Date order of {label}: every date reads two ways", orders, format_func=DATE_ORDERS.get,
                key=f"order-{key}-{r.column}", width=360,
                help="No day above 12 tells the order apart, so check one date you know against the file.")
            if chosen != r.order.order:
                choices.orders[name] = chosen
    return choices, undecided
