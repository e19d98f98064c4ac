"""Where the API key and URL come from, in documented precedence."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from baseten_logs.access.login import OAuthLogin, read_login
from baseten_logs.access.trussrc import read_keyring, read_sections, trussrc_path
from baseten_logs.api.masking import mask_key, mask_url
from baseten_logs.api.urls import DEFAULT_API_URL, is_loopback
from baseten_logs.base.errors import ConfigError, UsageError

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_REMOTE",
    "PAIR_KEY_ENV",
    "PAIR_URL_ENV",
    "Credentials",
    "app_url_to_api_url",
    "check_api_url",
    "is_loopback",
    "mask_key",
    "mask_url",
    "resolve_credentials",
    "trussrc_path",
]

DEFAULT_REMOTE = "baseten"
# truss's way to run without files (CI): the two together define a remote.
PAIR_URL_ENV = "BASETEN_TRUSS_AUTH_REMOTE_URL"
PAIR_KEY_ENV = "BASETEN_TRUSS_AUTH_API_KEY"
# App hosts whose API is not simply api.<the rest>; truss maps them the same way.
_API_HOSTS = {"app.dev.baseten.co": "api.mc-dev.baseten.co"}


@dataclass(frozen=True)
class Credentials:
    api_key: str  # an API key, or an OAuth login's access token when it was read
    api_url: str
    key_source: str  # for `whoami` and error hints: never the key itself
    url_source: str
    # An OAuth login refreshes itself; clients ask it for each request's header.
    login: OAuthLogin | None = field(default=None, compare=False)

    @property
    def form(self) -> str:
        return "oauth" if self.login is not None else "api_key"

    @property
    def identity(self) -> str:
        """What tells accounts apart (the cache's key): an access token changes on refresh."""
        if self.login is not None:
            return f"oauth\0{self.login.path}\0{self.login.remote}"
        return self.api_key


def app_url_to_api_url(url: str) -> str:
    """Truss stores the app URL (https://app.baseten.co); the API lives at api.<domain>."""
    parts = urlsplit(url.strip())
    host = parts.netloc
    userinfo, at, hostport = host.rpartition("@")
    hostname, colon, port = hostport.partition(":")
    if hostname.lower() in _API_HOSTS:
        hostport = _API_HOSTS[hostname.lower()] + colon + port
    elif hostport.startswith("app."):
        hostport = "api." + hostport[len("app.") :]
    return f"{parts.scheme or 'https'}://{userinfo}{at}{hostport}"


def _app_to_api(url: str) -> str | None:
    """The API URL for one of Baseten's own web-app URLs (app.baseten.co), else None.

    Only Baseten's hosts: an `app.` host elsewhere given as --api-url may be the user's own
    proxy, and is taken as given. (A trussrc holds an app URL by design: that one always maps.)
    """
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None  # check_api_url words it
    baseten = host == "baseten.co" or host.endswith(".baseten.co")
    if host in _API_HOSTS or (baseten and host.startswith("app.")):
        return app_url_to_api_url(url)
    return None


def check_api_url(url: str, *, source: str = "--api-url") -> str:
    shown = mask_url(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise UsageError(source, f"{shown!r} is not an http(s) URL", hint=f"e.g. {DEFAULT_API_URL}")
    if parts.scheme == "http" and not is_loopback(host):
        # The key would cross the network in clear; only this machine may be spoken to so.
        raise UsageError(
            source,
            f"{shown!r} would send the API key unencrypted to {host}",
            hint="use https://",
        )
    try:
        parts.port  # noqa: B018  # raises for a port outside 0-65535 or not a number
    except ValueError:
        raise UsageError(
            source, f"{shown!r} has an invalid port", hint="a port is a number from 1 to 65535"
        ) from None
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        # Refused, not trimmed: every request would go to /v1/v1/..., and a URL that is
        # quietly rewritten once is rewritten, unseen, on every run after.
        fixed = urlunsplit(parts._replace(path=path.removesuffix("/v1")))
        raise UsageError(
            source,
            f"{shown!r} ends in /v1, which baseten-logs adds to every path itself",
            hint=f"use {mask_url(fixed)}",
        )
    return url.rstrip("/")


@dataclass
class _Section:
    """The trussrc section of `remote`, read at most once and only when a source needs it."""

    path: Path
    remote: str
    env: Mapping[str, str]
    checked: list[str]
    _sections: dict[str, dict[str, str]] | None = None
    _read: bool = False

    @property
    def label(self) -> str:
        return f"{self.path} [{self.remote}]"

    def values(self) -> dict[str, str] | None:
        if not self._read:
            self._read = True
            self._sections = read_sections(self.path)
            if self._sections is None:
                self.checked.append(f"{self.path}: no such file")
            elif self.remote not in self._sections:
                names = ", ".join(self._sections) or "none"
                self.checked.append(f"{self.label}: no such section (sections: {names})")
        return (self._sections or {}).get(self.remote)

    def missing_section(self) -> bool:
        return self._sections is not None and self.remote not in self._sections

    def url(self) -> str | None:
        url = (self.values() or {}).get("remote_url", "").strip()
        return app_url_to_api_url(url) if url else None

    def key(self) -> tuple[str, str, OAuthLogin | None] | None:
        """(secret, source, login): an inline key, a keyring key, or an OAuth login."""
        values = self.values()
        if values is None:
            return None
        auth_type = values.get("auth_type", "").strip()
        if auth_type == "oauth":
            return self._oauth(values)
        if values.get("api_key"):
            return values["api_key"], self.label, None
        if auth_type == "api_key":
            stored = read_keyring(self.remote, "api_key", self.env).get("api_key")
            if not isinstance(stored, str) or not stored:
                raise ConfigError(
                    f"the keyring's entry for remote {self.remote!r} has no key",
                    hint="run truss login",
                )
            return stored, f"keyring (baseten-truss, {self.remote})", None
        self.checked.append(f"{self.label}: no api_key")
        return None

    def _oauth(self, values: dict[str, str]) -> tuple[str, str, OAuthLogin]:
        tokens, store = read_login(self.remote, values, self.env)  # exactly as truss reads it
        if not (tokens.access_token or tokens.refresh_token):
            raise ConfigError(
                f"the oauth login of remote {self.remote!r} holds no token", hint="run truss login"
            )
        url = self.url() or DEFAULT_API_URL
        login = OAuthLogin(
            remote=self.remote,
            path=self.path,
            store=store,
            tokens=tokens,
            api_url=check_api_url(url, source=self.label),
            env=self.env,
        )
        return tokens.access_token, login.describe, login


def _pair(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """truss's environment remote (app URL, key), None when unset; half of it is bad input."""
    url, key = environ.get(PAIR_URL_ENV, "").strip(), environ.get(PAIR_KEY_ENV, "").strip()
    if not url and not key:
        return None
    if not url or not key:
        present, missing = (PAIR_KEY_ENV, PAIR_URL_ENV) if key else (PAIR_URL_ENV, PAIR_KEY_ENV)
        raise ConfigError(
            f"{present} is set but {missing} is not", hint=f"set {missing} too, or unset {present}"
        )
    return app_url_to_api_url(url), key


def resolve_credentials(
    *,
    api_key: str | None,
    api_url: str | None,
    remote: str = DEFAULT_REMOTE,
    env: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = lambda message: None,
    checked: list[str] | None = None,
) -> Credentials:
    """Key: --api-key > BASETEN_API_KEY > truss's environment pair > the trussrc section.

    URL: --api-url > BASETEN_API_URL > the pair's > the section's remote_url > the default.
    A source is read only when every source above it is empty, so a broken trussrc matters
    only when it is needed. `checked` collects what was looked at, for `whoami`.
    """
    environ = os.environ if env is None else env
    seen: list[str] = [] if checked is None else checked
    section = _Section(trussrc_path(environ), remote, environ, seen)
    pair: tuple[str, str] | None = None
    pair_read = False

    def read_pair() -> tuple[str, str] | None:
        nonlocal pair, pair_read
        if not pair_read:
            pair_read = True
            pair = _pair(environ)
            if pair is None:
                seen.append(f"{PAIR_URL_ENV} + {PAIR_KEY_ENV}: not set")
            elif remote != DEFAULT_REMOTE:
                warn(f"--remote {remote} is ignored: {PAIR_URL_ENV} and {PAIR_KEY_ENV} are set")
        return pair

    # The key, highest first: the flag, the environment, truss's pair, the trussrc section.
    key = ""
    key_source = ""
    login: OAuthLogin | None = None
    if api_key:
        key, key_source = api_key, "--api-key"
    else:
        seen.append("--api-key: not given")
        if environ.get("BASETEN_API_KEY"):
            key, key_source = environ["BASETEN_API_KEY"], "BASETEN_API_KEY"
        else:
            seen.append("BASETEN_API_KEY: not set")
            if (found := read_pair()) is not None:
                key, key_source = found[1], PAIR_KEY_ENV
            elif (from_file := section.key()) is not None:
                key, key_source, login = from_file
    if key_source:
        seen.append(f"key: {key_source}")

    def pair_url() -> str | None:
        found = read_pair()
        return found[0] if found else None

    # The URL: the same order; the default last.
    url_candidates: tuple[tuple[Callable[[], str | None], str], ...] = (
        (lambda: api_url, "--api-url"),
        (lambda: environ.get("BASETEN_API_URL"), "BASETEN_API_URL"),
        (pair_url, PAIR_URL_ENV),
        (section.url, section.label),
        (lambda: DEFAULT_API_URL, "default"),
    )
    url, url_source = next((u, s) for get, s in url_candidates if (u := get()))
    mapped = ""
    if url_source in ("--api-url", "BASETEN_API_URL") and (api := _app_to_api(url)) is not None:
        # The address bar's URL, as truss's own setting holds it: its API is certain.
        warn(f"{url_source} {mask_url(url)} is Baseten's web app; using its API, {api}")
        mapped, url = f" (mapped from the app URL {mask_url(url)})", api
    seen.append(f"API URL: {mask_url(url)} from {url_source}{mapped}")

    path = section.path
    inline = key_source == section.label or (login is not None and login.store == "trussrc")
    if inline and path.stat().st_mode & stat.S_IROTH:
        warn(f"{path} holds an API key or login and is readable by everyone: chmod 600 {path}")
    if not key and login is None:
        if section.missing_section():
            raise ConfigError(
                f"no API key: {path} has no section [{remote}]",
                hint="check --remote, or run `truss login`",
            )
        raise ConfigError(
            "no API key",
            hint=f"set BASETEN_API_KEY, pass --api-key, or run `truss login` to write {path}",
        )
    key = key.strip()
    if key and (not (key.isascii() and key.isprintable()) or any(ch.isspace() for ch in key)):
        # It would fail in the HTTP header (a crash, or retries against a "down" API); the
        # message never repeats the key.
        raise ConfigError(
            f"the API key from {key_source} has a space, a control or a non-ASCII character",
            hint="copy it again: a pasted key can carry a stray character",
        )
    if login is not None:
        login.warn = warn
    return Credentials(
        api_key=key,
        api_url=check_api_url(url, source=url_source),
        key_source=key_source,
        url_source=url_source,
        login=login,
    )
