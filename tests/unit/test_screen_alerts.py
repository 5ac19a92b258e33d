"""The Alerts page's screen: each alert with its check on the version — status, value, interval, message and the
rule in words — against numbers worked out by hand on a small company, and against plain Polars on the sample."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime, timedelta

import polars as pl
import pytest

from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.actions.alerts import create_alert, delete_alert, set_enabled
from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures.contacts import enrich_contacts
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.alerts import OFF, alerts_screen
from cxdata.settings import Settings

VERSION = VersionInfo(version_id=1, dataset="acme", number=4, created_at=datetime(2026, 11, 1), note="", active=True,
                      tables={})
#: CSAT answers by channel and month; the data ends on 31 Oct, so October is the last complete month.
SCORES = {("phone", date(2026, 9, 10)): [5, 1, 1, 1], ("phone", date(2026, 10, 31)): [5, 4, 4, 1],
          ("chat", date(2026, 9, 10)): [1, 1, 5, 5], ("chat", date(2026, 10, 10)): [5, 5, 4, 1]}


def company() -> Analysis:
    rows = [{"interaction_id": f"{channel}-{day}-{k}", "customer_id": f"C{k}",
             "started_at": datetime.combine(day, datetime.min.time()), "channel": channel, "csat": score}
            for (channel, day), scores in SCORES.items() for k, score in enumerate(scores)]
    return Analysis(enrich_contacts(pl.DataFrame(rows)), None)


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson 95% interval of k of n, in percent."""
    p, denominator = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / denominator, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (centre - half) * 100, (centre + half) * 100


def test_each_alert_with_its_check_by_hand(store: Store) -> None:
    fires = create_alert(store, dataset="acme", metric="csat", rule="above", threshold=50, where={"channel": ["phone"]},
                         name="Phone satisfaction", min_n=1, actor=LOCAL)
    noise = create_alert(store, dataset="acme", metric="csat", rule="rises_by", threshold=10,
                         where={"channel": ["chat"]}, min_n=1, actor=LOCAL)
    few = create_alert(store, dataset="acme", metric="csat", rule="below", threshold=100, actor=LOCAL)
    off = create_alert(store, dataset="acme", metric="csat", rule="above", threshold=0, actor=LOCAL)
    set_enabled(store, off, False, actor=LOCAL)
    screen = alerts_screen(company(), Scope("acme", VERSION, None, None, None), Settings(), store)
    assert screen.intro.startswith("Thresholds on any KPI and scope, checked on every new data version. Dataset acme, "
                                   "version 4;")
    assert [r.alert.id for r in screen.rows] == [fires, noise, few, off]
    phone, chat, everybody, switched_off = screen.rows
    # phone: 3 of 4 good in October, 1 of 4 in September
    interval = fmt.interval(*wilson(3, 4), "%")
    assert (phone.status, phone.month, phone.value, phone.interval, phone.n) == ("fired", date(2026, 10, 1), "75.0%",
                                                                                interval, 4)
    assert phone.rule == "CSAT (phone) above 50%"
    assert phone.message == (f"CSAT 75.0% in Oct 2026 ({interval}, n = 4), +50.0 pts against the month before "
                             "(25.0%); crossed: above 50%.")
    assert phone.note == "Judged only with at least 1 answer in a month."
    # chat: 2 of 4 → 3 of 4, a rise of 25 points on 4 answers a month: inside the noise
    assert (chat.status, chat.value, chat.rule) == ("ok", "75.0%", "CSAT (chat) rises by at least 10 points")
    assert chat.message is not None and chat.message.startswith("75.0% in Oct 2026 (")  # the name is left out
    assert chat.message.endswith("includes no change.")
    assert chat.note.endswith("; it fires only on a significant change (its 95% interval excludes 0).")
    # everybody: 6 of 8 in October, under the 30 answers a month needs
    assert (everybody.status, everybody.value, everybody.n) == ("too few answers", "75.0%", 8)
    assert (switched_off.status, switched_off.message, switched_off.month, switched_off.value) == (OFF, None, None, "–")
    assert switched_off.note == "Switched off: not checked. It needs at least 30 answers in a month."
    assert screen.fired == (phone,)


def test_nothing_is_checked_without_a_kpi_and_the_screen_is_frozen(store: Store) -> None:
    create_alert(store, dataset="acme", metric="csat", rule="above", threshold=0, actor=LOCAL)
    empty = alerts_screen(Analysis(None, None), Scope("acme", VERSION, None, None, None), Settings(), store)
    assert (empty.metrics, empty.rows) == ((), ())
    screen = alerts_screen(company(), Scope("acme", VERSION, None, None, None), Settings(), store)
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.rows = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.rows[0].status = OFF  # type: ignore[misc]


def test_on_the_sample_the_check_is_the_kpi_of_the_last_complete_month(sample_store: Store,
                                                                        sample_analysis: Analysis) -> None:
    version = sample_store.active_version("sample")
    assert version is not None and sample_analysis.contacts is not None
    added = create_alert(sample_store, dataset="sample", metric="csat", rule="below", threshold=100,
                         where={"channel": ["phone"], "touchpoint": ["billing"]}, name="Billing calls", actor=LOCAL)
    try:
        screen = alerts_screen(sample_analysis, Scope("sample", version, None, None, None), Settings(), sample_store)
    finally:
        delete_alert(sample_store, added, actor=LOCAL)
    [row] = [r for r in screen.rows if r.alert.id == added]
    day = sample_analysis.contacts.get_column("started_at").dt.date()
    end = day.max()
    assert isinstance(end, date)
    # the newest month the data reaches to its last day
    first = end.replace(day=1)
    month = first if (end + timedelta(days=1)).day == 1 else (first - timedelta(days=1)).replace(day=1)
    answers = sample_analysis.contacts.filter(
        (pl.col("channel") == "phone") & (pl.col("touchpoint") == "billing") & pl.col("csat").is_not_null()
        & (pl.col("started_at").dt.date().dt.month_start() == month))
    value = float((answers.get_column("csat") >= 4).mean()) * 100
    assert (row.month, row.n, row.value) == (month, answers.height, fmt.number(value, "%"))
    assert row.status == "fired" and row.rule == "CSAT (phone · billing) below 100%"
    assert row.message is not None and row.message.startswith(f"CSAT {fmt.number(value, '%')} in {month:%b %Y}")
