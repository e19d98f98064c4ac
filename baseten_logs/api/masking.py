"""What of a secret may be shown: a key's first characters, a URL without its user:password@.

One function each, so every message that names a URL or a key (errors, warnings, `whoami`, `-v`)
masks it the same way; a message that shows a URL passes it through `mask_url` first.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["mask_key", "mask_url"]


def mask_key(key: str) -> str:
    """Enough of a key to recognise it, never enough to use it."""
    return f"{key[:4]}…" if len(key) > 12 else "****"


def mask_url(url: str) -> str:
    """The URL with any user:password@ replaced, for every place a URL is shown."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<an unparsable URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"****@{host}"))
