"""The analyst's decisions about one export format, beyond which column feeds which field.

- **value maps**: how a field reads a source value (``resolved: Pending → no``; ``channel: Voce → phone``);
- **units**: the unit a duration column is written in (``wait_seconds: minutes``), when the header
  does not say it or says it wrongly;
- **scales**: the one scale a survey column is on (``csat: 0-10``), asked when the values mix scales;
- **date orders**: day-month-year, month-day-year or year-month-day, for a column that reads two ways.

They are saved with the column mapping (per header signature) and given on the command line as
``--values resolved:Pending=no``, ``--unit wait_seconds=minutes``, ``--scale csat=1-5``,
``--dates started_at=mdy``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxdata.ingest.errors import UnusableFile
from cxdata.schema import CHANNELS, FALSE_WORDS, TRUE_WORDS, Kind, Table, normalise_name

#: Seconds per unit of a duration.
UNITS: dict[str, float] = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "ms": 0.001}
#: Scales a score can be declared on, by field: name → (low, high).
SCALES: dict[str, dict[str, tuple[int, int]]] = {
    "csat": {"1-5": (1, 5), "0-10": (0, 10), "0-100": (0, 100)},
    "nps": {"0-10": (0, 10)},
    "ces": {"1-7": (1, 7)},
}
DATE_ORDERS: dict[str, str] = {"dmy": "day-month-year", "mdy": "month-day-year", "ymd": "year-month-day"}
YES, NO = "yes", "no"


@dataclass(frozen=True)
class FieldChoice:
    """What the analyst decided for one field (empty: decide from the data)."""

    values: dict[str, str] = field(default_factory=dict)  # normalised source value → target ("" clears)
    unit: str | None = None
    scale: str | None = None
    order: str | None = None


@dataclass
class Choices:
    """Every decision for a file beyond the mapping, by canonical field."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    scales: dict[str, str] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)

    def of(self, name: str) -> FieldChoice:
        return FieldChoice(self.values.get(name, {}), self.units.get(name), self.scales.get(name),
                           self.orders.get(name))

    def merged(self, other: Choices) -> Choices:
        """``other``'s decisions on top of these (a value map is merged value by value)."""
        values = {f: dict(m) for f, m in self.values.items()}
        for f, m in other.values.items():
            values.setdefault(f, {}).update(m)
        return Choices(values, self.units | other.units, self.scales | other.scales, self.orders | other.orders)

    def to_json(self) -> dict:
        return {"values": self.values, "units": self.units, "scales": self.scales, "orders": self.orders}

    @classmethod
    def from_json(cls, data: dict | None) -> Choices:
        data = data or {}
        return cls(dict(data.get("values", {})), dict(data.get("units", {})), dict(data.get("scales", {})),
                   dict(data.get("orders", {})))

    def check(self, table: Table) -> None:
        """Raise :class:`UnusableFile` for a decision that names an unknown field or an impossible value."""
        def field_of(name: str, what: str):
            if name not in table.names:
                raise UnusableFile(f"{what} names '{name}', which is not a field of {table.name}; "
                                   f"the fields are: {', '.join(table.names)}.")
            return table.field(name)

        for name, unit in self.units.items():
            if field_of(name, "A unit").unit is None:
                raise UnusableFile(f"'{name}' is not a duration, so it takes no unit; durations: "
                                   f"{', '.join(f.name for f in table.fields if f.unit)}.")
            if unit not in UNITS:
                raise UnusableFile(f"Unit '{unit}' for {name} is not one of: {', '.join(UNITS)}.")
        for name, scale in self.scales.items():
            field_of(name, "A scale")
            if scale not in SCALES.get(name, {}):
                raise UnusableFile(f"Scale '{scale}' for {name} is not one of: {', '.join(SCALES.get(name, {}))}.")
        for name, order in self.orders.items():
            if field_of(name, "A date order").kind not in (Kind.DATETIME, Kind.DATE, Kind.MONTH):
                raise UnusableFile(f"'{name}' is not a date, so it takes no date order.")
            if order not in DATE_ORDERS:
                raise UnusableFile(f"Date order '{order}' for {name} is not one of: {', '.join(DATE_ORDERS)}.")
        for name, mapping in self.values.items():
            f = field_of(name, "A value map")
            if f.kind not in (Kind.BOOL, Kind.CHANNEL, Kind.CATEGORY, Kind.ID):
                raise UnusableFile(f"'{name}' is a {f.kind.value} field; value maps apply to yes/no, channel "
                                   "and category fields.")
            if f.kind is Kind.BOOL:
                ok, allowed = (lambda t: bool_word(t) is not None), "yes, no"
            elif f.kind is Kind.CHANNEL:
                ok, allowed = (lambda t: t in CHANNELS), ", ".join(CHANNELS)
            else:
                continue
            bad = sorted(t for t in mapping.values() if t and not ok(t))
            if bad:
                raise UnusableFile(f"'{bad[0]}' is not a value of {name}; use one of: {allowed} (or nothing to clear).")


def parse_cli(values: list[str], units: list[str], scales: list[str], orders: list[str]) -> Choices:
    """Choices from the command line: ``FIELD:VALUE=TARGET``, ``FIELD=UNIT``, ``FIELD=SCALE``, ``FIELD=ORDER``."""
    value_maps: dict[str, dict[str, str]] = {}
    for item in values:
        name, sep, rest = item.partition(":")
        if not sep or "=" not in rest:
            raise UnusableFile(f"--values expects FIELD:VALUE=TARGET (e.g. resolved:Pending=no), got '{item}'.")
        source, target = rest.rsplit("=", 1)
        value_maps.setdefault(name.strip(), {})[value_key(source)] = target.strip()

    def pairs(items: list[str], flag: str, example: str) -> dict[str, str]:
        out = {}
        for item in items:
            if "=" not in item:
                raise UnusableFile(f"{flag} expects FIELD=VALUE (e.g. {example}), got '{item}'.")
            name, value = item.split("=", 1)
            out[name.strip()] = value.strip().lower()
        return out

    return Choices(value_maps, pairs(units, "--unit", "wait_seconds=minutes"),
                   pairs(scales, "--scale", "csat=0-10"), pairs(orders, "--dates", "started_at=mdy"))


def value_key(text: str) -> str:
    """How a source value is looked up in a value map: trimmed, case-insensitive, accents and punctuation folded."""
    return normalise_name(text) or text.strip()



def bool_word(text: str) -> bool | None:
    """True/False for a yes/no word in any of the six languages, None for anything else."""
    key = normalise_name(text)
    return True if key in TRUE_WORDS else False if key in FALSE_WORDS else None
