"""What an API URL is, below everything that uses one: Baseten's own, and whether a host is this
machine (the only place plain http may carry the key). The client names both in its errors and
the configuration checks URLs with both, so they live here rather than in either."""

from __future__ import annotations

import ipaddress

__all__ = ["DEFAULT_API_URL", "is_loopback"]

DEFAULT_API_URL = "https://api.baseten.co"


def is_loopback(host: str) -> bool:
    """This machine, the only place plain http may carry the key."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
