"""Where the API key and URL come from, in documented precedence."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from baseten_logs.access import baseten_cli
from baseten_logs.access.app_urls import app_url_to_api_url, baseten_app_api_url, check_api_url
from baseten_logs.access.login import OAuthLogin
from baseten_logs.access.stores import CliProfile, TrussrcSection, choose_store
from baseten_logs.access.trussrc import trussrc_path
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
    """Key: --api-key > BASETEN_API_KEY > truss's environment pair > one store (`choose_store`):
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
    section = TrussrcSection(trussrc_path(environ), remote, environ, seen)
    chosen: TrussrcSection | CliProfile | None = None

    def store() -> TrussrcSection | CliProfile:
        nonlocal chosen
        if chosen is None:
            chosen = choose_store(
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
    api = baseten_app_api_url(url) if url_source in ("--api-url", "BASETEN_API_URL") else None
    if api is not None:
        # The address bar's URL, as truss's own setting holds it: its API is certain.
        warn(f"{url_source} {mask_url(url)} is Baseten's web app; using its API, {api}")
        mapped, url = f" (mapped from the app URL {mask_url(url)})", api
    seen.append(f"API URL: {mask_url(url)} from {url_source}{mapped}")

    path = section.path
    inline = key_source == section.label or (login is not None and login.store == "trussrc")
    if inline and path.stat().st_mode & stat.S_IROTH:
        warn(f"{path} holds an API key or login and is readable by everyone: chmod 600 {path}")
    if isinstance(chosen, CliProfile) and _inline_in_profile(key_source, login, chosen.path):
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
    from_profile = chosen if where == "baseten-cli" and isinstance(chosen, CliProfile) else None
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


def _where(key_source: str, chosen: TrussrcSection | CliProfile | None) -> str:
    """Which store the key came from (see Credentials.store)."""
    if key_source == "--api-key":
        return "--api-key"
    if key_source in ("BASETEN_API_KEY", PAIR_KEY_ENV) or chosen is None:
        return "environment"
    return "baseten-cli" if isinstance(chosen, CliProfile) else "trussrc"
