"""Canonical tables of Momento (README.md "Data format"): fields, types, aliases and value vocabularies.

Everything that imports data or computes a metric refers to fields by the names defined here.
Aliases are written in any case and with any punctuation; :func:`normalise_name` reduces both the
alias and the incoming column header to the same snake_case key before they are compared.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """How a field's raw text is converted."""

    ID = "id"  # text identifier, trimmed
    CATEGORY = "category"  # short text used as a drill-down dimension
    TEXT = "text"  # free text (comments); kept verbatim, never rendered as HTML
    CHANNEL = "channel"  # one of CHANNELS, through CHANNEL_SYNONYMS
    DATETIME = "datetime"  # timestamp; a date alone means midnight
    DATE = "date"
    MONTH = "month"  # any date in the month, stored as the first day of the month
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    SCORE = "score"  # survey score; other scales converted to the field's native scale
    TIME = "time"  # time of day, combined with the date of the field it completes


@dataclass(frozen=True)
class Field:
    """One canonical column.

    ``minimum``/``maximum`` bound the accepted value after conversion; values outside are cleared
    with a counted warning. ``scale`` is the native (low, high) of a survey score.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    scale: tuple[int, int] | None = None
    unit: str | None = None  # canonical unit of a duration ("seconds"); other units are converted
    negates: str | None = None  # a yes/no field stored as the opposite of this one (answered → abandoned)
    completes: str | None = None  # a time-of-day field combined with this date field
    words: tuple[frozenset[str], frozenset[str]] | None = None  # extra (yes, no) vocabulary, e.g. status words


@dataclass(frozen=True)
class Table:
    """A canonical table: its fields and the key that must be unique within a dataset."""

    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    generated_key: str | None = None  # a key field created from the row number when absent
    #: The fields its stored file is sorted by, nulls last, when the file has the first of them (the rest: those it
    #: has): the order the engine reads it in, so building a frame from it sorts data already in order
    #: (interactions: the contact frame's order, customer and time; a file without customers keeps its order).
    stored_order: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


CHANNELS: tuple[str, ...] = (
    "phone",
    "email",
    "chat",
    "chatbot",
    "messaging",
    "social",
    "app",
    "web",
    "store",
    "other",
)

#: Channels where the customer is served by automation (bot, IVR, self-service).
AUTOMATED_CHANNELS: frozenset[str] = frozenset({"chatbot", "app", "web"})

#: Synonyms (normalised with :func:`normalise_name`) for each channel, English and Italian.
CHANNEL_SYNONYMS: dict[str, str] = {
    **{c: c for c in CHANNELS},
    **dict.fromkeys(
        ["voice", "call", "calls", "telephone", "tel", "telefono", "telefonata", "chiamata",
         "call_center", "callcenter", "call_centre", "contact_center", "ivr", "inbound_call",
         "voce", "centralino"],
        "phone",
    ),
    **dict.fromkeys(["e_mail", "mail", "posta", "posta_elettronica", "pec", "ticket"], "email"),
    **dict.fromkeys(["live_chat", "livechat", "web_chat", "webchat", "chat_operatore"], "chat"),
    **dict.fromkeys(
        ["bot", "chat_bot", "virtual_agent", "virtual_assistant", "assistente_virtuale",
         "assistente", "ai_agent", "chatbot_ai"],
        "chatbot",
    ),
    **dict.fromkeys(
        ["whatsapp", "sms", "telegram", "messenger", "imessage", "text", "messaggio",
         "messaggi", "messaggistica", "rcs"],
        "messaging",
    ),
    **dict.fromkeys(
        ["facebook", "twitter", "x", "instagram", "linkedin", "tiktok", "social_media",
         "socials", "review", "reviews", "recensione", "recensioni", "trustpilot"],
        "social",
    ),
    **dict.fromkeys(["mobile_app", "app_mobile", "applicazione", "in_app", "ios", "android"], "app"),
    **dict.fromkeys(
        ["website", "sito", "sito_web", "self_service", "selfservice", "portal", "portale",
         "web_self_service", "area_clienti", "faq", "online"],
        "web",
    ),
    **dict.fromkeys(
        ["shop", "branch", "negozio", "punto_vendita", "filiale", "sportello", "in_store",
         "retail", "agenzia", "walk_in"],
        "store",
    ),
    **dict.fromkeys(["altro", "others", "misc", "fax", "letter", "lettera", "post", "postal_mail", "postal",
                     "posta_ordinaria", "raccomandata", "courrier", "brief", "correo_postal", "carta"], "other"),
}

#: Boolean words in English, Italian, Spanish, Portuguese, French and German, normalised with :func:`normalise_name`.
TRUE_WORDS: frozenset[str] = frozenset({
    "1", "1_0", "true", "t", "yes", "y", "si", "s", "vero", "v", "x", "ok", "on", "ja", "oui",
    "sim", "verdadero", "verdadeiro", "vrai", "wahr",
})
FALSE_WORDS: frozenset[str] = frozenset({
    "0", "0_0", "false", "f", "no", "n", "falso", "off", "nein", "non", "non_risolto", "-", "nao", "faux", "falsch",
})

#: Help-desk statuses that mean "resolved" / "not resolved", in the same six languages.
RESOLVED_WORDS: frozenset[str] = frozenset({
    "solved", "closed", "resolved", "done", "completed", "complete", "fixed",
    "risolto", "risolta", "chiuso", "chiusa", "completato", "evaso", "evasa",
    "resuelto", "resuelta", "cerrado", "cerrada", "solucionado", "solucionada", "completado",
    "resolvido", "resolvida", "fechado", "fechada", "concluido", "concluida",
    "resolu", "resolue", "ferme", "fermee", "clos", "close", "cloture", "cloturee", "termine",
    "gelost", "geloest", "geschlossen", "erledigt", "abgeschlossen",
})
UNRESOLVED_WORDS: frozenset[str] = frozenset({
    "open", "opened", "pending", "in_progress", "escalated", "new", "on_hold", "hold", "waiting", "unresolved",
    "reopened", "assigned", "not_resolved", "unsolved", "awaiting_customer", "awaiting_reply",
    "aperto", "aperta", "in_lavorazione", "in_attesa", "sospeso", "sospesa", "nuovo", "nuova", "non_risolta",
    "escalato", "riaperto", "riaperta", "in_corso",
    "abierto", "abierta", "pendiente", "en_curso", "en_progreso", "escalado", "en_espera", "sin_resolver",
    "aberto", "aberta", "pendente", "em_andamento", "em_progresso", "novo", "nova", "em_espera", "nao_resolvido",
    "ouvert", "ouverte", "en_attente", "en_cours", "escalade", "nouveau", "nouvelle", "non_resolu",
    "offen", "ausstehend", "in_bearbeitung", "eskaliert", "neu", "wartend", "ungelost", "wieder_geoffnet",
})


def normalise_name(text: str) -> str:
    """Reduce a header or vocabulary word to a comparable key.

    Lower case, accents removed (``sì`` → ``si``), every run of non-alphanumerics → ``_``,
    leading/trailing ``_`` stripped: ``"Tempo d'attesa (sec)"`` → ``"tempo_d_attesa_sec"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", "_", ascii_only.lower()).strip("_")


def _f(name: str, kind: Kind, description: str, *aliases: str, **kw) -> Field:
    return Field(name=name, kind=kind, description=description, aliases=aliases, **kw)


INTERACTIONS = Table(
    name="interactions",
    description="One row per customer contact: call, email, chat, bot session, review, visit.",
    key=("interaction_id",),
    generated_key="interaction_id",
    stored_order=("customer_id", "started_at"),
    fields=(
        _f("interaction_id", Kind.ID, "Unique id of the contact; generated from the row when absent.",
           "id", "contact_id", "ticket_id", "case_id", "call_id", "session_id", "conversation_id", "complaint_id",
           "review_id", "interaction", "chat_id", "message_id",
           "id_interazione", "id_contatto", "codice_contatto", "id_ticket", "numero_ticket", "ticket"),
        _f("customer_id", Kind.ID, "Customer the contact belongs to.",
           "customer", "client_id", "account_id", "account", "customer_number", "customer_no",
           "codice_cliente", "cod_cliente", "id_cliente", "cliente", "numero_cliente", "cod_cli"),
        _f("started_at", Kind.DATETIME, "When the contact started (a date alone is accepted).",
           "timestamp", "date", "datetime", "start", "started", "created_at",
           "created", "contact_date", "call_date", "opened_at", "date_time",
           "data", "data_ora", "data_contatto", "data_inizio", "inizio",
           "data_chiamata", "data_apertura", "dataora", "date_received", "creation_date", "created_date",
           "review_creation_date", "submitted_at", "received_at", "date_opened", "fecha", "fecha_hora",
           "data_criacao", "date_de_creation", "datum", "erstellt_am", required=True),
        _f("started_time", Kind.TIME, "Time of day of the contact, when the date is in another column.",
           "time", "call_time", "start_time", "time_of_day", "ora", "ora_chiamata", "orario", "hora",
           "heure", "uhrzeit", "zeit", completes="started_at"),
        _f("channel", Kind.CHANNEL, "Contact channel, one of " + ", ".join(CHANNELS) + ".",
           "medium", "source", "contact_channel", "canale", "mezzo", "canale_contatto", "submitted_via", "via",
           "canal", "kanal"),
        _f("touchpoint", Kind.CATEGORY, "Journey stage: purchase, onboarding, billing, delivery, "
           "support, returns, renewal, cancellation…",
           "journey_stage", "stage", "journey", "step", "fase", "fase_cliente", "momento",
           "punto_di_contatto", "touch_point"),
        _f("reason", Kind.CATEGORY, "Contact reason or topic.",
           "contact_reason", "topic", "category", "intent", "reason_code", "subject",
           "issue", "motivo", "motivo_contatto", "causale", "argomento", "categoria", "tema", "asunto", "assunto",
           "motif", "sujet", "grund", "thema", "anliegen"),
        _f("wait_seconds", Kind.FLOAT, "Time to answer / first response, in seconds (a wait over 7 days is "
           "cleared as absurd).",
           "wait", "wait_time", "waiting_time", "queue_time", "time_to_answer", "speed_of_answer",
           "first_response", "first_response_time", "time_to_first_response", "response_time",
           "attesa", "tempo_attesa", "tempo_di_attesa", "tempo_d_attesa", "tempo_risposta", "tiempo_espera",
           "tiempo_de_espera", "tempo_espera", "tempo_de_espera", "temps_attente", "temps_d_attente", "wartezeit",
           minimum=0, maximum=7 * 86400, unit="seconds"),
        _f("handle_seconds", Kind.FLOAT, "Talk / handling time, in seconds (over 24 hours is cleared as absurd).",
           "handle", "handle_time", "handling_time", "aht", "talk_time", "talk_duration", "duration",
           "call_duration", "handle_duration", "durata", "tempo_gestione", "tempo_di_gestione", "durata_chiamata",
           "duracion", "duracao", "duree", "dauer", "gesprachsdauer", minimum=0, maximum=86400, unit="seconds"),
        _f("abandoned", Kind.BOOL, "The customer gave up before being served.",
           "abandon", "is_abandoned", "dropped", "abbandonata", "abbandono", "abbandonato", "abandonada",
           "abandonado", "abandonne", "abgebrochen"),
        _f("answered", Kind.BOOL, "The contact was answered: stored as the opposite of abandoned.",
           "is_answered", "answered_call", "risposta", "risposto", "risposta_operatore", "atendida", "atendido",
           "respondida", "repondu", "beantwortet", "angenommen", negates="abandoned"),
        _f("transfers", Kind.INT, "Hand-offs between agents or departments.",
           "transfer_count", "n_transfers", "num_transfers", "transferred", "hand_offs",
           "trasferimenti", "n_trasferimenti", "numero_trasferimenti", minimum=0),
        _f("resolved", Kind.BOOL, "Resolved in this contact.",
           "is_resolved", "solved", "first_contact_resolution", "fcr", "resolution",
           "risolto", "risolta", "risoluzione", "risolto_al_primo_contatto", "status", "ticket_status", "stato",
           "stato_ticket", "estado", "statut", "resuelto", "resolvido", words=(RESOLVED_WORDS, UNRESOLVED_WORDS)),
        _f("automated", Kind.BOOL, "Served by a bot, IVR or self-service.",
           "is_automated", "self_served", "bot_session", "automatizzato", "automatico",
           "self_service_flag"),
        _f("escalated", Kind.BOOL, "Automated contact handed to a human.",
           "is_escalated", "handoff", "handed_off", "escalation", "escalato", "passaggio_operatore",
           "inoltrato_operatore"),
        _f("csat", Kind.SCORE, "Customer satisfaction, 1–5 (other scales converted).",
           "satisfaction", "csat_score", "customer_satisfaction", "rating", "stars",
           "satisfaction_rating", "satisfaction_score", "csat_rating", "review_score", "review_rating",
           "soddisfazione", "voto", "valutazione", "gradimento", "punteggio_soddisfazione", "satisfaccion",
           "satisfacao", "zufriedenheit",
           minimum=1, maximum=5, scale=(1, 5)),
        _f("nps", Kind.SCORE, "Likelihood to recommend, 0–10.",
           "nps_score", "likelihood_to_recommend", "ltr", "recommend", "raccomandazione",
           "probabilita_di_raccomandare", "consiglieresti", "voto_nps", "likely_to_recommend",
           "net_promoter_score", "recommendation", "recommendation_score",
           minimum=0, maximum=10, scale=(0, 10)),
        _f("ces", Kind.SCORE, "Customer effort, 1–7 (7 = very easy).",
           "ces_score", "effort", "customer_effort", "customer_effort_score", "sforzo",
           "facilita", "punteggio_sforzo", minimum=1, maximum=7, scale=(1, 7)),
        _f("comment", Kind.TEXT, "Free-text comment; stored and shown as plain text only.",
           "comments", "verbatim", "feedback", "text", "note", "notes", "remarks",
           "review_comment_message", "comment_text", "message", "commento", "commenti", "testo", "osservazioni",
           "comentario", "comentarios", "comentario_texto", "commentaire", "kommentar", "mensagem"),
        _f("agent", Kind.CATEGORY, "Agent who handled the contact.",
           "agent_id", "agent_name", "operator", "employee", "operatore", "addetto",
           "nome_operatore", "id_operatore"),
        _f("team", Kind.CATEGORY, "Team, queue or department.",
           "queue", "department", "group", "skill", "squadra", "coda", "reparto", "gruppo",
           "ufficio"),
        _f("cost", Kind.FLOAT, "Cost of the contact (otherwise from the cost per contact by channel).",
           "contact_cost", "cost_per_contact", "costo", "costo_contatto", minimum=0),
        _f("value", Kind.FLOAT, "Order value when the contact is a purchase or review.",
           "order_value", "amount", "purchase_value", "valore", "importo", "valore_ordine"),
    ),
)

CUSTOMERS = Table(
    name="customers",
    description="One row per customer.",
    key=("customer_id",),
    fields=(
        _f("customer_id", Kind.ID, "Customer id.",
           "customer", "client_id", "account_id", "account", "customer_number", "customer_no", "id",
           "codice_cliente", "cod_cliente", "id_cliente", "cliente", "numero_cliente", "cod_cli",
           required=True),
        _f("segment", Kind.CATEGORY, "Customer segment.",
           "customer_segment", "tier", "customer_type", "segmento", "tipo_cliente", "fascia"),
        _f("region", Kind.CATEGORY, "Region or area.",
           "area", "zone", "territory", "country", "regione", "zona", "territorio", "area_geografica"),
        _f("plan", Kind.CATEGORY, "Plan, product or tariff.",
           "product", "tariff", "package", "subscription", "piano", "tariffa", "prodotto",
           "offerta", "abbonamento", "pacchetto"),
        _f("joined_at", Kind.DATE, "When the customer joined.",
           "join_date", "joined", "signup_date", "start_date", "customer_since", "created_at",
           "acquisition_date", "data_attivazione", "data_adesione", "cliente_dal", "data_inizio",
           "data_iscrizione"),
        _f("churned", Kind.BOOL, "The customer has left.",
           "is_churned", "churn", "lost", "cancelled", "canceled", "disdetto", "cessato",
           "perso", "abbandono", "churn_flag"),
        _f("churned_at", Kind.DATE, "When the customer left.",
           "churn_date", "end_date", "cancellation_date", "cancelled_at", "left_at",
           "data_disdetta", "data_cessazione", "data_fine", "data_churn"),
        _f("monthly_revenue", Kind.FLOAT, "Current monthly revenue of the customer.",
           "mrr", "revenue", "monthly_fee", "monthly_charges", "monthly_charge", "arpu", "ricavo", "ricavo_mensile",
           "canone",
           "canone_mensile", "fatturato_mensile"),
    ),
)

REVENUE = Table(
    name="revenue",
    description="One row per customer per month.",
    key=("customer_id", "month"),
    fields=(
        _f("customer_id", Kind.ID, "Customer id.",
           "customer", "client_id", "account_id", "account", "customer_number", "customer_no",
           "codice_cliente", "cod_cliente", "id_cliente", "cliente", "numero_cliente", "cod_cli",
           required=True),
        _f("month", Kind.MONTH, "Billing month (any date in it).",
           "period", "billing_month", "date", "invoice_month", "mese", "periodo", "competenza",
           "mese_fatturazione", "data", required=True),
        _f("revenue", Kind.FLOAT, "Revenue billed in the month.",
           "mrr", "amount", "billed", "net_revenue", "ricavo", "ricavi", "fatturato", "importo",
           "canone", required=True),
        _f("cost_to_serve", Kind.FLOAT, "Cost to serve the customer in the month.",
           "service_cost", "cts", "costo_servizio", "costo_di_servizio", "costo_assistenza",
           minimum=0),
        _f("expansion", Kind.FLOAT, "Expansion revenue (upsell) in the month.",
           "upsell", "expansion_mrr", "espansione", "upselling", minimum=0),
        _f("contraction", Kind.FLOAT, "Contraction revenue (downgrades) in the month.",
           "downgrade", "contraction_mrr", "contrazione", "riduzione", minimum=0),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (INTERACTIONS, CUSTOMERS, REVENUE)}
