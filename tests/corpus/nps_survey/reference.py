"""Reference figures for 'nps_survey.csv' (standard library only)."""

from datetime import datetime
from pathlib import Path

import refkit

FILE = "nps_survey.csv"


def reference(path: Path) -> dict:
    """The reference figures of the export at ``path``."""
    rows = refkit.csv_rows(path)

    # surveyed_at is when the answer was given; created_at (a month earlier, to the second) is when the
    # user was created, so it must not become the contact's date
    assert all(datetime.fromisoformat(r["surveyed_at"].replace("Z", "+00:00")) for r in rows)
    return {
        "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len(rows),
        "mapping": {"score": "nps", "surveyed_at": "started_at", "created_at": None, "is_admin": None,
                    "sessions": None, "messages": None},
        "map_args": ["score=nps", "surveyed_at=started_at"], "values_args": [], "unit_args": [],
        "kpis": {"contacts": len(rows), "nps": refkit.nps([int(r["score"]) for r in rows])},
    }
