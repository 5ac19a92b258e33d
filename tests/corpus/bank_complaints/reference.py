"""Reference figures for 'complaints.csv' (bank complaints with a status; standard library only)."""

from datetime import date
from pathlib import Path

import refkit

FILE = "complaints.csv"


def reference(path: Path) -> dict:
    """The reference figures of the export at ``path``."""
    rows = refkit.csv_rows(path)

    assert all(date.fromisoformat(r["complaint_date"]) for r in rows)
    RESOLVED = {"RESOLVED": True, "OPEN": False, "ESCALATED": False}
    return {
        "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len({r["complaint_id"] for r in rows}),
        "mapping": {"complaint_id": "interaction_id", "customer_id": "customer_id", "branch_id": None,
                    "complaint_date": "started_at", "category": "reason", "status": "resolved"},
        "map_args": ["complaint_date=started_at"], "values_args": [], "unit_args": [],
        "kpis": {"contacts": len(rows), "resolution_rate": refkit.yes_pct([RESOLVED[r["status"]] for r in rows])},
    }
