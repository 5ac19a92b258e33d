"""The engine against a plain pandas peer on one view (docs/architecture.md "Speed": ≥ 3× faster, side by side).

``python -m bench.peer [--contacts N] [--repeat R] [--tiny]``. The view is the KPI table of one screen:
CSAT % (top-2-box, Wilson 95%), NPS (adjusted Wald), ASA (mean wait of the queue population, normal
interval) and the 7-day repeat-contact rate (Wilson), by channel × touchpoint, over the last 12 months of
the data and the largest segment. The rows are the sample company (:func:`cxdata.sample.generate`) at a size
giving about ``N`` contacts (default 1.2 M; 20,000 customers give about 346,000), turned into the contact frame
as the app does (:func:`cxdata.measures.contacts.enrich_contacts`) and cached as Parquet in ``bench/out/``.

- **engine**: :func:`cxdata.measures.metrics.compute_many` of the four metrics on the Polars contact frame, one
  query (what a screen calls; it also gives ``small`` and the shrunk rates);
- **pandas**: :func:`pandas_view`, an idiomatic pandas implementation of the same definitions (the
  registry's populations, read from docs/method/contact-metrics.md): one boolean mask per population, one
  vectorised ``groupby(...).sum()`` of indicator and value columns, the intervals with NumPy. Its frame is
  read from the same Parquet file with the dtypes a pandas user would pick (:func:`pandas_frame`).

Before timing, the two must agree (:func:`check_same`): the same groups, and n, value, low and high within
1e-9. Then each runs ``R`` times (default 7), alternating, on data already in memory; the table gives median /
min / max wall milliseconds and the median CPU milliseconds of the process (all its threads), and the ratios of
the medians. ``--tiny`` (``make bench-tiny``): about 20,000 contacts, once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import polars as pl

from bench.__main__ import table
from bench.files import OUT
from cxdata.measures import stats
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.metrics import Filters, Params, compute_many
from cxdata.sample import SampleParams, generate

#: The view's metrics (registry keys) and groups.
METRICS = ("csat", "nps", "asa", "repeat_7d")
BY = ("channel", "touchpoint")
#: Contacts per customer of the sample company (20,000 customers ever give about 346,000 contacts).
CONTACTS_PER_CUSTOMER = 17.3
#: The contact frame's columns the view reads (the pandas peer loads only these).
COLUMNS = ("customer_id", "started_at", "channel", "touchpoint", "segment", "csat", "nps", "wait_seconds",
           "abandoned", "automated", "escalated", "next_same_gap_s", "observed_after_s")
TOLERANCE = 1e-9


def sample_contacts(customers: int) -> pl.DataFrame:
    """The contact frame of the sample company with ``customers`` customers ever."""
    sample = generate(SampleParams(n_customers=customers))
    return enrich_contacts(sample.interactions, sample.customers)


def contact_frame(contacts: int) -> Path:
    """:func:`sample_contacts` with about ``contacts`` contacts, as Parquet in ``bench/out/`` (built once per size)."""
    customers = max(round(contacts / CONTACTS_PER_CUSTOMER), 100)
    path = OUT / f"peer-contacts-{customers}.parquet"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        sample_contacts(customers).write_parquet(path)
    return path


def view(contacts: pl.DataFrame) -> Filters:
    """The view's filters: the last 12 calendar months of the data and its largest segment."""
    end = contacts.get_column("started_at").max()
    assert isinstance(end, datetime)
    first = end.date().replace(day=1)
    start = first.replace(year=first.year - 1, month=first.month + 1) if first.month < 12 else first.replace(month=1)
    segment = contacts.get_column("segment").value_counts(sort=True).item(0, "segment")
    return Filters.of(start, end.date(), segment=[segment])


def engine(contacts: pl.DataFrame, filters: Filters, params: Params = Params()) -> dict[str, pl.DataFrame]:
    """The view on the engine: one :func:`compute_many` query."""
    return compute_many(METRICS, contacts, by=BY, filters=filters, params=params)


def pandas_frame(path: Path) -> pd.DataFrame:
    """The view's columns of the contact frame in pandas: nullable NumPy-backed dtypes (Int64, Float64,
    boolean: null-aware, vectorised), the customer id as pandas' own ``str`` (Arrow-backed), the
    low-cardinality text columns as ``category`` (integer group codes)."""
    df = pd.read_parquet(path, columns=list(COLUMNS), dtype_backend="numpy_nullable")
    return df.astype({"customer_id": "str"} | {c: "category" for c in ("channel", "touchpoint", "segment")})


def pandas_view(df: pd.DataFrame, start: date, end: date, segment: str) -> dict[str, pd.DataFrame]:
    """The view in pandas, by metric key: channel, touchpoint, value, low, high, n for the groups where the
    metric's population has rows, sorted by channel and touchpoint. The definitions
    (docs/method/contact-metrics.md):

    - CSAT = answers of 4 or 5 / answers, Wilson interval, ×100;
    - NPS = 100 × (promoters 9–10 − detractors 0–6) / answers, adjusted Wald;
    - ASA = Σ wait / n over contacts with a wait that queued for a person (not an automated session without a
      hand-off) and were not abandoned (an unknown flag counts as not automated, not escalated, not
      abandoned); normal interval x̄ ± z·s/√n;
    - repeat_7d = contacts followed within 7 days by a contact of the same customer on the same reason / contacts
      with a customer and at least 7 days of data after them (``observed_after_s``), Wilson, ×100.
    """
    window = 7 * 86400.0
    period = (df["started_at"] >= pd.Timestamp(start)) & (df["started_at"] < pd.Timestamp(end) + pd.Timedelta(days=1))
    rows = df.loc[period & (df["segment"] == segment), [c for c in COLUMNS if c not in ("started_at", "segment")]]
    automated, escalated = rows["automated"].fillna(False), rows["escalated"].fillna(False)
    queued = ~(automated & ~escalated)
    asa = rows["wait_seconds"].notna() & queued & ~rows["abandoned"].fillna(False)
    repeat = rows["customer_id"].notna() & (rows["observed_after_s"] >= window)
    wait = rows["wait_seconds"].where(asa, 0.0)
    parts = pd.DataFrame({
        "channel": rows["channel"], "touchpoint": rows["touchpoint"],
        "csat_n": rows["csat"].notna(), "csat_x": (rows["csat"] >= 4).fillna(False),
        "nps_n": rows["nps"].notna(), "nps_p": (rows["nps"] >= 9).fillna(False), "nps_d": (rows["nps"] <= 6).fillna(False),
        "asa_n": asa, "asa_s": wait, "asa_ss": wait * wait,
        "repeat_n": repeat, "repeat_x": repeat & (rows["next_same_gap_s"] <= window).fillna(False),
    })
    sums = parts.groupby(list(BY), observed=True, sort=True).sum().reset_index()
    z = stats.Z95

    def table(n: str, value: np.ndarray, low: np.ndarray, high: np.ndarray) -> pd.DataFrame:
        out = sums[list(BY)].assign(value=value, low=low, high=high, n=sums[n].to_numpy())
        return out[out["n"] > 0].reset_index(drop=True)

    def wilson(x: str, n: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k, m = sums[x].to_numpy(float), sums[n].to_numpy(float)
        p = k / m
        centre = (p + z**2 / (2 * m)) / (1 + z**2 / m)
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / (1 + z**2 / m)
        return 100 * p, 100 * np.clip(centre - half, 0, 1), 100 * np.clip(centre + half, 0, 1)

    promoters, detractors, answers = (sums[c].to_numpy(float) for c in ("nps_p", "nps_d", "nps_n"))
    n_asa, s_asa, ss_asa = (sums[c].to_numpy(float) for c in ("asa_n", "asa_s", "asa_ss"))
    with np.errstate(divide="ignore", invalid="ignore"):  # a group without answers: NaN, left out by table()
        pp, pd_ = (promoters + 0.75) / (answers + 3), (detractors + 0.75) / (answers + 3)
        se_nps = 100 * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / (answers + 3))
        nps = 100 * (promoters - detractors) / answers
        mean = s_asa / n_asa
        half = z * np.sqrt(np.clip((ss_asa - n_asa * mean**2) / (n_asa - 1), 0, None) / n_asa)
        return {
            "csat": table("csat_n", *wilson("csat_x", "csat_n")),
            "nps": table("nps_n", nps, np.clip(100 * (pp - pd_) - z * se_nps, -100, 100),
                         np.clip(100 * (pp - pd_) + z * se_nps, -100, 100)),
            "asa": table("asa_n", mean, mean - half, mean + half),
            "repeat_7d": table("repeat_n", *wilson("repeat_x", "repeat_n")),
        }


def pandas_args(filters: Filters) -> tuple[date, date, str]:
    """The view's period and segment, as :func:`pandas_view` takes them."""
    assert filters.start is not None and filters.end is not None
    (column, (segment,)), = filters.where
    assert column == "segment"
    return filters.start, filters.end, segment


def check_same(ours: dict[str, pl.DataFrame], theirs: dict[str, pd.DataFrame]) -> None:
    """AssertionError unless both give, for every metric, the same groups in the same order, the same n, and
    value, low and high within :data:`TOLERANCE` (absolute; both undefined counts as equal)."""
    for key in METRICS:
        a, b = ours[key], theirs[key]
        assert a.height == len(b), f"{key}: {a.height} groups against {len(b)}"
        for column in BY:
            assert a.get_column(column).to_list() == b[column].astype(str).tolist(), f"{key}: {column} differs"
        assert a.get_column("n").to_list() == b["n"].astype(int).tolist(), f"{key}: n differs"
        for column in ("value", "low", "high"):
            x = a.get_column(column).to_numpy().astype(float)
            y = b[column].to_numpy(dtype=float, na_value=np.nan)
            assert np.allclose(x, y, rtol=0, atol=TOLERANCE, equal_nan=True), \
                f"{key}: {column} differs by up to {np.nanmax(np.abs(x - y)):.3g}"


def timings(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    """Wall and CPU milliseconds (this process, all threads) of ``repeat`` calls of each function, after one
    untimed warm-up call each. The calls alternate (one of each, ``repeat`` times), so a change of the machine's
    load falls on both."""
    out: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in runs}
    for fn in runs.values():
        fn()
    for _ in range(repeat):
        for name, fn in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            out[name][0].append((time.perf_counter() - wall) * 1000)
            out[name][1].append((time.process_time() - cpu) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_200_000, help="about this many contacts (default 1.2 M)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--tiny", action="store_true", help="about 20,000 contacts, once (CI)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.contacts, args.repeat = 20_000, 1
    path = contact_frame(args.contacts)
    contacts = pl.read_parquet(path)
    df = pandas_frame(path)
    filters = view(contacts)
    start, end, segment = pandas_args(filters)
    load = f"{os.getloadavg()[0]:.2f}"
    check_same(engine(contacts, filters), pandas_view(df, start, end, segment))
    measured = timings({"engine (compute_many, Polars)": lambda: engine(contacts, filters),
                        "pandas peer": lambda: pandas_view(df, start, end, segment)}, args.repeat)
    in_view = contacts.filter(cast(pl.Expr, filters.predicate(contacts.schema, "started_at")[0])).height
    print(f"{contacts.height:,} contacts ({path.name}); the view: {', '.join(METRICS)} by {' × '.join(BY)}, "
          f"{start:%d %b %Y} to {end:%d %b %Y}, segment {segment} ({in_view:,} contacts). Same numbers: yes "
          f"(n exact; value, low, high within {TOLERANCE:g}). Load average before: {load}.\n")
    rows = [["", "runs", "median ms", "min ms", "max ms", "CPU ms (median)"]]
    for name, (wall, cpu) in measured.items():
        rows.append([name, str(len(wall)), f"{statistics.median(wall):.1f}", f"{min(wall):.1f}", f"{max(wall):.1f}",
                     f"{statistics.median(cpu):.1f}"])
    print(table(rows))
    (ours, ours_cpu), (theirs, theirs_cpu) = measured.values()
    print(f"\npandas / engine: {statistics.median(theirs) / statistics.median(ours):.1f}× (medians of wall time; "
          f"target ≥ 3×), {statistics.median(theirs_cpu) / statistics.median(ours_cpu):.1f}× of CPU time. "
          f"Load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
