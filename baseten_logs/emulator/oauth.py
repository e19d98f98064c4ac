"""OAuth logins as the real API keeps them: access tokens that expire, refresh tokens that rotate.

`truss login` gets its first pair through a browser; the emulator hands one out directly
(`Emulator.oauth_login`). The token endpoint takes the refresh grant only, and each refresh
token works once.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any

CLIENT_ID = "baseten-cli"


class OAuthTokens:
    """Issued tokens, their expiry (emulator clock) and the refresh tokens still unused."""

    def __init__(self, ttl_s: float, clock: Callable[[], float]) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}
        self._refresh: set[str] = set()
        self.refreshes = 0

    def issue(self, expires_in: float | None = None) -> dict[str, Any]:
        """A new pair, as the token endpoint answers it."""
        lifetime = self.ttl_s if expires_in is None else expires_in
        access = "emu-oauth-" + secrets.token_urlsafe(24)
        refresh = "emu-refresh-" + secrets.token_urlsafe(24)
        with self._lock:
            self._access[access] = self._clock() + lifetime
            self._refresh.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": int(lifetime),
            "token_type": "Bearer",
        }

    def valid(self, access: str) -> bool | None:
        """True while `access` lives, False once expired, None if it was never issued."""
        with self._lock:
            expires = self._access.get(access)
        return None if expires is None else expires > self._clock()

    def refresh(self, refresh_token: str) -> dict[str, Any] | None:
        """A new pair for an unused refresh token (which is then spent), else None."""
        with self._lock:
            if refresh_token not in self._refresh:
                return None
            self._refresh.discard(refresh_token)
            self.refreshes += 1
        return self.issue()

    def revoke_all(self) -> None:
        """Every refresh token stops working (a logout elsewhere, an expired session)."""
        with self._lock:
            self._refresh.clear()
