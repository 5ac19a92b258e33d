"""Reference figures for '01 Call-Center-Dataset.xlsx' (openpyxl + standard library only)."""

from datetime import date, time
from pathlib import Path

import openpyxl
import refkit

# Time (h:mm:ss cells) is the time of day of Date: started_time where the importer has it, never a duration
FILE = "01 Call-Center-Dataset.xlsx"


def seconds(t: time | None) -> float | None:
    """AvgTalkDuration is an Excel time cell (h:mm:ss): its seconds."""
    return None if t is None else t.hour * 3600 + t.minute * 60 + t.second


def reference(path: Path) -> dict:
    """The reference figures of the export at ``path``."""
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    rows = [dict(zip(header, r, strict=True)) for r in rows if any(v is not None for v in r)]

    assert all(date.fromisoformat(r["Date"]) for r in rows)  # every Date is a yyyy-mm-dd text
    answered = [{"Y": True, "N": False}[r["Answered (Y/N)"]] for r in rows]
    waits = [r["Speed of answer in seconds"] for r in rows]
    answer_rate, abandonment = refkit.answer_abandon(answered, waits)
    return {
        "file": FILE, "table": "interactions", "rows": len(rows), "accepted": len(rows),
        "mapping": {"Call Id": "interaction_id", "Agent": "agent", "Date": "started_at", "Time": "started_time",
                    "Topic": "reason", "Answered (Y/N)": "answered", "Resolved": "resolved",
                    "Speed of answer in seconds": "wait_seconds", "AvgTalkDuration": "handle_seconds",
                    "Satisfaction rating": "csat"},
        "map_args": [], "values_args": [], "unit_args": [],
        "kpis": {
            "contacts": len(rows),
            "csat": refkit.top2_pct([r["Satisfaction rating"] for r in rows]),
            "asa": refkit.mean_over_served(waits, [not a for a in answered]),
            "aht": refkit.mean_over_served([seconds(r["AvgTalkDuration"]) for r in rows], [not a for a in answered]),
            "resolution_rate": refkit.yes_pct([{"Y": True, "N": False}[r["Resolved"]] for r in rows]),
            "answer_rate": answer_rate,
            "abandonment": abandonment,
        },
    }
