"""Reference figures for 'customer_support_tickets.csv' (tickets with CSAT; standard library only)."""

from datetime import datetime
from pathlib import Path

import refkit

FILE = "customer_support_tickets.csv"


def reference(path: Path) -> dict:
    """The reference figures of the export at ``path``."""
    rows = refkit.csv_rows(path)

    # The export has no creation time: First_Response_Time (a timestamp such as '2023-06-01 7:29', not a
    # duration) is the earliest moment of the contact. Time_to_Resolution is a timestamp too, and
    # Date_of_Purchase (years earlier) is not the contact's date.
    assert all(datetime.strptime(r["First_Response_Time"], "%Y-%m-%d %H:%M") for r in rows)
    return {
        "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len({r["Ticket_ID"] for r in rows}),
        "mapping": {"Ticket_ID": "interaction_id", "Customer_Name": None, "First_Response_Time": "started_at", "Time_to_Resolution": None,
                    "Date_of_Purchase": None, "Ticket_Channel": "channel", "Ticket_Type": "reason",
                    "Customer_Satisfaction_Rating": "csat", "Customer_Age": None, "Customer_Gender": None,
                    "Product_Purchased": None, "Ticket_Priority": None},
        "map_args": ["First_Response_Time=started_at"], "values_args": [], "unit_args": [],
        "kpis": {"contacts": len(rows),
                 "csat": refkit.top2_pct([int(r["Customer_Satisfaction_Rating"]) for r in rows])},
    }
