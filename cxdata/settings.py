"""Workspace settings (docs/architecture.md "The store"): the business inputs and definitions every page defaults from.

Stored in the catalog (``Setting`` rows, one JSON value per key) and edited on the Settings page.
:func:`load_settings` fills anything unset with the defaults below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

from cxdata.access import Actor
from cxdata.catalog.store import Store
from cxdata.measures.metrics import DEFAULT_COST_PER_CONTACT, Params
from cxdata.measures.panel import CANCELLATION_TERMS, EXCLUSION_WINDOW_DAYS

CURRENCIES = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF ", "JPY": "¥"}


@dataclass(frozen=True)
class Economics:
    """Business inputs (Settings, overridable per scenario). Ranges are (low, high) multipliers of the base."""

    gross_margin: float = 0.6
    annual_discount_rate: float = 0.10
    cost_per_contact: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_COST_PER_CONTACT))
    agent_cost_per_minute: float = 0.60
    minutes_per_transfer: float = 4.0
    reexplain_overhead: float = 0.2  # τ: extra handling when an escalated customer must re-explain
    investment: float = 0.0
    running_cost: float = 0.0  # a month
    ramp_months: float = 3.0
    margin_range: tuple[float, float] = (0.9, 1.1)
    cost_range: tuple[float, float] = (0.85, 1.15)
    containment_range: tuple[float, float] = (0.85, 1.1)
    ramp_range: tuple[float, float] = (0.67, 2.0)
    word_of_mouth: bool = False  # planner.md §2.4 acquisition term; Forrester puts it under 7% of the benefit
    referrals_per_promoter: float = 0.02  # a month, when word_of_mouth (Δ CSAT top-2-box as the promoter proxy)
    referral_conversion: float = 0.1



#: Paper sizes of the meeting pack's PDF.
PAPER_SIZES = ("A4", "Letter")


@dataclass(frozen=True)
class Settings:
    currency: str = "EUR"
    gross_margin: float = 0.6  # share of revenue left after direct costs
    annual_discount_rate: float = 0.10  # WACC
    cost_per_contact: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COST_PER_CONTACT))
    agent_cost_per_minute: float = 0.60  # loaded
    minutes_per_transfer: float = 4.0  # handling time an avoided transfer saves
    repeat_window_days: int = 7  # W: FCR, repeat contacts, verified containment
    service_level_seconds: float = 20.0
    churn_horizon_months: int = 12  # revenue at risk
    # The churn model's exposures leave out contacts whose touchpoint or reason starts a word with one of
    # these terms, and contacts in the last ``exclusion_window_days`` before a customer's churn date.
    cancellation_terms: tuple[str, ...] = CANCELLATION_TERMS
    exclusion_window_days: int = EXCLUSION_WINDOW_DAYS
    paper: str = "A4"  # the meeting pack's PDF: one of PAPER_SIZES

    @property
    def symbol(self) -> str:
        return CURRENCIES.get(self.currency, self.currency + " ")

    def params(self) -> Params:
        """Metric definitions that follow the settings."""
        return Params(repeat_window_days=self.repeat_window_days, service_level_s=self.service_level_seconds,
                      gross_margin=self.gross_margin, annual_discount_rate=self.annual_discount_rate,
                      cost_per_contact=dict(self.cost_per_contact),
                      cancellation_terms=tuple(self.cancellation_terms),
                      exclusion_window_days=self.exclusion_window_days)

    def economics(self, **overrides) -> Economics:
        """The planner's business inputs, defaulting from the settings."""
        base = Economics(gross_margin=self.gross_margin, annual_discount_rate=self.annual_discount_rate,
                         cost_per_contact=dict(self.cost_per_contact),
                         agent_cost_per_minute=self.agent_cost_per_minute,
                         minutes_per_transfer=self.minutes_per_transfer)
        return Economics(**(asdict(base) | overrides))


def load_settings(store: Store) -> Settings:
    defaults = Settings()
    values = {f.name: store.get_setting(f.name, getattr(defaults, f.name)) for f in fields(Settings)}
    values["cost_per_contact"] = dict(DEFAULT_COST_PER_CONTACT) | dict(values["cost_per_contact"])
    values["cancellation_terms"] = tuple(values["cancellation_terms"])  # stored as a JSON list
    return Settings(**values)


def save_settings(store: Store, settings: Settings, *, actor: Actor) -> None:
    """Store every setting: the change "settings.change" by ``actor`` (admins only), audited with
    ``{field: [old, new]}`` for the fields it changes (old: the default for a field never saved)."""
    store.set_settings({f.name: getattr(settings, f.name) for f in fields(Settings)}, actor=actor,
                       defaults=asdict(Settings()))


REPEAT_WINDOW_DAYS = (1, 90)
EXCLUSION_WINDOW = (0, 180)
CHURN_HORIZON_MONTHS = (1, 60)


def settings_problems(settings: Settings) -> list[str]:
    """What is wrong with ``settings``, one sentence each (empty when they can be saved)."""
    s, out = settings, []
    if s.currency not in CURRENCIES:
        out.append(f"The currency must be one of {', '.join(CURRENCIES)}.")
    if s.paper not in PAPER_SIZES:
        out.append(f"The paper size must be {' or '.join(PAPER_SIZES)}.")

    def share(value: float | None, what: str) -> None:
        if value is None or not 0 <= value <= 1:
            shown = "empty" if value is None else f"{value:.0%}"
            out.append(f"{what} must be between 0% and 100% (it is {shown}).")

    share(s.gross_margin, "The gross margin")
    share(s.annual_discount_rate, "The discount rate (WACC)")
    empty = sorted(k for k, v in s.cost_per_contact.items() if v is None)
    negative = sorted(k for k, v in s.cost_per_contact.items() if v is not None and v < 0)
    if empty:
        out.append(f"Give a cost per contact for every channel; empty: {', '.join(empty)}.")
    if negative:
        out.append("A cost per contact cannot be negative: "
                   + ", ".join(f"{k} is {s.cost_per_contact[k]:,.2f}" for k in negative) + ".")
    for value, what in ((s.agent_cost_per_minute, "The agent cost per minute"),
                        (s.minutes_per_transfer, "The minutes saved per avoided transfer")):
        if value is None or value < 0:
            out.append(f"{what} cannot be {'empty' if value is None else 'negative'}.")
    for value, (lo, hi), what in ((s.repeat_window_days, REPEAT_WINDOW_DAYS, "The repeat window W"),
                                  (s.churn_horizon_months, CHURN_HORIZON_MONTHS, "The churn horizon"),
                                  (s.exclusion_window_days, EXCLUSION_WINDOW, "The window before churn")):
        unit = "months" if what == "The churn horizon" else "days"
        if value is None or not lo <= value <= hi or value != int(value):
            out.append(f"{what} must be a whole number of {unit} from {lo} to {hi} (it is {value}).")
    long_terms = [t for t in s.cancellation_terms if len(t) > 60]
    if long_terms:
        out.append(f"A cancellation term is a word or two, at most 60 characters: {long_terms[0][:60]}… is longer.")
    if s.service_level_seconds is None or s.service_level_seconds <= 0:
        out.append("The service-level threshold must be more than 0 seconds.")
    return out
