"""Users (docs/access.md): who signs in with which role and restrictions.

At sign-in (:func:`sign_in`) a user's role comes, first match wins, from:

1. the configuration's admins (:attr:`AccessRules.admins`: the first admin, who then assigns the others);
2. a role an admin assigned on the Users page (:func:`set_user`);
3. the identity provider's claims: a group in the groups claim, or the e-mail's domain (``@example.com``),
   mapped to a role by :attr:`AccessRules.roles` (the highest role matched wins).

A user none of them gives a role has no access. Restrictions are always the Users page's. Every signed-in user has
an account row (its ``role`` empty while it comes from the claims), so an admin sees who signed in and when.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from cxdata.access import Actor, Role, restrictions_of
from cxdata.catalog.store import Store
from cxdata.catalog.tables import UserAccount, utcnow


@dataclass(frozen=True)
class AccessRules:
    """The sign-in configuration (``[momento]`` in ``.streamlit/secrets.toml``, docs/access.md): ``admins`` are
    e-mails that are always admins; ``claim`` names the claim that lists a user's groups; ``roles`` maps a group,
    or ``@domain`` for an e-mail domain, to a role."""

    admins: tuple[str, ...] = ()
    claim: str = "groups"
    roles: tuple[tuple[str, Role], ...] = ()

    @classmethod
    def of(cls, config: Mapping[str, object]) -> AccessRules:
        """From the ``[momento]`` section as read (lists, strings); raises ValueError with a sentence."""
        admins = config.get("admins", ())
        roles = config.get("roles", {})
        if isinstance(admins, str) or not isinstance(admins, Iterable) or not isinstance(roles, Mapping):
            raise ValueError("In [momento], admins must be a list of e-mails and [momento.roles] a table of "
                             "group or @domain = role.")
        return cls(tuple(str(a).strip().lower() for a in admins), str(config.get("claim", "groups")),
                   tuple((str(k).lower(), Role.of(str(v))) for k, v in roles.items()))

    def role_from_claims(self, email: str, claims: Mapping[str, object]) -> Role | None:
        """The highest role the user's groups and e-mail domain are mapped to (None: none)."""
        groups = claims.get(self.claim) or ()
        listed = [groups] if isinstance(groups, str) else groups if isinstance(groups, Iterable) else ()
        names = {str(g).lower() for g in listed}
        names.add("@" + email.rpartition("@")[2])
        matched = [role for key, role in self.roles if key in names]
        return max(matched) if matched else None


def _actor(account: UserAccount, role: Role) -> Actor:
    return Actor(account.email, account.name or account.email, role,
                 restrictions_of(account.restrictions.items()))


def sign_in(store: Store, claims: Mapping[str, object], rules: AccessRules, *, seen: bool = True) -> Actor | None:
    """The acting user for an identity provider's claims (``email``, ``name``, the groups claim), read again on every
    run so a role an admin changes holds at once; None when no rule gives the user a role (or the claims have no
    e-mail). With ``seen`` (once per session), records the account and when it was last seen."""
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        return None
    name = str(claims.get("name") or email)
    with Session(store.engine) as s:
        account = s.get(UserAccount, email)
        if seen:
            account = account or UserAccount(email=email, name=name, role="")
            account.name = account.name or name
            account.last_seen = utcnow()
            s.add(account)
            s.commit()
            s.refresh(account)
    account = account or UserAccount(email=email, name=name, role="")
    if email in rules.admins:
        return _actor(account, Role.ADMIN)
    if account.role:
        return _actor(account, Role.of(account.role))
    role = rules.role_from_claims(email, claims)
    return None if role is None else _actor(account, role)


def list_users(store: Store) -> list[UserAccount]:
    """Every account, by e-mail."""
    with Session(store.engine) as s:
        return list(s.exec(select(UserAccount).order_by(col(UserAccount.email))))


def set_user(store: Store, actor: Actor, email: str, *, role: str, name: str = "",
             restrictions: Mapping[str, Sequence[str]] | None = None) -> None:
    """Add a user or change one (admins only): ``role`` viewer, analyst or admin, or "" for the role the sign-in
    claims give; ``restrictions`` dimension → allowed values (none: every row). Audited with old → new."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"“{email}” is not an e-mail address.")
    if role:
        Role.of(role)
    allowed = {column: sorted(map(str, values)) for column, values in (restrictions or {}).items() if values}
    with Session(store.engine) as s:
        exists = s.get(UserAccount, email) is not None
    with store.change(actor, "user.update" if exists else "user.create", email) as change:
        account = change.session.get(UserAccount, email) or UserAccount(email=email, name=name.strip(), role="")
        change.changed("role", account.role, role.strip().lower())
        change.changed("restrictions", account.restrictions, allowed)
        account.role, account.restrictions_json = role.strip().lower(), json.dumps(allowed, sort_keys=True)
        account.name = name.strip() or account.name
        account.updated_at = utcnow()
        change.session.add(account)


def delete_user(store: Store, actor: Actor, email: str) -> None:
    """Remove a user's account (admins only): the next sign-in gets the role the claims give, if any."""
    email = email.strip().lower()
    with store.change(actor, "user.delete", email) as change:
        account = change.session.get(UserAccount, email)
        if account is not None:
            change.detail["role"] = account.role
            change.session.delete(account)
