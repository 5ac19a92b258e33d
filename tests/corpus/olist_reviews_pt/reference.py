"""Reference figures for 'olist_order_reviews_dataset.csv' (standard library only)."""

import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.dont_write_bytecode = True  # no __pycache__ beside the corpus
import refkit  # noqa: E402

FILE = "olist_order_reviews_dataset.csv"
rows = refkit.csv_rows(HERE / FILE)  # comments hold quoted line breaks: records, not lines

assert all(datetime.fromisoformat(r["review_creation_date"]) for r in rows)
refkit.write(HERE, {
    "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len({r["review_id"] for r in rows}),
    "mapping": {"review_id": "interaction_id", "order_id": None, "review_score": "csat",
                "review_comment_title": None, "review_comment_message": "comment",
                "review_creation_date": "started_at", "review_answer_timestamp": None},
    "map_args": [], "values_args": [], "unit_args": [],
    "kpis": {"contacts": len(rows), "csat": refkit.top2_pct([int(r["review_score"]) for r in rows])},
})
