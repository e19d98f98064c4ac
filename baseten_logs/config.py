"""Where the API key and URL come from, in documented precedence."""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError, UsageError

DEFAULT_API_URL = "https://api.baseten.co"
DEFAULT_REMOTE = "baseten"


@dataclass(frozen=True)
class Credentials:
    api_key: str
    api_url: str
    key_source: str  # for `whoami` and error hints: never the key itself
    url_source: str


def mask_key(key: str) -> str:
    """Enough of a key to recognise it, never enough to use it."""
    return f"{key[:4]}…" if len(key) > 12 else "****"


def trussrc_path(env: Mapping[str, str]) -> Path:
    override = env.get("USER_TRUSSRC_PATH")
    return Path(override).expanduser() if override else Path.home() / ".trussrc"


def app_url_to_api_url(url: str) -> str:
    """Truss stores the app URL (https://app.baseten.co); the API lives at api.<domain>."""
    parts = urlsplit(url.strip())
    host = parts.netloc
    if host.startswith("app."):
        host = "api." + host[len("app.") :]
    return f"{parts.scheme or 'https'}://{host}"


def _read_trussrc(path: Path, remote: str) -> tuple[str | None, str | None]:
    if not path.is_file():
        return None, None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.__class__.__name__}", hint="fix or remove the file"
        ) from None
    if not parser.has_section(remote):
        return None, None
    section = parser[remote]
    key = section.get("api_key") or None
    url = section.get("remote_url") or None
    return key, (app_url_to_api_url(url) if url else None)


def check_api_url(url: str, *, source: str = "--api-url") -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(source, f"{url!r} is not an http(s) URL", hint=f"e.g. {DEFAULT_API_URL}")
    try:
        parts.port  # noqa: B018  # raises for a port outside 0-65535 or not a number
    except ValueError:
        raise UsageError(
            source, f"{url!r} has an invalid port", hint="a port is a number from 1 to 65535"
        ) from None
    return url.rstrip("/")


def resolve_credentials(
    *,
    api_key: str | None,
    api_url: str | None,
    remote: str = DEFAULT_REMOTE,
    env: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> Credentials:
    """Key: flag > BASETEN_API_KEY > ~/.trussrc.

    URL: flag > BASETEN_API_URL > ~/.trussrc > default.
    """
    environ = os.environ if env is None else env
    path = trussrc_path(environ)
    file_key, file_url = _read_trussrc(path, remote)

    # Precedence, highest first: the flag, the environment, the Truss config file.
    key_candidates = (
        (api_key, "--api-key"),
        (environ.get("BASETEN_API_KEY"), "BASETEN_API_KEY"),
        (file_key, f"{path} [{remote}]"),
    )
    url_candidates = (
        (api_url, "--api-url"),
        (environ.get("BASETEN_API_URL"), "BASETEN_API_URL"),
        (file_url, f"{path} [{remote}]"),
        (DEFAULT_API_URL, "default"),
    )
    key, key_source = next(((v, s) for v, s in key_candidates if v), (None, ""))
    url, url_source = next((v, s) for v, s in url_candidates if v)
    if key and key_source.startswith(str(path)) and path.stat().st_mode & stat.S_IROTH:
        warn(f"{path} holds an API key and is readable by everyone: chmod 600 {path}")
    if not key:
        raise ConfigError(
            "no API key",
            hint=f"set BASETEN_API_KEY, pass --api-key, or run `truss login` to write {path}",
        )
    key = key.strip()
    if not (key.isascii() and key.isprintable()) or any(ch.isspace() for ch in key):
        # It would fail in the HTTP header (a crash, or retries against a "down" API); the
        # message never repeats the key.
        raise ConfigError(
            f"the API key from {key_source} has a space, a control or a non-ASCII character",
            hint="copy it again: a pasted key can carry a stray character",
        )
    return Credentials(
        api_key=key,
        api_url=check_api_url(url, source=url_source),
        key_source=key_source,
        url_source=url_source,
    )
