"""Sign-in in a real browser (issue 15, docs/access.md): Streamlit's own ``st.login`` against an OpenID Connect
provider started on a free loopback port (``oidc-provider-mock``, :mod:`oidc`), the tester typing the subject into
the provider's authorization form as a person would.

An anonymous visitor gets the sign-in page and no data; a user whose group the ``[momento]`` rules map to viewer
comes back from the provider signed in, with name and role in the sidebar, the Overview's tiles, no uploader on the
Data page, and signs out back to the sign-in page; a user no rule gives a role gets the "no access" page. One
server for the module, on a fresh store (the first signed-in visit imports the sample: nothing is read before
sign-in). Every wait is for a state.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from oidc_provider_mock import User
from playwright.sync_api import Page, expect

from oidc import identity_provider, signin_server
from waits import (
    FIRST_START_MS,
    OVERVIEW_MEASURED,
    TIMEOUT_MS,
    metric_values,
    open_app,
    rerun,
    screenshot,
    wait_for_settled,
)

VIEWER = User(sub="vera@example.com",
              claims={"email": "vera@example.com", "name": "Vera Viewer", "groups": ["cx-viewers", "staff"]})
OUTSIDER = User(sub="olaf@example.org", claims={"email": "olaf@example.org", "name": "Olaf Outsider",
                                                "groups": ["sales"]})
#: The sidebar's account line: the viewer's name, then the role ("Vera Viewer · viewer").
SIGNED_IN = re.compile(r"Vera Viewer\W+viewer")
#: ``[momento]``: an admin no test signs in as, the viewers' group, and an analysts' e-mail domain neither user has.
MOMENTO = {"admins": ["ada@example.com"], "claim": "groups",
           "roles": {"cx-viewers": "viewer", "@analysts.example.com": "analyst"}}


@pytest.fixture(scope="module")
def signin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(app URL, provider URL): the app on a fresh store, signing in through a provider that knows both users."""
    with identity_provider([VIEWER, OUTSIDER]) as provider, \
            signin_server(tmp_path_factory.mktemp("e2e-login-data"), tmp_path_factory.mktemp("e2e-login"),
                          provider, MOMENTO) as url:
        yield url, provider


def _open_sign_in_page(page: Page, url: str) -> None:
    """Open the app anonymously and check the sign-in page: the button, and no data — no sidebar dataset choice,
    no tile."""
    open_app(page, url)
    expect(page.get_by_role("heading", name="Momento")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    assert page.get_by_role("combobox", name="Dataset").count() == 0
    assert page.get_by_test_id("stMetric").count() == 0
    screenshot(page, "login-sign-in-page")


def _sign_in_at_provider(page: Page, app_url: str, provider: str, user: User) -> None:
    """Click Sign in, type ``user``'s subject into the provider's form, authorize, and wait to be back in the app."""
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(rf"^{re.escape(provider)}/oauth2/authorize\?"), timeout=TIMEOUT_MS)
    page.get_by_placeholder("sub").fill(user.sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(rf"^{re.escape(app_url)}/(\?.*)?$"), timeout=TIMEOUT_MS)
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached", timeout=TIMEOUT_MS)


def test_a_viewer_signs_in_browses_and_signs_out(signin: tuple[str, str], page: Page) -> None:
    url, provider = signin
    _open_sign_in_page(page, url)

    _sign_in_at_provider(page, url, provider, VIEWER)
    page.wait_for_function(OVERVIEW_MEASURED, timeout=FIRST_START_MS)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stMarkdown").filter(has_text="Vera Viewer")).to_contain_text(SIGNED_IN)
    expect(sidebar.get_by_role("combobox", name="Dataset")).to_have_value("sample")
    tiles = metric_values(page)
    assert "Revenue at risk (CX)" in tiles and len(tiles) >= 4, tiles
    screenshot(page, "login-viewer-overview")

    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data").click()
    expect(page.get_by_role("heading", name="Datasets and versions")).to_be_visible()
    wait_for_settled(page)
    assert page.get_by_test_id("stFileUploader").count() == 0, "a viewer may not import"
    screenshot(page, "login-viewer-data")

    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    # The provider's end-session page (Streamlit's st.logout ends the provider's session too), then back.
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(rf"^{re.escape(url)}/(\?.*)?$"), timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stMetric").count() == 0
    assert page.get_by_text("Vera Viewer").count() == 0


def test_a_user_without_a_role_gets_the_no_access_page(signin: tuple[str, str], page: Page) -> None:
    url, provider = signin
    _open_sign_in_page(page, url)

    _sign_in_at_provider(page, url, provider, OUTSIDER)
    expect(page.get_by_role("heading", name="You do not have access")).to_be_visible(timeout=FIRST_START_MS)
    expect(page.get_by_text("You are signed in as olaf@example.org", exact=False)).to_be_visible()
    wait_for_settled(page)
    assert page.get_by_test_id("stMetric").count() == 0
    assert page.get_by_role("combobox", name="Dataset").count() == 0
    screenshot(page, "login-no-access")
