"""One timed import in a fresh process: ``python -m bench.child FILE TABLE`` prints one JSON line.

Run in its own process so each repetition starts cold (no warm caches, a fresh Store) and so its
peak resident memory is its own: the parent reads it with ``os.wait4``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file


def main(path: str, table: str) -> None:
    file = Path(path)
    data = file.read_bytes()
    with tempfile.TemporaryDirectory(prefix="momento-bench-") as tmp:
        store = Store(Path(tmp))
        start = time.perf_counter()
        result = import_file(store, data, file.name, table, actor=LOCAL)
        seconds = time.perf_counter() - start
        report = result.report
        print(json.dumps({"seconds": seconds, "rows_in": report.rows_in, "accepted": report.accepted,
                          "rejected": report.rejected, "bytes": len(data)}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--baseline"]:  # the interpreter with the engine imported, nothing read
        print(json.dumps({"seconds": 0.0}))
    elif sys.argv[1].startswith("--"):  # analytics timings (bench/analytics.py)
        from bench.analytics import child_main

        child_main(sys.argv[1:])
    else:
        main(sys.argv[1], sys.argv[2])
