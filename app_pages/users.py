"""Users (admins only; docs/access.md): who may open Momento, with which role, and which rows each one sees.

The accounts (everyone who signed in or was added here): e-mail, name, role ("from sign-in" when the identity
provider's groups or e-mail domain give it), restrictions in words and when they were last seen; then the form that
adds a user or changes one's role and restrictions, or removes the user. Changes hold from the user's next click.

Everything: cxdata.catalog.users, as the acting admin (audited); ``ui.users`` draws it.
"""

import streamlit as st

from cxdata.catalog.users import list_users
from ui.auth import access_rules, page_for
from ui.dataset import current_dataset
from ui.loaders import data_shape
from ui.store import get_store
from ui.text import NO_VALUE, plain
from ui.users import after_change, user_form, users_frame

actor = page_for("user.update")
store = get_store()
st.title("Users")
st.caption("Who may open Momento, with which role, and which rows they see. A viewer browses, shares views and "
           "downloads packs; an analyst also imports data and manages alerts, initiatives and deliveries; an admin "
           "also changes the settings, versions and users and reads the audit log.")
admins = access_rules().admins
if admins:
    st.caption(plain(f"Always admins (the [momento] configuration): {', '.join(admins)}."))

after_change()
accounts = list_users(store)
if accounts:
    st.dataframe(users_frame(accounts), hide_index=True, placeholder=NO_VALUE, width="stretch")
else:
    st.info("No users yet: add one below, or wait for people to sign in.", icon=":material/group:")

st.subheader("Add or change a user", divider="gray")
dataset = current_dataset()
version = store.active_version(dataset) if dataset else None
user_form(store, actor, accounts, data_shape(store, version).dimensions if version else ())
