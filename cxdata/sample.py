"""The synthetic "sample company": three canonical tables with planted, documented effects.

The data-generating mechanism is the one of docs/method/sample.md; every planted coefficient is a field of
:class:`SampleParams` and is listed in ``sample_data/README.md``.

* **E-model** (contact level). For contact c of customer i::

      logit P(neg_c) = e_intercept + b_wait·wait_minutes_c + b_xfer·transfers_c
                       + b_unres·[unresolved_c] + b_esc·[escalated_c] + b_seg·[i in Small Business]
                       + e_channel[channel_c] + e_touchpoint[touchpoint_c]

  and ``neg_c ~ Bernoulli(P(neg_c))``. ``neg`` is latent; it is revealed only for surveyed contacts,
  as CSAT 1–2 (bottom-2-box).
* **H-model** (customer-month). For customer i at risk in month t::

      logit h_it = h_intercept + gamma_neg·N_i,t−1 + g_contacts·C_i,t−1 + g_seg·[Small Business]
                   + g_plan·[Premium] + g_tenure·tenure_years_it

  with ``N_i,t−1 = Σ P(neg_c)`` over the customer's contacts of month t−1 (the *expected* number of
  negative experiences; 0 before the window and before joining) and ``C_i,t−1`` their number, both
  leaving out contacts on the cancellation touchpoint. Contacts of the churn month happen
  before the churn; ``churned_at`` is the last day of the churn month.
* **Follow-ups**: an unresolved contact brings the customer back on the same reason within 1–10
  days with probability ``follow_up_rate``, often in another channel (``follow_up_channels``), so
  repeat contacts, first-contact resolution and channel hopping are in the data.
* **Planted initiative**: from ``initiative_start`` (1 July 2026) phone contacts about billing wait
  ``initiative_wait_factor`` (half) as long — the Billing team was staffed up — so their negative
  experiences fall while every other contact is untouched: the case a difference-in-differences
  measures (``cxdata.actions.initiatives``).
* **Confounding**: the Small Business segment waits ``confounded_wait_factor`` times longer (so it has
  more negative experiences) *and* churns more through ``g_seg``; a churn model without the segment
  overstates ``gamma_neg``.

Real data's traps, which a churn model must survive:

* **Heavy users.** Each customer has an activity level ~ lognormal(mean 1, ``volume_sd_log``) that
  multiplies their contact rate, and the hazard rises by ``g_contacts`` per contact of the previous
  month *whatever the experience* (``+ g_contacts·C_i,t−1`` in the H-model). More contacts also means a
  larger N, so a model without a control for contact volume overstates ``gamma_neg``; in the null world
  (:meth:`SampleParams.null_world`, ``gamma_neg = 0``) it finds an effect that is not there.
* **Calls to cancel.** ``cancel_call_share`` of the churners contact the company on the cancellation
  touchpoint ``cancel_call_days`` (15–45) days before ``churned_at``. Those calls exist *because* the
  customer is leaving; when one falls in the month before the churn month it enters a naive exposure.
  Contacts on the cancellation touchpoint are left out of N and C (they are the churn, not its cause).
* **Noisy comments.** ``mixed_tone_share`` of comments join a phrase of the other tone (praise before
  a complaint, a complaint before praise), and ``typo_share`` carry a typo (two letters swapped).

Common random numbers: every random draw is made up front and does not depend on any outcome. All
potential contacts of every customer in every month are drawn as if nobody churned (with all their
uniforms); churn is then simulated on the dense customer × month grid, and contacts after the churn
month or before joining are dropped. ``generate(params)`` and
``generate(replace(params, wait_multiplier=(("phone", 0.7),)))`` therefore share every draw and differ
only through the lever. Interaction ids number the potential contacts in time order, so a contact
present in both runs has the same id in both (ids have gaps where a potential contact did not happen).
The calls to cancel are drawn up front too, one potential call per customer with its own draws; only
its date depends on the outcome (it is placed before the churn date), and its id follows the
potential contacts' (number of potential contacts + customer number).
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import cast

import numpy as np
import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from cxdata.schema import AUTOMATED_CHANNELS, CHANNELS

SEGMENTS: tuple[str, ...] = ("Consumer", "Small Business", "Mid-Market", "Enterprise")
CONFOUNDED_SEGMENT = "Small Business"
REGIONS: tuple[str, ...] = ("North", "Centre", "South")
PLANS: tuple[str, ...] = ("Basic", "Plus", "Premium")
TOUCHPOINTS: tuple[str, ...] = (
    "purchase", "onboarding", "billing", "delivery", "support", "returns", "renewal", "cancellation",
)
REASONS: dict[str, tuple[str, ...]] = {
    "purchase": ("product question", "price quote", "order placement", "promotion"),
    "onboarding": ("account setup", "activation", "first use help"),
    "billing": ("invoice query", "payment failed", "refund request", "price change"),
    "delivery": ("late delivery", "tracking", "damaged item", "address change"),
    "support": ("technical fault", "how-to", "outage", "password reset"),
    "returns": ("return request", "exchange", "refund status"),
    "renewal": ("renewal terms", "plan change", "discount request"),
    "cancellation": ("cancel request", "cancellation fee", "switching provider"),
}
TEAM_OF_TOUCHPOINT: dict[str, str] = {
    "purchase": "Sales", "onboarding": "Onboarding", "billing": "Billing", "delivery": "Logistics",
    "support": "Technical Support", "returns": "Logistics", "renewal": "Retention",
    "cancellation": "Retention",
}
TEAM_SIZES: dict[str, int] = {
    "Sales": 12, "Onboarding": 8, "Billing": 18, "Logistics": 14, "Technical Support": 24,
    "Retention": 10,
}
NPS_CATEGORIES: tuple[str, ...] = ("detractor", "passive", "promoter", "none")

_FIRST_NAMES = (
    "Giulia", "Marco", "Sara", "Luca", "Chiara", "Andrea", "Francesca", "Matteo", "Elena", "Davide",
    "Anna", "Paolo", "Laura", "Stefano", "Marta", "Simone", "Valentina", "Alessandro", "Federica",
    "Giorgio", "Emma", "James", "Sophie", "Daniel", "Olivia", "Tom", "Aisha", "Omar", "Lucia", "Pietro",
)
_INITIALS = "BCDFGLMNPRST"

#: Comment phrases by (category, language). Categories name the contact's largest planted driver
#: for negative experiences, and the CSAT band otherwise.
COMMENT_PHRASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("wait", "en"): (
        "Waited far too long on hold, almost gave up.",
        "20 minutes in the queue, just to be told to call back.",
        'The wait was ridiculous - "your call is important to us", really?',
        "Long wait, polite agent in the end.",
    ),
    ("wait", "it"): (
        "Ho aspettato più di 20 minuti, è inaccettabile.",
        "Attesa lunghissima, poi è caduta la linea.",
        'Sempre la stessa musica d\'attesa, "la sua chiamata è importante per noi"...',
    ),
    ("transfer", "en"): (
        "I was passed between departments three times, nobody owned the problem.",
        "Transferred, transferred again, then had to repeat everything.",
        'Every agent said "that is not my department".',
    ),
    ("transfer", "it"): (
        "Mi hanno passato da un reparto all'altro, nessuno sapeva cosa fare.",
        "Trasferito tre volte, ho dovuto ripetere tutto da capo.",
        'Ognuno diceva "non è di mia competenza".',
    ),
    ("unresolved", "en"): (
        "Problem still not solved, I will have to call again.",
        "They promised a call back, it never came.",
        "Nothing was fixed; same issue as last week.",
    ),
    ("unresolved", "it"): (
        "Il problema non è stato risolto, dovrò richiamare.",
        "Mi avevano promesso di richiamarmi, ma non l'ha fatto nessuno.",
        "Niente di risolto, perché nessuno si prende la responsabilità?",
    ),
    ("bot", "en"): (
        'The chatbot kept looping: "Did that answer your question?" No!',
        "The bot couldn't understand me, I had to ask for a human.",
        "Stuck with the virtual assistant, then waited for an agent anyway.",
    ),
    ("bot", "it"): (
        "L'assistente virtuale girava a vuoto, ho dovuto chiedere un operatore.",
        'Il chatbot ripeteva sempre "non ho capito", che frustrazione.',
        "Il bot non capisce, perché non mettete subito un operatore?",
    ),
    ("negative", "en"): (
        "Disappointing, I expected better.",
        "Not happy with how this was handled.",
    ),
    ("negative", "it"): (
        "Servizio deludente, mi aspettavo di più.",
        "Non sono soddisfatto di come è stata gestita la pratica.",
    ),
    ("neutral", "en"): ("OK, nothing special.", "Fine, but it took a while."),
    ("neutral", "it"): ("Tutto sommato ok, niente di speciale.", "Va bene, però ci è voluto un po'."),
    ("praise", "en"): (
        "Quick, friendly and solved at once, thanks!",
        "Great service, really helpful.",
        'Easy, fast, "exactly what I needed".',
        "Smooth experience, no complaints.",
    ),
    ("praise", "it"): (
        "Veloce, gentile e risolto subito, grazie!",
        "Servizio impeccabile, molto disponibili e cortesi.",
        'Facile e rapido, "proprio quello che mi serviva".',
        "Ottimo servizio, non c'è altro da aggiungere.",
    ),
}
_COMMENT_CATEGORIES: tuple[str, ...] = (
    "wait", "transfer", "unresolved", "bot", "negative", "neutral", "praise",
)

#: Italian CRM export (interactions_<month>.xlsx): header → canonical field. Every header normalises
#: to an alias of that field in cxdata.schema (checked by the tests).
XLSX_HEADERS: tuple[tuple[str, str], ...] = (
    ("ID contatto", "interaction_id"), ("Codice cliente", "customer_id"), ("Data/ora", "started_at"),
    ("Canale", "channel"), ("Fase", "touchpoint"), ("Motivo", "reason"),
    ("Attesa (sec)", "wait_seconds"), ("Durata (sec)", "handle_seconds"),
    ("Abbandonata", "abandoned"), ("Trasferimenti", "transfers"), ("Risolto", "resolved"),
    ("Automatizzato", "automated"), ("Passaggio operatore", "escalated"),
    ("Soddisfazione", "csat"), ("Voto NPS", "nps"), ("Facilità", "ces"), ("Commento", "comment"),
    ("Operatore", "agent"), ("Reparto", "team"), ("Valore ordine", "value"),
)
XLSX_CHANNEL_WORDS: dict[str, str] = {
    "phone": "Telefono", "email": "E-mail", "chat": "Chat operatore",
    "chatbot": "Assistente virtuale", "messaging": "WhatsApp", "social": "Social", "app": "App",
    "web": "Sito web", "store": "Negozio", "other": "Altro",
}
_ITALIAN_MONTHS = (
    "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
    "ottobre", "novembre", "dicembre",
)
#: Fixed timestamp written into the xlsx (document properties and zip entries) for reproducibility.
_FIXED_TIMESTAMP = datetime(2026, 11, 1, 0, 0, 0)

_STREAMS: tuple[str, ...] = (
    "customers", "joins", "customer_months", "calendar", "touchpoint", "wait", "service",
    "neg", "survey", "scores", "comments", "follow_up", "follow_up_wait", "follow_up_service",
    "activity", "comment_noise", "cancel_calls", "cancel_service",
)


@dataclass(frozen=True)
class SampleParams:
    """Every knob and planted coefficient of the sample company.

    Units: waits in minutes in the E-model (``b_wait`` is per minute of wait), ``gamma_neg`` per
    expected negative experience in the previous month, ``g_tenure`` per year of tenure, money in
    currency units per month. Mixes are probabilities over the listed vocabularies.
    """

    seed: int = 20261122
    n_customers: int = 20_000  # customers ever: the stock at the start plus the monthly acquisitions
    months: int = 24
    first_month: date = date(2024, 11, 1)

    # Population.
    stock_share: float = 0.75  # share of n_customers active at the start; the rest join evenly
    max_stock_tenure_years: float = 8.0  # stock tenure at the start ~ Uniform(0, 8) years
    segment_mix: dict[str, float] = field(default_factory=lambda: {
        "Consumer": 0.55, "Small Business": 0.25, "Mid-Market": 0.14, "Enterprise": 0.06})
    region_mix: dict[str, float] = field(default_factory=lambda: {
        "North": 0.40, "Centre": 0.25, "South": 0.35})
    plan_mix: dict[str, float] = field(default_factory=lambda: {
        "Basic": 0.45, "Plus": 0.35, "Premium": 0.20})
    italian_share: float = 0.30  # customers who write their comments in Italian

    # Revenue = plan_price × segment_price_factor × (1 + noise) + expansions − contractions.
    plan_price: dict[str, float] = field(default_factory=lambda: {
        "Basic": 29.0, "Plus": 49.0, "Premium": 89.0})
    segment_price_factor: dict[str, float] = field(default_factory=lambda: {
        "Consumer": 1.0, "Small Business": 2.5, "Mid-Market": 6.0, "Enterprise": 15.0})
    revenue_noise_sd: float = 0.02
    expansion_prob: dict[str, float] = field(default_factory=lambda: {  # monthly, by NPS category
        "promoter": 0.030, "passive": 0.015, "detractor": 0.006, "none": 0.015})
    expansion_share: tuple[float, float] = (0.10, 0.30)  # upsell ~ U(a, b) × base monthly revenue
    contraction_prob: float = 0.004
    contraction_share: tuple[float, float] = (0.10, 0.25)
    cost_per_contact: dict[str, float] = field(default_factory=lambda: {
        "phone": 6.5, "email": 4.0, "chat": 3.5, "chatbot": 0.6, "messaging": 3.0, "social": 5.0,
        "app": 0.3, "web": 0.2, "store": 9.0, "other": 4.0})

    # Contacts.
    contacts_per_month: dict[str, float] = field(default_factory=lambda: {  # Poisson mean by segment
        "Consumer": 0.80, "Small Business": 0.90, "Mid-Market": 1.00, "Enterprise": 1.10})
    channel_mix: dict[str, float] = field(default_factory=lambda: {
        "phone": 0.30, "email": 0.12, "chat": 0.12, "chatbot": 0.12, "messaging": 0.08,
        "social": 0.03, "app": 0.08, "web": 0.08, "store": 0.05, "other": 0.02})
    touchpoint_mix: dict[str, float] = field(default_factory=lambda: {
        "purchase": 0.10, "onboarding": 0.08, "billing": 0.22, "delivery": 0.12, "support": 0.28,
        "returns": 0.07, "renewal": 0.07, "cancellation": 0.06})
    wait_mean_minutes: dict[str, float] = field(default_factory=lambda: {
        # automated channels: the queue for a human after an escalation (0 when not escalated)
        "phone": 3.0, "email": 6.0, "chat": 1.5, "chatbot": 2.0, "messaging": 4.0, "social": 5.0,
        "app": 2.0, "web": 2.0, "store": 2.5, "other": 3.0})
    wait_shape: float = 1.5  # gamma shape of every wait
    confounded_wait_factor: float = 1.5  # Small Business waits × 1.5
    transfer_rate: dict[str, float] = field(default_factory=lambda: {  # Poisson mean, assisted
        "phone": 0.35, "email": 0.15, "chat": 0.20, "chatbot": 0.0, "messaging": 0.15,
        "social": 0.10, "app": 0.0, "web": 0.0, "store": 0.10, "other": 0.20})
    escalated_transfer_rate: float = 0.30  # Poisson mean of transfers after a bot escalation
    escalation_rate: dict[str, float] = field(default_factory=lambda: {
        "chatbot": 0.30, "app": 0.08, "web": 0.10})
    unresolved_intercept: float = -1.7  # logit P(unresolved) = a + b·transfers + channel offset
    unresolved_per_transfer: float = 0.6
    unresolved_channel: dict[str, float] = field(default_factory=lambda: {
        "chatbot": 0.5, "web": 0.2})
    abandon_channels: tuple[str, ...] = ("phone", "chat")
    abandon_intercept: float = -4.0  # logit P(abandon) = a + b·(wait / channel mean wait)
    abandon_slope: float = 1.1
    handle_mean_minutes: dict[str, float] = field(default_factory=lambda: {
        "phone": 6.0, "email": 5.0, "chat": 8.0, "chatbot": 6.0, "messaging": 6.0, "social": 4.0,
        "app": 6.0, "web": 6.0, "store": 10.0, "other": 6.0})
    handle_sd_log: float = 0.5
    handle_minutes_per_transfer: float = 2.0
    order_value_mean: float = 80.0  # purchase contacts: lognormal, mean × segment_price_factor^0.5
    order_value_sd_log: float = 0.6

    # E-model: logit P(negative experience).
    e_intercept: float = -2.6
    b_wait: float = 0.30  # per minute of wait
    b_xfer: float = 0.55  # per transfer
    b_unres: float = 1.1  # unresolved
    b_esc: float = 0.80  # automated contact escalated to a human
    b_seg: float = 0.25  # Small Business
    e_channel: dict[str, float] = field(default_factory=lambda: {
        "phone": 0.0, "email": 0.1, "chat": -0.1, "chatbot": 0.2, "messaging": -0.1,
        "social": 0.6, "app": -0.3, "web": -0.2, "store": -0.4, "other": 0.0})
    e_touchpoint: dict[str, float] = field(default_factory=lambda: {
        "purchase": -0.5, "onboarding": -0.1, "billing": 0.2, "delivery": 0.1, "support": 0.0,
        "returns": 0.2, "renewal": -0.2, "cancellation": 0.5})

    # H-model: logit monthly churn hazard.
    h_intercept: float = -4.25  # hazard with no contact and no negative experience ≈ 1.4%
    gamma_neg: float = 0.60  # per expected negative experience in the previous month
    g_contacts: float = 0.15  # per contact in the previous month, whatever its experience
    g_seg: float = 0.45  # Small Business
    g_plan: float = -0.35  # Premium plan
    g_tenure: float = -0.10  # per year of tenure at the start of the month

    # Surveys: P(response) = response_rate[channel] × response_segment_factor[segment].
    response_rate: dict[str, float] = field(default_factory=lambda: {
        "phone": 0.18, "email": 0.22, "chat": 0.25, "chatbot": 0.15, "messaging": 0.20,
        "social": 0.10, "app": 0.22, "web": 0.15, "store": 0.12, "other": 0.10})
    response_segment_factor: dict[str, float] = field(default_factory=lambda: {
        "Consumer": 1.0, "Small Business": 0.9, "Mid-Market": 1.1, "Enterprise": 1.2})
    csat_one_share: float = 0.45  # negative experiences: CSAT 1 with this probability, else 2
    csat_loyalty: float = 0.7  # other experiences: latent = csat_loyalty·loyalty + logistic noise
    csat_cuts: tuple[float, float] = (-1.0, 1.0)  # latent < cut1 → 3, < cut2 → 4, else 5
    nps_mean: float = 8.6  # NPS = round(mean + loyalty coef·loyalty − neg coef·neg + sd·z), 0–10
    nps_loyalty: float = 1.0
    nps_neg: float = 4.2
    nps_sd: float = 1.3
    ces_mean: float = 5.7  # CES = round(mean + loyalty coef·loyalty − neg coef·neg + sd·z), 1–7
    ces_loyalty: float = 0.4
    ces_neg: float = 2.3
    ces_sd: float = 1.0
    comment_share: float = 0.40  # share of survey answers with a comment
    comment_driver_threshold: float = 0.3  # a negative comment names its largest driver above this logit

    # Follow-ups: an unresolved contact brings the customer back on the same reason.
    follow_up_rate: float = 0.6  # P(follow-up | unresolved, abandoned included)
    follow_up_mean_days: float = 2.0  # delay = 1 + ⌊Exponential(mean)⌋ days, capped at 10
    follow_up_channels: dict[str, dict[str, float]] = field(default_factory=lambda: {  # channel hopping
        "phone": {"phone": 0.6, "email": 0.25, "chat": 0.15},
        "email": {"email": 0.5, "phone": 0.5},
        "chat": {"phone": 0.5, "chat": 0.4, "email": 0.1},
        "chatbot": {"phone": 0.45, "chat": 0.35, "email": 0.2},
        "messaging": {"messaging": 0.5, "phone": 0.5},
        "social": {"phone": 0.4, "messaging": 0.3, "social": 0.3},
        "app": {"phone": 0.4, "chat": 0.3, "chatbot": 0.2, "email": 0.1},
        "web": {"phone": 0.4, "chat": 0.3, "chatbot": 0.2, "email": 0.1},
        "store": {"phone": 0.5, "store": 0.5},
        "other": {"phone": 1.0},
    })

    # Real data's traps (module docstring).
    volume_sd_log: float = 0.6  # customer activity ~ lognormal(mean 1): multiplies the contact rate
    cancel_call_share: float = 0.5  # churners who contact the company to cancel
    cancel_call_days: tuple[int, int] = (15, 45)  # days before churned_at, uniform (inclusive)
    cancel_call_channels: dict[str, float] = field(default_factory=lambda: {
        "phone": 0.55, "email": 0.20, "chat": 0.15, "messaging": 0.10})
    mixed_tone_share: float = 0.15  # comments that join a phrase of the other tone
    typo_share: float = 0.10  # comments with two neighbouring letters swapped

    # Lever for re-simulation: channel → factor applied to waits before P(neg) is computed.
    wait_multiplier: tuple[tuple[str, float], ...] = ()

    # Planted initiative (issue 7): from ``initiative_start`` the Billing team is staffed up and the
    # waits of phone contacts about billing are multiplied by ``initiative_wait_factor``; nothing else
    # changes, so a difference-in-differences of phone × billing against every other contact recovers
    # its effect. ``None`` switches it off: the counterfactual, with the same random numbers.
    initiative_start: date | None = date(2026, 7, 1)
    initiative_channel: str = "phone"
    initiative_touchpoint: str = "billing"
    initiative_wait_factor: float = 0.5

    def __post_init__(self) -> None:
        unknown = {c for c, _ in self.wait_multiplier} - set(CHANNELS)
        if unknown:
            raise ValueError(f"wait_multiplier names unknown channels: {sorted(unknown)}")

    @classmethod
    def null_world(cls, **changes) -> SampleParams:
        """A company where the experience has no effect on churn (``gamma_neg = 0``) and every trap
        stays: heavy users still churn more and churners still call to cancel. Any model that finds
        an effect of experience here is wrong."""
        return cls(**({"gamma_neg": 0.0} | changes))


@dataclass
class SampleData:
    """The generated tables plus the latent truth for validation.

    ``truth["contacts"]``: interaction_id, p_neg, neg, surveyed (one row per interaction).
    ``truth["customer_months"]``: customer_id, month, hazard, n_exp_prev, contacts_prev,
    churned_this_month (one row per customer-month at risk; the same rows as ``revenue``).
    """

    customers: pl.DataFrame
    interactions: pl.DataFrame
    revenue: pl.DataFrame
    truth: dict[str, pl.DataFrame]


@dataclass(frozen=True)
class _Customers:
    """Customer attributes (codes into the vocabularies) and per customer-month draws (C × T)."""

    segment: np.ndarray
    region: np.ndarray
    plan: np.ndarray
    italian: np.ndarray
    loyalty: np.ndarray
    activity: np.ndarray  # contact-rate multiplier (heavy users > 1)
    joined: np.ndarray  # days since 1970-01-01
    base_revenue: np.ndarray
    u_churn: np.ndarray
    u_expansion: np.ndarray
    expansion_share: np.ndarray
    u_contraction: np.ndarray
    contraction_share: np.ndarray
    revenue_noise: np.ndarray


@dataclass(frozen=True)
class _Contacts:
    """Every potential contact (as if nobody churned), sorted by start time, with all its draws.

    Nothing here depends on the lever or on any outcome; ``wait_std`` is the standardised wait
    (gamma with mean 1) that :func:`_experience` scales into seconds.
    """

    customer: np.ndarray
    month: np.ndarray
    day: np.ndarray  # days since 1970-01-01
    started_us: np.ndarray  # microseconds since 1970-01-01
    channel: np.ndarray
    touchpoint: np.ndarray
    reason: np.ndarray  # index into _reason_vocabulary()
    wait_std: np.ndarray
    automated: np.ndarray  # bot / self-service channel
    abandoned: np.ndarray
    escalated: np.ndarray
    transfers: np.ndarray
    unresolved: np.ndarray
    handle_seconds: np.ndarray
    agent: np.ndarray  # index into _agent_names(), −1 when no human served the contact
    value: np.ndarray  # NaN unless a served purchase contact
    surveyed: np.ndarray
    u_neg: np.ndarray
    u_csat: np.ndarray
    u_csat_latent: np.ndarray
    z_nps: np.ndarray
    z_ces: np.ndarray
    commented: np.ndarray
    u_phrase: np.ndarray
    u_mixed: np.ndarray
    u_other_phrase: np.ndarray
    u_typo: np.ndarray


def _rng(params: SampleParams, stream: str) -> np.random.Generator:
    """An independent generator per named stream, seeded by (seed, stream index)."""
    return np.random.default_rng([params.seed, _STREAMS.index(stream)])


def _expit(x: np.ndarray) -> np.ndarray:
    """expit(x) = 1 / (1 + e^(−x))."""
    return 1.0 / (1.0 + np.exp(-x))


def _vec(mapping: dict[str, float], vocabulary: tuple[str, ...],
         default: float | None = None) -> np.ndarray:
    """Values of ``mapping`` in vocabulary order (``default`` for missing keys, else KeyError)."""
    if default is None:
        return np.array([mapping[k] for k in vocabulary], dtype=float)
    return np.array([mapping.get(k, default) for k in vocabulary], dtype=float)


def _choice(rng: np.random.Generator, mix: dict[str, float], vocabulary: tuple[str, ...],
            n: int) -> np.ndarray:
    """n codes drawn with the (normalised) probabilities of ``mix``."""
    p = _vec(mix, vocabulary, 0.0)
    return rng.choice(len(vocabulary), size=n, p=p / p.sum())


def _month_starts(params: SampleParams) -> np.ndarray:
    """Days since 1970-01-01 of the first day of each month of the window, plus the month after."""
    first = np.datetime64(params.first_month, "M")
    return (first + np.arange(params.months + 1)).astype("datetime64[D]").astype(np.int64)


def _reason_vocabulary() -> tuple[str, ...]:
    return tuple(r for tp in TOUCHPOINTS for r in REASONS[tp])


def _agent_names() -> tuple[str, ...]:
    """Unique agent names, ``"Giulia B."`` …, enough for every team."""
    n = sum(TEAM_SIZES.values())
    return tuple(f"{first} {initial}." for initial in _INITIALS for first in _FIRST_NAMES)[:n]


def _draw_join_dates(params: SampleParams, starts: np.ndarray) -> np.ndarray:
    """Join dates (days), sorted: the stock joined Uniform(0, max tenure) years before the window;
    the remaining customers join evenly over the months, on a uniform day of their month."""
    rng = _rng(params, "joins")
    n_stock = round(params.n_customers * params.stock_share)
    n_new = params.n_customers - n_stock
    stock = starts[0] - 1 - np.floor(rng.random(n_stock) * params.max_stock_tenure_years * 365.25)
    month = (np.arange(n_new) * params.months) // max(n_new, 1)
    new = starts[month] + np.floor(rng.random(n_new) * np.diff(starts)[month])
    return np.concatenate([np.sort(stock), np.sort(new)]).astype(np.int64)


def _draw_customers(params: SampleParams, starts: np.ndarray) -> _Customers:
    """Customer attributes and every per customer-month uniform (churn, expansion, contraction)."""
    rng = _rng(params, "customers")
    n, shape = params.n_customers, (params.n_customers, params.months)
    segment = _choice(rng, params.segment_mix, SEGMENTS, n)
    region = _choice(rng, params.region_mix, REGIONS, n)
    plan = _choice(rng, params.plan_mix, PLANS, n)
    italian = rng.random(n) < params.italian_share
    loyalty = rng.standard_normal(n)
    base = _vec(params.plan_price, PLANS)[plan] * _vec(params.segment_price_factor, SEGMENTS)[segment]
    m = _rng(params, "customer_months")
    sd = params.volume_sd_log
    activity = np.exp(sd * _rng(params, "activity").standard_normal(n) - sd**2 / 2)
    return _Customers(
        segment=segment, region=region, plan=plan, italian=italian, loyalty=loyalty, activity=activity,
        joined=_draw_join_dates(params, starts), base_revenue=base,
        u_churn=m.random(shape),
        u_expansion=m.random(shape),
        expansion_share=m.uniform(*params.expansion_share, shape),
        u_contraction=m.random(shape),
        contraction_share=m.uniform(*params.contraction_share, shape),
        revenue_noise=m.standard_normal(shape) * params.revenue_noise_sd,
    )


def _codes(names: tuple[str, ...] | frozenset[str], vocabulary: tuple[str, ...]) -> list[int]:
    return [vocabulary.index(name) for name in names]


def _draw_calendar(params: SampleParams, cust: _Customers,
                   starts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Potential contacts: Poisson(contacts_per_month[segment] × activity) counts per customer-month,
    channel and start time; time-sorted.

    Start time: a uniform day of the month, assisted channels 08:00–20:00, automated 07:00–23:00.
    Returns (customer, month, day, started_us, channel) sorted by start time.
    """
    rng = _rng(params, "calendar")
    rate = _vec(params.contacts_per_month, SEGMENTS)[cust.segment] * cust.activity
    counts = rng.poisson(np.repeat(rate[:, None], params.months, axis=1))
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    customer, month = np.divmod(cell, params.months)
    channel = _choice(rng, params.channel_mix, CHANNELS, cell.size)
    day = starts[month] + np.floor(rng.random(cell.size) * np.diff(starts)[month]).astype(np.int64)
    automated = np.isin(channel, _codes(AUTOMATED_CHANNELS, CHANNELS))
    open_h, close_h = np.where(automated, 7, 8), np.where(automated, 23, 20)
    hours = open_h + rng.random(cell.size) * (close_h - open_h)
    started_us = (day * 86_400 + np.floor(hours * 3600).astype(np.int64)) * 1_000_000
    order = np.lexsort((customer, started_us))
    return customer[order], month[order], day[order], started_us[order], channel[order]


def _draw_reasons(rng: np.random.Generator, touchpoint: np.ndarray) -> np.ndarray:
    """Reason index into _reason_vocabulary(): uniform among the touchpoint's reasons."""
    n_reasons = np.array([len(REASONS[tp]) for tp in TOUCHPOINTS])
    offset = np.concatenate([[0], np.cumsum(n_reasons)[:-1]])
    within = np.floor(rng.random(touchpoint.size) * n_reasons[touchpoint]).astype(np.int64)
    return offset[touchpoint] + within


def _lognormal(rng: np.random.Generator, mean: np.ndarray | float, sd_log: float, n: int) -> np.ndarray:
    """Lognormal draws with the given mean: mean · exp(sd_log·z − sd_log²/2)."""
    return mean * np.exp(sd_log * rng.standard_normal(n) - sd_log**2 / 2)


def _draw_service(params: SampleParams, channel: np.ndarray, touchpoint: np.ndarray,
                  segment: np.ndarray, wait_std: np.ndarray, stream: str = "service") -> dict[str, np.ndarray]:
    """Service outcomes that do not depend on the wait level (so the lever leaves them unchanged).

    * escalated ~ Bernoulli(escalation_rate[channel]) for automated channels;
    * abandoned ~ Bernoulli(expit(abandon_intercept + abandon_slope·wait_std)) on abandon_channels,
      where wait_std = wait / its channel-and-segment mean;
    * transfers ~ Poisson(transfer_rate[channel]), Poisson(escalated_transfer_rate) after an
      escalation, 0 for bot-only and abandoned contacts;
    * unresolved ~ Bernoulli(expit(unresolved_intercept + unresolved_per_transfer·transfers
      + unresolved_channel[channel])), always for abandoned contacts;
    * handle = lognormal(handle_mean_minutes[channel]) + handle_minutes_per_transfer·transfers,
      0 unless a human served the contact;
    * value = lognormal(order_value_mean·√segment_price_factor) on served purchase contacts.
    """
    rng, n = _rng(params, stream), channel.size
    automated = np.isin(channel, _codes(AUTOMATED_CHANNELS, CHANNELS))
    escalated = automated & (rng.random(n) < _vec(params.escalation_rate, CHANNELS, 0.0)[channel])
    can_abandon = np.isin(channel, _codes(params.abandon_channels, CHANNELS))
    p_abandon = _expit(params.abandon_intercept + params.abandon_slope * wait_std)
    abandoned = can_abandon & (rng.random(n) < p_abandon)
    served = (~automated | escalated) & ~abandoned
    transfer_mean = np.where(escalated, params.escalated_transfer_rate,
                             _vec(params.transfer_rate, CHANNELS)[channel])
    transfers = np.where(served, rng.poisson(transfer_mean), 0)
    p_unresolved = _expit(params.unresolved_intercept + params.unresolved_per_transfer * transfers
                          + _vec(params.unresolved_channel, CHANNELS, 0.0)[channel])
    unresolved = abandoned | (rng.random(n) < p_unresolved)
    handle_minutes = (_lognormal(rng, _vec(params.handle_mean_minutes, CHANNELS)[channel],
                                 params.handle_sd_log, n)
                      + params.handle_minutes_per_transfer * transfers)
    value_mean = params.order_value_mean * np.sqrt(_vec(params.segment_price_factor, SEGMENTS)[segment])
    value = _lognormal(rng, value_mean, params.order_value_sd_log, n)
    is_purchase = (touchpoint == TOUCHPOINTS.index("purchase")) & ~abandoned
    return {
        "automated": automated, "escalated": escalated, "abandoned": abandoned,
        "transfers": transfers, "unresolved": unresolved,
        "handle_seconds": np.where(served, np.round(handle_minutes * 60, 1), 0.0),
        "agent": _draw_agents(rng, touchpoint, served),
        "value": np.where(is_purchase, np.round(value, 2), np.nan),
    }


def _draw_contacts(params: SampleParams, cust: _Customers, starts: np.ndarray) -> _Contacts:
    """All potential contacts with every draw: calendar, touchpoint and reason, standardised wait,
    service outcomes, survey response and the uniforms of the latent experience, scores and
    comments. surveyed ~ Bernoulli(response_rate[channel] × response_segment_factor[segment]).
    """
    customer, month, day, started_us, channel = _draw_calendar(params, cust, starts)
    tp_rng = _rng(params, "touchpoint")
    touchpoint = _choice(tp_rng, params.touchpoint_mix, TOUCHPOINTS, customer.size)
    reason = _draw_reasons(tp_rng, touchpoint)
    wait_std = _rng(params, "wait").standard_gamma(params.wait_shape, customer.size) / params.wait_shape
    service = _draw_service(params, channel, touchpoint, cust.segment[customer], wait_std)
    follow = _draw_follow_ups(params, customer, day, channel, service["unresolved"], starts)
    f_wait = (_rng(params, "follow_up_wait").standard_gamma(params.wait_shape, follow["customer"].size)
              / params.wait_shape)
    f_service = _draw_service(params, follow["channel"], touchpoint[follow["parent"]],
                              cust.segment[follow["customer"]], f_wait, stream="follow_up_service")
    columns = {
        "customer": (customer, follow["customer"]), "day": (day, follow["day"]),
        "started_us": (started_us, follow["started_us"]), "channel": (channel, follow["channel"]),
        "touchpoint": (touchpoint, touchpoint[follow["parent"]]), "reason": (reason, reason[follow["parent"]]),
        "wait_std": (wait_std, f_wait), **{k: (v, f_service[k]) for k, v in service.items()},
    }
    merged = {k: np.concatenate(v) for k, v in columns.items()}
    order = np.lexsort((merged["customer"], merged["started_us"]))
    merged = {k: v[order] for k, v in merged.items()}
    customer, day, started_us, channel = merged.pop("customer"), merged.pop("day"), merged.pop("started_us"), merged.pop("channel")
    touchpoint, reason, wait_std = merged.pop("touchpoint"), merged.pop("reason"), merged.pop("wait_std")
    service = merged
    month = np.searchsorted(starts, day, side="right") - 1
    n, segment = customer.size, cust.segment[customer]
    p_response = (_vec(params.response_rate, CHANNELS)[channel]
                  * _vec(params.response_segment_factor, SEGMENTS)[segment])
    surveyed = _rng(params, "survey").random(n) < p_response
    scores, comments, noise = _rng(params, "scores"), _rng(params, "comments"), _rng(params, "comment_noise")
    return _Contacts(
        customer=customer, month=month, day=day, started_us=started_us, channel=channel,
        touchpoint=touchpoint, reason=reason, wait_std=wait_std, **service, surveyed=surveyed,
        u_neg=_rng(params, "neg").random(n),
        u_csat=scores.random(n), u_csat_latent=scores.random(n),
        z_nps=scores.standard_normal(n), z_ces=scores.standard_normal(n),
        commented=surveyed & (comments.random(n) < params.comment_share),
        u_phrase=comments.random(n),
        u_mixed=noise.random(n), u_other_phrase=noise.random(n), u_typo=noise.random(n),
    )


@dataclass(frozen=True)
class _CancelCalls:
    """One potential call to cancel per customer, with every draw; placed before the churn date by
    :func:`_place_cancel_calls` (``contacts.day``/``started_us``/``month`` are filled there)."""

    calls: np.ndarray  # the customer calls to cancel if they churn
    days_before: np.ndarray  # days before churned_at
    seconds: np.ndarray  # time of day
    contacts: _Contacts


def _draw_cancel_calls(params: SampleParams, cust: _Customers) -> _CancelCalls:
    """calls ~ Bernoulli(cancel_call_share); days before churned_at ~ U{cancel_call_days}; time
    08:00–20:00; channel ~ cancel_call_channels; touchpoint cancellation with a uniform cancellation
    reason; service, survey and score draws as any contact (streams cancel_calls, cancel_service)."""
    rng, n = _rng(params, "cancel_calls"), params.n_customers
    customer = np.arange(n)
    calls = rng.random(n) < params.cancel_call_share
    lo, hi = params.cancel_call_days
    days_before = rng.integers(lo, hi + 1, n)
    seconds = np.floor((8 + rng.random(n) * 12) * 3600).astype(np.int64)
    channel = _choice(rng, params.cancel_call_channels, CHANNELS, n)
    touchpoint = np.full(n, TOUCHPOINTS.index("cancellation"))
    reason = _draw_reasons(rng, touchpoint)
    wait_std = rng.standard_gamma(params.wait_shape, n) / params.wait_shape
    service = _draw_service(params, channel, touchpoint, cust.segment, wait_std, stream="cancel_service")
    p_response = (_vec(params.response_rate, CHANNELS)[channel]
                  * _vec(params.response_segment_factor, SEGMENTS)[cust.segment])
    surveyed = rng.random(n) < p_response
    zeros = np.zeros(n, dtype=np.int64)
    contacts = _Contacts(
        customer=customer, month=zeros, day=zeros, started_us=zeros, channel=channel, touchpoint=touchpoint,
        reason=reason, wait_std=wait_std, **service, surveyed=surveyed, u_neg=rng.random(n),
        u_csat=rng.random(n), u_csat_latent=rng.random(n), z_nps=rng.standard_normal(n),
        z_ces=rng.standard_normal(n), commented=surveyed & (rng.random(n) < params.comment_share),
        u_phrase=rng.random(n), u_mixed=rng.random(n), u_other_phrase=rng.random(n), u_typo=rng.random(n),
    )
    return _CancelCalls(calls, days_before, seconds, contacts)


def _take(contacts: _Contacts, index: np.ndarray) -> _Contacts:
    """The contacts at ``index``, in that order."""
    return _Contacts(**{f.name: getattr(contacts, f.name)[index] for f in fields(_Contacts)})


def _place_cancel_calls(params: SampleParams, potential: _Contacts, cancel: _CancelCalls, cust: _Customers,
                        churn_month: np.ndarray, starts: np.ndarray) -> tuple[_Contacts, np.ndarray, np.ndarray]:
    """The potential contacts plus the calls to cancel that happen, time-sorted: (contacts, is a call
    to cancel, id number). A churner who calls does so ``days_before`` days before churned_at (the
    last day of the churn month), never before joining or before the window."""
    t = params.months
    churned_at = starts[np.minimum(churn_month + 1, t)] - 1
    day = churned_at - cancel.days_before
    happens = cancel.calls & (churn_month < t) & (day >= cust.joined) & (day >= starts[0])
    who = np.flatnonzero(happens)
    calls = _take(cancel.contacts, who)
    calls = replace(calls, day=day[who], month=np.searchsorted(starts, day[who], side="right") - 1,
                    started_us=(day[who] * 86_400 + cancel.seconds[who]) * 1_000_000)
    n = potential.customer.size
    both = _Contacts(**{f.name: np.concatenate([getattr(potential, f.name), getattr(calls, f.name)])
                        for f in fields(_Contacts)})
    number = np.concatenate([np.arange(1, n + 1), n + who + 1])
    order = np.lexsort((both.customer, both.started_us))
    is_call = np.arange(both.customer.size) >= n
    return _take(both, order), is_call[order], number[order]


def _draw_follow_ups(params: SampleParams, customer: np.ndarray, day: np.ndarray, channel: np.ndarray,
                     unresolved: np.ndarray, starts: np.ndarray) -> dict[str, np.ndarray]:
    """Follow-up contacts of unresolved contacts: same customer, touchpoint and reason.

    follow-up ~ Bernoulli(follow_up_rate) for each unresolved contact; it comes
    1 + ⌊Exponential(follow_up_mean_days)⌋ days later (at most 10), at a uniform time 08:00–20:00,
    in a channel drawn from follow_up_channels[channel] (channel hopping). Follow-ups falling after
    the window are dropped. Returns parent index, customer, day, started_us and channel.
    """
    rng = _rng(params, "follow_up")
    n = customer.size
    spawn = unresolved & (rng.random(n) < params.follow_up_rate)
    delay = 1 + np.minimum(np.floor(rng.exponential(params.follow_up_mean_days, n)), 9).astype(np.int64)
    hours = 8 + rng.random(n) * 12
    u_channel = rng.random(n)
    table = np.array([[params.follow_up_channels.get(a, {}).get(b, 0.0) for b in CHANNELS] for a in CHANNELS])
    cumulative = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    hop = np.argmax(cumulative[channel] > u_channel[:, None], axis=1)
    new_day = day + delay
    parent = np.flatnonzero(spawn & (new_day < starts[-1]))
    return {
        "parent": parent, "customer": customer[parent], "day": new_day[parent],
        "started_us": (new_day[parent] * 86_400 + np.floor(hours[parent] * 3600).astype(np.int64)) * 1_000_000,
        "channel": hop[parent],
    }


def _draw_agents(rng: np.random.Generator, touchpoint: np.ndarray, served: np.ndarray) -> np.ndarray:
    """Agent index into _agent_names(): uniform within the team of the touchpoint; −1 when no
    human served the contact."""
    teams = tuple(TEAM_SIZES)
    size = np.array(list(TEAM_SIZES.values()))
    offset = np.concatenate([[0], np.cumsum(size)[:-1]])
    team = np.array([teams.index(TEAM_OF_TOUCHPOINT[tp]) for tp in TOUCHPOINTS])[touchpoint]
    agent = offset[team] + np.floor(rng.random(touchpoint.size) * size[team]).astype(np.int64)
    return np.where(served, agent, -1)


def _lever(params: SampleParams) -> np.ndarray:
    """Wait factor per channel from ``wait_multiplier`` (1 where not set)."""
    factor = np.ones(len(CHANNELS))
    for channel, f in params.wait_multiplier:
        factor[CHANNELS.index(channel)] *= f
    return factor


def _in_initiative(params: SampleParams, contacts: _Contacts) -> np.ndarray:
    """Contacts the planted initiative reaches: its channel and touchpoint, on or after its start."""
    if params.initiative_start is None:
        return np.zeros(contacts.channel.size, dtype=bool)
    start_day = (params.initiative_start - date(1970, 1, 1)).days
    return ((contacts.channel == CHANNELS.index(params.initiative_channel))
            & (contacts.touchpoint == TOUCHPOINTS.index(params.initiative_touchpoint))
            & (contacts.day >= start_day))


def _experience(params: SampleParams, contacts: _Contacts,
                cust: _Customers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Waits, P(neg) and the latent negative experience of every potential contact.

    wait_seconds = round(60 · wait_std · wait_mean_minutes[channel] · confounded_wait_factor^[SB]
    · lever[channel] · initiative_wait_factor^[planted initiative], 1) for contacts that queue for a
    human, else 0; P(neg) is the E-model of the
    module docstring on the rounded wait; neg = [u_neg < P(neg)].
    """
    sb = cust.segment[contacts.customer] == SEGMENTS.index(CONFOUNDED_SEGMENT)
    minutes = (contacts.wait_std * _vec(params.wait_mean_minutes, CHANNELS)[contacts.channel]
               * np.where(sb, params.confounded_wait_factor, 1.0)
               * _lever(params)[contacts.channel]
               * np.where(_in_initiative(params, contacts), params.initiative_wait_factor, 1.0))
    queued = ~contacts.automated | contacts.escalated
    wait_seconds = np.where(queued, np.round(minutes * 60, 1), 0.0)
    logit = (params.e_intercept
             + params.b_wait * wait_seconds / 60
             + params.b_xfer * contacts.transfers
             + params.b_unres * contacts.unresolved
             + params.b_esc * contacts.escalated
             + params.b_seg * sb
             + _vec(params.e_channel, CHANNELS)[contacts.channel]
             + _vec(params.e_touchpoint, TOUCHPOINTS)[contacts.touchpoint])
    p_neg = _expit(logit)
    return wait_seconds, p_neg, contacts.u_neg < p_neg


def _scores(params: SampleParams, contacts: _Contacts, cust: _Customers,
            neg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSAT, NPS and CES of every potential contact (kept only where surveyed).

    CSAT = 1 or 2 exactly when neg (1 with probability csat_one_share); otherwise 3/4/5 by cutting
    csat_loyalty·loyalty + logistic noise at csat_cuts. NPS and CES are rounded, clipped normals
    falling with neg and rising with the customer's loyalty.
    """
    loyalty = cust.loyalty[contacts.customer]
    u = contacts.u_csat_latent
    latent = params.csat_loyalty * loyalty + np.log(u / (1 - u))
    positive = 3 + (latent >= params.csat_cuts[0]) + (latent >= params.csat_cuts[1])
    negative = np.where(contacts.u_csat < params.csat_one_share, 1, 2)
    csat = np.where(neg, negative, positive)
    nps = np.round(params.nps_mean + params.nps_loyalty * loyalty - params.nps_neg * neg
                   + params.nps_sd * contacts.z_nps)
    ces = np.round(params.ces_mean + params.ces_loyalty * loyalty - params.ces_neg * neg
                   + params.ces_sd * contacts.z_ces)
    return csat, np.clip(nps, 0, 10).astype(np.int64), np.clip(ces, 1, 7).astype(np.int64)


def _phrase_banks() -> tuple[tuple[str, ...], ...]:
    """Phrase banks in (category, language) order: bank index = 2·category + [Italian]."""
    return tuple(COMMENT_PHRASES[(c, lang)] for c in _COMMENT_CATEGORIES for lang in ("en", "it"))


def _phrase_vocabulary() -> tuple[str, ...]:
    return tuple(p for bank in _phrase_banks() for p in bank)


def _comments(params: SampleParams, contacts: _Contacts, cust: _Customers,
              wait_seconds: np.ndarray, neg: np.ndarray, csat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Comment of every potential contact as indices into _phrase_vocabulary(): (phrase, the other
    tone's phrase before it); −1 for no comment / no second phrase. In the customer's language.

    A negative experience names its largest planted driver — contributions b_wait·wait_minutes,
    b_xfer·transfers, b_unres·[unresolved] (assisted), b_esc·[escalated] + b_unres·[unresolved]
    (bot/self-service) — when that exceeds comment_driver_threshold, else a generic complaint.
    Other experiences: CSAT 3 → neutral, 4–5 → praise. With probability mixed_tone_share a comment
    also gets a phrase of the other tone (praise for a negative experience, a generic complaint
    otherwise), written first.
    """
    automated = contacts.automated
    unresolved = params.b_unres * contacts.unresolved
    drivers = np.stack([
        params.b_wait * wait_seconds / 60,
        params.b_xfer * contacts.transfers,
        np.where(automated, 0.0, unresolved),
        np.where(automated, params.b_esc * contacts.escalated + unresolved, 0.0),
    ])
    category = _COMMENT_CATEGORIES.index
    named = drivers.max(axis=0) > params.comment_driver_threshold
    negative = np.where(named, drivers.argmax(axis=0), category("negative"))
    other = np.where(csat == 3, category("neutral"), category("praise"))
    italian = cust.italian[contacts.customer]
    sizes = np.array([len(b) for b in _phrase_banks()])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def phrase(bank: np.ndarray, u: np.ndarray) -> np.ndarray:
        return offsets[bank] + np.floor(u * sizes[bank]).astype(np.int64)

    main = phrase(2 * np.where(neg, negative, other) + italian, contacts.u_phrase)
    other_tone = phrase(2 * np.where(neg, category("praise"), category("negative")) + italian, contacts.u_other_phrase)
    mixed = contacts.commented & (contacts.u_mixed < params.mixed_tone_share)
    return np.where(contacts.commented, main, -1), np.where(mixed, other_tone, -1)


def _comment_texts(main: np.ndarray, other: np.ndarray, typo: np.ndarray) -> pl.Series:
    """The comments as written: the other tone's phrase (if any), a space, the phrase; where ``typo``
    is a number in [0, 1), two neighbouring letters of the comment swapped at that relative position
    (NaN: no typo). Null where there is no comment."""
    vocabulary = _phrase_vocabulary()
    texts: list[str | None] = []
    for m, o, u in zip(main.tolist(), other.tolist(), typo.tolist(), strict=True):
        if m < 0:
            texts.append(None)
            continue
        text = (vocabulary[o] + " " if o >= 0 else "") + vocabulary[m]
        letters = [i for i in range(len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
        if u == u and letters:
            i = letters[int(u * len(letters))]
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        texts.append(text)
    return pl.Series(texts, dtype=pl.String)


def _simulate_churn(params: SampleParams, contacts: _Contacts, cust: _Customers,
                    p_neg: np.ndarray, starts: np.ndarray) -> dict[str, np.ndarray]:
    """Churn on the customer × month grid, vectorised over months.

    A customer is at risk from the month they join (the stock from the first month). The hazard of
    month t uses N_t−1 = Σ P(neg) and C_t−1, the number of contacts, over the contacts of month t−1
    on or after the join date and not on the cancellation touchpoint (contacts up to the churn month
    are never dropped, so N and C can be computed before churn is simulated);
    churn_month = first at-risk month with u_churn < h (``months`` when none).
    """
    c, t = params.n_customers, params.months
    after_join = contacts.day >= cust.joined[contacts.customer]
    counted = after_join & (contacts.touchpoint != TOUCHPOINTS.index("cancellation"))
    cell = contacts.customer * t + contacts.month
    n_prev, c_prev = np.zeros((c, t)), np.zeros((c, t))
    n_prev[:, 1:] = np.bincount(cell, weights=np.where(counted, p_neg, 0.0), minlength=c * t).reshape(c, t)[:, :-1]
    c_prev[:, 1:] = np.bincount(cell, weights=counted.astype(float), minlength=c * t).reshape(c, t)[:, :-1]
    tenure = np.clip((starts[None, :t] - cust.joined[:, None]) / 365.25, 0.0, None)
    confounded = (cust.segment == SEGMENTS.index(CONFOUNDED_SEGMENT))[:, None]
    premium = (cust.plan == PLANS.index("Premium"))[:, None]
    hazard = _expit(params.h_intercept + params.gamma_neg * n_prev + params.g_contacts * c_prev
                    + params.g_seg * confounded + params.g_plan * premium + params.g_tenure * tenure)
    month = np.arange(t)[None, :]
    join_month = np.searchsorted(starts, cust.joined, side="right") - 1
    at_risk = month >= np.maximum(join_month, 0)[:, None]
    event = at_risk & (cust.u_churn < hazard)
    churn_month = np.where(event.any(axis=1), event.argmax(axis=1), t)
    alive = at_risk & (month <= churn_month[:, None])
    return {"hazard": hazard, "n_prev": n_prev, "c_prev": c_prev, "churn_month": churn_month, "alive": alive,
            "event": alive & event}


def _previous_nps_category(params: SampleParams, contacts: _Contacts, answered: np.ndarray,
                           nps: np.ndarray) -> np.ndarray:
    """C × T codes into NPS_CATEGORIES: the category (0–6 detractor, 7–8 passive, 9–10 promoter)
    of the customer's most recent survey answer before each month, "none" without one."""
    c, t = params.n_customers, params.months
    none = NPS_CATEGORIES.index("none")
    last = np.full(c * t, -1)  # the month's last answered contact (contacts are time-sorted)
    np.maximum.at(last, (contacts.customer * t + contacts.month)[answered], np.flatnonzero(answered))
    category = np.select([nps <= 6, nps <= 8], [0, 1], 2)
    month_category = np.where(last >= 0, category[last], none).reshape(c, t)
    answered_month = np.where(last.reshape(c, t) >= 0, np.arange(t)[None, :], -1)
    source = np.maximum.accumulate(answered_month, axis=1)  # forward fill over months
    latest = np.take_along_axis(month_category, np.maximum(source, 0), axis=1)
    previous = np.full((c, t), none)
    previous[:, 1:] = np.where(source >= 0, latest, none)[:, :-1]
    return previous


def _revenue(params: SampleParams, contacts: _Contacts, cust: _Customers, kept: np.ndarray,
             nps: np.ndarray, alive: np.ndarray) -> dict[str, np.ndarray]:
    """Monthly revenue, expansion, contraction and cost to serve on the customer × month grid.

    Expansion in month t ~ Bernoulli(expansion_prob[previous NPS category]), amount
    expansion_share × base; contraction ~ Bernoulli(contraction_prob), amount contraction_share ×
    base; both carried forward: revenue_t = base·(1 + noise_t) + Σ_{s≤t} expansion_s
    − Σ_{s≤t} contraction_s. cost_to_serve_t = Σ cost_per_contact[channel] over the month's
    contacts.
    """
    c, t = params.n_customers, params.months
    previous = _previous_nps_category(params, contacts, kept & contacts.surveyed, nps)
    base = cust.base_revenue[:, None]
    expands = alive & (cust.u_expansion < _vec(params.expansion_prob, NPS_CATEGORIES)[previous])
    expansion = np.where(expands, np.round(cust.expansion_share * base, 2), 0.0)
    contracts = alive & (cust.u_contraction < params.contraction_prob)
    contraction = np.where(contracts, np.round(cust.contraction_share * base, 2), 0.0)
    revenue = (base * (1 + cust.revenue_noise)
               + np.cumsum(expansion, axis=1) - np.cumsum(contraction, axis=1))
    cell = contacts.customer * t + contacts.month
    cost = _vec(params.cost_per_contact, CHANNELS)[contacts.channel]
    cost_to_serve = np.bincount(cell[kept], weights=cost[kept], minlength=c * t).reshape(c, t)
    return {"revenue": np.round(revenue, 2), "expansion": expansion, "contraction": contraction,
            "cost_to_serve": np.round(cost_to_serve, 2)}


def _labels(vocabulary: tuple[str, ...], codes: np.ndarray) -> pl.Series:
    """String series of vocabulary[codes]."""
    return pl.Series(vocabulary, dtype=pl.String).gather(codes)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """``prefix`` + zero-padded number: ``C000001``."""
    return prefix + pl.Series(numbers, dtype=pl.Int64).cast(pl.String).str.zfill(width)


def _days_to_date(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _agent_teams() -> tuple[str, ...]:
    """Team of each agent, in _agent_names() order."""
    return tuple(team for team, size in TEAM_SIZES.items() for _ in range(size))


def _customers_frame(params: SampleParams, cust: _Customers, churn: dict[str, np.ndarray],
                     money: dict[str, np.ndarray], starts: np.ndarray) -> pl.DataFrame:
    """customers: churned_at is the last day of the churn month; monthly_revenue the last billed."""
    t = params.months
    churned = churn["churn_month"] < t
    last_month = np.minimum(churn["churn_month"], t - 1)
    churned_at = starts[np.minimum(churn["churn_month"] + 1, t)] - 1
    return pl.DataFrame({
        "customer_id": _ids("C", np.arange(1, params.n_customers + 1), 6),
        "segment": _labels(SEGMENTS, cust.segment),
        "region": _labels(REGIONS, cust.region),
        "plan": _labels(PLANS, cust.plan),
        "joined_at": _days_to_date(cust.joined),
        "churned": pl.Series(churned, dtype=pl.Boolean),
        "churned_at": _days_to_date(churned_at),
        "monthly_revenue": money["revenue"][np.arange(params.n_customers), last_month],
    }).with_columns(pl.when("churned").then(pl.col("churned_at")).alias("churned_at"))


def _interactions_frame(contacts: _Contacts, cust_ids: pl.Series, kept: np.ndarray, number: np.ndarray,
                        outcome: dict[str, np.ndarray | pl.Series]) -> pl.DataFrame:
    """interactions of the kept contacts, in time order, with canonical names and dtypes.

    Ids (``number``) number the potential contacts, so they are shared with any re-simulation of the
    same draws.
    """
    idx = np.flatnonzero(kept)
    agent = contacts.agent[idx]
    frame = pl.DataFrame({
        "interaction_id": _ids("I", number[idx], 7),
        "customer_id": cust_ids.gather(contacts.customer[idx]),
        "started_at": pl.Series(contacts.started_us[idx]).cast(pl.Datetime("us")),
        "channel": _labels(CHANNELS, contacts.channel[idx]),
        "touchpoint": _labels(TOUCHPOINTS, contacts.touchpoint[idx]),
        "reason": _labels(_reason_vocabulary(), contacts.reason[idx]),
        "wait_seconds": outcome["wait_seconds"][idx],
        "handle_seconds": contacts.handle_seconds[idx],
        "abandoned": contacts.abandoned[idx],
        "transfers": pl.Series(contacts.transfers[idx], dtype=pl.Int64),
        "resolved": ~contacts.unresolved[idx],
        "automated": contacts.automated[idx],
        "escalated": contacts.escalated[idx],
        "csat": pl.Series(outcome["csat"][idx], dtype=pl.Int64),
        "nps": pl.Series(outcome["nps"][idx], dtype=pl.Int64),
        "ces": pl.Series(outcome["ces"][idx], dtype=pl.Int64),
        "comment": outcome["comment"],  # already of the kept contacts
        "agent": _labels(_agent_names(), np.maximum(agent, 0)),
        "team": _labels(_agent_teams(), np.maximum(agent, 0)),
        "value": pl.Series(contacts.value[idx], dtype=pl.Float64, nan_to_null=True),
        "_surveyed": contacts.surveyed[idx],
        "_served": agent >= 0,
    })
    return frame.with_columns(
        pl.when("_surveyed").then(pl.col("csat", "nps", "ces")),
        pl.when("_served").then(pl.col("agent", "team")),
    ).drop("_surveyed", "_served")


def _grid_frame(cust_ids: pl.Series, alive: np.ndarray, starts: np.ndarray,
                columns: dict[str, np.ndarray]) -> pl.DataFrame:
    """One row per alive customer-month (customer, then month order) with the given grid columns."""
    i, t = np.nonzero(alive)
    return pl.DataFrame({
        "customer_id": cust_ids.gather(i),
        "month": _days_to_date(starts[t]),
        **{name: values[i, t] for name, values in columns.items()},
    })


def generate(params: SampleParams = SampleParams()) -> SampleData:
    """Generate the sample company (see the module docstring for the mechanism)."""
    starts = _month_starts(params)
    cust = _draw_customers(params, starts)
    potential = _draw_contacts(params, cust, starts)
    cancel = _draw_cancel_calls(params, cust)
    churn = _simulate_churn(params, potential, cust, _experience(params, potential, cust)[1], starts)
    contacts, is_call, number = _place_cancel_calls(params, potential, cancel, cust, churn["churn_month"], starts)
    # contacts happen from the join date to the end of the churn month; calls to cancel are placed there
    kept = is_call | (contacts.day >= cust.joined[contacts.customer]) & (
        contacts.month <= churn["churn_month"][contacts.customer])
    wait_seconds, p_neg, neg = _experience(params, contacts, cust)
    csat, nps, ces = _scores(params, contacts, cust, neg)
    main, other = _comments(params, contacts, cust, wait_seconds, neg, csat)
    typo = np.where(contacts.u_typo < params.typo_share, contacts.u_typo / max(params.typo_share, 1e-12), np.nan)
    alive = churn["alive"]
    money = _revenue(params, contacts, cust, kept, nps, alive)

    customers = _customers_frame(params, cust, churn, money, starts)
    cust_ids = customers["customer_id"]
    comment = _comment_texts(main[kept], other[kept], typo[kept])
    interactions = _interactions_frame(contacts, cust_ids, kept, number, {
        "wait_seconds": wait_seconds, "csat": csat, "nps": nps, "ces": ces, "comment": comment})
    revenue = _grid_frame(cust_ids, alive, starts, {
        k: money[k] for k in ("revenue", "cost_to_serve", "expansion", "contraction")})
    truth = {
        "contacts": pl.DataFrame({
            "interaction_id": interactions["interaction_id"],
            "p_neg": p_neg[kept], "neg": neg[kept], "surveyed": contacts.surveyed[kept]}),
        "customer_months": _grid_frame(cust_ids, alive, starts, {
            "hazard": churn["hazard"], "n_exp_prev": churn["n_prev"], "contacts_prev": churn["c_prev"],
            "churned_this_month": churn["event"]}),
    }
    return SampleData(customers=customers, interactions=interactions, revenue=revenue, truth=truth)


def write_sample_files(out_dir: Path, params: SampleParams = SampleParams()) -> list[Path]:
    """Write the sample as import-ready files and return their paths.

    ``customers.csv``, ``revenue.csv.gz``, ``interactions.csv.gz`` (UTF-8, canonical headers, ISO
    dates, true/false) and ``interactions_<YYYY-MM>.xlsx``: the last month of interactions as an
    Italian CRM export. Same params → same bytes.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = generate(params)
    last = cast(date, data.revenue["month"].max())  # a Date column
    last_month = data.interactions.filter(pl.col("started_at") >= datetime(last.year, last.month, 1))
    return [
        _write_csv(data.customers, out_dir / "customers.csv"),
        _write_csv(data.revenue, out_dir / "revenue.csv.gz"),
        _write_csv(data.interactions, out_dir / "interactions.csv.gz"),
        _write_xlsx(last_month, out_dir / f"interactions_{last:%Y-%m}.xlsx", last),
    ]


def _write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """CSV with ISO dates; gzip (no name, mtime 0, so the bytes are reproducible) for ``.gz``."""
    data = frame.write_csv(datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d").encode()
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=6, mtime=0)
    path.write_bytes(data)
    return path


def _xlsx_values(interactions: pl.DataFrame) -> pl.DataFrame:
    """The columns of XLSX_HEADERS in order, with Italian channel words and "sì"/"no" booleans."""
    def column(name: str) -> pl.Expr:
        if name == "channel":
            return pl.col(name).replace_strict(XLSX_CHANNEL_WORDS)
        if interactions.schema[name] == pl.Boolean:
            return pl.col(name).replace_strict({True: "sì", False: "no"}, return_dtype=pl.String)
        return pl.col(name)
    return interactions.select(column(name) for _, name in XLSX_HEADERS)


def _write_xlsx(interactions: pl.DataFrame, path: Path, month: date) -> Path:
    """One month of interactions styled as an Italian CRM export: a bold title row and an empty
    row above the header row, Italian headers (XLSX_HEADERS) and values, real Excel date-times."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "Momento sample"
    wb.properties.created = _FIXED_TIMESTAMP
    ws = wb.create_sheet("Contatti")
    title = f"Esportazione contatti — {_ITALIAN_MONTHS[month.month - 1]} {month.year}"
    ws.append([_bold(ws, title, size=14)])
    ws.append([])
    ws.append([_bold(ws, header) for header, _ in XLSX_HEADERS])
    for row in _xlsx_values(interactions).iter_rows():
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_reproducible_zip(buffer.getvalue()))
    return path


def _bold(ws, text: str, size: int = 11) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(bold=True, size=size)
    return cell


def _reproducible_zip(data: bytes) -> bytes:
    """Rewrite an xlsx with fixed entry timestamps and a fixed ``dcterms:modified``."""
    stamp = _FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()
