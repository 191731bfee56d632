"""Per-database secrets: random keys made once for each database file and kept in it (app_secrets), and
the pseudonyms made with them.

A customer's pseudonym in an export is an HMAC of the customer column under this database's own key, so
hashing a guessed e-mail address finds nothing (an unsalted SHA-256 prefix did), while one customer's
comments still share one pseudonym within the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import duckdb

from journey.store.connection import scalar

PSEUDONYM_KEY = "customer_pseudonym"
SIGN_IN_KEY = "sign_in_cookie"


def secret(con: duckdb.DuckDBPyConnection, name: str) -> bytes:
    """The database's key called `name` (32 random bytes), made on first use."""
    value = scalar(con, "SELECT value FROM app_secrets WHERE name = ?", [name])
    if value is None:
        con.execute("INSERT INTO app_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                    [name, secrets.token_hex(32)])
        value = scalar(con, "SELECT value FROM app_secrets WHERE name = ?", [name])
    return bytes.fromhex(value)


def pseudonym(key: bytes, value: str) -> str:
    """A stable stand-in for `value` under `key`: 16 hex characters of HMAC-SHA256."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
