"""Cold deep links: a fresh `streamlit run` whose very first request is an editor page.

Until some session has run st.navigation, Streamlit serves a file in pages/ for its URL by itself, without
app.py. Each page's page_setup() hands such a run to the router, so sign-in and the role's pages apply
whichever way a page is reached. A MutationObserver in every tab records each editor control that ever
reaches the page, however briefly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from journey import auth
from journey.cli import main as cli
from tests.browser.conftest import streamlit_server

pytestmark = pytest.mark.browser

EDITOR_PAGES = ["import", "review", "taxonomy"]
# Keys of the editor pages' widgets; Streamlit marks a keyed widget's box with the class st-key-<key>.
EDITOR_KEYS = ["uploads", "delete-pick", "delete-go", "purge-pick", "purge-go", "tag-now", "review-mode", "review-save", "preset",
               "use-preset", "edit-stages", "edit-touchpoints", "save-taxonomy"]
USERS = {"hanako": ("correct horse battery", "editor"), "taro": ("viewer password 1", "viewer")}
WATCH = """
window.__editorControls = [];
new MutationObserver(() => {
  for (const key of %s) {
    if (!window.__editorControls.includes(key) && document.querySelector('.st-key-' + key)) {
      window.__editorControls.push(key);
    }
  }
}).observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
""" % json.dumps(EDITOR_KEYS)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "journey.duckdb"
    assert cli(["demo", "--db", str(path)]) == 0
    return path


@pytest.fixture
def signed_in_server(demo_template: Path, db_path: Path, tmp_path: Path):
    """Start a fresh server over a copy of the demo database, with password users configured."""
    shutil.copy(demo_template, db_path)
    lines = []
    for user, (password, role) in USERS.items():
        lines += [f"[journey.users.{user}]", "password_hash = " + json.dumps(auth.hash_password(password, 1000)),
                  f"role = {json.dumps(role)}", ""]
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("\n".join(lines), encoding="utf-8")
    return lambda: streamlit_server(db_path, "--secrets.files", str(secrets))


def open_tab(context, url: str):
    """A new tab at `url` (watched for editor controls by the context's script), signed out: the sign-in
    cookie of an earlier tab is dropped first; returns once the sign-in form is up."""
    context.clear_cookies(name="journey_session")
    tab = context.new_page()
    tab.goto(url, wait_until="domcontentloaded")
    tab.locator(".st-key-signin-password input").wait_for(timeout=60_000)
    assert tab.locator("[data-testid=stSidebarNav]").count() == 0  # no menu before sign-in
    return tab


def sign_in(tab, user: str) -> None:
    tab.locator(".st-key-signin-user input").fill(user)
    tab.locator(".st-key-signin-password input").fill(USERS[user][0])
    tab.get_by_role("button", name="Sign in", exact=True).click()
    tab.get_by_text(f"Signed in as {user} ({USERS[user][1]})").wait_for(timeout=60_000)
    # The sign-in cookie is written by a script in the page a moment after the sidebar shows: wait for it,
    # so that the next tab's open_tab() clears it rather than racing it (and finding this tab signed in).
    for _ in range(300):
        if any(c["name"] == "journey_session" for c in tab.context.cookies()):
            break
        tab.wait_for_timeout(100)


def assert_viewer_on_journey_map(tab) -> None:
    tab.get_by_role("heading", name="Journey map").first.wait_for(timeout=60_000)
    tab.wait_for_timeout(1500)  # let the run finish: anything drawn late is recorded too
    nav = tab.locator("[data-testid=stSidebarNav]").inner_text()
    assert "Journey map" in nav and not {"Import", "Review", "Taxonomy"} & set(nav.splitlines()), nav


@pytest.mark.parametrize("first", EDITOR_PAGES)
def test_a_cold_deep_link_to_an_editor_page_shows_no_editor_control(signed_in_server, browser, first, tmp_path):
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
    context.add_init_script(WATCH)
    with signed_in_server() as url:
        # The server's very first request: signed out, served by Streamlit's pages/ routing.
        signed_out = open_tab(context, f"{url}/{first}")
        # A second tab signs in as a viewer while no session has run the router yet.
        viewer = open_tab(context, f"{url}/{first}")
        sign_in(viewer, "taro")
        assert_viewer_on_journey_map(viewer)
        # The first tab, opened before the router ever ran, signs in as a viewer now.
        sign_in(signed_out, "taro")
        assert_viewer_on_journey_map(signed_out)
        # The other editor pages, signed out and as a viewer, once the router is in charge.
        for other in EDITOR_PAGES:
            tab = open_tab(context, f"{url}/{other}")
            sign_in(tab, "taro")
            assert_viewer_on_journey_map(tab)
        # Signed in by the viewer's cookie alone (no form), a cold deep link still ends on the journey map.
        for other in EDITOR_PAGES:
            tab = context.new_page()
            tab.goto(f"{url}/{other}", wait_until="domcontentloaded")
            assert_viewer_on_journey_map(tab)
        signed_out.screenshot(path=str(tmp_path / f"viewer-after-{first}.png"), full_page=True)
        seen = {tab.url: tab.evaluate("window.__editorControls") for tab in context.pages}
    context.close()
    assert all(controls == [] for controls in seen.values()), seen


def test_an_editor_reaches_every_editor_page_by_a_cold_deep_link(signed_in_server, browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
    context.add_init_script(WATCH)
    with signed_in_server() as url:
        shown = {}
        for path, control in (("import", "uploads"), ("review", "tag-now"), ("taxonomy", "save-taxonomy")):
            tab = open_tab(context, f"{url}/{path}")  # the first, the very first request to this server
            sign_in(tab, "hanako")
            tab.locator(f".st-key-{control}").wait_for(timeout=60_000)
            assert tab.url.endswith(f"/{path}")
            shown[path] = tab.evaluate("window.__editorControls")
    context.close()
    # The watcher sees these controls when they are there, so the viewer test's empty lists mean something.
    assert "uploads" in shown["import"] and "tag-now" in shown["review"] and "save-taxonomy" in shown["taxonomy"]
