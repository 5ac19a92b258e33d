"""Alerts fire exactly when their threshold is crossed, on the data's last complete month, in their
scope, once per data version — also straight after an import — and through the command line; a rise or
fall fires by default only when its 95% interval excludes 0.

The fixture is small enough to count by hand: chatbot sessions about billing, 40 a month, with 8
escalated in September (20%) and 12 in October (30%); chatbot sessions about delivery, 40 a month,
all escalated (not in the alerts' scope); NPS answers of Small Business customers, 40 a month:
16 promoters and 8 detractors in September (NPS 20), 14 and 8 in October (NPS 15). Each month's
contacts run from its first to its last day, so both months are complete.
"""

from __future__ import annotations

import calendar
import io
import json
import math
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from cxdata.access import LOCAL
from cxdata.actions.alerts import (
    FIRED,
    NO_DATA,
    OK,
    TOO_FEW,
    after_import,
    check_alert,
    create_alert,
    delete_alert,
    evaluate,
    fired_sentence,
    list_alerts,
    set_enabled,
    triggered,
)
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Alert
from cxdata.ingest import import_file
from cxdata.measures.metrics import MIN_ANSWERS

ROOT = Path(__file__).resolve().parents[2]
BILLING_BOT = {"channel": ["chatbot"], "touchpoint": ["billing"]}
SMB = {"segment": ["Small Business"]}


def _contacts(month: str, escalated_billing: int, promoters: int, detractors: int, tag: str) -> list[dict]:
    """40 contacts of each kind in ``month`` (YYYY-MM), spread from its first day to its last."""
    last = calendar.monthrange(*map(int, month.split("-")))[1]
    rows = []
    for k in range(40):
        day = f"{month}-{1 + k * (last - 1) // 39:02d}"
        rows.append({"interaction_id": f"b{tag}{k}", "customer_id": f"c{k}", "started_at": f"{day} 10:00",
                     "channel": "chatbot", "touchpoint": "billing", "automated": "yes",
                     "escalated": "yes" if k < escalated_billing else "no", "nps": ""})
        rows.append({"interaction_id": f"d{tag}{k}", "customer_id": f"c{k}", "started_at": f"{day} 11:00",
                     "channel": "chatbot", "touchpoint": "delivery", "automated": "yes", "escalated": "yes", "nps": ""})
        score = 10 if k < promoters else 3 if k < promoters + detractors else 8
        rows.append({"interaction_id": f"n{tag}{k}", "customer_id": f"s{k}", "started_at": f"{day} 12:00",
                     "channel": "phone", "touchpoint": "support", "automated": "no", "escalated": "", "nps": str(score)})
    return rows


def _csv(rows: list[dict]) -> bytes:
    out = io.BytesIO()
    pl.DataFrame(rows).write_csv(out)
    return out.getvalue()


CUSTOMERS = _csv([{"customer_id": f"{p}{k}", "segment": "Small Business" if p == "s" else "Enterprise",
                   "joined_at": "2025-01-01"} for p in "cs" for k in range(40)])
INTERACTIONS = _csv(_contacts("2026-09", 8, 16, 8, "s") + _contacts("2026-10", 12, 14, 8, "o"))


@pytest.fixture
def loaded(store: Store) -> Store:
    import_file(store, CUSTOMERS, "customers.csv", "customers", dataset="d", actor=LOCAL)
    import_file(store, INTERACTIONS, "interactions.csv", "interactions", dataset="d", actor=LOCAL)
    return store


def _outcome(store: Store, **alert):
    alert_id = create_alert(store, actor=LOCAL, dataset="d", **alert)
    outcome = next(o for o in evaluate(store, "d") if o.alert.id == alert_id)
    delete_alert(store, alert_id, actor=LOCAL)
    return outcome


def _status(store: Store, **alert) -> str:
    return _outcome(store, **alert).check.status


@pytest.mark.parametrize("rule, threshold, expected", [
    ("above", 30.0, OK), ("above", 29.99, FIRED),  # October: 12/40 = 30%
    ("below", 30.0, OK), ("below", 30.01, FIRED),
    ("rises_by", 10.0, FIRED), ("rises_by", 10.01, OK),  # from 20% to 30%
    ("falls_by", 0.01, OK),
])
def test_escalation_alert_fires_exactly_when_crossed(loaded, rule, threshold, expected):
    """The threshold arithmetic, with change rules firing on any change of that size."""
    option = {"significant_only": False} if rule in ("rises_by", "falls_by") else {}
    assert _status(loaded, metric="escalation_rate", rule=rule, threshold=threshold, where=BILLING_BOT,
                   **option) == expected


@pytest.mark.parametrize("threshold, expected", [(5.0, FIRED), (5.01, OK), (4.99, FIRED)])
def test_nps_of_a_segment_falling_against_the_previous_month(loaded, threshold, expected):
    """NPS of Small Business: 20 in September, 15 in October — a fall of exactly 5 points."""
    assert _status(loaded, metric="nps", rule="falls_by", threshold=threshold, where=SMB,
                   significant_only=False) == expected


def _wilson_se(x: int, n: int) -> float:
    """The standard error read off the Wilson 95% interval of x/n, in percentage points:
    (high − low) / (2 · 1.96), with half-width z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)."""
    z = 1.959963984540054
    half = z * math.sqrt((x / n) * (1 - x / n) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return 100 * (2 * half) / (2 * z)


def test_a_rise_within_noise_does_not_fire_unless_the_option_is_off(loaded):
    """Billing chatbot escalations rise from 8/40 (20%) to 12/40 (30%): 10 points, more than a 5-point
    threshold, but SE = √(6.19² + 6.98²) = 9.33 points, so the 95% interval is 10 ± 18.3 = −8.3 to 28.3."""
    se = math.hypot(_wilson_se(8, 40), _wilson_se(12, 40))
    assert (10 - 1.96 * se, 10 + 1.96 * se) == pytest.approx((-8.28, 28.28), abs=0.01)
    quiet = _outcome(loaded, metric="escalation_rate", rule="rises_by", threshold=5, where=BILLING_BOT)
    assert quiet.check.status == OK and quiet.alert.requires_significance
    assert quiet.alert.name == "Escalation rate (chatbot · billing) rises by at least 5 points"
    assert quiet.check.message.endswith(
        "+10.0 pts against the month before (20.0%); rose by 10.0 points, but the 95% interval −8.3 to 28.3 points "
        "includes no change.")
    loud = _outcome(loaded, metric="escalation_rate", rule="rises_by", threshold=5, where=BILLING_BOT,
                    significant_only=False)
    assert loud.check.status == FIRED and loud.as_dict()["significant_only"] is False
    assert loud.alert.name.endswith("rises by at least 5 points (even within noise)")
    assert loud.check.message.endswith("; crossed: rises by at least 5 points.")


def _bot_sessions(months: dict[str, tuple[int, int, int]]) -> pl.DataFrame:
    """Chatbot sessions: for each month (YYYY-MM), (sessions, escalated, last day with a session)."""
    rows = [(datetime(*map(int, month.split("-")), 1 + k * (last - 1) // max(sessions - 1, 1), 9), k < escalated)
            for month, (sessions, escalated, last) in months.items() for k in range(sessions)]
    frame = pl.DataFrame(rows, schema=["started_at", "escalated"], orient="row")
    return frame.with_columns(automated=pl.lit(True), month=pl.col("started_at").dt.truncate("1mo").dt.date())


RISE = Alert(dataset="d", name="bot", metric="escalation_rate", rule="rises_by", threshold=10.0,
             min_n=MIN_ANSWERS)


def test_a_clear_rise_fires():
    """20/200 (10%) in September, 60/200 (30%) in October: +20 points, SE = √(2.14² + 3.22²) = 3.86,
    95% interval 12.4 to 27.6 — it excludes 0, so the alert (made without the option: on) fires."""
    se = math.hypot(_wilson_se(20, 200), _wilson_se(60, 200))
    assert (20 - 1.96 * se, 20 + 1.96 * se) == pytest.approx((12.43, 27.57), abs=0.01)
    check = check_alert(RISE, _bot_sessions({"2026-09": (200, 20, 30), "2026-10": (200, 60, 31)}), None)
    assert (check.status, check.month, check.value, check.previous) == (
        FIRED, date(2026, 10, 1), pytest.approx(30.0), pytest.approx(10.0))
    assert check.message.endswith("crossed: rises by at least 10 points (rose by 20.0 points; the 95% interval 12.4 to "
                                  "27.6 points excludes no change).")


def test_a_partial_newest_month_is_not_judged_the_complete_one_before_is():
    """November's sessions stop on the 15th, all escalated: November is left out, October (30%
    against 10%) is judged; with only a partial month there is nothing to judge."""
    frame = _bot_sessions({"2026-09": (200, 20, 30), "2026-10": (200, 60, 31), "2026-11": (100, 100, 15)})
    check = check_alert(RISE, frame, None)
    assert (check.status, check.month, check.value, check.previous) == (
        FIRED, date(2026, 10, 1), pytest.approx(30.0), pytest.approx(10.0))
    assert check.message.endswith(" Nov 2026 is left out: the data ends on 15 Nov 2026, before the month's last "
                                  "day, so Oct 2026 is the last complete month.")
    assert "30.0% in Oct 2026" in check.message
    lonely = check_alert(RISE, _bot_sessions({"2026-11": (100, 100, 15)}), None)
    assert (lonely.status, lonely.month) == (NO_DATA, None)
    assert lonely.message == ("bot: no complete month to judge yet. Nov 2026 is left out: the data ends on "
                              "15 Nov 2026, before the month's last day.")
    # one day short is partial: sessions up to 30 October leave October out, September has no month before
    short = check_alert(RISE, _bot_sessions({"2026-09": (200, 20, 30), "2026-10": (200, 60, 30)}), None)
    assert (short.status, short.month, short.value) == (NO_DATA, date(2026, 9, 1), pytest.approx(10.0))
    assert short.message == ("bot — Escalation rate 10.0% in Sep 2026 (95% CI 6.6% to 14.9%, n = 200); no data in the "
                             "month before, not judged. Oct 2026 is left out: the data ends on 30 Oct 2026, before "
                             "the month's last day, so Sep 2026 is the last complete month.")


OLD_CATALOG = """
CREATE TABLE alert (id INTEGER NOT NULL, dataset VARCHAR NOT NULL, name VARCHAR NOT NULL, metric VARCHAR NOT NULL,
    where_json VARCHAR NOT NULL, rule VARCHAR NOT NULL, threshold FLOAT NOT NULL, min_n INTEGER NOT NULL,
    enabled BOOLEAN NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_alert_dataset ON alert (dataset);
INSERT INTO alert VALUES (1, 'd', 'Bot escalations', 'escalation_rate', '{"channel": ["chatbot"], "touchpoint":
    ["billing"]}', 'rises_by', 5.0, 30, 1, '2026-01-01 00:00:00.000000');
INSERT INTO alert VALUES (2, 'd', 'Bot level', 'escalation_rate', '{"channel": ["chatbot"], "touchpoint":
    ["billing"]}', 'above', 25.0, 30, 1, '2026-01-01 00:00:00.000000');
CREATE TABLE alertcheck (id INTEGER NOT NULL, alert_id INTEGER NOT NULL, version_id INTEGER NOT NULL, month DATE,
    value FLOAT, low FLOAT, high FLOAT, n INTEGER NOT NULL, previous FLOAT, status VARCHAR NOT NULL,
    message VARCHAR NOT NULL, evaluated_at DATETIME NOT NULL, PRIMARY KEY (id));
INSERT INTO alertcheck VALUES (1, 1, 1, '2026-10-01', 30.0, 17.0, 45.0, 40, 20.0, 'fired', 'stale',
    '2026-11-01 00:00:00.000000');
"""


def test_alerts_of_a_catalog_made_before_the_option_load_with_the_default(data_dir):
    """A catalog whose alert table has no ``significant_only`` column (as every catalog before the
    option): it gains the column, its checks made under the old rules are dropped, the old rise alert
    reads as significant-only (the default) and is judged so, the level alert is unaffected, and new
    alerts can be added."""
    data_dir.mkdir(parents=True)
    with sqlite3.connect(data_dir / "catalog.sqlite") as db:
        db.executescript(OLD_CATALOG)
    store = Store(data_dir)
    assert len(list_alerts(store, "d")) == 2
    with sqlite3.connect(data_dir / "catalog.sqlite") as db:
        assert db.execute("SELECT count(*) FROM alertcheck").fetchone() == (0,)
    import_file(store, CUSTOMERS, "customers.csv", "customers", dataset="d", actor=LOCAL)
    import_file(store, INTERACTIONS, "interactions.csv", "interactions", dataset="d", actor=LOCAL)
    rise, level = list_alerts(store, "d")
    assert (rise.significant_only, rise.requires_significance, level.requires_significance) == (None, True, False)
    rise_check, level_check = (o.check for o in evaluate(store, "d"))
    assert rise_check.status == OK and "includes no change" in rise_check.message  # 20% → 30%, as above
    assert level_check.status == FIRED  # 30% above 25%
    new = create_alert(store, actor=LOCAL, dataset="d", metric="nps", rule="falls_by", threshold=1,
                       significant_only=False)
    assert [a.significant_only for a in list_alerts(store, "d")] == [None, None, False]
    delete_alert(store, new, actor=LOCAL)


def test_the_scope_is_respected_and_small_months_never_fire(loaded):
    # all chatbot sessions: (12 + 40) / 80 = 65% in October
    assert _status(loaded, metric="escalation_rate", rule="above", threshold=64.9, where={"channel": ["chatbot"]}) == FIRED
    assert _status(loaded, metric="escalation_rate", rule="above", threshold=65.0, where={"channel": ["chatbot"]}) == OK
    assert _status(loaded, metric="escalation_rate", rule="above", threshold=1, where=BILLING_BOT, min_n=41) == TOO_FEW
    assert _status(loaded, metric="csat", rule="below", threshold=99) == "needs csat"


def test_checks_are_stored_per_version_and_a_new_import_evaluates_them(loaded):
    alert_id = create_alert(loaded, actor=LOCAL, dataset="d", metric="escalation_rate", rule="above", threshold=25,
                            where=BILLING_BOT)
    first = evaluate(loaded, "d")
    assert [o.fired for o in first] == [True]
    assert "30.0% in Oct 2026" in first[0].check.message and "n = 40" in first[0].check.message
    assert evaluate(loaded, "d")[0].check.id == first[0].check.id  # read back, not evaluated again
    # October fixed: 4 of 40 escalated → the new version no longer fires, and the import says nothing
    fixed = _csv(_contacts("2026-09", 8, 16, 8, "s") + _contacts("2026-10", 4, 14, 8, "o"))
    result = import_file(loaded, fixed, "fixed.csv", "interactions", dataset="d", actor=LOCAL)
    assert "alert" not in result.message  # the import knows nothing of alerts: its caller asks
    assert after_import(loaded, result.version) == ()
    after = evaluate(loaded, "d")
    assert after[0].check.version_id == result.version.version_id and after[0].check.status == OK
    # and an import that crosses it again says so
    again = import_file(loaded, INTERACTIONS, "again.csv", "interactions", dataset="d", force=True, actor=LOCAL)
    fired = after_import(loaded, again.version)
    assert len(fired) == 1 and "crossed: above 25%." in fired[0]
    assert fired_sentence(fired) == " 1 alert fired on it." and fired_sentence(fired * 2) == " 2 alerts fired on it."
    set_enabled(loaded, alert_id, False, actor=LOCAL)
    assert evaluate(loaded, "d") == [] and triggered([]) == []
    assert [a.id for a in list_alerts(loaded, "d")] == [alert_id]


@pytest.mark.parametrize("bad, sentence", [
    ({"metric": "happiness"}, "Unknown KPI"), ({"rule": "sideways"}, "Unknown rule"),
    ({"rule": "falls_by", "threshold": -5}, "positive"), ({"min_n": 0}, "at least 1"),
    ({"significant_only": True}, "Only a rise or a fall"),
])
def test_bad_alerts_are_refused_with_a_sentence(store, bad, sentence):
    with pytest.raises(ValueError, match=sentence):
        create_alert(store, actor=LOCAL, dataset="d", **({"metric": "nps", "rule": "above", "threshold": 1} | bad))
    assert list_alerts(store, "d") == []


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"MOMENTO_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cxdata", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_command_line_adds_evaluates_and_reports_for_a_scheduler(loaded, data_dir):
    added = _cli(data_dir, "alert-add", "--metric", "escalation_rate", "--rule", "above", "--threshold", "29",
                 "--where", "channel=chatbot", "--where", "touchpoint=billing")
    assert added.returncode == 0, added.stderr
    _cli(data_dir, "alert-add", "--metric", "nps", "--rule", "falls_by", "--threshold", "6", "--where",
         "segment=Small Business")
    out = _cli(data_dir, "alerts", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["fired"] == 1
    escalation, nps = report["alerts"]
    assert escalation["fired"] and escalation["value"] == pytest.approx(30.0) and escalation["n"] == 40
    assert escalation["previous"] == pytest.approx(20.0) and escalation["month"] == "2026-10-01"
    assert not nps["fired"] and nps["value"] == pytest.approx(15.0) and nps["previous"] == pytest.approx(20.0)
    assert nps["significant_only"] and not escalation["significant_only"]  # the default: on for a fall
    assert _cli(data_dir, "alerts", "--exit-code").returncode == 3
    text = _cli(data_dir, "alerts").stdout
    assert "2 alerts, 1 fired" in text and "FIRED" in text
    bad = _cli(data_dir, "alert-add", "--metric", "happiness", "--rule", "above", "--threshold", "1")
    assert bad.returncode == 1 and "Unknown KPI" in bad.stderr and "Traceback" not in bad.stderr
    assert _cli(data_dir, "alert-add", "--metric", "nps", "--rule", "rises_by", "--threshold", "1",
                "--any-change").returncode == 0
    any_change = json.loads(_cli(data_dir, "alerts", "--json").stdout)["alerts"][-1]
    assert not any_change["significant_only"] and any_change["name"].endswith("(even within noise)")


def test_a_rate_equal_to_the_threshold_is_not_above_it_despite_floating_point():
    """7 escalations in 100 sessions is 7.000000000000001% in floating point; it is not above 7%."""
    frame = pl.DataFrame({"started_at": [datetime(2026, 10, 1 + k % 31) for k in range(100)],
                          "automated": [True] * 100, "escalated": [k < 7 for k in range(100)]})
    frame = frame.with_columns(month=pl.col("started_at").dt.truncate("1mo").dt.date())
    alert = Alert(dataset="d", name="bot", metric="escalation_rate", rule="above", threshold=7.0, min_n=MIN_ANSWERS)
    check = check_alert(alert, frame, None)
    assert check.value > 7.0 and check.status == OK
    assert check_alert(alert.model_copy(update={"threshold": 6.999}), frame, None).status == FIRED
