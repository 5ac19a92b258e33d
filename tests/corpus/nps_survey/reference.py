"""Reference figures for 'nps_survey.csv' (standard library only)."""

import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.dont_write_bytecode = True  # no __pycache__ beside the corpus
import refkit  # noqa: E402

FILE = "nps_survey.csv"
rows = refkit.csv_rows(HERE / FILE)

# surveyed_at is when the answer was given; created_at (a month earlier, to the second) is when the
# user was created, so it must not become the contact's date
assert all(datetime.fromisoformat(r["surveyed_at"].replace("Z", "+00:00")) for r in rows)
refkit.write(HERE, {
    "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len(rows),
    "mapping": {"score": "nps", "surveyed_at": "started_at", "created_at": None, "is_admin": None,
                "sessions": None, "messages": None},
    "map_args": ["score=nps", "surveyed_at=started_at"], "values_args": [], "unit_args": [],
    "kpis": {"contacts": len(rows), "nps": refkit.nps([int(r["score"]) for r in rows])},
})
