"""Who each contact metric counts, on small hand-made contact logs whose answers are worked out here by hand:
the queue for a person (bot-only and self-service sessions never queue; an escalated session does), the
channels that can abandon, and the follow-up windows that the end of the data leaves incomplete."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest

from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.metrics import REGISTRY, Filters, Params, compute, estimate, followup_note

T0 = datetime(2026, 3, 2, 9, 0)
DAY = timedelta(days=1)
SCHEMA = {"interaction_id": pl.String, "customer_id": pl.String, "started_at": pl.Datetime("us"),
          "channel": pl.String, "reason": pl.String, "wait_seconds": pl.Float64, "handle_seconds": pl.Float64,
          "abandoned": pl.Boolean, "transfers": pl.Int64, "automated": pl.Boolean, "escalated": pl.Boolean,
          "csat": pl.Int64}


def log(rows: list[dict]) -> pl.DataFrame:
    """The interactions table of ``rows`` (missing fields null), as imported."""
    return pl.DataFrame([{k: r.get(k) for k in SCHEMA} | {"interaction_id": f"I{i}"} for i, r in enumerate(rows)],
                        schema=SCHEMA)


def contact(channel: str, wait: float, abandoned: bool, handle: float | None = None, transfers: int | None = None,
            automated: bool = False, escalated: bool = False) -> dict:
    return {"customer_id": f"C-{channel}-{wait}", "started_at": T0, "channel": channel, "wait_seconds": wait,
            "abandoned": abandoned, "handle_seconds": handle, "transfers": transfers, "automated": automated,
            "escalated": escalated}


QUEUE = log([
    contact("phone", 10, False, 300, 0),
    contact("phone", 30, False, 200, 1),
    contact("phone", 3, True),  # a short abandon (under 5 s): not offered
    contact("phone", 50, True),
    contact("phone", 15, False, 100, 0),
    contact("chat", 5, False, 400, 0),
    contact("chat", 25, False, 500, 2),
    contact("chat", 60, True),
    contact("email", 600, False, 600, 0),  # first response after 10 minutes; e-mail never abandons
    contact("email", 1200, False, 300, 0),
    contact("chatbot", 0, False, 0, 0, automated=True),  # bot-only sessions: they never queued
    contact("chatbot", 0, False, 0, 0, automated=True),
    contact("chatbot", 40, False, 250, 1, automated=True, escalated=True),  # handed to an agent: it queued
    contact("web", 0, False, 0, 0, automated=True),  # self-service
])
# Queued for a person: the 5 phone calls, 3 chats, 2 e-mails and the escalated bot session (11 of 14).
# Answered among them, with their waits: 10, 30, 15, 5, 25, 600, 1200, 40.
ANSWERED_WAITS = [10, 30, 15, 5, 25, 600, 1200, 40]


def test_service_level_counts_only_contacts_that_queued_for_a_person():
    # 11 queued − 1 short abandon = 10 offered; answered within 20 s: 10, 15 and 5 → 3 of 10
    est = estimate("service_level", enrich_contacts(QUEUE))
    assert (est.value, est.n) == (pytest.approx(30.0), 10)
    # counting the three bot-only and self-service sessions (0 s each) would read 6 of 13 = 46%


def test_asa_p90_aht_and_transfers_count_only_contacts_a_person_handled():
    frame = enrich_contacts(QUEUE)
    asa = estimate("asa", frame)
    assert (asa.value, asa.n) == (pytest.approx(sum(ANSWERED_WAITS) / 8), 8)  # 1925 / 8 = 240.6 s, not 1925 / 11
    # P90 of 5, 10, 15, 25, 30, 40, 600, 1200: position 0.9 × 7 = 6.3 → 600 + 0.3 × 600
    assert estimate("p90_wait", frame).value == pytest.approx(780.0)
    aht = estimate("aht", frame)  # 300 + 200 + 100 + 400 + 500 + 600 + 300 + 250 over 8
    assert (aht.value, aht.n) == (pytest.approx(2650 / 8), 8)
    transfers = estimate("transfer_rate", frame)  # 1 (phone), 2 (chat), 1 (escalated session) of 8
    assert (transfers.value, transfers.n) == (pytest.approx(100 * 3 / 8), 8)


def test_abandonment_counts_only_queued_contacts_on_channels_that_abandon():
    frame = enrich_contacts(QUEUE)
    # phone and chat have abandons; e-mail and the bot channels have none. Offered: 4 calls (the short
    # abandon left out) and 3 chats = 7; abandoned: 1 call and 1 chat
    abandon, answer = estimate("abandonment", frame), estimate("answer_rate", frame)
    assert (abandon.value, abandon.n) == (pytest.approx(100 * 2 / 7), 7)
    assert (answer.value, answer.n) == (pytest.approx(100 * 5 / 7), 7)
    by_channel = compute("abandonment", frame, by=["channel"])
    assert by_channel.get_column("channel").to_list() == ["chat", "phone"]
    # whether a channel can abandon is a fact of the whole dataset, not of the filtered rows
    answered_calls = Filters.of(channel=["phone"], interaction_id=["I0", "I1", "I4"])
    assert estimate("abandonment", frame, filters=answered_calls).n == 3
    assert estimate("abandonment", frame, filters=Filters.of(channel=["email"])).n == 0


def test_an_escalated_bot_session_queued_for_an_agent():
    bots = estimate("service_level", enrich_contacts(QUEUE), filters=Filters.of(channel=["chatbot"]))
    assert (bots.value, bots.n) == (pytest.approx(0.0), 1)  # only the escalated session, answered after 40 s


def test_a_frame_not_built_by_enrich_contacts_gets_the_same_populations():
    assert estimate("abandonment", QUEUE).value == pytest.approx(100 * 2 / 7)
    assert estimate("service_level", QUEUE).value == pytest.approx(30.0)


def test_without_an_automated_column_every_contact_counts_as_assisted():
    frame = enrich_contacts(QUEUE.drop("automated", "escalated"))
    # 14 − 1 short abandon = 13 offered; within 20 s: 10, 15, 5 and the three 0 s sessions → 6 of 13
    assert estimate("service_level", frame).value == pytest.approx(100 * 6 / 13)


# ---------------------------------------------------------------- follow-up windows cut by the end of the data

END = T0 + 30 * DAY
JOURNEYS = enrich_contacts(log([
    {"customer_id": "A", "reason": "billing", "started_at": T0},  # repeated 2 days later
    {"customer_id": "A", "reason": "billing", "started_at": T0 + 2 * DAY},
    {"customer_id": "B", "reason": "billing", "started_at": T0 + DAY},  # never repeated: resolved
    # the last 7 days: C was already repeated, D and E cannot know yet
    {"customer_id": "C", "reason": "billing", "started_at": END - 6 * DAY},
    {"customer_id": "C", "reason": "billing", "started_at": END - 4 * DAY},
    {"customer_id": "D", "reason": "delivery", "started_at": END - DAY},
    {"customer_id": "E", "reason": "delivery", "started_at": END},  # the newest contact: the end of the data
    # bot sessions: F contained 20 days before the end, G contained 3 days before it (too new to verify)
    {"customer_id": "F", "reason": "x", "started_at": END - 20 * DAY, "automated": True, "escalated": False},
    {"customer_id": "G", "reason": "x", "started_at": END - 3 * DAY, "automated": True, "escalated": False},
]))


def test_fcr_and_repeats_leave_out_contacts_whose_window_is_not_complete():
    # FCR, W = 7: first contacts A1, B, F (complete) — and C1, D, E, G (in the last 7 days, left out).
    # A1 was repeated → 2 resolved of 3; counting the newest ones too would read 5 of 7
    fcr = estimate("fcr", JOURNEYS)
    assert (fcr.value, fcr.n) == (pytest.approx(100 * 2 / 3), 3)
    # repeat 7 d: A1 (repeated), A2, B, F → 1 of 4; C1 is left out although its repeat is already known
    repeat = estimate("repeat_7d", JOURNEYS)
    assert (repeat.value, repeat.n) == (pytest.approx(25.0), 4)
    # each metric its own window: 1 day leaves out only E (D is exactly 1 day old); 30 days keeps only A1
    assert estimate("repeat_1d", JOURNEYS).n == 8
    assert (estimate("repeat_30d", JOURNEYS).value, estimate("repeat_30d", JOURNEYS).n) == (pytest.approx(100.0), 1)
    # the last weeks alone hold no complete window at all
    recent = Filters.of(date(2026, 3, 26), date(2026, 4, 1))
    assert estimate("fcr", JOURNEYS, filters=recent).n == 0
    # the window follows the setting W
    # W = 3: C1 (6 days old) and G (exactly 3 days old) count too; D and E stay out
    assert estimate("fcr", JOURNEYS, params=Params(repeat_window_days=3)).n == 5


def test_verified_containment_waits_for_its_window():
    est = estimate("verified_containment", JOURNEYS)
    assert (est.value, est.n) == (pytest.approx(100.0), 1)  # F only; G is 3 days old
    assert estimate("containment", JOURNEYS).n == 2  # plain containment needs no follow-up window


def test_the_note_says_which_metrics_leave_out_the_newest_days():
    fcr, r7, r30 = REGISTRY["fcr"], REGISTRY["repeat_7d"], REGISTRY["repeat_30d"]
    assert followup_note([fcr], JOURNEYS) == (
        "First-contact resolution leaves out the contacts of the last 7 days of the data (after 25 Mar 2026), "
        "whose follow-ups are not yet known.")
    assert followup_note([fcr, r7, r30, REGISTRY["csat"]], JOURNEYS) == (
        "First-contact resolution and Repeat contacts (7 d) leave out the contacts of the last 7 days of the data "
        "(after 25 Mar 2026); Repeat contacts (30 d) leaves out the contacts of the last 30 days of the data "
        "(after 2 Mar 2026), whose follow-ups are not yet known.")
    # a period that ends before the last 7 days loses nothing to the end of the data
    assert followup_note([fcr], JOURNEYS, Filters.of(date(2026, 3, 1), date(2026, 3, 24))) is None
    assert followup_note([fcr], JOURNEYS, Filters.of(date(2026, 3, 1), date(2026, 3, 25))) is not None
    assert followup_note([REGISTRY["csat"]], JOURNEYS) is None
    assert followup_note([fcr], JOURNEYS.head(0)) is None
