"""Settings validation: every invalid value is refused with one sentence that says what to fix."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cxdata.settings import Settings, settings_problems


def test_the_defaults_are_valid():
    assert settings_problems(Settings()) == []


@pytest.mark.parametrize("change, sentence", [
    ({"currency": "XYZ"}, "The currency must be one of EUR, USD, GBP, CHF, JPY."),
    ({"gross_margin": 1.2}, "The gross margin must be between 0% and 100% (it is 120%)."),
    ({"gross_margin": None}, "The gross margin must be between 0% and 100% (it is empty)."),
    ({"annual_discount_rate": -0.05}, "The discount rate (WACC) must be between 0% and 100% (it is -5%)."),
    ({"cost_per_contact": {"phone": -3.0, "email": 4.0}}, "A cost per contact cannot be negative: phone is -3.00."),
    ({"cost_per_contact": {"phone": None, "email": 4.0}}, "Give a cost per contact for every channel; empty: phone."),
    ({"agent_cost_per_minute": -0.1}, "The agent cost per minute cannot be negative."),
    ({"minutes_per_transfer": None}, "The minutes saved per avoided transfer cannot be empty."),
    ({"repeat_window_days": 0}, "The repeat window W must be a whole number of days from 1 to 90 (it is 0)."),
    ({"repeat_window_days": 7.5}, "The repeat window W must be a whole number of days from 1 to 90 (it is 7.5)."),
    ({"churn_horizon_months": 61}, "The churn horizon must be a whole number of months from 1 to 60 (it is 61)."),
    ({"service_level_seconds": 0}, "The service-level threshold must be more than 0 seconds."),
])
def test_each_problem_has_its_sentence(change, sentence):
    assert settings_problems(replace(Settings(), **change)) == [sentence]


def test_several_problems_are_all_listed():
    bad = replace(Settings(), gross_margin=-0.1, cost_per_contact={"phone": -1.0, "chat": -2.0})
    assert settings_problems(bad) == ["The gross margin must be between 0% and 100% (it is -10%).",
                                      "A cost per contact cannot be negative: chat is -2.00, phone is -1.00."]
