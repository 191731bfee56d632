"""Limits on password guesses, per user name and per client: a few free tries, then a wait that doubles
with each further failure (the 31st password in a row, even the right one, no longer signs in at once).

One Throttle serves every session of the server process (module-level SIGN_IN); state lives in memory
and is lost on restart, which only ever gives an attacker a fresh, equally slow start.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

FREE_TRIES = 5
FIRST_WAIT_S = 5.0
MAX_WAIT_S = 15 * 60.0
FORGET_AFTER_S = 60 * 60.0   # a key with no failure for an hour starts afresh
MAX_KEYS = 10_000            # bounded memory under a flood of made-up names


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    blocked_until: float = 0.0


@dataclass
class Throttle:
    """Failures per key ("user:hanako", "client:192.0.2.7") and how long each key must wait."""

    free_tries: int = FREE_TRIES
    first_wait_s: float = FIRST_WAIT_S
    max_wait_s: float = MAX_WAIT_S
    _keys: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_s(self, keys: list[str], now: float | None = None) -> float:
        """Seconds until any of `keys` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return max([self._keys[k].blocked_until - now for k in keys if k in self._keys] + [0.0])

    def failed(self, keys: list[str], now: float | None = None) -> float:
        """Record a failed try for each key; returns the wait that now applies."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget(now)
            for key in keys:
                entry = self._keys.setdefault(key, _Failures())
                entry.count, entry.last = entry.count + 1, now
                extra = entry.count - self.free_tries
                if extra >= 0:
                    entry.blocked_until = now + min(self.first_wait_s * 2 ** extra, self.max_wait_s)
        return self.wait_s(keys, now)

    def succeeded(self, keys: list[str]) -> None:
        """A right password: these keys start afresh."""
        with self._lock:
            for key in keys:
                self._keys.pop(key, None)

    def _forget(self, now: float) -> None:
        stale = [k for k, e in self._keys.items() if now - e.last > FORGET_AFTER_S and e.blocked_until < now]
        for key in stale:
            del self._keys[key]
        while len(self._keys) >= MAX_KEYS:
            del self._keys[min(self._keys, key=lambda k: self._keys[k].last)]


SIGN_IN = Throttle()


def sign_in_keys(user: str, client: str | None) -> list[str]:
    """The keys one password try counts against: the user name (as typed, case-folded) and the client."""
    return [f"user:{user.strip().casefold()}", f"client:{client or 'this computer'}"]
