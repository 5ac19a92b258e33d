"""Reference figures for 'complaints.csv' (bank complaints with a status; standard library only)."""

import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.dont_write_bytecode = True  # no __pycache__ beside the corpus
import refkit  # noqa: E402

FILE = "complaints.csv"
rows = refkit.csv_rows(HERE / FILE)

assert all(date.fromisoformat(r["complaint_date"]) for r in rows)
RESOLVED = {"RESOLVED": True, "OPEN": False, "ESCALATED": False}
refkit.write(HERE, {
    "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len({r["complaint_id"] for r in rows}),
    "mapping": {"complaint_id": "interaction_id", "customer_id": "customer_id", "branch_id": None,
                "complaint_date": "started_at", "category": "reason", "status": "resolved"},
    "map_args": ["complaint_date=started_at"], "values_args": [], "unit_args": [],
    "kpis": {"contacts": len(rows), "resolution_rate": refkit.yes_pct([RESOLVED[r["status"]] for r in rows])},
})
