"""The pandas peer of ``python -m bench.peer`` computes the engine's numbers (the comparison is of the same view)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from bench import peer
from cxdata.measures.metrics import Filters


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("peer") / "contacts.parquet"
    peer.sample_contacts(1500).write_parquet(path)
    return path


def test_the_view_is_the_last_twelve_months_and_the_largest_segment(frame: Path):
    filters = peer.view(pl.read_parquet(frame))
    assert (filters.start, filters.end, filters.where) == (date(2025, 11, 1), date(2026, 10, 31),
                                                           (("segment", ("Consumer",)),))


@pytest.mark.parametrize("segment", ["Consumer", "Enterprise"])
def test_pandas_gives_the_engines_groups_n_values_and_intervals(frame: Path, segment: str):
    contacts, df = pl.read_parquet(frame), peer.pandas_frame(frame)
    filters = Filters.of(date(2025, 5, 1), date(2026, 4, 30), segment=[segment])
    ours = peer.engine(contacts, filters)
    theirs = peer.pandas_view(df, *peer.pandas_args(filters))
    peer.check_same(ours, theirs)
    assert all(ours[key].height > 10 for key in peer.METRICS)


def test_the_check_catches_a_difference(frame: Path):
    contacts, df = pl.read_parquet(frame), peer.pandas_frame(frame)
    filters = peer.view(contacts)
    theirs = peer.pandas_view(df, *peer.pandas_args(filters))
    theirs["asa"].loc[3, "high"] += 1e-6
    with pytest.raises(AssertionError, match="asa: high differs"):
        peer.check_same(peer.engine(contacts, filters), theirs)
    theirs = peer.pandas_view(df, *peer.pandas_args(filters))
    theirs["nps"] = theirs["nps"].iloc[1:]
    with pytest.raises(AssertionError, match="nps: .* groups"):
        peer.check_same(peer.engine(contacts, filters), theirs)
