"""The Settings page: shows the saved settings, saves edits in the catalog with a confirmation, refuses
invalid values with sentences, restores defaults, and what it saves changes the ROI planner at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import APP, TIMEOUT_S, by_label
from cxdata.access import LOCAL
from cxdata.actions.roi import Lever, PlannerBase, Scenario
from cxdata.catalog.store import Store
from cxdata.format import money
from cxdata.models.analysis import load_or_analyse
from cxdata.settings import Settings, load_settings, save_settings

SETTINGS_PAGE = "app_pages/settings.py"
ROI_PAGE = "app_pages/roi.py"


def open_settings() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.switch_page(SETTINGS_PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def save(at: AppTest) -> AppTest:
    by_label(at.button, "Save settings").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def edit_cost(at: AppTest, row: int, cost: float | None) -> None:
    """An edit of the cost-per-contact table, as the browser sends it (AppTest cannot type into the grid)."""
    at.session_state["set_costs"] = {"edited_rows": {row: {"cost": cost}}, "added_rows": [], "deleted_rows": []}


def test_the_page_shows_the_saved_settings(loaded_store: Path) -> None:
    save_settings(Store(loaded_store), Settings(currency="USD", gross_margin=0.45, repeat_window_days=14,
                                                cost_per_contact={"phone": 9.0}), actor=LOCAL)
    at = open_settings()
    assert at.selectbox(key="set_currency").value == "USD"
    assert at.number_input(key="set_margin").value == 45.0
    assert at.number_input(key="set_wacc").value == 10.0
    assert at.number_input(key="set_window").value == 14
    costs = at.data_editor(key="set_costs").value.set_index("channel")["cost"]
    assert costs["phone"] == 9.0 and costs["email"] == 4.0
    assert all(h.help for h in (at.number_input(key="set_margin"), at.selectbox(key="set_currency"))), \
        "each setting says what it changes"


def test_saving_persists_every_field_and_confirms(loaded_store: Path) -> None:
    at = open_settings()
    at.selectbox(key="set_currency").set_value("GBP")
    at.number_input(key="set_margin").set_value(45.0)
    at.number_input(key="set_wacc").set_value(8.0)
    at.number_input(key="set_agent").set_value(0.9)
    at.number_input(key="set_transfer").set_value(5.0)
    at.number_input(key="set_window").set_value(14)
    at.number_input(key="set_service").set_value(30.0)
    at.number_input(key="set_horizon").set_value(6)
    edit_cost(at, 0, 7.25)  # phone, the first row
    save(at)
    assert at.success[0].value.startswith("Saved")
    saved = load_settings(Store(loaded_store))
    assert saved == Settings(currency="GBP", gross_margin=0.45, annual_discount_rate=0.08,
                             cost_per_contact=Settings().cost_per_contact | {"phone": 7.25},
                             agent_cost_per_minute=0.9, minutes_per_transfer=5.0, repeat_window_days=14,
                             service_level_seconds=30.0, churn_horizon_months=6)
    assert saved.symbol == "£"


@pytest.mark.parametrize("key, value, sentence", [
    ("set_margin", 120.0, "The gross margin must be between 0% and 100% (it is 120%)."),
    ("set_wacc", -5.0, "The discount rate (WACC) must be between 0% and 100% (it is -5%)."),
    ("set_agent", -1.0, "The agent cost per minute cannot be negative."),
    ("set_window", 0, "The repeat window W must be a whole number of days from 1 to 90 (it is 0)."),
])
def test_invalid_values_are_refused_with_a_sentence(loaded_store: Path, key: str, value: float, sentence: str) -> None:
    at = open_settings()
    at.number_input(key=key).set_value(value)
    save(at)
    assert at.error[0].value.startswith("Not saved.")
    assert sentence in at.error[0].value
    assert load_settings(Store(loaded_store)) == Settings(), "nothing was saved"


def test_a_negative_cost_per_contact_is_refused(loaded_store: Path) -> None:
    at = open_settings()
    edit_cost(at, 0, -3.0)
    save(at)
    assert "A cost per contact cannot be negative: phone is -3.00." in at.error[0].value
    assert load_settings(Store(loaded_store)) == Settings()


def test_restore_defaults(loaded_store: Path) -> None:
    save_settings(Store(loaded_store), Settings(currency="CHF", gross_margin=0.3), actor=LOCAL)
    at = open_settings()
    by_label(at.button, "Restore the defaults").click().run()
    assert load_settings(Store(loaded_store)) == Settings()
    assert at.selectbox(key="set_currency").value == "EUR"
    assert at.number_input(key="set_margin").value == 60.0
    assert "defaults are restored" in at.success[0].value


def test_saved_settings_change_the_planners_currency_and_numbers(analysed_store: Path) -> None:
    """Saved on the Settings page, seen on the ROI planner in the same session: the cache was cleared.

    Currency, agent cost per minute and minutes per transfer do not change the models (no refit).
    """
    at = open_settings()
    at.selectbox(key="set_currency").set_value("USD")
    at.number_input(key="set_agent").set_value(1.2)
    at.number_input(key="set_transfer").set_value(6.0)
    save(at)
    at.switch_page(ROI_PAGE).run()
    assert not at.exception, [e.message for e in at.exception]

    store = Store(analysed_store)
    settings = load_settings(store)
    assert (settings.currency, settings.agent_cost_per_minute, settings.minutes_per_transfer) == ("USD", 1.2, 6.0)
    base = PlannerBase.build(load_or_analyse(store, store.active_version("sample").version_id, settings.params(),
                                             settings.churn_horizon_months))
    economics = settings.economics(investment=120_000, running_cost=2_000, ramp_months=3)
    r = base.evaluate(Scenario("Fewer transfers", (Lever("transfer_cut", 0.5),), economics))
    before = base.evaluate(Scenario("Fewer transfers", (Lever("transfer_cut", 0.5),),
                                    replace(economics, agent_cost_per_minute=0.6, minutes_per_transfer=4.0)))
    assert r.savings_per_month.base > before.savings_per_month.base, "dearer minutes, bigger savings"
    at.session_state["scenario_tab"] = "Scenario B"  # only the open tab draws its numbers
    at.run()
    tab_b = next(t for t in at.tabs if t.label == "Scenario B")
    shown = {m.label: m.value for m in tab_b.metric}
    assert shown["Cost savings/month"] == money(r.savings_per_month.base, "$")
    assert shown["NPV at 36 months"] == money(r.npv[36].base, "$")
    assert "(USD)" in at.number_input(key="b_invest").label


def test_the_page_works_without_any_data(empty_store: Path) -> None:
    at = open_settings()
    at.number_input(key="set_margin").set_value(50.0)
    save(at)
    assert at.success[0].value.startswith("Saved")
    assert load_settings(Store(empty_store)).gross_margin == 0.5
