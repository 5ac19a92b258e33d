"""Reference figures for 'olist_order_reviews_dataset.csv' (standard library only)."""

from datetime import datetime
from pathlib import Path

import refkit

FILE = "olist_order_reviews_dataset.csv"


def reference(path: Path) -> dict:
    """The reference figures of the export at ``path``."""
    rows = refkit.csv_rows(path)  # comments hold quoted line breaks: records, not lines

    assert all(datetime.fromisoformat(r["review_creation_date"]) for r in rows)
    return {
        "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len({r["review_id"] for r in rows}),
        "mapping": {"review_id": "interaction_id", "order_id": None, "review_score": "csat",
                    "review_comment_title": None, "review_comment_message": "comment",
                    "review_creation_date": "started_at", "review_answer_timestamp": None},
        "map_args": [], "values_args": [], "unit_args": [],
        "kpis": {"contacts": len(rows), "csat": refkit.top2_pct([int(r["review_score"]) for r in rows])},
    }
