"""Import of CSV and XLSX files into the canonical tables (docs/architecture.md "Import").

Public entry points: :func:`import_file`, :func:`prepare` / :func:`run_import`, and the
:class:`UnusableFile` exception whose message is shown to the analyst as it is.

The pipeline (and with it the store and its migrations) is loaded on first use, so the parsing
worker (:mod:`cxdata.ingest.isolate`), which needs only the reader, starts quickly.
"""

from typing import TYPE_CHECKING

from cxdata.ingest.errors import UnusableFile

if TYPE_CHECKING:
    from cxdata.ingest.pipeline import ImportResult, Prepared, import_file, prepare, run_import

__all__ = ["ImportResult", "Prepared", "UnusableFile", "import_file", "prepare", "run_import"]


def __getattr__(name: str):
    """``from cxdata.ingest import import_file`` … loads :mod:`cxdata.ingest.pipeline` on first use."""
    if name in __all__:
        from cxdata.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'cxdata.ingest' has no attribute {name!r}")
