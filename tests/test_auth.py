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
    for page in ("views/import.py", "views/review.py", "views/taxonomy.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)  # not registered for a viewer: no URL leads there


@pytest.mark.parametrize("page", ["views/import.py", "views/review.py", "views/taxonomy.py"])
def test_editor_pages_refuse_a_viewer_even_when_run_directly(demo, page):
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["role"] = "viewer"
    at.run()
    assert any("Only editors" in e.value for e in at.error)
    assert not at.file_uploader and not at.button


def test_viewer_cannot_change_data(demo):
    at = sign_in(app_with(PASSWORD_SECRETS), "taro", "viewer password 1")
    at.run()
    with connection.Database(demo).connect() as con:
        assert overview.counts(con)["imports"] == 3


def test_editor_can_import_and_delete(demo):
    at = sign_in(app_with(PASSWORD_SECRETS), "hanako", "correct horse battery")
    at.switch_page("views/import.py").run()
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
