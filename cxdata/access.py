"""Who may do what (docs/access.md): the three roles, the acting user every state change takes, and the sentence
a refused change gives.

- **viewer**: browse every page, share views (save a named view), download meeting packs;
- **analyst**: also import and map data, and create, change and delete initiatives, alerts, saved views and
  scheduled deliveries;
- **admin**: also change the settings, make a version active, delete versions and datasets, manage users and
  read the audit log.

Every engine function that changes the catalog or the data takes the acting user (:class:`Actor`) and calls
:func:`require` (through :meth:`cxdata.catalog.store.Store.change`, which also writes the audit entry in the same
transaction), so hiding a button is never the only guard. The command line and the single-user local mode act
as :data:`LOCAL`, an admin; the first start's sample load as :data:`SYSTEM`.

A user may also be **restricted** to values of dimensions (``region = North``): :attr:`Actor.restrictions`, which
every screen of that user's session intersects with its filters (:func:`restrict`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    """A user's role; a higher role may do everything a lower one may."""

    VIEWER = 1
    ANALYST = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def of(cls, name: str) -> Role:
        """The role called ``name`` (viewer, analyst, admin; any case). Raises ValueError with a sentence."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"Unknown role “{name}”: choose viewer, analyst or admin.") from None


#: Each state change: the least role that may make it, and what it does in words (for the refusal and the audit log).
ACTIONS: dict[str, tuple[Role, str]] = {
    "view.save": (Role.VIEWER, "save a shared view"),
    "view.delete": (Role.ANALYST, "delete a saved view"),
    "data.import": (Role.ANALYST, "import data"),
    "mapping.save": (Role.ANALYST, "save a column mapping"),
    "initiative.create": (Role.ANALYST, "create an initiative"),
    "initiative.update": (Role.ANALYST, "change an initiative"),
    "initiative.delete": (Role.ANALYST, "delete an initiative"),
    "alert.create": (Role.ANALYST, "create an alert"),
    "alert.update": (Role.ANALYST, "switch an alert on or off"),
    "alert.delete": (Role.ANALYST, "delete an alert"),
    "schedule.create": (Role.ANALYST, "schedule a delivery"),
    "schedule.update": (Role.ANALYST, "switch a scheduled delivery on or off"),
    "schedule.delete": (Role.ANALYST, "delete a scheduled delivery"),
    "version.activate": (Role.ADMIN, "choose the version everyone sees"),
    "version.delete": (Role.ADMIN, "delete a version"),
    "dataset.delete": (Role.ADMIN, "delete a dataset"),
    "settings.change": (Role.ADMIN, "change the settings"),
    "user.create": (Role.ADMIN, "add a user"),
    "user.update": (Role.ADMIN, "change a user's role or restrictions"),
    "user.delete": (Role.ADMIN, "remove a user"),
    "audit.read": (Role.ADMIN, "read the audit log"),
}

#: A user's restrictions: (dimension, allowed values) pairs, sorted by dimension (the shape of a ``Scope``'s filters).
Restrictions = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Actor:
    """The user a change is made by: ``id`` (the e-mail for a signed-in user), the name shown, the role and the
    dimension values the user is restricted to (none: every row)."""

    id: str
    name: str
    role: Role
    restrictions: Restrictions = ()

    def can(self, action: str) -> bool:
        """Whether this user's role may make the change ``action`` (a key of :data:`ACTIONS`)."""
        return self.role >= ACTIONS[action][0]

    @property
    def description(self) -> str:
        """"Ana Rossi (analyst)", for the sidebar and the audit log."""
        return f"{self.name} ({self.role.label})"


#: The single-user local mode (no sign-in, served on 127.0.0.1 only) and the command line.
LOCAL = Actor("local", "Local user", Role.ADMIN)
#: Momento itself: the first start's sample load.
SYSTEM = Actor("system", "Momento (first start)", Role.ADMIN)


class Forbidden(PermissionError):
    """A change the acting user's role does not allow; ``str()`` is the sentence to show."""


def require(actor: Actor, action: str) -> None:
    """Refuse (:class:`Forbidden`, with a sentence) unless ``actor`` may make the change ``action``."""
    needed, words = ACTIONS[action]
    if actor.role < needed:
        raise Forbidden(f"{actor.name} is a {actor.role.label} and cannot {words}: ask an admin for the "
                        f"{needed.label} role.")


def restrictions_of(pairs: Iterable[tuple[str, Sequence[str]]]) -> Restrictions:
    """Restrictions in their one shape: sorted by dimension, values as sorted tuples of text, empty ones left out."""
    return tuple(sorted((str(column), tuple(sorted(map(str, values)))) for column, values in pairs if values))


def restrict(where: Iterable[tuple[str, Sequence[str]]], restrictions: Restrictions
             ) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], list[str]]:
    """A screen's filters within a user's restrictions, and the restricted dimensions whose asked values were all
    outside them (a link made by another user).

    For a restricted dimension the filter is the asked values that are allowed, else (nothing asked, or nothing
    allowed asked) every allowed value: a restricted user never sees more than the restriction, whatever the link
    says. Other filters pass as they are."""
    asked = {str(column): tuple(map(str, values)) for column, values in where if values}
    refused: list[str] = []
    for column, allowed in restrictions:
        wanted = tuple(v for v in asked.get(column, ()) if v in allowed)
        if column in asked and not wanted:
            refused.append(column)
        asked[column] = wanted or allowed
    return tuple(sorted(asked.items())), refused
