"""Where the API key and URL come from, in documented precedence."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from baseten_logs.access import baseten_cli
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
    "PRECEDENCE",
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
# Where a key comes from, highest first: README's "Credentials" and `whoami` show this.
PRECEDENCE = (
    "--api-key",
    "BASETEN_API_KEY",
    f"{PAIR_URL_ENV} + {PAIR_KEY_ENV}",
    "--profile (a baseten CLI profile) or --remote (a ~/.trussrc section)",
    baseten_cli.PROFILE_ENV,
    "~/.trussrc [baseten]",
    "the baseten CLI's current profile (auth.json)",
)
MAX_NAMES_SHOWN = 20
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
    # Which store the key came from: "--api-key", "environment", "trussrc" or "baseten-cli";
    # and, for the last, the profile's name and what chose it.
    store: str = "environment"
    profile: str | None = None
    chosen_by: str | None = None

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


@dataclass
class _Profile:
    """A `baseten` CLI profile (`name`, or auth.json's current when None), read at most once
    and only when a source needs it."""

    path: Path
    name: str | None
    chosen_by: str  # "--profile", BASETEN_PROFILE or "current"
    env: Mapping[str, str]
    checked: list[str]
    _file: baseten_cli.AuthFile | None = None
    _read: bool = False

    def auth_file(self) -> baseten_cli.AuthFile | None:
        if not self._read:
            self._read = True
            self._file = baseten_cli.read_auth_file(self.path)
            if self._file is None:
                self.checked.append(f"{self.path}: no such file")
        return self._file

    def chosen(self) -> str | None:
        """The profile's name: the one asked for, else auth.json's current (None if unset)."""
        if self.name is not None:
            return self.name
        found = self.auth_file()
        return (found.current or None) if found else None

    def exists(self) -> bool:
        found, name = self.auth_file(), self.chosen()
        return found is not None and name is not None and name in found.profiles

    @property
    def label(self) -> str:
        return f"baseten profile {self.chosen()!r} ({self.path})"

    def entry(self) -> Mapping[str, object]:
        """The profile's entry; UsageError naming what chose it and the profiles there are."""
        found, name = self.auth_file(), self.chosen()
        if found is not None and name is not None and name in found.profiles:
            return found.profiles[name]
        names = sorted(found.profiles) if found else []
        shown = ", ".join(repr(n) for n in names[:MAX_NAMES_SHOWN]) or "none"
        if len(names) > MAX_NAMES_SHOWN:
            shown += f" and {len(names) - MAX_NAMES_SHOWN} more"
        flag = self.chosen_by if self.name is not None else str(self.path)
        what = f"no baseten profile {name!r}" if name else "no current profile"
        raise UsageError(
            flag,
            f"{what} in {self.path} (profiles: {shown})",
            hint=f"use one of them with --profile or {baseten_cli.PROFILE_ENV}, "
            "or run `baseten auth login`",
        )

    def url(self) -> str | None:
        """The profile's remote URL (an app URL, as that CLI stores it) as an API URL; that
        CLI's BASETEN_REMOTE_URL when the profile has none."""
        value = self.entry().get("remote_url")
        url = value.strip() if isinstance(value, str) else ""
        url = url or self.env.get(baseten_cli.REMOTE_URL_ENV, "").strip()
        return app_url_to_api_url(url) if url else None

    def key(self) -> tuple[str, str, OAuthLogin | None]:
        """(secret, source, login): an API key, or an OAuth login, from the keyring or inline."""
        entry, name = self.entry(), self.chosen() or ""
        auth_type = entry.get("auth_type")
        if auth_type == "api_key":
            secret, where = baseten_cli.read_api_key(name, entry, self.path)
            shown = "keyring" if where == "keyring" else str(self.path)
            return secret, f"baseten profile {name!r} ({shown})", None
        if auth_type != "oauth":
            raise ConfigError(
                f"baseten profile {name!r} in {self.path} has an unknown auth_type "
                f"{str(auth_type)[:40]!r}",
                hint=f"run `baseten auth login --profile {name}`",
            )
        tokens, store = baseten_cli.read_oauth(name, entry, self.path)
        if not (tokens.access_token or tokens.refresh_token):
            raise ConfigError(
                f"the oauth login of baseten profile {name!r} holds no token",
                hint=f"run `baseten auth login --profile {name}`",
            )
        login = baseten_cli.ProfileLogin(
            remote=name,
            path=self.path,
            store=store,
            tokens=tokens,
            api_url=check_api_url(self.url() or DEFAULT_API_URL, source=self.label),
            env=self.env,
        )
        return tokens.access_token, login.describe, login


def _store(
    section: _Section,
    *,
    profile: str | None,
    remote_given: bool,
    env: Mapping[str, str],
    checked: list[str],
) -> _Section | _Profile:
    """The one store a login is read from (README's precedence after the environment's keys):
    --profile or --remote, BASETEN_PROFILE, the trussrc section, then the baseten CLI's
    current profile. Reads files only to choose between the last two."""
    path = baseten_cli.auth_path(env)
    if profile is not None:
        return _Profile(path, profile, "--profile", env, checked)
    if remote_given:
        return section
    named = env.get(baseten_cli.PROFILE_ENV, "").strip()
    if named:
        return _Profile(path, named, baseten_cli.PROFILE_ENV, env, checked)
    if section.values() is not None:
        return section
    current = _Profile(path, None, "current", env, checked)
    if current.auth_file() is not None and current.exists():
        return current
    if current.auth_file() is not None:
        checked.append(f"{path}: no current profile")
    return section


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
    profile: str | None = None,
    remote_given: bool = False,
    env: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = lambda message: None,
    checked: list[str] | None = None,
) -> Credentials:
    """Key: --api-key > BASETEN_API_KEY > truss's environment pair > one store (`_store`):
    --profile or --remote (given on the command line) > BASETEN_PROFILE > the trussrc section
    > the baseten CLI's current profile.

    URL: --api-url > BASETEN_API_URL > (with BASETEN_API_KEY) BASETEN_REMOTE_URL > the pair's
    > the store's remote_url > the default. A source is read only when every source above it is
    empty, so a broken trussrc or auth.json matters only when it is needed. `checked` collects
    what was looked at, for `whoami`.
    """
    environ = os.environ if env is None else env
    seen: list[str] = [] if checked is None else checked
    if profile is not None and not profile.strip():
        raise UsageError("--profile", "is empty", hint="name a profile, or leave --profile out")
    if profile is not None and remote_given:
        # Bad input whatever else is set: checked before any store is read.
        raise UsageError(
            "--profile",
            "cannot be used with --remote: one names a baseten CLI profile, the other a "
            "~/.trussrc section",
            hint="keep one of them",
        )
    section = _Section(trussrc_path(environ), remote, environ, seen)
    chosen: _Section | _Profile | None = None

    def store() -> _Section | _Profile:
        nonlocal chosen
        if chosen is None:
            chosen = _store(
                section,
                profile=profile,
                # A caller that names another section means it (completion, library use).
                remote_given=remote_given or remote != DEFAULT_REMOTE,
                env=environ,
                checked=seen,
            )
        return chosen

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
            elif (from_file := store().key()) is not None:
                key, key_source, login = from_file
    if key_source:
        seen.append(f"key: {key_source}")
    if profile is not None and key_source in ("--api-key", "BASETEN_API_KEY", PAIR_KEY_ENV):
        warn(f"--profile {profile} is ignored: the key from {key_source} comes first")

    def pair_url() -> str | None:
        found = read_pair()
        return found[0] if found else None

    # The URL: the same order; the default last.
    def remote_url() -> str | None:
        # The baseten CLI's pair: its remote (an app URL) goes with BASETEN_API_KEY.
        url = environ.get(baseten_cli.REMOTE_URL_ENV, "").strip()
        with_key = key_source == "BASETEN_API_KEY"
        return app_url_to_api_url(url) if url and with_key else None

    url_candidates: tuple[tuple[Callable[[], str | None], Callable[[], str]], ...] = (
        (lambda: api_url, lambda: "--api-url"),
        (lambda: environ.get("BASETEN_API_URL"), lambda: "BASETEN_API_URL"),
        (remote_url, lambda: baseten_cli.REMOTE_URL_ENV),
        (pair_url, lambda: PAIR_URL_ENV),
        (lambda: store().url(), lambda: store().label),
        (lambda: DEFAULT_API_URL, lambda: "default"),
    )
    url, url_source = next((u, s()) for get, s in url_candidates if (u := get()))
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
    if isinstance(chosen, _Profile) and _inline_in_profile(key_source, login, chosen.path):
        _warn_if_readable(chosen.path, warn)
    if not key and login is None:
        if section.missing_section():
            raise ConfigError(
                f"no API key: {path} has no section [{remote}]",
                hint="check --remote, or run `truss login`",
            )
        raise ConfigError(
            "no API key",
            hint=f"set BASETEN_API_KEY, pass --api-key, or run `truss login` to write {path} "
            "or `baseten auth login`",
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
    where = _where(key_source, chosen)
    from_profile = chosen if where == "baseten-cli" and isinstance(chosen, _Profile) else None
    return Credentials(
        api_key=key,
        api_url=check_api_url(url, source=url_source),
        key_source=key_source,
        url_source=url_source,
        login=login,
        store=where,
        profile=from_profile.chosen() if from_profile else None,
        chosen_by=from_profile.chosen_by if from_profile else None,
    )


def _inline_in_profile(key_source: str, login: OAuthLogin | None, path: Path) -> bool:
    """Whether the key or login just read is kept in auth.json itself (not the keyring)."""
    if login is not None:
        return isinstance(login, baseten_cli.ProfileLogin) and login.store == "auth.json"
    return key_source.endswith(f"({path})")


def _warn_if_readable(path: Path, warn: Callable[[str], None]) -> None:
    try:
        readable = bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return
    if readable:
        warn(f"{path} holds an API key or login and is readable by everyone: chmod 600 {path}")


def _where(key_source: str, chosen: _Section | _Profile | None) -> str:
    """Which store the key came from (see Credentials.store)."""
    if key_source == "--api-key":
        return "--api-key"
    if key_source in ("BASETEN_API_KEY", PAIR_KEY_ENV) or chosen is None:
        return "environment"
    return "baseten-cli" if isinstance(chosen, _Profile) else "trussrc"
