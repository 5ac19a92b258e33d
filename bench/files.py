"""The benchmark's input files: realistic contact-centre exports, generated once and cached in ``bench/out/``.

- ``interactions-1m.csv``: 1,000,000 interactions as a CRM exports them: ids, customer ids,
  timestamps, channel words in English and Italian, touchpoint, reason, wait, handle, transfers,
  yes/no flags, sparse CSAT / NPS / CES and sparse free-text comments holding commas and quotes.
- ``interactions-100k.xlsx``: 100,000 rows × 12 columns, written with openpyxl in write-only
  mode, with real date-time, number and boolean cells.

Both are generated from a fixed seed, so every run measures the same bytes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

OUT = Path(__file__).resolve().parent / "out"
SEED = 20250601

CHANNELS = ["Phone", "phone", "Telefono", "call center", "email", "E-mail", "chat", "Live Chat", "bot", "WhatsApp",
            "app", "web", "store", "Facebook"]
CHANNEL_WEIGHTS = [22, 8, 6, 4, 14, 3, 10, 3, 12, 6, 4, 4, 2, 2]
TOUCHPOINTS = ["purchase", "onboarding", "billing", "delivery", "support", "returns", "renewal", "cancellation"]
REASONS = ["invoice question", "payment failed", "late delivery", "damaged item", "password reset", "plan change",
           "refund status", "technical fault", "address change", "complaint", "how-to question", "cancel request",
           "coverage", "promotion", "contract terms", "app login", "roaming", "porting", "upgrade", "other"]
COMMENTS = [
    'Waited too long, then "transferred" twice',
    "Great service, thank you!",
    'The agent said "call back tomorrow", nobody did',
    "Bot did not understand me; had to call, again",
    "Problem solved quickly",
    'Invoice shows €12,50 extra, "admin fee"?',
    "Perché devo ripetere tutto ogni volta?",
    "ok",
]
TEAMS = ["Front office", "Billing", "Tech support", "Retention", "Logistics"]
#: The CRM's own headers, so the benchmark includes mapping them.
EXPORT_HEADERS = {
    "interaction_id": "Ticket ID", "customer_id": "Customer No", "started_at": "Created", "channel": "Channel",
    "touchpoint": "Journey stage", "reason": "Contact reason", "wait_seconds": "Wait time",
    "handle_seconds": "Handle time", "transfers": "Transfers", "abandoned": "Abandoned", "resolved": "Resolved",
    "automated": "Self service flag", "csat": "CSAT", "nps": "NPS", "ces": "CES", "comment": "Comments",
    "agent": "Agent", "team": "Queue",
}


def _pick(rng: np.random.Generator, options: list[str], n: int, weights: list[float] | None = None) -> pl.Series:
    p = None if weights is None else np.array(weights, dtype=float) / sum(weights)
    return pl.Series(np.array(options, dtype=object)[rng.choice(len(options), size=n, p=p)].tolist(), dtype=pl.String)


def _flags(rng: np.random.Generator, n: int, share_yes: float) -> pl.Series:
    return pl.Series(np.where(rng.random(n) < share_yes, "Y", "N"), dtype=pl.String)


def _sparse(rng: np.random.Generator, values: pl.Series, share: float) -> pl.Series:
    """Keep a ``share`` of the values, empty the rest."""
    keep = pl.Series(rng.random(len(values)) < share)
    return pl.select(pl.when(keep).then(values)).to_series()


def interactions_frame(n: int, seed: int = SEED) -> pl.DataFrame:
    """``n`` interactions as text columns, the way the CSV export writes them."""
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    seconds = np.sort(rng.integers(0, 546 * 86_400, size=n))
    started = pl.lit(start) + pl.duration(seconds=pl.Series(seconds))
    return pl.select(
        interaction_id=pl.format("INT-{}", pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(8)),
        customer_id=pl.format("CUST-{}", pl.Series(rng.integers(1, 60_001, size=n)).cast(pl.String).str.zfill(6)),
        started_at=started.dt.strftime("%Y-%m-%d %H:%M:%S"),
        channel=_pick(rng, CHANNELS, n, CHANNEL_WEIGHTS),
        touchpoint=_pick(rng, TOUCHPOINTS, n),
        reason=_pick(rng, REASONS, n),
        wait_seconds=_sparse(rng, pl.Series(np.round(rng.exponential(95, size=n), 1)).cast(pl.String), 0.93),
        handle_seconds=_sparse(rng, pl.Series(np.round(rng.gamma(2.0, 160, size=n), 1)).cast(pl.String), 0.97),
        transfers=pl.Series(rng.poisson(0.4, size=n)).cast(pl.String),
        abandoned=_flags(rng, n, 0.06),
        resolved=_flags(rng, n, 0.74),
        automated=_flags(rng, n, 0.2),
        csat=_sparse(rng, pl.Series(rng.integers(1, 6, size=n)).cast(pl.String), 0.25),
        nps=_sparse(rng, pl.Series(rng.integers(0, 11, size=n)).cast(pl.String), 0.15),
        ces=_sparse(rng, pl.Series(rng.integers(1, 8, size=n)).cast(pl.String), 0.10),
        comment=_sparse(rng, _pick(rng, COMMENTS, n), 0.08),
        agent=pl.format("AG{}", pl.Series(rng.integers(1, 400, size=n)).cast(pl.String).str.zfill(3)),
        team=_pick(rng, TEAMS, n),
    )


def csv_file(rows: int = 1_000_000) -> Path:
    """The cached CSV of ``rows`` interactions (generated on first use)."""
    path = OUT / f"interactions-{_label(rows)}.csv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        interactions_frame(rows).rename(EXPORT_HEADERS).write_csv(tmp)
        tmp.replace(path)
    return path


def xlsx_file(rows: int = 100_000) -> Path:
    """The cached workbook of ``rows`` interactions × 12 columns (openpyxl, write-only mode)."""
    from openpyxl import Workbook

    path = OUT / f"interactions-{_label(rows)}.xlsx"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    frame = interactions_frame(rows, seed=SEED + 1).select(
        "interaction_id", "customer_id",
        pl.col("started_at").str.to_datetime("%Y-%m-%d %H:%M:%S"),
        "channel", "touchpoint", "reason",
        pl.col("wait_seconds").cast(pl.Float64), pl.col("handle_seconds").cast(pl.Float64),
        pl.col("transfers").cast(pl.Int64), pl.col("resolved") == "Y", pl.col("csat").cast(pl.Int64), "comment",
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Interactions")
    sheet.append(["Interaction ID", "Customer ID", "Date", "Channel", "Touchpoint", "Reason", "Wait (sec)",
                  "Handle time", "Transfers", "Resolved", "CSAT", "Comment"])
    for row in frame.iter_rows():
        sheet.append(row)
    tmp = path.with_suffix(".tmp")
    book.save(tmp)
    tmp.replace(path)
    return path


def _label(rows: int) -> str:
    return f"{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)
