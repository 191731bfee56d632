"""Password sign-in in a real browser: a shared deep link keeps its page and URL state through sign-in,
the sign-in lasts through reloads and new tabs for the browser session, and signing out ends it."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_deep_links import USERS, demo_template, signed_in_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

LINK = "/stage?focus=purchase&dates=2026-09-01&dates=2026-09-30"


def signed_in_as(tab, user: str) -> bool:
    return tab.get_by_text(f"Signed in as {user} ({USERS[user][1]})").count() > 0


def test_a_deep_link_survives_sign_in_and_the_sign_in_survives_a_reload(signed_in_server, browser, tmp_path):
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
    with signed_in_server() as url:
        tab = context.new_page()
        tab.goto(url + LINK, wait_until="domcontentloaded")
        tab.locator(".st-key-signin-password input").wait_for(timeout=60_000)
        tab.locator(".st-key-signin-user input").fill("hanako")
        tab.locator(".st-key-signin-password input").fill(USERS["hanako"][0])
        tab.get_by_role("button", name="Sign in", exact=True).click()
        tab.get_by_role("heading", name="Stage detail").first.wait_for(timeout=60_000)
        tab.wait_for_timeout(1500)
        assert tab.url == url + LINK  # the page and its URL state, as shared
        assert re.match(r"2026.09.01", tab.locator("[data-testid=stSidebar] input").first.input_value())
        assert "journey_session" in {c["name"] for c in context.cookies()}

        tab.reload(wait_until="domcontentloaded")  # used to ask for the password again
        tab.get_by_role("heading", name="Stage detail").first.wait_for(timeout=60_000)
        assert signed_in_as(tab, "hanako") and tab.locator(".st-key-signin-password").count() == 0
        other = context.new_page()                # a second tab of the same browser session
        other.goto(url + "/import", wait_until="domcontentloaded")
        other.locator(".st-key-uploads").wait_for(timeout=60_000)
        tab.screenshot(path=str(tmp_path / "after-reload.png"), full_page=True)

        tab.get_by_role("button", name="Sign out").click()
        tab.locator(".st-key-signin-password input").wait_for(timeout=60_000)
        tab.wait_for_timeout(1000)
        assert "journey_session" not in {c["name"] for c in context.cookies()}
        tab.reload(wait_until="domcontentloaded")
        tab.locator(".st-key-signin-password input").wait_for(timeout=60_000)
        assert not signed_in_as(tab, "hanako")

        stranger = browser.new_context(locale="en-US").new_page()  # another browser: no cookie, no entry
        stranger.goto(url + LINK, wait_until="domcontentloaded")
        stranger.locator(".st-key-signin-password input").wait_for(timeout=60_000)
    context.close()


def test_a_copied_cookie_stops_working_once_its_owner_signs_out(signed_in_server, browser):
    """Signing out revokes the token on the server too, not only in the browser that held it."""
    with signed_in_server() as url:
        first = browser.new_context(locale="en-US")
        tab = first.new_page()
        tab.goto(url, wait_until="domcontentloaded")
        tab.locator(".st-key-signin-user input").fill("taro")
        tab.locator(".st-key-signin-password input").fill(USERS["taro"][0])
        tab.get_by_role("button", name="Sign in", exact=True).click()
        tab.get_by_text("Signed in as taro (viewer)").wait_for(timeout=60_000)
        tab.wait_for_timeout(1000)
        cookie = next(c for c in first.cookies() if c["name"] == "journey_session")
        copy = browser.new_context(locale="en-US")
        copy.add_cookies([cookie])
        thief = copy.new_page()
        thief.goto(url, wait_until="domcontentloaded")
        thief.get_by_text("Signed in as taro (viewer)").wait_for(timeout=60_000)  # the cookie is the sign-in
        tab.get_by_role("button", name="Sign out").click()
        tab.locator(".st-key-signin-password input").wait_for(timeout=60_000)
        thief.reload(wait_until="domcontentloaded")
        thief.locator(".st-key-signin-password input").wait_for(timeout=60_000)
        first.close()
        copy.close()
