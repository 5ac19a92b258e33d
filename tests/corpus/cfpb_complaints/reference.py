"""Reference figures for 'Consumer_Complaints.csv' (standard library only)."""

from datetime import datetime
from pathlib import Path

import refkit

FILE = "Consumer_Complaints.csv"


def reference(path: Path) -> dict:
    """The reference figures of the export at ``path``."""
    rows = refkit.csv_rows(path)

    # date_received is month-first without zero padding (8/30/2013; days above 12 prove it)
    assert all(datetime.strptime(r["date_received"], "%m/%d/%Y") for r in rows)
    # company_response_to_consumer is the complaint's outcome: every "Closed…" answer closes it;
    # "Untimely response" (the company did not answer in time) does not
    RESOLVED = {"Closed": True, "Closed with explanation": True, "Closed with non-monetary relief": True,
                "Closed with monetary relief": True, "Untimely response": False}
    return {
        "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len({r["complaint_id"] for r in rows}),
        "mapping": {"date_received": "started_at", "complaint_id": "interaction_id", "issue": "reason",
                    "submitted_via": "channel", "company_response_to_consumer": "resolved",
                    "consumer_complaint_narrative": "comment", "date_sent_to_company": None,
                    "timely_response": None, "consumer_disputed?": None, "company": None, "state": None,
                    "zipcode": None, "consumer_consent_provided": None, "tags": None},
        "map_args": ["company_response_to_consumer=resolved"],
        "values_args": ["resolved:Closed with explanation=yes", "resolved:Closed with non-monetary relief=yes",
                        "resolved:Closed with monetary relief=yes", "resolved:Untimely response=no"],
        "unit_args": [],
        "kpis": {"contacts": len(rows),
                 "resolution_rate": refkit.yes_pct([RESOLVED[r["company_response_to_consumer"]] for r in rows])},
    }
