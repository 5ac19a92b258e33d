"""Reference figures for 'Telco-Customer-Churn.csv' (standard library only)."""

from pathlib import Path

import refkit

FILE = "Telco-Customer-Churn.csv"


def reference(path: Path) -> dict:
    """The reference figures of the export at ``path``."""
    rows = refkit.csv_rows(path)

    churned = [{"Yes": True, "No": False}[r["Churn"]] for r in rows]
    revenue = [float(r["MonthlyCharges"]) for r in rows]
    lost = sum(m for m, c in zip(revenue, churned, strict=True) if c)
    return {
        "file": FILE, "table": "customers", "rows": len(rows), "accepted": len({r["customerID"] for r in rows}),
        "mapping": {"customerID": "customer_id", "Contract": "plan", "MonthlyCharges": "monthly_revenue",
                    "Churn": "churned", "tenure": None, "TotalCharges": None, "SeniorCitizen": None,
                    "Partner": None, "Dependents": None, "PhoneService": None, "PaperlessBilling": None,
                    "InternetService": None, "PaymentMethod": None, "gender": None},
        "map_args": [], "values_args": [], "unit_args": [],
        "kpis": {"customer_churn": refkit.yes_pct(churned)},
        "customer_churn": {"customers": len(rows), "churned": sum(churned), "rate_pct": round(refkit.yes_pct(churned), 6),
                           "lost_monthly_revenue": round(lost, 2), "monthly_revenue": round(sum(revenue), 2),
                           "lost_revenue_share_pct": round(100 * lost / sum(revenue), 6)},
    }
