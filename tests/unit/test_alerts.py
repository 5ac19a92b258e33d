"""Alerts fire exactly when their threshold is crossed, on the data's last month, in their scope,
once per data version — also straight after an import — and through the command line.

The fixture is small enough to count by hand: chatbot sessions about billing, 40 a month, with 8
escalated in September (20%) and 12 in October (30%); chatbot sessions about delivery, 40 a month,
all escalated (not in the alerts' scope); NPS answers of Small Business customers, 40 a month:
16 promoters and 8 detractors in September (NPS 20), 14 and 8 in October (NPS 15).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from cxdata.alerts import (
    FIRED,
    OK,
    TOO_FEW,
    create_alert,
    delete_alert,
    evaluate,
    list_alerts,
    set_enabled,
    triggered,
)
from cxdata.ingest import import_file
from cxdata.store import Store

ROOT = Path(__file__).resolve().parents[2]
BILLING_BOT = {"channel": ["chatbot"], "touchpoint": ["billing"]}
SMB = {"segment": ["Small Business"]}


def _contacts(month: str, escalated_billing: int, promoters: int, detractors: int, tag: str) -> list[dict]:
    rows = []
    for k in range(40):
        rows.append({"interaction_id": f"b{tag}{k}", "customer_id": f"c{k}", "started_at": f"{month}-{k % 28 + 1:02d} 10:00",
                     "channel": "chatbot", "touchpoint": "billing", "automated": "yes",
                     "escalated": "yes" if k < escalated_billing else "no", "nps": ""})
        rows.append({"interaction_id": f"d{tag}{k}", "customer_id": f"c{k}", "started_at": f"{month}-{k % 28 + 1:02d} 11:00",
                     "channel": "chatbot", "touchpoint": "delivery", "automated": "yes", "escalated": "yes", "nps": ""})
        score = 10 if k < promoters else 3 if k < promoters + detractors else 8
        rows.append({"interaction_id": f"n{tag}{k}", "customer_id": f"s{k}", "started_at": f"{month}-{k % 28 + 1:02d} 12:00",
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
    import_file(store, CUSTOMERS, "customers.csv", "customers", dataset="d")
    import_file(store, INTERACTIONS, "interactions.csv", "interactions", dataset="d")
    return store


def _status(store: Store, **alert) -> str:
    alert_id = create_alert(store, dataset="d", **alert)
    outcome = next(o for o in evaluate(store, "d") if o.alert.id == alert_id)
    delete_alert(store, alert_id)
    return outcome.check.status


@pytest.mark.parametrize("rule, threshold, expected", [
    ("above", 30.0, OK), ("above", 29.99, FIRED),  # October: 12/40 = 30%
    ("below", 30.0, OK), ("below", 30.01, FIRED),
    ("rises_by", 10.0, FIRED), ("rises_by", 10.01, OK),  # from 20% to 30%
    ("falls_by", 0.01, OK),
])
def test_escalation_alert_fires_exactly_when_crossed(loaded, rule, threshold, expected):
    assert _status(loaded, metric="escalation_rate", rule=rule, threshold=threshold, where=BILLING_BOT) == expected


@pytest.mark.parametrize("threshold, expected", [(5.0, FIRED), (5.01, OK), (4.99, FIRED)])
def test_nps_of_a_segment_falling_against_the_previous_month(loaded, threshold, expected):
    """NPS of Small Business: 20 in September, 15 in October — a fall of exactly 5 points."""
    assert _status(loaded, metric="nps", rule="falls_by", threshold=threshold, where=SMB) == expected


def test_the_scope_is_respected_and_small_months_never_fire(loaded):
    # all chatbot sessions: (12 + 40) / 80 = 65% in October
    assert _status(loaded, metric="escalation_rate", rule="above", threshold=64.9, where={"channel": ["chatbot"]}) == FIRED
    assert _status(loaded, metric="escalation_rate", rule="above", threshold=65.0, where={"channel": ["chatbot"]}) == OK
    assert _status(loaded, metric="escalation_rate", rule="above", threshold=1, where=BILLING_BOT, min_n=41) == TOO_FEW
    assert _status(loaded, metric="csat", rule="below", threshold=99) == "needs csat"


def test_checks_are_stored_per_version_and_a_new_import_evaluates_them(loaded):
    alert_id = create_alert(loaded, dataset="d", metric="escalation_rate", rule="above", threshold=25, where=BILLING_BOT)
    first = evaluate(loaded, "d")
    assert [o.fired for o in first] == [True]
    assert "30.0% in Oct 2026" in first[0].check.message and "n = 40" in first[0].check.message
    assert evaluate(loaded, "d")[0].check.id == first[0].check.id  # read back, not evaluated again
    # October fixed: 4 of 40 escalated → the new version no longer fires, and the import says nothing
    fixed = _csv(_contacts("2026-09", 8, 16, 8, "s") + _contacts("2026-10", 4, 14, 8, "o"))
    result = import_file(loaded, fixed, "fixed.csv", "interactions", dataset="d")
    assert result.alerts == ()
    after = evaluate(loaded, "d")
    assert after[0].check.version_id == result.version.version_id and after[0].check.status == OK
    # and an import that crosses it again says so
    again = import_file(loaded, INTERACTIONS, "again.csv", "interactions", dataset="d", force=True)
    assert len(again.alerts) == 1 and "crossed: above 25" in again.alerts[0]
    assert "1 alert fired" in again.message
    set_enabled(loaded, alert_id, False)
    assert evaluate(loaded, "d") == [] and triggered([]) == []
    assert [a.id for a in list_alerts(loaded, "d")] == [alert_id]


@pytest.mark.parametrize("bad, sentence", [
    ({"metric": "happiness"}, "Unknown KPI"), ({"rule": "sideways"}, "Unknown rule"),
    ({"rule": "falls_by", "threshold": -5}, "positive"), ({"min_n": 0}, "at least 1"),
])
def test_bad_alerts_are_refused_with_a_sentence(store, bad, sentence):
    with pytest.raises(ValueError, match=sentence):
        create_alert(store, dataset="d", **({"metric": "nps", "rule": "above", "threshold": 1} | bad))
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
    assert _cli(data_dir, "alerts", "--exit-code").returncode == 3
    text = _cli(data_dir, "alerts").stdout
    assert "2 alerts, 1 fired" in text and "FIRED" in text
    bad = _cli(data_dir, "alert-add", "--metric", "happiness", "--rule", "above", "--threshold", "1")
    assert bad.returncode == 1 and "Unknown KPI" in bad.stderr and "Traceback" not in bad.stderr


def test_a_rate_equal_to_the_threshold_is_not_above_it_despite_floating_point():
    """7 escalations in 100 sessions is 7.000000000000001% in floating point; it is not above 7%."""
    from datetime import datetime

    from cxdata.alerts import Alert, check_alert

    frame = pl.DataFrame({"started_at": [datetime(2026, 10, 1 + k % 28) for k in range(100)],
                          "automated": [True] * 100, "escalated": [k < 7 for k in range(100)]})
    frame = frame.with_columns(month=pl.col("started_at").dt.truncate("1mo").dt.date())
    alert = Alert(dataset="d", name="bot", metric="escalation_rate", rule="above", threshold=7.0)
    check = check_alert(alert, frame, None)
    assert check.value > 7.0 and check.status == OK
    assert check_alert(alert.model_copy(update={"threshold": 6.999}), frame, None).status == FIRED
