"""Who is using the app (docs/access.md): Streamlit's own sign-in (``st.login`` / ``st.user``, OpenID Connect) when
``.streamlit/secrets.toml`` has an ``[auth]`` section, else the single-user local mode.

- :func:`auth_configured`: whether sign-in is configured (a missing secrets file means no).
- :func:`current_actor`: the acting user of this run, which every engine call that changes state takes
  (:class:`cxdata.access.Actor`). Without sign-in it is :data:`cxdata.access.LOCAL` (an admin; the server then
  listens on 127.0.0.1 only: ``ui.serve``). With sign-in, a visitor who has not signed in gets the sign-in page
  and one whose claims give no role the "no access" page; both stop the run. The role is read again on every run
  (:func:`cxdata.catalog.users.sign_in`), so a role an admin changes holds at the user's next click. In the local
  mode a request from another computer is refused unless the operator set ``MOMENTO_ALLOW_ANONYMOUS=1`` (the
  server refuses to start on such an address already: ``ui.serve``; this also covers ``streamlit run``).
- What a page offers the acting user: :func:`refusal` (the one line that says why a change is not offered),
  :func:`offered` (draws it), :func:`refusals_shown` (a change the engine refused, as its sentence),
  :func:`page_for` (an admin page's guard) and :func:`account_sidebar` (name, role, "Sign out").
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import streamlit as st

from cxdata.access import ACTIONS, LOCAL, Actor, Forbidden
from cxdata.catalog.users import AccessRules, sign_in
from ui.store import get_store
from ui.text import plain

#: Session state: the e-mail whose sign-in was recorded in this session (last seen written once per session).
SEEN = "_signed_in_seen"
#: The operator's explicit opt-out: serve without sign-in to other computers too (docs/access.md).
ALLOW_ANONYMOUS = "MOMENTO_ALLOW_ANONYMOUS"
LOCAL_MODE = "Local mode: single user, this computer only"
OPEN_MODE = "No sign-in: everyone who reaches this server is an admin (MOMENTO_ALLOW_ANONYMOUS)"


def _secrets() -> Mapping[str, object]:
    """``st.secrets`` as a mapping; empty when there is no secrets file (reading it would raise)."""
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


def auth_configured() -> bool:
    """Whether sign-in is configured: an ``[auth]`` section in ``.streamlit/secrets.toml``."""
    return "auth" in _secrets()


def access_rules() -> AccessRules:
    """The ``[momento]`` section of the secrets: first admins, the groups claim and the role rules."""
    config = _secrets().get("momento", {})
    return AccessRules.of(config if isinstance(config, Mapping) else {})


def providers() -> list[str]:
    """The named identity providers (``[auth.google]``, ``[auth.microsoft]``…); [] for the single default one."""
    auth = _secrets().get("auth", {})
    return [name for name, value in auth.items() if isinstance(value, Mapping)] if isinstance(auth, Mapping) else []


def sign_in_page() -> None:
    """The page a visitor who has not signed in sees: one button per identity provider."""
    st.title("Momento")
    st.write("Sign in with your company account to see your customer-experience dashboards.")
    named: list[str | None] = [*providers()] or [None]  # None: the one default provider
    for name in named:
        label = "Sign in" if name is None else f"Sign in with {name.capitalize()}"
        if st.button(label, type="primary", icon=":material/login:", key=f"_login_{name or 'default'}"):
            st.login(name) if name else st.login()


def no_access_page(email: str) -> None:
    """The page a signed-in user without a role sees: what happened and what to do."""
    st.title("You do not have access")
    st.error(f"You are signed in as {email}, but no role in Momento has been given to this account. Ask an "
             "admin to add you on the Users page, or to give your group a role.", icon=":material/lock:")
    if st.button("Sign out", icon=":material/logout:", key="_logout_denied"):
        st.logout()


def anonymous_allowed() -> bool:
    """Whether the operator allowed other computers in without sign-in (``MOMENTO_ALLOW_ANONYMOUS=1``)."""
    return os.environ.get(ALLOW_ANONYMOUS, "").strip().lower() in {"1", "true", "yes"}


def is_loopback(address: str) -> bool:
    """Whether an address is this computer's: 127.0.0.1 (any 127.x, also as ``::ffff:127.0.0.1``), ::1 or
    localhost. An empty address and 0.0.0.0 (a server's "every interface") or any other are not."""
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def from_another_computer() -> bool:
    """Whether this session's browser connected from another computer: the connection's address (a proxy's own for
    a proxied request) is text and not this computer's (Streamlit gives None for 127.0.0.1 and ::1; outside a
    server, e.g. in AppTest, it gives no text: not another computer)."""
    remote = st.context.ip_address
    return isinstance(remote, str) and bool(remote) and not is_loopback(remote)


def not_local_page() -> None:
    """The page a request from another computer gets in the single-user local mode."""
    st.title("Momento runs in single-user local mode")
    st.error("This Momento has no sign-in configured, so it only serves the computer it runs on. Ask whoever runs "
             "it to configure sign-in (README, Sign-in).", icon=":material/lock:")


def current_actor() -> Actor:
    """The acting user of this run (see the module's docstring); stops the run with the sign-in, no-access or
    local-mode page."""
    if not auth_configured():
        if from_another_computer() and not anonymous_allowed():
            not_local_page()
            st.stop()
        return LOCAL
    if not st.user.is_logged_in:
        sign_in_page()
        st.stop()
    claims = st.user.to_dict()
    email = str(claims.get("email") or "").lower()
    actor = sign_in(get_store(), claims, access_rules(), seen=st.session_state.get(SEEN) != email)
    st.session_state[SEEN] = email
    if actor is None:
        no_access_page(email or "an account without an e-mail address")
        st.stop()
    return actor


def refusal(action: str, actor: Actor | None = None) -> str | None:
    """None when the acting user may make the change ``action`` (a key of :data:`cxdata.access.ACTIONS`), else the
    one line a page shows instead of the control: "To import data, you need the analyst role (yours is viewer)."
    """
    actor = current_actor() if actor is None else actor
    if actor.can(action):
        return None
    needed, words = ACTIONS[action]
    return f"To {words}, you need the {needed.label} role (yours is {actor.role.label})."


def offered(action: str) -> bool:
    """Whether the page offers the change ``action`` to the acting user; when not, says why in one caption."""
    why = refusal(action)
    if why is not None:
        st.caption(f":material/lock: {plain(why)}")
    return why is None


@contextmanager
def refusals_shown() -> Iterator[None]:
    """Around a change a control triggers: a refusal of the engine (:class:`cxdata.access.Forbidden`, e.g. a role an
    admin lowered since the page was drawn) is shown as its sentence, never as a traceback."""
    try:
        yield
    except Forbidden as exc:
        st.error(plain(str(exc)), icon=":material/lock:")


def page_for(action: str) -> Actor:
    """The guard of a page only some roles open (Users, Audit log): the acting user when they may make ``action``,
    else "You do not have access to this page" and the run stops (the page is also hidden from their menu)."""
    actor = current_actor()
    why = refusal(action, actor)
    if why is not None:
        st.title("You do not have access to this page")
        st.error(plain(why), icon=":material/lock:")
        st.stop()
    return actor


def account_sidebar(actor: Actor) -> None:
    """Who is using the app, in the sidebar: with sign-in the user's name and role and "Sign out", else a caption
    saying this is the single-user local mode (or the operator's open server, ``MOMENTO_ALLOW_ANONYMOUS=1``)."""
    if not auth_configured():
        st.sidebar.caption(OPEN_MODE if anonymous_allowed() else LOCAL_MODE)
        return
    row = st.sidebar.container(horizontal=True, vertical_alignment="center")
    row.markdown(f":material/account_circle: **{plain(actor.name)}** · {actor.role.label}")
    if row.button("Sign out", icon=":material/logout:", type="tertiary", key="_logout"):
        st.logout()
