"""Reference figures for 'customer_support_tickets.csv' (help desk; standard library only)."""

from datetime import datetime
from pathlib import Path

import refkit

FILE = "customer_support_tickets.csv"


def reference(path: Path) -> dict:
    """The reference figures of the export at ``path``."""
    rows = refkit.csv_rows(path)

    assert all(datetime.fromisoformat(r["created_date"]) for r in rows)
    RESOLVED = {"Resolved": True, "In Progress": False, "Escalated": False}
    waits = [float(r["first_response_minutes"]) * 60 if r["first_response_minutes"] else None for r in rows]
    return {
        "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len({r["ticket_id"] for r in rows}),
        # resolution_hours is the elapsed time from opening to resolution (waiting included), not handling
        # time: it stays an extra measure
        "mapping": {"ticket_id": "interaction_id", "created_date": "started_at", "channel": "channel",
                    "category": "reason", "agent": "agent", "team": "team",
                    "first_response_minutes": "wait_seconds", "resolution_hours": None, "status": "resolved",
                    "resolved_date": None, "csat_score": "csat", "priority": None, "region": None, "country": None,
                    "response_sla_met": None, "resolution_sla_met": None, "month": None, "week": None,
                    "day_of_week": None, "hour_of_day": None},
        "map_args": [], "values_args": [], "unit_args": [],
        "kpis": {"contacts": len(rows),
                 "csat": refkit.top2_pct([float(r["csat_score"]) if r["csat_score"] else None for r in rows]),
                 "asa": refkit.mean_over_served(waits, [None] * len(rows)),
                 "resolution_rate": refkit.yes_pct([RESOLVED[r["status"]] for r in rows])},
    }
