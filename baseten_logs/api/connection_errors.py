"""A failed connection in words a user can act on, and whether retrying it can help.

A refused or reset connection may be an outage or a server still starting: retried. An unknown
host or a TLS error is a wrong URL: asking again gives the same answer, and "the API may be
down" would point the wrong way, so these name the host, where the URL came from and what to
check. This module reads httpx's exceptions and URLs but builds no client, which is why it is
the one besides `client` that ruff's TID251 lets import httpx.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx

from baseten_logs.api.urls import DEFAULT_API_URL, is_loopback
from baseten_logs.base.errors import TransportError


def host_port(url: httpx.URL) -> str:
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


def is_refused(exc: httpx.TransportError) -> bool:
    """Whether nothing listens at the address (rather than a slow or broken network)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return True
        cause = cause.__cause__ or cause.__context__
    return isinstance(exc, httpx.ConnectError) and "refused" in str(exc).lower()


def transport_problem(exc: httpx.TransportError, address: str) -> str:
    """A transport failure in words a user can act on, naming host and port (an unknown host
    is connection_mistake's)."""
    if is_refused(exc):
        return f"connection refused by {address}"
    detail = str(exc).strip()
    return f"connection to {address} failed ({detail or exc.__class__.__name__})"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what lies under it: httpx wraps httpcore's error, which wraps the socket's."""
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 16:  # a bounded walk: a cycle of causes is possible
        yield cause
        cause = cause.__cause__ or cause.__context__
        seen += 1


# getaddrinfo's "no such name" (Linux, macOS) and "no address for it"; Windows numbers its own
# (WSAHOST_NOT_FOUND, WSANO_DATA). EAI_AGAIN, a DNS server that did not answer, may pass: retried.
_NO_SUCH_HOST = frozenset(
    {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME), 11001, 11004}
)
_NO_SUCH_HOST_WORDS = ("name or service not known", "nodename nor servname", "getaddrinfo failed")
# TLS errors a retry may cure: the connection dropped during the handshake.
_TLS_TRANSIENT = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)


def _unknown_host(exc: httpx.TransportError) -> bool:
    """Whether DNS says the host does not exist: asking again gives the same answer."""
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return cause.errno in _NO_SUCH_HOST
    text = str(exc).lower()
    return isinstance(exc, httpx.ConnectError) and any(w in text for w in _NO_SUCH_HOST_WORDS)


def _tls_failure(exc: httpx.TransportError) -> ssl.SSLError | None:
    """The TLS error under `exc` that no retry can cure (a server that does not speak TLS, a
    certificate not trusted), or None."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            return None if isinstance(cause, _TLS_TRANSIENT) else cause
    return None


def connection_mistake(
    exc: httpx.TransportError, *, base_url: httpx.URL, url_source: str
) -> TransportError | None:
    """A connection failure that is a wrong URL, not an outage: an unknown host or a TLS error.

    Retrying cannot help and the usual "the API may be down" would point the wrong way, so
    this names the host, where the URL came from and what to check. None for anything else
    (refused, reset, timed out), which the caller retries as before.
    """
    host = base_url.host
    where = f"the URL from {url_source}"
    check = _url_fix(url_source)
    if _unknown_host(exc):
        if host == httpx.URL(DEFAULT_API_URL).host:
            hint = "check the network and its DNS"
        else:
            hint = f"{check}: is the host spelled right? Baseten's API is {DEFAULT_API_URL}"
        return TransportError(f"cannot resolve {host}: no such host ({where})", hint=hint)
    failure = _tls_failure(exc)
    if failure is None:
        return None
    address = host_port(base_url)
    # ssl sets `reason` and `verify_message` on the errors it raises; one raised by other code
    # (another TLS layer, a proxy library) may have neither: read them as maybe there.
    given_reason = getattr(failure, "reason", None)
    if isinstance(failure, ssl.SSLCertVerificationError):
        detail = getattr(failure, "verify_message", None) or given_reason or "not verified"
        return TransportError(
            f"the TLS certificate of {host} is not trusted ({detail}; {where})",
            hint=f"{check}; behind a proxy that inspects TLS, set SSL_CERT_FILE to its CA bundle",
        )
    reason = str(given_reason or failure.__class__.__name__)
    if reason == "WRONG_VERSION_NUMBER" or "wrong version number" in str(failure).lower():
        problem = f"{address} does not speak TLS, which https:// needs ({where})"
    else:
        problem = f"the TLS handshake with {address} failed ({reason}; {where})"
    plain = base_url.copy_with(scheme="http", path="/", query=None, fragment=None)
    local = f"a local server such as the emulator speaks plain http: {str(plain).rstrip('/')}"
    return TransportError(problem, hint=local if is_loopback(host) else check)


def _url_fix(url_source: str) -> str:
    """Where to correct the API URL, given where it came from."""
    if url_source in ("--api-url", "BASETEN_API_URL"):
        return f"check {url_source}"
    if url_source in ("default", "the API URL setting"):
        return "check --api-url / BASETEN_API_URL"
    return f"check {url_source} (--api-url overrides it)"  # a trussrc section, truss's pair
