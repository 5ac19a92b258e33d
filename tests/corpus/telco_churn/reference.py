"""Reference figures for 'Telco-Customer-Churn.csv' (standard library only)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.dont_write_bytecode = True  # no __pycache__ beside the corpus
import refkit  # noqa: E402

FILE = "Telco-Customer-Churn.csv"
rows = refkit.csv_rows(HERE / FILE)

churned = [{"Yes": True, "No": False}[r["Churn"]] for r in rows]
revenue = [float(r["MonthlyCharges"]) for r in rows]
lost = sum(m for m, c in zip(revenue, churned, strict=True) if c)
refkit.write(HERE, {
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
})
