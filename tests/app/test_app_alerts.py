"""Alerts: the Alerts page creates an alert through its form and shows its check; a rise or fall is
significant-only unless unticked, and each shows what the engine says of it; on the Overview an alert that
must fire (its threshold below the value ``cxdata.actions.alerts.check_alert`` computes here) appears with its
message and opens its view on the month it judged, one that must not does not appear; an empty store says
what to do."""

from __future__ import annotations

import json
from pathlib import Path

from apptest_helpers import run_app, shown
from cxdata.access import LOCAL
from cxdata.actions.alerts import check_alert, create_alert, list_alerts
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Alert
from cxdata.measures.metrics import MIN_ANSWERS
from cxdata.measures.periods import month_end
from ui.alerts import SIGNIFICANT_MEANS
from ui.text import plain

PAGE = "app_pages/alerts.py"
CHATBOT_BILLING = {"channel": ["chatbot"], "touchpoint": ["billing"]}


def engine_check(a, settings, **fields):
    """What ``check_alert`` says about an alert with these fields on the sample (nothing stored)."""
    alert = Alert(dataset="sample", name=fields.pop("name", "x"), where_json=json.dumps(fields.pop("where", {})),
                  **{"min_n": MIN_ANSWERS} | fields)
    return check_alert(alert, a.contacts, a.panel, settings.params())


def test_an_empty_store_says_what_to_do(empty_store: Path) -> None:
    at = run_app(PAGE)
    assert at.title[0].value == "Alerts" and "No data yet" in at.info[0].value


def test_the_form_creates_an_alert_and_the_list_shows_its_check(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    at = run_app(PAGE)
    assert "No alerts yet" in at.info[0].value
    at.selectbox(key="_alert_metric").set_value("escalation_rate")
    at.selectbox(key="_alert_rule").set_value("above")
    at.number_input(key="_alert_threshold").set_value(30.0)
    at.multiselect(key="_alert_in_channel").set_value(["chatbot"])
    at.multiselect(key="_alert_in_touchpoint").set_value(["billing"])
    at.run()
    at.button(key="_create_alert").click().run()
    assert not at.exception, [e.message for e in at.exception]

    [alert] = list_alerts(Store(analysed_store), "sample")
    assert (alert.metric, alert.rule, alert.threshold, alert.min_n, alert.where) == (
        "escalation_rate", "above", 30.0, 30, CHATBOT_BILLING)
    assert alert.name == "Escalation rate (chatbot · billing) above 30%"
    check = engine_check(a, settings, name=alert.name, metric="escalation_rate", rule="above", threshold=30.0,
                         where=CHATBOT_BILLING)
    texts = [shown(m.value) for m in at.markdown]
    assert check.message.removeprefix(f"{alert.name} — ") in texts
    badge = ":red-badge[:material/notifications_active: fired]" if check.status == "fired" else ":green-badge[ok]"
    assert f"{badge} **{alert.name}**" in texts


def test_a_fired_alert_is_on_the_overview_and_opens_its_view(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    value = engine_check(a, settings, metric="escalation_rate", rule="above", threshold=0.0,
                         where=CHATBOT_BILLING).value
    store = Store(analysed_store)
    fires = create_alert(store, dataset="sample", metric="escalation_rate", rule="above", threshold=value - 5,
                         where=CHATBOT_BILLING, name="Bot escalations in billing", actor=LOCAL)
    create_alert(store, dataset="sample", metric="escalation_rate", rule="above", threshold=value + 5,
                 where=CHATBOT_BILLING, name="Quiet rule", actor=LOCAL)
    fired = engine_check(a, settings, name="Bot escalations in billing", metric="escalation_rate", rule="above",
                         threshold=value - 5, where=CHATBOT_BILLING)
    assert fired.status == "fired"

    at = run_app()
    warnings = [w.value for w in at.warning]
    assert plain(fired.message) in warnings
    assert not any("Quiet rule" in w for w in warnings)

    at.button(key=f"_alert_view_{fires}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Drill-down"
    sidebar = {w.label: w.value for w in at.sidebar.selectbox} | {w.label: w.value for w in at.sidebar.multiselect}
    assert (sidebar["Period"], sidebar["Channel"], sidebar["Touchpoint"]) == ("Custom", ["chatbot"], ["billing"])
    assert at.sidebar.date_input(key="dates").value == (fired.month, month_end(fired.month))  # the month judged
    assert at.selectbox(key="metric").value == "Escalation rate"


def test_a_rise_or_fall_is_significant_only_unless_unticked(analysed_store: Path, sample_engine) -> None:
    """NPS of Small Business moving, in the direction it moved on the sample, by at least 0.01 points:
    made twice, as the form offers it (significant only, explained on the page) and unticked. The
    unticked one fires; each shows what the engine says of it (fired, or "includes no change")."""
    a, settings = sample_engine
    smb = {"segment": ["Small Business"]}
    probe = engine_check(a, settings, metric="nps", rule="rises_by", threshold=0.01, where=smb)
    rule, words = ("rises_by", "rises") if probe.value >= probe.previous else ("falls_by", "falls")
    at = run_app(PAGE)
    at.selectbox(key="_alert_rule").set_value("above").run()
    assert not at.checkbox  # a level has no such option
    at.selectbox(key="_alert_metric").set_value("nps")
    at.selectbox(key="_alert_rule").set_value(rule)
    at.number_input(key="_alert_threshold").set_value(0.01)
    at.multiselect(key="_alert_in_segment").set_value(smb["segment"])
    at.run()
    assert at.checkbox(key="_alert_significant").value is True
    assert SIGNIFICANT_MEANS in [c.value for c in at.caption]
    at.button(key="_create_alert").click().run()
    at.number_input(key="_alert_threshold").set_value(0.01)  # a saved alert empties the threshold
    at.checkbox(key="_alert_significant").uncheck()
    at.run()
    at.button(key="_create_alert").click().run()
    assert not at.exception, [e.message for e in at.exception]

    strict, loose = list_alerts(Store(analysed_store), "sample")
    assert (strict.significant_only, loose.significant_only) == (True, False)
    assert strict.name == f"NPS (Small Business) {words} by at least 0.01 points"
    assert loose.name == f"NPS (Small Business) {words} by at least 0.01 points (even within noise)"
    texts = [shown(m.value) for m in at.markdown]
    checks = [engine_check(a, settings, name=alert.name, metric="nps", rule=rule, threshold=0.01, where=smb,
                           significant_only=alert.significant_only) for alert in (strict, loose)]
    assert checks[1].status == "fired"
    for alert, check in zip((strict, loose), checks, strict=True):
        assert check.message.removeprefix(f"{alert.name} — ") in texts
        if check.status != "fired":
            assert check.message.endswith("includes no change.")


def test_no_alert_no_block(analysed_store: Path) -> None:
    at = run_app()
    assert not [w for w in at.warning if "crossed" in w.value]
    assert not [b for b in at.button if (b.key or "").startswith("_alert_view_")]
