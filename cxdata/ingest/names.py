"""Names of new datasets: what the Data page and ``python -m cxdata import --dataset`` accept.

A name is shown in the sidebar's dataset selector, in links (``?dataset=…``), in file names of
exports and on the command line, so it is kept to what reads well everywhere: 1 to
:data:`MAX_NAME_CHARS` characters (after trimming spaces at both ends) of letters, digits, spaces and
``-``, ``_``, ``.``; and it may not be the Data page's option that creates a dataset
(:data:`NEW_DATASET_LABEL`), which it would be mistaken for.
"""

from __future__ import annotations

import re

MAX_NAME_CHARS = 64
#: The option of the Data page's dataset selector that creates a new dataset.
NEW_DATASET_LABEL = "New dataset…"
_ALLOWED = re.compile(r"[^\W_]|[ ._-]")  # a letter or digit (any script), a space, or one of . _ -


def dataset_name_problem(name: str) -> str | None:
    """The sentence saying why ``name`` cannot name a new dataset, or None when it can (see the module
    docstring for the rules); the name is read with the spaces at both ends trimmed."""
    name = name.strip()
    if not name:
        return "Give the new dataset a name, e.g. crm-2026-q4."
    if len(name) > MAX_NAME_CHARS:
        return f"A dataset name has at most {MAX_NAME_CHARS} characters; this one has {len(name)}."
    if name.rstrip(".…").strip().casefold() == NEW_DATASET_LABEL.rstrip("…").casefold():
        return f"'{name}' is the name of the option that creates a dataset: choose another name."
    if bad := sorted({ch for ch in name if not _ALLOWED.fullmatch(ch)}):
        shown = ", ".join(repr(ch) for ch in bad)
        return (f"A dataset name may hold only letters, digits, spaces, hyphens, underscores and dots (this one "
                f"also has {shown}).")
    return None
