"""An OAuth login from `truss login`: refreshed near expiry (or once after a 401), written back.

The refreshed pair goes back where it came from (the keyring, or the trussrc section), so the
next run of this tool and of truss both work. A refresh runs under a lock on the trussrc and
first re-reads the store: a run that waited while another refreshed adopts that run's tokens
instead of spending a refresh token that may be single-use.

The refresh token is sent to the token endpoint and nowhere else, and no token reaches any
output: `repr` of a login shows neither.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import trussrc
from .errors import ApiError, AuthError

TOKEN_PATH = "/v1/users/auth/device/token"
CLIENT_ID = "baseten-cli"
REFRESH_MARGIN_S = 60  # truss's leeway: refresh when less than this remains


@dataclass(frozen=True)
class Tokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float  # Unix seconds; 0 when unknown (then the first use refreshes)


def parse_expiry(value: object) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        return 0.0


def tokens_from(values: Mapping[str, Any]) -> Tokens:
    return Tokens(
        access_token=str(values.get("oauth_access_token") or "").strip(),
        refresh_token=str(values.get("oauth_refresh_token") or "").strip(),
        expires_at=parse_expiry(values.get("oauth_expires_at")),
    )


class OAuthLogin:
    """The `Auth` an ApiClient asks for each request's Authorization header (thread-safe)."""

    def __init__(
        self,
        *,
        remote: str,
        path: Path,
        store: str,  # "keyring" or "trussrc"
        tokens: Tokens,
        api_url: str,  # the login's own API, where its token endpoint is
        env: Mapping[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.remote = remote
        self.path = path
        self.store = store
        self.api_url = api_url
        self.log: Callable[[str], None] | None = None
        self.warn: Callable[[str], None] = lambda message: None
        self._tokens = tokens
        self._env = env
        self._clock = clock
        self._lock = threading.Lock()
        self._from_a_401: set[str] = set()
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"OAuthLogin(remote={self.remote!r}, store={self.store!r})"

    @property
    def expires_at(self) -> float:
        return self._tokens.expires_at

    @property
    def describe(self) -> str:
        where = "keyring" if self.store == "keyring" else str(self.path)
        return f"oauth login of remote {self.remote!r} ({where})"

    def fresh(self) -> bool:
        """Usable as it is, with no refresh (completion never refreshes: it may be abandoned)."""
        with self._lock:
            return not self._needs_refresh()

    # --- the client's hook ----------------------------------------------------------------
    def header(self) -> str:
        """The Authorization value for the next request, refreshed first when near expiry."""
        with self._lock:
            if self._needs_refresh():
                self._refresh(self._tokens.access_token)
            return f"Bearer {self._tokens.access_token}"

    def refused(self, sent: str) -> bool:
        """After a 401 to `sent`: True when there is another token to retry with, once.

        Another thread may have refreshed meanwhile; otherwise refresh, unless the refused
        token is itself what a refresh after a 401 gave (the login is bad: no loop).
        """
        with self._lock:
            current = f"Bearer {self._tokens.access_token}"
            if sent != current:
                return True
            if self._tokens.access_token in self._from_a_401 or not self._tokens.refresh_token:
                return False
            self._refresh(self._tokens.access_token)
            self._from_a_401.add(self._tokens.access_token)
            return True

    # --- refreshing -----------------------------------------------------------------------
    def _needs_refresh(self) -> bool:
        tokens = self._tokens
        if not tokens.access_token:
            return True
        return bool(tokens.refresh_token) and tokens.expires_at - self._clock() < REFRESH_MARGIN_S

    def _refresh(self, stale: str) -> None:
        with contextlib.ExitStack() as stack:
            with contextlib.suppress(OSError):  # the file went away: refresh all the same
                stack.enter_context(trussrc.locked(self.path))
            stored = self._stored()
            if (
                stored is not None
                and stored.access_token
                and stored.access_token != stale
                and stored.expires_at - self._clock() >= REFRESH_MARGIN_S
            ):
                self._tokens = stored  # another run refreshed while this one waited
                return
            refresh_token = (stored.refresh_token if stored else "") or self._tokens.refresh_token
            self._tokens = self._post_refresh(refresh_token)
            self.refreshes += 1
            self._save()

    def _expired(self) -> AuthError:
        return AuthError(f"the login for remote {self.remote!r} has expired; run truss login")

    def _post_refresh(self, refresh_token: str) -> Tokens:
        from .client import post_form

        if not refresh_token:
            raise self._expired()
        status, body = post_form(
            self.api_url,
            TOKEN_PATH,
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": CLIENT_ID,
            },
            log=self.log,
        )
        if status in (400, 401, 403):
            raise self._expired()
        if status != 200 or not isinstance(body, dict):
            raise ApiError(
                f"could not refresh the login for remote {self.remote!r}: HTTP {status}",
                hint="try again in a moment",
            )
        access, refresh, expires_in = (
            body.get("access_token"),
            body.get("refresh_token"),
            body.get("expires_in"),
        )
        usable = isinstance(access, str) and access.isascii() and access.isprintable()
        if not usable or not access or " " in access or not isinstance(expires_in, int | float):
            raise ApiError(
                f"the token endpoint's answer for remote {self.remote!r} has no usable token",
                hint="please report this with -v output",
            )
        new_refresh = refresh if isinstance(refresh, str) and refresh else refresh_token
        tokens = Tokens(access, new_refresh, float(int(self._clock()) + int(expires_in)))
        if self.log is not None:
            self.log(f"refreshed the {self.describe}: {int(expires_in) // 60} min to go")
        return tokens

    def _stored(self) -> Tokens | None:
        """The tokens as the store holds them now (None when they cannot be read)."""
        try:
            if self.store == "keyring":
                return tokens_from(trussrc.read_keyring(self.remote, "oauth", self._env))
            sections = trussrc.read_sections(self.path) or {}
            section = sections.get(self.remote)
            return tokens_from(section) if section else None
        except Exception:
            return None

    def _save(self) -> None:
        tokens = self._tokens
        values = {
            "oauth_access_token": tokens.access_token,
            "oauth_refresh_token": tokens.refresh_token,
            "oauth_expires_at": str(int(tokens.expires_at)),
        }
        try:
            if self.store == "keyring":
                trussrc.write_keyring(self.remote, {"auth_type": "oauth", **values})
            else:
                trussrc.update_section(self.path, self.remote, values)
        except Exception as exc:  # this run goes on; the next one may need truss login
            where = "the keyring" if self.store == "keyring" else str(self.path)
            self.warn(
                f"could not save the refreshed login of remote {self.remote!r} to {where} "
                f"({exc.__class__.__name__}); if the next run fails, run truss login"
            )
