"""Widgets of the Users page (docs/access.md): the accounts as a table, and the form that adds a user or changes one's
role and restrictions, or removes the user.

Every change is :func:`cxdata.catalog.users.set_user` or :func:`cxdata.catalog.users.delete_user` as the acting user
(an admin; the engine refuses anyone else and writes the audit entry). A restriction is picked per dimension of the
sidebar's dataset (its categorical columns, :func:`ui.loaders.data_shape`): the values chosen are the only rows the
user sees; none chosen, every row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cxdata import format as fmt
from cxdata.access import Actor, Forbidden, Role
from cxdata.catalog.store import Store
from cxdata.catalog.tables import UserAccount
from cxdata.catalog.users import delete_user, set_user
from ui.auth import refusals_shown
from ui.text import plain

NEW = ""  # the "New user…" option of the user selector (no account has an empty e-mail)
FROM_SIGN_IN = "from sign-in"
ROLES = ["", *(r.label for r in Role)]  # "": the role the sign-in's claims give
_PICK = "_user_pick"
_EMAIL, _NAME = "_user_email", "_user_name"
_DONE = "_user_done"  # (the e-mail to select next, the sentence to toast), parked for the next run


def role_words(role: str) -> str:
    """A stored role as the page shows it: viewer, analyst, admin, or "from sign-in" for the claims' role."""
    return role or FROM_SIGN_IN


def restriction_words(restrictions: Mapping[str, Sequence[str]]) -> str:
    """``Region: North, South · Segment: Enterprise``; "every row" for none."""
    return " · ".join(f"{fmt.dimension_label(column)}: {', '.join(values)}"
                      for column, values in sorted(restrictions.items()) if values) or "every row"


def users_frame(accounts: Sequence[UserAccount]) -> pl.DataFrame:
    """One row per account: e-mail, name, role, restrictions in words and when the user last signed in."""
    return pl.DataFrame({
        "E-mail": [a.email for a in accounts],
        "Name": [a.name for a in accounts],
        "Role": [role_words(a.role) for a in accounts],
        "Sees": [restriction_words(a.restrictions) for a in accounts],
        "Last seen (UTC)": [fmt.when(a.last_seen) if a.last_seen else "never signed in" for a in accounts],
    }, schema={c: pl.String for c in ("E-mail", "Name", "Role", "Sees", "Last seen (UTC)")})


def after_change() -> None:
    """At the top of the page, before the form: after a save or a removal, empty the new-user fields, select the
    user saved (or none) and say what was done."""
    done = st.session_state.pop(_DONE, None)
    if done is not None:
        email, sentence = done
        for key in (_EMAIL, _NAME):
            st.session_state.pop(key, None)
        st.session_state[_PICK] = email
        st.toast(plain(sentence), icon=":material/group:")


def _restriction_inputs(dimensions: Sequence[tuple[str, Sequence[str]]], current: Mapping[str, Sequence[str]],
                        suffix: str) -> dict[str, list[str]]:
    """One multiselect per dimension (the sidebar dataset's, then any other the user is restricted on), started
    from the user's restrictions; the values chosen, by dimension."""
    known = {column for column, _ in dimensions}
    shown = [*dimensions, *((c, tuple(v)) for c, v in sorted(current.items()) if c not in known)]
    chosen: dict[str, list[str]] = {}
    grid = st.columns(4)
    for n, (column, values) in enumerate(shown):
        allowed = [str(v) for v in current.get(column, ())]
        options = [*map(str, values), *(v for v in allowed if v not in map(str, values))]
        chosen[column] = grid[n % 4].multiselect(fmt.dimension_label(column), options, default=allowed,
                                                 key=f"_user_in_{column}_{suffix}", placeholder="Every value")
    return chosen


def user_form(store: Store, actor: Actor, accounts: Sequence[UserAccount],
              dimensions: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Pick a user (or a new one), set the role and the restrictions, save; or remove the user."""
    by_email = {a.email: a for a in accounts}
    if st.session_state.get(_PICK) not in (NEW, *by_email):
        st.session_state.pop(_PICK, None)
    email = st.selectbox("User", [NEW, *by_email], key=_PICK,
                         format_func=lambda e: "New user…" if e == NEW else f"{by_email[e].name or e} ({e})")
    account = by_email.get(email)
    row = st.columns([2, 2, 1.2])
    if account is None:
        email = row[0].text_input("E-mail", key=_EMAIL, max_chars=254, placeholder="ana@example.com",
                                  help="The address the user signs in with (not case-sensitive).")
        name = row[1].text_input("Name (optional)", key=_NAME, max_chars=120,
                                 placeholder="empty: the name the sign-in gives")
    else:
        name = row[1].text_input("Name", value=account.name, key=f"_user_name_{account.email}", max_chars=120)
    role = row[2].selectbox("Role", ROLES, index=ROLES.index(account.role) if account and account.role in ROLES
                            else 0, format_func=role_words, key=f"_user_role_{account.email if account else 'new'}",
                            help="Viewer: browse, share, download. Analyst: also import, alerts, initiatives, "
                                 "deliveries. Admin: also settings, versions, users, audit log. From sign-in: the "
                                 "role the identity provider's groups or e-mail domain give ([momento] in the "
                                 "secrets).")
    st.markdown("**Sees only** — the rows with these values; a dimension left empty is not restricted")
    if not dimensions and not (account and account.restrictions):
        st.caption("No dataset to take dimensions from: import data on the Data page first.")
    limits = _restriction_inputs(dimensions, account.restrictions if account else {},
                                 account.email if account else "new")
    buttons = st.container(horizontal=True)
    if buttons.button("Save the user", type="primary", icon=":material/person_add:", key="_user_save"):
        try:
            set_user(store, actor, email, role=role, name=name, restrictions=limits)
        except (ValueError, Forbidden) as exc:
            st.error(plain(str(exc)), icon=":material/error:")
        else:
            saved = email.strip().lower()
            st.session_state[_DONE] = (saved, f"{saved} saved: {role_words(role)}, sees "
                                              f"{restriction_words(limits)}.")
            st.rerun()
    if account is not None:
        _remove(store, actor, account, buttons)


def _remove(store: Store, actor: Actor, account: UserAccount, where: DeltaGenerator) -> None:
    """"Remove this user", confirmed in a popover."""
    with where.popover("Remove this user", icon=":material/person_remove:"):
        st.markdown(f"Remove **{plain(account.email)}**? Their next sign-in gets the role the sign-in gives, if any, "
                    "and no restriction.")
        if st.button("Yes, remove", type="primary", key=f"_user_remove_{account.email}"):
            with refusals_shown():
                delete_user(store, actor, account.email)
                st.session_state[_DONE] = (NEW, f"{account.email} removed.")
                st.rerun()
