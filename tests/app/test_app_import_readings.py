"""The Data page shows why each column was mapped and how its values will be read, and lets the analyst
change a value map, a unit or a scale before importing (issue 11) — through the real import path."""

from __future__ import annotations

from pathlib import Path

from apptest_helpers import DATA_PAGE, by_label, run_app, shown
from cxdata.catalog.store import Store
from test_app_data_page import import_button, upload

TICKETS = (b"ticket_id,created_at,status,first_response_minutes,customer_city\n"
           + b"".join(f"T{i},2026-03-{1 + i % 28:02d},{s},{1 + i % 5},{c}\n".encode()
                      for i, (s, c) in enumerate(zip(["Solved", "Pending", "Closed", "Open"] * 10,
                                                     ["Roma", "Milano"] * 20, strict=True))))
MIXED = b"date,csat\n" + b"".join(f"2026-03-{1 + i % 28:02d},{a}\n".encode()
                                  for i, a in enumerate([5, 4, 4, 5, 3, 4, 5, 4] * 4 + [9, 10, 8, 10, 7, 9] * 3))


def test_reasons_status_words_a_value_map_and_units_reach_the_store(loaded_store: Path) -> None:
    at = upload(run_app(DATA_PAGE), "tickets.csv", TICKETS, new_dataset="desk")
    mapping = at.data_editor[0].value
    why = dict(zip(mapping["source column"], mapping["why"], strict=True))
    assert list(mapping["maps to"]) == ["interaction_id", "started_at", "resolved", "wait_seconds",
                                        "keep as extra column"]
    assert "100% of 40 values read as yes/no" in why["status"]
    assert why["customer_city"] == ""  # 2 cities: not even a suggestion for customer_id
    values = at.data_editor[1]
    readings = dict(zip(values.value["value"], values.value["read_as"], strict=True))
    assert readings == {"Solved": "yes", "Pending": "no", "Closed": "yes", "Open": "no"}
    assert by_label(at.selectbox, "Unit of 'first_response_minutes' → wait_seconds (from its header)").value == "minutes"

    row = list(values.value["value"]).index("Pending")  # the analyst's help desk closes a ticket on "Pending"
    at.session_state[values.key] = {"edited_rows": {row: {"read_as": "yes"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    import_button(at).click().run()
    assert not at.exception and shown(at.success[0].value).startswith("Imported 'tickets.csv'")
    store = Store(loaded_store)
    frame = store.scan(store.active_version("desk").version_id, "interactions").collect()
    assert frame.get_column("resolved").sum() == 30  # Solved, Closed and Pending: 3 of every 4
    assert frame.get_column("wait_seconds").head(3).to_list() == [60.0, 120.0, 180.0]


def test_a_column_mixing_scales_blocks_the_import_until_its_scale_is_chosen(loaded_store: Path) -> None:
    at = upload(run_app(DATA_PAGE), "mixed.csv", MIXED, new_dataset="survey")
    assert any("mix scales" in shown(w.value) for w in at.warning)
    assert import_button(at).disabled
    by_label(at.selectbox, "The one scale of 'csat' → csat").set_value("1-5").run()
    assert not import_button(at).disabled
    import_button(at).click().run()
    assert not at.exception
    store = Store(loaded_store)
    frame = store.scan(store.active_version("survey").version_id, "interactions").collect()
    assert frame.get_column("csat").null_count() == 18
