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
import functools
import hashlib
import hmac
import json
import secrets
import threading
import time
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
    """The role of `user` when the password is right, else None.

    Takes as long for a user name that does not exist as for one that does: the password is checked
    against a stand-in hash with the configured users' iteration count (a name answered in 0.005 s
    against 0.16 s for a real one, so names could be found by timing).
    """
    entry = config.users.get(user)
    stored = str(entry.get("password_hash", "")) if entry else _stand_in_hash(_iterations(config))
    if not verify_password(password, stored) or not entry:
        return None
    return user_role(config, user)


def user_role(config: AuthConfig, user: str) -> str:
    """The role a configured password user has (viewer unless set to a known role)."""
    role = str(config.users.get(user, {}).get("role", "viewer"))
    return role if role in ROLES else "viewer"


def _iterations(config: AuthConfig) -> int:
    """The largest PBKDF2 iteration count among the configured users (the default when none is readable)."""
    counts = []
    for entry in config.users.values():
        parts = str(entry.get("password_hash", "")).split("$")
        if len(parts) == 4 and parts[1].isdigit():
            counts.append(int(parts[1]))
    return max(counts, default=_ITERATIONS)


@functools.lru_cache(maxsize=8)
def _stand_in_hash(iterations: int) -> str:
    """A hash of a random password, checked in place of a user that does not exist."""
    return hash_password(secrets.token_urlsafe(16), iterations)


# --- the sign-in cookie -----------------------------------------------------------------------------
# A password sign-in lasts as long as the browser's session cookie (and at most SESSION_HOURS): the
# cookie holds the user name, when they signed in, a nonce and a fingerprint of their password hash,
# signed with the database's own key. Changing the password, or signing out, ends it.

COOKIE = "journey_session"
SESSION_HOURS = 12
_revoked: dict[str, float] = {}   # nonce → when its token would have expired (signed-out cookies)
_revoked_lock = threading.Lock()


def issue_token(key: bytes, config: AuthConfig, user: str, now: float | None = None) -> str:
    """A signed sign-in token for `user` (who must exist in `config`)."""
    body = {"u": user, "t": int(now if now is not None else time.time()), "n": secrets.token_urlsafe(12),
            "f": _fingerprint(config.users[user])}
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def token_user(key: bytes, config: AuthConfig, token: str | None, now: float | None = None,
               hours: float = SESSION_HOURS) -> str | None:
    """The user a token signs in, or None: bad signature, expired, signed out, or the user's password
    (or the user) changed since it was issued."""
    if not token or token.count(".") != 1:
        return None
    payload, signature = token.split(".")
    if not hmac.compare_digest(_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest()), signature):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        user, issued, nonce, fingerprint = body["u"], float(body["t"]), str(body["n"]), body["f"]
    except (ValueError, KeyError, TypeError):
        return None
    now = now if now is not None else time.time()
    entry = config.users.get(user)
    with _revoked_lock:
        revoked = nonce in _revoked
    if entry is None or revoked or not 0 <= now - issued <= hours * 3600 or fingerprint != _fingerprint(entry):
        return None
    return user


def revoke_token(token: str | None, now: float | None = None) -> None:
    """Sign a token out in this process: it is refused from now on (until it would have expired anyway)."""
    try:
        payload = token.split(".")[0]
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (AttributeError, ValueError, TypeError):
        return
    now = now if now is not None else time.time()
    with _revoked_lock:
        for nonce in [n for n, until in _revoked.items() if until < now]:
            del _revoked[nonce]
        _revoked[str(body.get("n"))] = float(body.get("t", now)) + SESSION_HOURS * 3600


def _fingerprint(entry: dict) -> str:
    return hashlib.sha256(str(entry.get("password_hash", "")).encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def oidc_role(config: AuthConfig, email: str | None) -> str:
    """Role of a signed-in OIDC user: from [journey.roles] by e-mail, viewer otherwise."""
    role = config.roles.get((email or "").lower(), "viewer")
    return role if role in ROLES else "viewer"
