"""The churn model's exposures leave out the churn itself: cancellation-like contacts (six languages,
editable terms) and contacts in the last W days before a customer's churn date — counted by hand on a
small fixture through the real panel builder."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from cxdata.measures.metrics import DEFAULT_COST_PER_CONTACT
from cxdata.measures.panel import (
    BEFORE_CHURN,
    CANCELLATION,
    CANCELLATION_TERMS,
    build_panel,
    cancellation_like,
    with_exposure_exclusion,
)


@pytest.mark.parametrize("value", [
    "Cancel request", "cancellation fee", "Account closure", "Disdetta contratto", "Richiesta di recesso",
    "Dar de baja", "Cancelación", "Rescisão do contrato", "Cancelamento", "Résiliation", "Kündigung", "Stornierung",
])
def test_cancellation_like_in_six_languages(value: str) -> None:
    assert cancellation_like([value], CANCELLATION_TERMS) == {value}


@pytest.mark.parametrize("value", ["billing", "Uncancelled order status", "Trabaja desde casa", "Bajar la factura", "Rechnung", None])
def test_words_that_only_contain_a_term_are_not_cancellation_like(value: str | None) -> None:
    assert cancellation_like([value], CANCELLATION_TERMS) == set()


def test_edited_terms_replace_the_vocabulary() -> None:
    assert cancellation_like(["Retention offer", "Cancel request"], ["retention"]) == {"Retention offer"}
    assert cancellation_like(["Cancel request"], []) == set()


CUSTOMERS = pl.DataFrame({
    "customer_id": ["A", "B"],
    "joined_at": [date(2024, 1, 1), date(2024, 1, 1)],
    "churned_at": [date(2025, 3, 31), None],
})
#: Customer A: 3 contacts in February (one a cancellation call, one 20 days before the churn date of
#: 31 March, one on 2 February: 57 days before), and one in March. Customer B: 2 in February, one of
#: them about "Kündigung" (cancellation-like whatever the churn date).
CONTACTS = pl.DataFrame({
    "customer_id": ["A", "A", "A", "A", "B", "B"],
    "started_at": [datetime(2025, 2, 2), datetime(2025, 2, 10), datetime(2025, 3, 11), datetime(2025, 3, 20),
                   datetime(2025, 2, 5), datetime(2025, 2, 6)],
    "touchpoint": ["billing", "cancellation", "support", "support", "support", "Kündigung"],
    "p_negative": [0.1, 0.9, 0.5, 0.5, 0.2, 0.8],
    "channel": ["phone"] * 6,
}).with_columns(month=pl.col("started_at").dt.truncate("1mo").dt.date())


def test_exposures_leave_out_cancellation_calls_and_the_window_before_churn() -> None:
    marked = with_exposure_exclusion(CONTACTS, CUSTOMERS, CANCELLATION_TERMS, 30)
    assert marked.get_column("exposure_exclusion").to_list() == [
        None, CANCELLATION, BEFORE_CHURN, BEFORE_CHURN, None, CANCELLATION]
    assert "churned_at" not in marked.columns
    panel = build_panel(CUSTOMERS, marked, None, cost_per_contact=DEFAULT_COST_PER_CONTACT)
    march = {r["customer_id"]: r for r in panel.filter(pl.col("month") == date(2025, 3, 1)).iter_rows(named=True)}
    # A's February: only the contact of 2 February counts (the cancellation call is left out)
    assert (march["A"]["contacts_prev"], march["A"]["expected_negatives_prev"]) == (1, pytest.approx(0.1))
    assert (march["A"]["contacts_all_prev"], march["A"]["expected_negatives_all_prev"]) == (2, pytest.approx(1.0))
    assert (march["B"]["contacts_prev"], march["B"]["expected_negatives_prev"]) == (1, pytest.approx(0.2))
    assert march["A"]["churn"] and not march["B"]["churn"]
    # the cost of every contact still counts: a cancellation call costs what any call costs
    feb = panel.filter((pl.col("month") == date(2025, 2, 1)) & (pl.col("customer_id") == "A"))
    assert feb.item(0, "contact_cost") == pytest.approx(2 * DEFAULT_COST_PER_CONTACT["phone"])


def test_a_window_of_zero_days_and_no_terms_keep_every_contact() -> None:
    marked = with_exposure_exclusion(CONTACTS, CUSTOMERS, (), 0)
    assert marked.get_column("exposure_exclusion").null_count() == CONTACTS.height
