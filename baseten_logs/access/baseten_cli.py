"""The logins of Baseten's `baseten` CLI: profiles in auth.json, secrets in the OS keyring.

Read the way that CLI reads them, so a user who only ran `baseten auth login` needs nothing else:
`$BASETEN_CONFIG_DIR/auth.json` (default `<user config dir>/baseten/auth.json`) holds
`{"version": 1, "current": NAME, "profiles": {NAME: {"remote_url", "auth_type", ...}}}`; a
profile's secret is in the keyring under service `baseten-profile`, account = the profile's name
(an API key as it is, an OAuth login as the JSON of `access_token`, `refresh_token`, `expiry`),
else inline in the profile (`api_key`, `oauth_credential`) when no keyring was usable at login.
The keyring is tried first, then the file, as that CLI does.

A refreshed OAuth login is written back where it came from, so both tools go on agreeing on which
tokens are current: the one keyring entry, replaced whole; or this profile's `oauth_credential`
in auth.json, the rest of the file kept as read, written to a new file and renamed over it, mode
0600 (a symlink at the path is replaced, never written through), under a lock on the file. Every
token written has passed `login.usable_token`, and JSON escapes what it holds, so no answer of a
token endpoint can reach another profile or another file.

`keyring` is imported only when a profile is read: start-up stays fast.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from baseten_logs.access import trussrc
from baseten_logs.access.login import OAuthLogin, Tokens
from baseten_logs.base.errors import ConfigError
from baseten_logs.base.timestamps import timestamp_ns

CONFIG_DIR_ENV = "BASETEN_CONFIG_DIR"
PROFILE_ENV = "BASETEN_PROFILE"
REMOTE_URL_ENV = "BASETEN_REMOTE_URL"  # that CLI's URL beside BASETEN_API_KEY (an app URL)
KEYRING_SERVICE = "baseten-profile"
AUTH_FILE = "auth.json"
MAX_AUTH_FILE_BYTES = 1 << 20  # a few profiles are a few kB: anything bigger is not ours


def config_dir(env: Mapping[str, str]) -> Path:
    """$BASETEN_CONFIG_DIR, else Go's os.UserConfigDir() + /baseten, as that CLI finds it."""
    override = env.get(CONFIG_DIR_ENV, "")
    if override:
        return Path(override).expanduser()
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":
        base = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_CONFIG_HOME", "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".config"
    return base / "baseten"


def auth_path(env: Mapping[str, str]) -> Path:
    return config_dir(env) / AUTH_FILE


@dataclass(frozen=True)
class AuthFile:
    """What auth.json says: the current profile's name and each profile's entry (as read)."""

    path: Path
    current: str
    profiles: Mapping[str, Mapping[str, Any]]


def _garbled(path: Path, why: str) -> ConfigError:
    return ConfigError(
        f"cannot read {path}: {why}", hint="fix or remove it, or run `baseten auth login`"
    )


def read_auth_file(path: Path) -> AuthFile | None:
    """auth.json, or None when there is none; ConfigError (one line) when it cannot be used."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_AUTH_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _garbled(path, exc.strerror or exc.__class__.__name__) from None
    if len(data) > MAX_AUTH_FILE_BYTES:
        raise _garbled(path, f"larger than {MAX_AUTH_FILE_BYTES // 1024} KiB")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _garbled(path, "not UTF-8 text") from None
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise _garbled(path, f"not valid JSON (line {line})" if line else "not JSON") from None
    if not isinstance(document, dict):
        raise _garbled(path, "not a JSON object")
    profiles = document.get("profiles")
    profiles = {} if profiles is None else profiles  # Go's nil map: no profile yet
    current = document.get("current")
    current = "" if current is None else current
    if not isinstance(profiles, dict) or not isinstance(current, str):
        raise _garbled(path, "`profiles` is not an object or `current` not a name")
    usable = {name: entry for name, entry in profiles.items() if isinstance(entry, dict)}
    return AuthFile(path=path, current=current, profiles=usable)


def _keyring() -> Any:
    """The keyring module when a real backend is there, else None (then the file is read)."""
    try:
        import keyring
        import keyring.backends.fail
        import keyring.backends.null

        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return None
    return keyring


def read_secret(name: str) -> str | None:
    """The profile's keyring entry, or None when there is none or no keyring can be read."""
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        secret = keyring.get_password(KEYRING_SERVICE, name)
    except Exception:
        return None  # as that CLI does: the file is the fallback
    return secret if isinstance(secret, str) and secret else None


def _expiry(value: object) -> float:
    """A stored `expiry` (RFC 3339) as Unix seconds; 0 (refresh first) when absent, Go's zero
    time, or unreadable."""
    ns = timestamp_ns(value) if isinstance(value, str) else None
    return ns / 1e9 if ns else 0.0


def _tokens(credential: object) -> Tokens:
    found = credential if isinstance(credential, dict) else {}

    def text(key: str) -> str:
        value = found.get(key)
        return value.strip() if isinstance(value, str) else ""

    return Tokens(text("access_token"), text("refresh_token"), _expiry(found.get("expiry")))


def read_oauth(name: str, entry: Mapping[str, Any], path: Path) -> tuple[Tokens, str]:
    """(tokens, "keyring" or "auth.json") of an oauth profile: the keyring first, then inline."""
    secret = read_secret(name)
    if secret is not None:
        try:
            credential = json.loads(secret)
        except ValueError:
            credential = None
        if not isinstance(credential, dict):
            raise ConfigError(
                f"the keyring's entry for baseten profile {name!r} is not an OAuth login",
                hint=f"run `baseten auth login --profile {name}`",
            )
        return _tokens(credential), "keyring"
    inline = entry.get("oauth_credential")
    if not isinstance(inline, dict):
        raise ConfigError(
            f"baseten profile {name!r} has no OAuth login in the keyring or in {path}",
            hint=f"run `baseten auth login --profile {name}`",
        )
    return _tokens(inline), "auth.json"


def read_api_key(name: str, entry: Mapping[str, Any], path: Path) -> tuple[str, str]:
    """(key, "keyring" or "auth.json") of an api_key profile: the keyring first, then inline."""
    secret = read_secret(name)
    if secret is not None:
        return secret, "keyring"
    inline = entry.get("api_key")
    if isinstance(inline, str) and inline.strip():
        return inline, "auth.json"
    raise ConfigError(
        f"baseten profile {name!r} has no API key in the keyring or in {path}",
        hint=f"run `baseten auth login --profile {name}`",
    )


def _stored_expiry(tokens: Tokens) -> str:
    """RFC 3339 as Go writes a time. A lifetime the server did not say is stored as now, so
    the next run of either tool refreshes first (Go's zero time would mean "never expires")."""
    seconds = tokens.expires_at if tokens.lifetime_known else 0.0
    moment = datetime.fromtimestamp(seconds or time.time(), tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class ProfileLogin(OAuthLogin):
    """An OAuth login of a `baseten` CLI profile: refreshed as truss's are (same endpoint and
    client id), re-read and saved in the profile's own store."""

    @property
    def subject(self) -> str:
        return f"baseten profile {self.remote!r}"

    @property
    def relogin(self) -> str:
        return f"baseten auth login --profile {self.remote}"

    @property
    def describe(self) -> str:
        where = "keyring" if self.store == "keyring" else str(self.path)
        return f"oauth login of baseten profile {self.remote!r} ({where})"

    def _stored(self) -> Tokens | None:
        try:
            found = read_auth_file(self.path)
            entry = found.profiles.get(self.remote) if found else None
            return read_oauth(self.remote, entry, self.path)[0] if entry is not None else None
        except Exception:
            return None

    def _save(self) -> None:
        tokens = self._tokens
        credential = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expiry": _stored_expiry(tokens),
        }
        where = "the keyring" if self.store == "keyring" else str(self.path)
        try:
            if self.store == "keyring":
                import keyring

                keyring.set_password(KEYRING_SERVICE, self.remote, json.dumps(credential))
            else:
                save_inline(self.path, self.remote, credential)
        except Exception as exc:  # this run goes on; the next one may need a new login
            self.warn(
                f"could not save the refreshed login of baseten profile {self.remote!r} to "
                f"{where} ({exc.__class__.__name__}); if the next run fails, run {self.relogin}"
            )


def save_inline(path: Path, name: str, credential: Mapping[str, str]) -> None:
    """This profile's `oauth_credential` in auth.json set to `credential`, all else kept as it
    is now (re-read: the caller holds the lock); atomic, mode 0600, a link replaced."""
    document = json.loads(path.read_text(encoding="utf-8"))
    entry = document["profiles"][name]
    if not isinstance(entry, dict):
        raise ValueError("the profile is no longer an object")
    entry["oauth_credential"] = dict(credential)
    trussrc.atomic_write(path, json.dumps(document, indent=2) + "\n")


__all__ = [
    "AUTH_FILE",
    "CONFIG_DIR_ENV",
    "KEYRING_SERVICE",
    "PROFILE_ENV",
    "REMOTE_URL_ENV",
    "AuthFile",
    "ProfileLogin",
    "auth_path",
    "config_dir",
    "read_api_key",
    "read_auth_file",
    "read_oauth",
]
