"""Who may do what: roles, password hashes, and reading the sign-in settings from secrets.

Roles: "editor" may import, delete, tag and edit the taxonomy; "viewer" may look and filter. Settings live
in .streamlit/secrets.toml (never in the repository):

    [auth]                      # Streamlit's built-in OIDC sign-in (st.login), optional
    redirect_uri = "http://localhost:8501/oauth2callback"
    cookie_secret = "..."
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://accounts.example.com/.well-known/openid-configuration"

    [journey.roles]             # with OIDC: e-mail → role; everyone else signed in is a viewer
    "owner@example.com" = "editor"

    [journey.users.hanako]      # password sign-in for a laptop or office server without an identity provider
    password_hash = "pbkdf2_sha256$600000$..."   # python -m journey hash-password
    role = "editor"
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

ROLES = ("viewer", "editor")
_ITERATIONS = 600_000  # OWASP 2023 guidance for PBKDF2-HMAC-SHA256


def hash_password(password: str, iterations: int = _ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash in the form pbkdf2_sha256$iterations$salt$hash (as Django stores them)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return "$".join(["pbkdf2_sha256", str(iterations), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()])


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored`; constant-time comparison; False for malformed hashes."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        computed = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
        return hmac.compare_digest(computed, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


@dataclass(frozen=True)
class AuthConfig:
    """What the secrets configure: OIDC, password users, or neither (open on this computer)."""

    oidc: bool
    users: dict[str, dict]
    roles: dict[str, str]

    @property
    def mode(self) -> str:
        return "oidc" if self.oidc else "password" if self.users else "open"


def read_config(secrets_: Mapping) -> AuthConfig:
    """Read sign-in settings from a secrets mapping (st.secrets or a plain dict in tests)."""
    auth = secrets_.get("auth", {}) if hasattr(secrets_, "get") else {}
    journey = secrets_.get("journey", {}) if hasattr(secrets_, "get") else {}
    oidc = bool(auth and auth.get("client_id") and (auth.get("server_metadata_url") or
                                                   any(isinstance(v, Mapping) for v in auth.values())))
    users = {str(name): dict(value) for name, value in dict(journey.get("users", {})).items()}
    roles = {str(k).lower(): str(v) for k, v in dict(journey.get("roles", {})).items()}
    return AuthConfig(oidc, users, roles)


def password_role(config: AuthConfig, user: str, password: str) -> str | None:
    """The role of `user` when the password is right, else None."""
    entry = config.users.get(user)
    if not entry or not verify_password(password, str(entry.get("password_hash", ""))):
        return None
    role = str(entry.get("role", "viewer"))
    return role if role in ROLES else "viewer"


def oidc_role(config: AuthConfig, email: str | None) -> str:
    """Role of a signed-in OIDC user: from [journey.roles] by e-mail, viewer otherwise."""
    role = config.roles.get((email or "").lower(), "viewer")
    return role if role in ROLES else "viewer"
