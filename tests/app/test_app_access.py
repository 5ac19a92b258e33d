"""Sign-in and roles in the app (docs/access.md), with sign-in configured through the test's secrets and the
identity provider's claims as ``st.user``: who sees which page, which controls each role is offered, and that a
change made through the UI is written with its audit entry under the signed-in user's e-mail.

``at.secrets`` replaces ``st.secrets`` for the run, which ``ui.auth`` reads (``[auth]``: sign-in configured;
``[momento]``: the first admin and the role rules); ``at.user`` is what ``st.user`` returns. The real sign-in flow
against an identity provider is tests/e2e/test_e2e_login.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from apptest_helpers import APP, DATA_PAGE, SIGN_IN, TIMEOUT_S, by_label, run_app, table_with
from cxdata.access import LOCAL
from cxdata.actions.alerts import create_alert, list_alerts
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Alert, AuditEntry, UserAccount
from cxdata.catalog.users import set_user

ADMIN, ANALYST, VIEWER, STRANGER = "ada@example.com", "ana@example.com", "vic@example.com", "sam@elsewhere.org"
NAMES = {ADMIN: "Ada Admin", ANALYST: "Ana Analyst", VIEWER: "Vic Viewer", STRANGER: "Sam Stranger"}
GROUPS = {ANALYST: ["cx-analysts"], VIEWER: ["cx-viewers"], ADMIN: [], STRANGER: ["sales"]}
SECRETS = {"auth": SIGN_IN,
           "momento": {"admins": [ADMIN], "roles": {"cx-analysts": "analyst", "cx-viewers": "viewer"}}}
SETTINGS_PAGE, ALERTS_PAGE = "app_pages/settings.py", "app_pages/alerts.py"
USERS_PAGE, AUDIT_PAGE = "app_pages/users.py", "app_pages/audit.py"


def as_user(email: str | None, page: str | None = None) -> AppTest:
    """The app with sign-in configured, run by ``email`` signed in (None: a visitor who has not signed in)."""
    return run_app(page, secrets=SECRETS, user={"is_logged_in": False} if email is None else
                   {"is_logged_in": True, "email": email, "name": NAMES[email], "groups": GROUPS[email]})


@pytest.fixture
def menus(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Each run's navigation menu as the app hands it to ``st.navigation``: page title → visibility."""
    seen: list[dict[str, str]] = []
    original = st.navigation

    def recording(pages, **options):
        seen.append({p.title: p.visibility for p in pages})
        return original(pages, **options)

    monkeypatch.setattr(st, "navigation", recording)
    return seen


def audit(store_dir: Path, action: str) -> list[AuditEntry]:
    with Session(Store(store_dir).engine) as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)))


def sidebar_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption]


def test_a_visitor_who_has_not_signed_in_sees_only_the_sign_in_page(loaded_store: Path, menus) -> None:
    at = as_user(None, DATA_PAGE)
    assert [t.value for t in at.title] == ["Momento"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not menus, "no page is registered before sign-in"
    assert not at.selectbox and not at.file_uploader and not at.dataframe


def test_a_signed_in_user_without_a_role_gets_the_no_access_page(loaded_store: Path, menus) -> None:
    at = as_user(STRANGER)
    assert [t.value for t in at.title] == ["You do not have access"]
    assert STRANGER in at.error[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    assert not menus
    with Session(Store(loaded_store).engine) as s:
        account = s.get(UserAccount, STRANGER)
    assert account is not None and account.role == "" and account.last_seen is not None, "seen, with no role"


def test_a_viewer_browses_without_changing(loaded_store: Path, menus) -> None:
    at = as_user(VIEWER, DATA_PAGE)
    assert "**Vic Viewer** · viewer" in " ".join(sidebar_texts(at))
    assert by_label(at.sidebar.button, "Sign out")
    assert not at.file_uploader, "no uploader for a viewer"
    assert "To import data, you need the analyst role (yours is viewer)." in [c.value.split(" ", 1)[1]
                                                                              for c in at.caption if "lock" in c.value]
    versions = table_with(at, "version")
    assert list(versions["version"]) == [v.number for v in Store(loaded_store).versions("sample")]
    assert not [b for b in at.button if b.label in ("Make active", "Delete…")]
    assert menus[-1]["Users"] == menus[-1]["Audit log"] == "hidden"
    assert menus[-1]["Data"] == "visible"

    at = as_user(VIEWER, SETTINGS_PAGE)
    assert at.number_input(key="set_margin").disabled and at.selectbox(key="set_currency").disabled
    assert at.data_editor(key="set_costs").disabled
    assert by_label(at.button, "Save settings").disabled
    assert not [b for b in at.button if b.label == "Restore the defaults"]

    for page in (USERS_PAGE, AUDIT_PAGE):
        at = as_user(VIEWER, page)
        assert [t.value for t in at.title] == ["You do not have access to this page"]
        assert not at.dataframe


def test_a_viewer_sees_the_alerts_but_not_the_form(analysed_store: Path) -> None:
    alert_id = create_alert(Store(analysed_store), actor=LOCAL, dataset="sample", metric="escalation_rate",
                            rule="above", threshold=30)
    at = as_user(VIEWER, ALERTS_PAGE)
    assert not [w for w in at.selectbox if w.key == "_alert_metric"], "no New alert form"
    toggle = at.toggle(key=f"_alert_on_{alert_id}")
    assert toggle.disabled and toggle.value is True
    assert not [b for b in at.button if b.label == "Yes, delete it"]


def test_an_analyst_creates_an_alert_recorded_under_their_e_mail(analysed_store: Path) -> None:
    at = as_user(ANALYST, ALERTS_PAGE)
    assert "**Ana Analyst** · analyst" in " ".join(sidebar_texts(at))
    at.selectbox(key="_alert_metric").set_value("escalation_rate")
    at.selectbox(key="_alert_rule").set_value("above")
    at.number_input(key="_alert_threshold").set_value(25.0)
    at.multiselect(key="_alert_in_channel").set_value(["chatbot"])
    at.run()
    at.button(key="_create_alert").click().run()
    assert not at.exception, [e.message for e in at.exception]

    [alert] = [a for a in list_alerts(Store(analysed_store), "sample") if a.threshold == 25.0]
    assert (alert.metric, alert.rule, alert.where) == ("escalation_rate", "above", {"channel": ["chatbot"]})
    [entry] = audit(analysed_store, "alert.create")
    assert (entry.actor_id, entry.actor_name, entry.role, entry.target) == (ANALYST, "Ana Analyst", "analyst",
                                                                          f"alert {alert.id}")


def test_a_role_lowered_meanwhile_is_refused_with_its_sentence(analysed_store: Path) -> None:
    store = Store(analysed_store)
    alert_id = create_alert(store, actor=LOCAL, dataset="sample", metric="escalation_rate", rule="above",
                            threshold=30)
    at = as_user(ANALYST, ALERTS_PAGE)
    set_user(store, LOCAL, ANALYST, role="viewer")  # an admin lowers the role while the page is open
    at.toggle(key=f"_alert_on_{alert_id}").set_value(False).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Ana Analyst is a viewer and cannot switch an alert on or off: ask an admin for the analyst role." in [
        e.value for e in at.error]
    with Session(store.engine) as s:
        assert s.get(Alert, alert_id).enabled is True, "nothing changed"
    assert at.toggle(key=f"_alert_on_{alert_id}").value is True, "the switch shows the alert as it still is"
    assert not audit(analysed_store, "alert.update")


def test_an_admin_adds_a_restricted_user_and_reads_it_in_the_audit_log(loaded_store: Path, menus) -> None:
    at = as_user(ADMIN, USERS_PAGE)
    assert "**Ada Admin** · admin" in " ".join(sidebar_texts(at))
    assert menus[-1]["Users"] == menus[-1]["Audit log"] == "visible"
    at.text_input(key="_user_email").input("Rob@Example.com")
    at.text_input(key="_user_name").input("Rob Regional")
    at.selectbox(key="_user_role_new").set_value("viewer")
    at.multiselect(key="_user_in_region_new").set_value(["North"])
    at.run()
    at.button(key="_user_save").click().run()
    assert not at.exception, [e.message for e in at.exception]

    with Session(Store(loaded_store).engine) as s:
        rob = s.get(UserAccount, "rob@example.com")
    assert rob is not None and (rob.name, rob.role, rob.restrictions) == ("Rob Regional", "viewer",
                                                                        {"region": ["North"]})
    [entry] = audit(loaded_store, "user.create")
    assert (entry.actor_id, entry.role, entry.target) == (ADMIN, "admin", "rob@example.com")
    assert entry.detail == {"role": {"old": "", "new": "viewer"}, "restrictions": {"old": {}, "new": {"region": ["North"]}}}
    users = table_with(at, "E-mail").set_index("E-mail")
    assert (users.loc["rob@example.com", "Role"], users.loc["rob@example.com", "Sees"]) == ("viewer", "Region: North")
    assert at.selectbox(key="_user_pick").value == "rob@example.com", "the user saved is selected"

    at = as_user(ADMIN, AUDIT_PAGE)
    log = table_with(at, "Change")
    added = log[log["Change"] == "Add a user"]
    assert list(added["On"]) == ["rob@example.com"] and list(added["E-mail or id"]) == [ADMIN]
    assert list(added["Detail"]) == ["restrictions: – → region = North; role: – → viewer"]


def test_the_local_mode_says_so_in_the_sidebar(loaded_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOMENTO_ALLOW_ANONYMOUS", raising=False)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.switch_page(DATA_PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Local mode: single user, this computer only" in sidebar_texts(at)
    assert at.file_uploader, "the local user is an admin"
    assert not [b for b in at.sidebar.button if b.label == "Sign out"]



def test_sign_out_returns_to_the_sign_in_page(loaded_store: Path) -> None:
    at = as_user(ANALYST, DATA_PAGE)
    assert at.file_uploader, "an analyst imports"
    by_label(at.sidebar.button, "Sign out").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.user == {"is_logged_in": False}
    assert [t.value for t in at.title] == ["Momento"] and [b.label for b in at.main.button] == ["Sign in"]
