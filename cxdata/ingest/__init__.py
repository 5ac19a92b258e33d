"""Import of CSV and XLSX files into the canonical tables (DESIGN.md §5).

Public entry points: :func:`import_file`, :func:`prepare` / :func:`run_import`, and the
:class:`UnusableFile` exception whose message is shown to the analyst as it is.
"""

from cxdata.ingest.errors import UnusableFile
from cxdata.ingest.pipeline import ImportResult, Prepared, import_file, prepare, run_import

__all__ = ["ImportResult", "Prepared", "UnusableFile", "import_file", "prepare", "run_import"]
