"""Baseten's web-app URLs read as API URLs, and the one check every API URL passes.

Apart from the precedence walk (config.py) because the stores (stores.py) map their app URLs
too, and both check what they found the same way.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from baseten_logs.api.masking import mask_url
from baseten_logs.api.urls import DEFAULT_API_URL, is_loopback
from baseten_logs.base.errors import UsageError

__all__ = ["app_url_to_api_url", "baseten_app_api_url", "check_api_url"]

# App hosts whose API is not simply api.<the rest>; truss maps them the same way.
_API_HOSTS = {"app.dev.baseten.co": "api.mc-dev.baseten.co"}


def app_url_to_api_url(url: str) -> str:
    """Truss stores the app URL (https://app.baseten.co); the API lives at api.<domain>."""
    parts = urlsplit(url.strip())
    host = parts.netloc
    userinfo, at, hostport = host.rpartition("@")
    hostname, colon, port = hostport.partition(":")
    if hostname.lower() in _API_HOSTS:
        hostport = _API_HOSTS[hostname.lower()] + colon + port
    elif hostport[:4].lower() == "app.":  # a host name's case means nothing
        hostport = "api." + hostport[len("app.") :]
    return f"{parts.scheme or 'https'}://{userinfo}{at}{hostport}"


def baseten_app_api_url(url: str) -> str | None:
    """The API URL for one of Baseten's own web-app URLs (app.baseten.co), else None.

    Only Baseten's hosts: an `app.` host elsewhere given as --api-url may be the user's own
    proxy, and is taken as given. (A trussrc holds an app URL by design: that one always maps.)
    """
    try:
        host = urlsplit(url.strip()).hostname or ""  # lower-cased by urlsplit
    except ValueError:
        return None  # check_api_url words it
    if host in _API_HOSTS or (host.startswith("app.") and host.endswith(".baseten.co")):
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
