"""The two stores a login is read from: a ~/.trussrc section and a baseten CLI profile.

Apart from the precedence walk (config.py) because each store is read lazily, at most once, and
only when every source above it was empty: the walk asks, the store knows its file's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from baseten_logs.access import baseten_cli
from baseten_logs.access.app_urls import app_url_to_api_url, check_api_url
from baseten_logs.access.login import OAuthLogin, read_login
from baseten_logs.access.trussrc import read_keyring, read_sections
from baseten_logs.api.urls import DEFAULT_API_URL
from baseten_logs.base.errors import ConfigError, UsageError

__all__ = ["CliProfile", "TrussrcSection", "choose_store"]

MAX_NAMES_SHOWN = 20


@dataclass
class TrussrcSection:
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
class CliProfile:
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

    def entry(self) -> tuple[str, Mapping[str, object]]:
        """The profile's name and entry; UsageError naming what chose it and the profiles there are.

        Only a profile named by --profile or BASETEN_PROFILE can be missing here: auth.json's
        current one is chosen only when it exists (see choose_store).
        """
        found, name = self.auth_file(), self.chosen()
        if found is not None and name is not None and name in found.profiles:
            return name, found.profiles[name]
        names = sorted(found.profiles) if found else []
        shown = ", ".join(repr(n) for n in names[:MAX_NAMES_SHOWN]) or "none"
        if len(names) > MAX_NAMES_SHOWN:
            shown += f" and {len(names) - MAX_NAMES_SHOWN} more"
        raise UsageError(
            self.chosen_by,
            f"no baseten profile {name!r} in {self.path} (profiles: {shown})",
            hint=f"use one of them with --profile or {baseten_cli.PROFILE_ENV}, "
            "or run `baseten auth login`",
        )

    def url(self) -> str | None:
        """The profile's remote URL (an app URL, as that CLI stores it) as an API URL; that
        CLI's BASETEN_REMOTE_URL when the profile has none."""
        value = self.entry()[1].get("remote_url")
        url = value.strip() if isinstance(value, str) else ""
        url = url or self.env.get(baseten_cli.REMOTE_URL_ENV, "").strip()
        return app_url_to_api_url(url) if url else None

    def key(self) -> tuple[str, str, OAuthLogin | None]:
        """(secret, source, login): an API key, or an OAuth login, from the keyring or inline."""
        name, entry = self.entry()
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


def choose_store(
    section: TrussrcSection,
    *,
    profile: str | None,
    remote_given: bool,
    env: Mapping[str, str],
    checked: list[str],
) -> TrussrcSection | CliProfile:
    """The one store a login is read from (README's precedence after the environment's keys):
    --profile or --remote, BASETEN_PROFILE, the trussrc section, then the baseten CLI's
    current profile. Reads files only to choose between the last two."""
    path = baseten_cli.auth_path(env)
    if profile is not None:
        return CliProfile(path, profile, "--profile", env, checked)
    if remote_given:
        return section
    named = env.get(baseten_cli.PROFILE_ENV, "").strip()
    if named:
        return CliProfile(path, named, baseten_cli.PROFILE_ENV, env, checked)
    if section.values() is not None:
        return section
    current = CliProfile(path, None, "current", env, checked)
    if current.auth_file() is not None and current.exists():
        return current
    if current.auth_file() is not None:
        checked.append(f"{path}: no current profile")
    return section
