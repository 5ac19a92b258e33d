"""Reference figures for the corpus, computed with the standard library only (never Momento's code).

Each folder's reference.py parses its own file the way a careful analyst reads it and calls these
functions with plain Python values; the definitions are the ones `report --json` documents.
"""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The records of a UTF-8 CSV as dicts (quoted line breaks stay inside their value)."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def top2_pct(scores: list[float | None]) -> float | None:
    """CSAT: 100 × answers of 4 or 5 / answers on the 1–5 scale."""
    answers = [s for s in scores if s is not None]
    return 100 * sum(1 for s in answers if s >= 4) / len(answers) if answers else None


def nps(scores: list[float | None]) -> float | None:
    """NPS: 100 × (promoters 9–10 − detractors 0–6) / answers."""
    answers = [s for s in scores if s is not None]
    if not answers:
        return None
    return 100 * (sum(1 for s in answers if s >= 9) - sum(1 for s in answers if s <= 6)) / len(answers)


def mean_over_served(values: list[float | None], abandoned: list[bool | None]) -> float | None:
    """ASA / AHT: mean of the values of contacts not abandoned (unknown counts as not abandoned)."""
    kept = [v for v, a in zip(values, abandoned, strict=True) if v is not None and a is not True]
    return statistics.fmean(kept) if kept else None


def yes_pct(flags: list[bool | None]) -> float | None:
    """Resolution rate and the like: 100 × yes / known."""
    known = [f for f in flags if f is not None]
    return 100 * sum(known) / len(known) if known else None


def answer_abandon(answered: list[bool | None], waits: list[float | None]) -> tuple[float, float]:
    """Answer rate and abandonment: short abandons (wait < 5 s) leave the denominator."""
    known = [(a, w) for a, w in zip(answered, waits, strict=True) if a is not None]
    short = sum(1 for a, w in known if not a and w is not None and w < 5)
    denominator = len(known) - short
    answered_n = sum(1 for a, _ in known if a)
    abandoned_n = sum(1 for a, w in known if not a and (w is None or w >= 5))
    return 100 * answered_n / denominator, 100 * abandoned_n / denominator


def write(folder: Path, reference: dict) -> None:
    kpis = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in reference["kpis"].items() if v is not None}
    reference = {**reference, "kpis": kpis}
    (folder / "REFERENCE.json").write_text(json.dumps(reference, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
