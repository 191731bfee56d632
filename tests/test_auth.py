"""Access: password hashing, sign-in modes, roles; a viewer never reaches editor pages; no secret in git."""

from __future__ import annotations

import re
import subprocess

import pytest
from streamlit.testing.v1 import AppTest

from journey import auth
from journey.cli import main as cli
from journey.store import connection, overview
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
HASHES = {"hanako": auth.hash_password("correct horse battery", iterations=1000),
          "taro": auth.hash_password("viewer password 1", iterations=1000)}
PASSWORD_SECRETS = {"journey": {"users": {"hanako": {"password_hash": HASHES["hanako"], "role": "editor"},
                                          "taro": {"password_hash": HASHES["taro"], "role": "viewer"}}}}


def test_hash_and_verify():
    stored = auth.hash_password("s3cret-pass")
    assert stored.startswith("pbkdf2_sha256$600000$") and "s3cret-pass" not in stored
    assert auth.verify_password("s3cret-pass", stored)
    assert not auth.verify_password("wrong", stored)
    assert not auth.verify_password("s3cret-pass", "not-a-hash")
    assert auth.hash_password("same") != auth.hash_password("same")  # salted


def test_config_modes_and_roles():
    assert auth.read_config({}).mode == "open"
    config = auth.read_config(PASSWORD_SECRETS)
    assert config.mode == "password"
    assert auth.password_role(config, "hanako", "correct horse battery") == "editor"
    assert auth.password_role(config, "taro", "viewer password 1") == "viewer"
    assert auth.password_role(config, "taro", "nope") is None
    assert auth.password_role(config, "nobody", "x") is None
    oidc = auth.read_config({"auth": {"client_id": "id", "client_secret": "s", "redirect_uri": "http://localhost",
                                      "cookie_secret": "c", "server_metadata_url": "https://idp/.well-known"},
                             "journey": {"roles": {"Owner@Example.com": "editor"}}})
    assert oidc.mode == "oidc"
    assert auth.oidc_role(oidc, "owner@example.com") == "editor" and auth.oidc_role(oidc, "x@y.z") == "viewer"


def app_with(secrets: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    for key, value in secrets.items():
        at.secrets[key] = value
    return at


def sign_in(at: AppTest, user: str, password: str) -> AppTest:
    at.run()
    at.text_input(key="signin-user").input(user)
    at.text_input(key="signin-password").input(password)
    at.button[0].click().run()
    return at


@pytest.fixture
def demo(db_path):
    assert cli(["demo", "--db", str(db_path)]) == 0
    return db_path


def test_password_mode_asks_first_and_refuses_a_wrong_password(demo):
    at = app_with(PASSWORD_SECRETS)
    at.run()
    assert at.text_input(key="signin-password") and not at.metric  # nothing shown before sign-in
    sign_in(at, "hanako", "guess")
    assert any("Wrong user name or password" in e.value for e in at.error)
    assert not at.metric


def test_viewer_sees_dashboards_but_not_import_even_by_url(demo):
    at = sign_in(app_with(PASSWORD_SECRETS), "taro", "viewer password 1")
    assert not at.exception, at.exception
    assert any("Signed in as taro (viewer)" in c.value for c in at.sidebar.caption)
    for page in ("pages/8_import.py", "pages/6_review.py", "pages/7_taxonomy.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)  # not registered for a viewer: no URL leads there


EDITOR_PAGES = ["pages/8_import.py", "pages/6_review.py", "pages/7_taxonomy.py"]
# Keys of the widgets that change data, all on editor pages.
EDITOR_BUTTONS = {"delete-go", "purge-go", "tag-now", "review-save", "use-preset", "save-taxonomy"}


def editor_controls(at: AppTest) -> list[str]:
    """The data-changing controls on screen: the uploader and the editor pages' buttons."""
    return [w.key for w in at.file_uploader] + [b.key for b in at.button if b.key in EDITOR_BUTTONS]


def page_run_on_its_own(page: str, secrets: dict, **state: str) -> AppTest:
    """A page file run as the script itself, without app.py, as Streamlit's pages/ routing serves a deep
    link before any session has run st.navigation."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["lang"] = "en"
    for key, value in state.items():
        at.session_state[key] = value
    for key, value in secrets.items():
        at.secrets[key] = value
    return at.run()


@pytest.mark.parametrize("page", EDITOR_PAGES)
def test_an_editor_page_run_on_its_own_asks_to_sign_in_first(demo, page):
    at = page_run_on_its_own(page, PASSWORD_SECRETS)
    assert not at.exception, at.exception
    assert at.text_input(key="signin-password")
    assert not editor_controls(at) and not at.metric and not at.dataframe


@pytest.mark.parametrize("page", EDITOR_PAGES)
def test_an_editor_page_run_on_its_own_never_shows_a_viewer_its_controls(demo, page):
    at = page_run_on_its_own(page, PASSWORD_SECRETS, user="taro", role="viewer")
    assert not at.exception, at.exception
    assert any("Signed in as taro (viewer)" in c.value for c in at.sidebar.caption)
    assert at.title[0].value == "Journey map"  # the router runs the viewer's default page instead
    assert not editor_controls(at)


@pytest.mark.parametrize("page", EDITOR_PAGES)
def test_an_editor_page_refuses_a_viewer_even_when_the_router_offers_it(demo, page, monkeypatch):
    from journey import ui

    every_page = ui.navigation_pages
    monkeypatch.setattr(ui, "navigation_pages", lambda role, lang: every_page("editor", lang))  # a routing bug
    at = sign_in(app_with(PASSWORD_SECRETS), "taro", "viewer password 1")
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert any("Only editors" in e.value for e in at.error)
    assert not editor_controls(at)


def test_viewer_cannot_change_data(demo):
    at = sign_in(app_with(PASSWORD_SECRETS), "taro", "viewer password 1")
    at.run()
    with connection.Database(demo).connect() as con:
        assert overview.counts(con)["imports"] == 3


def test_editor_can_import_and_delete(demo):
    at = sign_in(app_with(PASSWORD_SECRETS), "hanako", "correct horse battery")
    at.switch_page("pages/8_import.py").run()
    assert not at.exception, at.exception
    assert at.file_uploader and at.button(key="delete-go")


def test_open_mode_says_so(db_path):
    at = app_with({})
    at.run()
    assert any("serves this computer only" in c.value for c in at.sidebar.caption)


def test_no_secret_is_tracked_by_git():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ".streamlit/secrets.toml" not in tracked
    ignored = subprocess.run(["git", "check-ignore", ".streamlit/secrets.toml"], cwd=ROOT, capture_output=True, text=True)
    assert ignored.returncode == 0
    pattern = re.compile(r"(password_hash|client_secret|cookie_secret)\s*=\s*\"[^\"<>.]{8,}\"")
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".py", ".toml", ".md", ".txt", ".json", ".cfg", ".ini", ".yaml", ".yml"} and path.is_file():
            assert not pattern.search(path.read_text(encoding="utf-8", errors="ignore")), name


def test_oidc_mode_asks_to_sign_in_before_showing_anything(demo):
    at = app_with({"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                            "client_id": "journey", "client_secret": "not-a-real-secret",
                            "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration"}})
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in with your organisation account"]
    assert not at.metric and not at.dataframe


def test_every_page_file_is_routed_and_calls_the_gate_first():
    """Streamlit serves any file in pages/ by its URL before the router runs: each must be a known page and
    start with page_setup() (dashboard_setup() calls it first)."""
    import ast

    from journey import ui

    files = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    assert files == sorted(p.file for p in ui.PAGES)
    for name in files:
        tree = ast.parse((ROOT / "pages" / name).read_text(encoding="utf-8"))
        # Imports, the docstring and plain constants may come first; they run nothing.
        body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))
                and not (isinstance(n, (ast.Expr, ast.Assign)) and isinstance(n.value, ast.Constant))]
        first = body[0].value if isinstance(body[0], (ast.Assign, ast.Expr)) else None
        assert isinstance(first, ast.Call) and getattr(first.func, "id", None) in ("page_setup", "dashboard_setup"), name
        editor_only = any(k.arg == "editor_only" and getattr(k.value, "value", False) for k in first.keywords)
        assert editor_only == next(p.editor_only for p in ui.PAGES if p.file == name), name


# --- guesses limited, timing the same for every name, sign-in kept for the browser session ----------

from journey import throttle  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_throttle(monkeypatch):
    """Each test starts with no failed sign-ins on record (the server keeps one throttle for all sessions)."""
    monkeypatch.setattr(throttle, "SIGN_IN", throttle.Throttle())


def test_an_unknown_user_name_costs_the_same_hashing_as_a_known_one(monkeypatch):
    """A known name answered in 0.16 s and an unknown one in 0.005 s: names could be found by timing."""
    import hashlib

    calls = []
    real = hashlib.pbkdf2_hmac
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda name, pw, salt, n, *a: calls.append((name, n)) or
                        real(name, pw, salt, n, *a))
    config = auth.read_config(PASSWORD_SECRETS)
    auth.password_role(config, "hanako", "wrong password")
    known = calls[:]
    calls.clear()
    auth.password_role(config, "nobody-at-all", "wrong password")
    assert calls == known == [("sha256", 1000)]


def test_guesses_wait_longer_after_a_few_failures():
    limiter, keys, now = throttle.Throttle(), throttle.sign_in_keys("Hanako", "192.0.2.7"), 1000.0
    waits = [limiter.failed(keys, now) for _ in range(8)]
    assert waits[:4] == [0, 0, 0, 0] and waits[4:] == [5, 10, 20, 40]
    assert limiter.wait_s(keys, now + 39) == 1 and limiter.wait_s(keys, now + 41) == 0
    assert limiter.wait_s(throttle.sign_in_keys("hanako", "198.51.100.1"), now) == 40  # same name, another client
    assert limiter.wait_s(throttle.sign_in_keys("taro", "192.0.2.7"), now) == 40       # same client, another name
    limiter.succeeded(keys)
    assert limiter.wait_s(keys, now) == 0


def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(demo):
    """30 wrong passwords in a row (0.3 s each) and the 31st, right one, still signed in."""
    at = app_with(PASSWORD_SECRETS)
    for _ in range(30):
        sign_in(at, "hanako", "guess")
    assert any("Too many failed sign-ins" in e.value for e in at.error)
    sign_in(at, "hanako", "correct horse battery")
    assert not at.exception, at.exception
    assert any("Too many failed sign-ins" in e.value and "Try again in" in e.value for e in at.error)
    assert not at.metric and at.text_input(key="signin-password")  # still the sign-in form
    other_name = sign_in(app_with(PASSWORD_SECRETS), "taro", "viewer password 1")  # same client, other name
    assert any("Too many failed sign-ins" in e.value for e in other_name.error)


def test_a_sign_in_token_lasts_for_its_session_and_no_longer():
    config, key, now = auth.read_config(PASSWORD_SECRETS), b"k" * 32, 1_800_000_000.0
    token = auth.issue_token(key, config, "hanako", now)
    assert auth.token_user(key, config, token, now + 3600) == "hanako"
    assert auth.token_user(key, config, token, now + auth.SESSION_HOURS * 3600 + 1) is None   # too old
    assert auth.token_user(b"x" * 32, config, token, now) is None                             # another database
    payload, signature = token.split(".")
    assert auth.token_user(key, config, payload.replace("A", "B", 1) + "." + signature, now) is None  # altered
    changed = auth.read_config({"journey": {"users": {"hanako": {"password_hash": HASHES["taro"], "role": "editor"}}}})
    assert auth.token_user(key, changed, token, now) is None                                  # password changed
    assert auth.token_user(key, auth.read_config({"journey": {"users": {"taro": {}}}}), token, now) is None
    auth.revoke_token(token, now)
    assert auth.token_user(key, config, token, now + 60) is None                              # signed out
    for junk in (None, "", "abc", "a.b.c", "%%%.###"):
        assert auth.token_user(key, config, junk, now) is None
