"""An OAuth login from `truss login`: refreshed near expiry (or once after a 401), written back.

A login is read and saved exactly as truss reads and saves it (see trussrc.py), so the next
run of this tool and of truss both work, and agree on which tokens are current: inline only when
the section holds all three `oauth_*` keys, else from the keyring (what the section lacks); a
refreshed pair goes into the keyring whenever one is usable (the section's inline secrets then
taken out, or truss would go on reading their spent refresh token), else into the section.
A refresh runs under a lock on the trussrc and first re-reads the login the same way: a run that
waited while another refreshed adopts that run's tokens instead of spending a refresh token that
may be single-use.

The refresh token is sent to the token endpoint and nowhere else, and no token reaches any
output: `repr` of a login shows neither.

The token endpoint's answer is untrusted like any other: read within the size cap and the
deadline (client.post_form), its tokens accepted only as printable ASCII without spaces and of
a sane length (one with a line break would be written into the trussrc as a section of its
own), and a lifetime that is not a sane number of seconds read as unknown: this run refreshes
again after UNKNOWN_LIFETIME_S (or a 401), and the store is told expiry 0, so the next run
refreshes first.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baseten_logs.access import trussrc
from baseten_logs.api.limits import limits_from
from baseten_logs.base.errors import ApiError, AuthError

TOKEN_PATH = "/v1/users/auth/device/token"
CLIENT_ID = "baseten-cli"
REFRESH_MARGIN_S = 60  # truss's leeway: refresh when less than this remains
MAX_TOKEN_CHARS = 8192  # what a server takes in one header line; JWTs are a few hundred
MAX_LIFETIME_S = 366 * 86400  # an access token's lifetime longer than a year is nonsense
UNKNOWN_LIFETIME_S = 600  # how long a token issued with no sane lifetime is used by this run


@dataclass(frozen=True)
class Tokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float  # Unix seconds; 0 when unknown (then the first use refreshes)
    # False for a token issued with no sane lifetime: `expires_at` is this run's guess, and
    # the store is told 0 (unknown), so the next run refreshes first.
    lifetime_known: bool = True


def usable_token(value: object) -> str | None:
    """`value` as a token, or None: printable ASCII without spaces, at most MAX_TOKEN_CHARS.

    Anything else could not be sent in a header, or would break the trussrc it is saved in."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TOKEN_CHARS:
        return None
    if not (value.isascii() and value.isprintable()) or " " in value:
        return None
    return value


def lifetime(value: object) -> float | None:
    """An answer's `expires_in` as seconds, or None when it is not a sane lifetime: not a
    number (or a numeric string), not finite (`NaN`, `1e999`), no longer than the refresh
    margin (it would refresh at every request), or longer than MAX_LIFETIME_S."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value) if isinstance(value, int | float | str) else math.nan
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(seconds) or not REFRESH_MARGIN_S < seconds <= MAX_LIFETIME_S:
        return None
    return seconds


def parse_expiry(value: object) -> float:
    """A stored `oauth_expires_at`; 0 (unknown: refresh first) unless a finite number."""
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) else 0.0


def tokens_from(values: Mapping[str, Any]) -> Tokens:
    return Tokens(
        access_token=str(values.get("oauth_access_token") or "").strip(),
        refresh_token=str(values.get("oauth_refresh_token") or "").strip(),
        expires_at=parse_expiry(values.get("oauth_expires_at")),
    )


def read_login(
    remote: str, values: Mapping[str, str], env: Mapping[str, str]
) -> tuple[Tokens, str]:
    """(tokens, "trussrc" or "keyring") of an `auth_type = oauth` section, as truss reads it:
    inline when all three keys are there (even empty), else the keyring's entry fills in what
    the section lacks (ConfigError when the keyring cannot be read)."""
    if all(key in values for key in trussrc.OAUTH_KEYS):
        return tokens_from(values), "trussrc"
    stored = trussrc.read_keyring(remote, "oauth", env)
    merged = {key: values[key] if key in values else stored.get(key) for key in trussrc.OAUTH_KEYS}
    return tokens_from(merged), "keyring"


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
        return f"{type(self).__name__}(remote={self.remote!r}, store={self.store!r})"

    @property
    def subject(self) -> str:
        """Whose login this is, in messages: a subclass for another store names its own."""
        return f"remote {self.remote!r}"

    @property
    def relogin(self) -> str:
        """The command that writes a new login into this store."""
        return "truss login"

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
        return AuthError(f"the login for {self.subject} has expired; run {self.relogin}")

    def _post_refresh(self, refresh_token: str) -> Tokens:
        from baseten_logs.api.client import post_form

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
            limits=limits_from(self._env),
            log=self.log,
        )
        if status in (400, 401, 403):
            raise self._expired()
        if status != 200 or not isinstance(body, dict):
            raise ApiError(
                f"could not refresh the login for {self.subject}: HTTP {status}",
                hint="try again in a moment",
            )
        access = usable_token(body.get("access_token"))
        # No refresh token in the answer keeps the one sent (RFC 6749 lets servers omit it).
        given = body.get("refresh_token")
        new_refresh = refresh_token if given is None or given == "" else usable_token(given)
        if access is None or new_refresh is None:
            # Nothing is saved: the login in the store stays as it was.
            raise AuthError(
                f"the token endpoint's answer for {self.subject} has no usable token",
                hint=f"run {self.relogin}; if this happens again, please report it with -v output",
            )
        seconds = lifetime(body.get("expires_in"))
        known = seconds is not None
        expires_at = float(int(self._clock()) + int(seconds or UNKNOWN_LIFETIME_S))
        tokens = Tokens(access, new_refresh, expires_at, lifetime_known=known)
        if self.log is not None:
            told = f"{int(seconds) // 60} min to go" if seconds else "its lifetime is unknown"
            self.log(f"refreshed the {self.describe}: {told}")
        return tokens

    def _stored(self) -> Tokens | None:
        """The tokens as the store holds them now (None when they cannot be read)."""
        try:
            section = (trussrc.read_sections(self.path) or {}).get(self.remote)
            return read_login(self.remote, section, self._env)[0] if section else None
        except Exception:
            return None

    def _save(self) -> None:
        tokens = self._tokens
        values = {
            "oauth_access_token": tokens.access_token,
            "oauth_refresh_token": tokens.refresh_token,
            "oauth_expires_at": str(int(tokens.expires_at) if tokens.lifetime_known else 0),
        }
        where = str(self.path)
        try:
            if trussrc.keyring_usable(self._env) and self._into_keyring(values):
                self.store = "keyring"
                return
            trussrc.update_section(self.path, self.remote, values)
            self.store = "trussrc"
        except Exception as exc:  # this run goes on; the next one may need truss login
            self.warn(
                f"could not save the refreshed login of remote {self.remote!r} to {where} "
                f"({exc.__class__.__name__}); if the next run fails, run truss login"
            )

    def _into_keyring(self, values: Mapping[str, str]) -> bool:
        """The login into the keyring, then the section's inline secrets out of it, as truss
        saves a login; False when the keyring refused it (then the section holds it)."""
        try:
            trussrc.write_keyring(self.remote, {"auth_type": "oauth", **values})
        except Exception:
            return False
        section = (trussrc.read_sections(self.path) or {}).get(self.remote, {})
        if any(key in section for key in trussrc.INLINE_SECRETS):
            trussrc.update_section(self.path, self.remote, {}, remove=trussrc.INLINE_SECRETS)
        return True
