"""A tiny on-disk JSON cache of name resolutions and listings, one file per API URL and key.

(For an OAuth login, "key" is its trussrc and remote: the access token changes on every refresh.)

Best effort by design: a cache that cannot be read is empty, a cache that cannot be written is
skipped, and nothing here ever raises to the user. Writes go to a temporary file that replaces
the old one, so a reader never sees half a file; two processes writing at once lose one of the
updates, never the file.

Layout::

    <cache dir>/baseten-logs/v1/<sha256(api_url + NUL + sha256(api_key))[:32]>.json

    {"version": 1, "api_url": "https://api.baseten.co",
     "entries": {"<key>": {"expires": <epoch seconds>, "value": <any JSON>}, ...}}

The API key never reaches the disk, not even hashed on its own: the file name mixes its hash
with the URL, so one key's cache is not shared with another key (a key sees only its workspace).
Nor does a password in the URL (`https://user:pass@proxy`): the URL is used without its
user-info, query and fragment (`cache_url`), both in the file name and in the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from baseten_logs.access.config import Credentials

__all__ = [
    "LISTING_TTL",
    "RESOLVE_TTL",
    "ALIAS_TTL",
    "REPLICAS_TTL",
    "Cache",
    "cache_dir",
    "cache_for",
    "cache_key",
    "cache_url",
]

FORMAT_VERSION = 1
RESOLVE_TTL = 600.0  # name -> id: names rarely move, and a stale one fails loudly (404)
# production/development -> id changes with every promotion, and a stale answer would silently
# show the previous deployment's logs: keep it short.
ALIAS_TTL = 60.0
LISTING_TTL = 3600.0  # what shell completion offers; an old name only costs a failed completion
REPLICAS_TTL = 900.0  # replicas come and go with autoscaling
MAX_ENTRIES = 256  # a cache file stays a few kilobytes however long it lives

Clock = Callable[[], float]


def cache_dir(env: Mapping[str, str] | None = None, *, platform: str | None = None) -> Path:
    """Where baseten-logs keeps its cache: $XDG_CACHE_HOME, else the platform's usual place."""
    environ = os.environ if env is None else env
    system = sys.platform if platform is None else platform
    # XDG first on every platform: people who set it mean it (and tests rely on it).
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "baseten-logs"
    home = Path(environ.get("HOME") or _home())
    if system == "darwin":
        return home / "Library" / "Caches" / "baseten-logs"
    if system == "win32" and environ.get("LOCALAPPDATA"):
        return Path(environ["LOCALAPPDATA"]) / "baseten-logs" / "Cache"
    return home / ".cache" / "baseten-logs"


def cache_for(credentials: Credentials, *, enabled: bool = True) -> Cache | None:
    """The cache of these credentials, or None with `--no-cache`."""
    return Cache.for_api(credentials.api_url, credentials.identity) if enabled else None


def cache_key(*parts: str) -> str:
    """One entry's key, from parts such as ("model", name): JSON keeps them apart, whatever
    characters a name holds."""
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def _home() -> Path:
    try:
        return Path.home()
    except RuntimeError:  # no HOME and no passwd entry (some containers): a cache still helps
        return Path(tempfile.gettempdir())


def cache_url(api_url: str) -> str:
    """The API URL as a cache knows it: scheme, host, port and path, no trailing slash.

    User-info (`user:pass@`) and a query can carry secrets, and neither chooses the workspace
    the key sees, so they never become part of a file's name or content. A URL that cannot be
    parsed (check_api_url refuses those before any cache is made) is reduced to nothing secret.
    """
    try:
        parts = urlsplit(api_url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")


def _file_name(api_url: str, api_key: str) -> str:
    return _named(cache_url(api_url), api_key)


def _named(url: str, api_key: str) -> str:
    key_hash = hashlib.sha256(api_key.encode("utf-8")).hexdigest()
    mixed = hashlib.sha256(f"{url}\0{key_hash}".encode()).hexdigest()
    return f"{mixed[:32]}.json"


def _drop_old_file(directory: Path, api_url: str, api_key: str, path: Path) -> None:
    """Remove the file an earlier version kept for this URL and key, named (and filled) with
    the URL as typed: user-info and query included, which `cache_url` now leaves out. Left
    there, the password the fix keeps off the disk would stay on it for good."""
    old = directory / _named(api_url.rstrip("/"), api_key)
    if old != path:
        with contextlib.suppress(OSError):
            old.unlink(missing_ok=True)


class Cache:
    """Entries with a time to live, for one API URL and key. Every method is safe to call."""

    def __init__(self, path: Path, *, api_url: str = "", clock: Clock = time.time) -> None:
        self.path = path
        self._api_url = cache_url(api_url) if api_url else ""
        self._clock = clock
        self._entries: dict[str, Any] | None = None

    @classmethod
    def for_api(
        cls,
        api_url: str,
        api_key: str,
        *,
        env: Mapping[str, str] | None = None,
        clock: Clock = time.time,
    ) -> Cache:
        directory = cache_dir(env) / f"v{FORMAT_VERSION}"
        path = directory / _file_name(api_url, api_key)
        _drop_old_file(directory, api_url, api_key, path)
        return cls(path, api_url=api_url, clock=clock)

    def get(self, key: str) -> Any:
        """The value stored under `key`, or None when it is missing, expired or unreadable."""
        if self._entries is None:
            self._entries = self._load()
        entry = self._entries.get(key)
        if not isinstance(entry, dict) or "value" not in entry:
            return None
        expires = entry.get("expires")
        if not isinstance(expires, int | float) or expires <= self._clock():
            return None
        return entry["value"]

    def put(self, key: str, value: Any, *, ttl: float) -> None:
        """Store `value` (plain JSON) for `ttl` seconds; silently skipped if the disk says no."""
        now = self._clock()
        # Re-read before writing: another process may have added entries since we loaded.
        entries = {
            k: e
            for k, e in self._load().items()
            if isinstance(e, dict) and isinstance(e.get("expires"), int | float)
            if e["expires"] > now
        }
        entries[key] = {"expires": now + ttl, "value": value}
        if len(entries) > MAX_ENTRIES:
            newest = sorted(entries.items(), key=lambda item: item[1]["expires"])[-MAX_ENTRIES:]
            entries = dict(newest)
        self._entries = entries
        self._write({"version": FORMAT_VERSION, "api_url": self._api_url, "entries": entries})

    def _load(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as file:
                data = json.load(file)
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            return {}  # missing or corrupt: an empty cache, to be overwritten by the next put
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            return {}
        entries = data.get("entries")
        return dict(entries) if isinstance(entries, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        try:
            text = json.dumps(data, separators=(",", ":"))
        except (TypeError, ValueError):
            return  # a value that is not JSON: a bug of ours, but never the user's problem
        temp: str | None = None
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # mkstemp creates the file 0600, so the cache is never readable by others even
            # for a moment; os.replace then swaps it in atomically.
            fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temp, self.path)
            temp = None
        except OSError:
            pass
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
