"""Under httpx: every wait on a connection ends at the request's deadline, and a caller's own
transport keeps its settings (unix socket, local address, socket options, connect retries).

A fake network (an httpcore backend) stands in for sockets: each piece of an answer takes
seconds of a fake clock to arrive, and a wait shorter than that times out, as a socket would.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterable
from typing import Any, NoReturn

import httpcore
import httpx
import pytest

from baseten_logs.api import clock as api_clock
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.api.limits import Limits
from baseten_logs.base.errors import TransportError

PATH = "/v1/models/m/deployments/d/logs"
OK = {"logs": [{"timestamp": "1", "message": "m"}]}
BODY = json.dumps(OK).encode()
ANSWER = [
    b"HTTP/1.1 200 OK\r\n",
    b"Content-Type: application/json\r\n",
    b"Content-Length: %d\r\n\r\n" % len(BODY),
    BODY,
]
KEEPALIVE = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]


class Network(httpcore.NetworkBackend):
    """Connections that answer ANSWER a piece per read; what the client asked is in `calls`."""

    def __init__(self, clock: list[float], *, step: float = 0.0, setup: float = 0.0) -> None:
        self.clock = clock
        self.step = step  # seconds each piece of the answer takes to arrive
        self.setup = setup  # seconds a connect (and a TLS handshake) takes
        self.calls: list[tuple[Any, ...]] = []
        self.refusals = 0  # connects to refuse before accepting one
        # What every connect (`connect_fault`) or TLS handshake (`tls_fault`) fails with, as
        # httpcore raises it: its ConnectError over the socket's or ssl's own error.
        self.connect_fault: OSError | None = None
        self.tls_fault: OSError | None = None

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.calls.append(("connect_tcp", host, port, timeout, local_address, socket_options))
        return self._connect()

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.calls.append(("connect_unix_socket", path, timeout, socket_options))
        return self._connect()

    def _connect(self) -> httpcore.NetworkStream:
        self.clock[0] += self.setup
        if self.connect_fault is not None:
            fail_as_httpcore(self.connect_fault)
        if self.refusals:
            self.refusals -= 1
            raise httpcore.ConnectError("[Errno 111] Connection refused")
        return Wire(self)

    def sleep(self, seconds: float) -> None:
        self.calls.append(("sleep", seconds))


def fail_as_httpcore(fault: OSError) -> NoReturn:
    """Raise `fault` as httpcore's backend does: its ConnectError raised while handling the
    socket's or ssl's error (its pool re-raises `from None`, so only the context is left)."""
    try:
        raise fault
    except OSError as exc:
        raise httpcore.ConnectError(exc) from exc


class Wire(httpcore.NetworkStream):
    def __init__(self, network: Network) -> None:
        self.network = network
        self.pieces = list(ANSWER)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        net = self.network
        net.calls.append(("read", max_bytes, timeout))
        if not self.pieces:
            return b""  # the server closed the connection
        if timeout is not None and timeout < net.step:
            net.clock[0] += timeout
            raise httpcore.ReadTimeout("timed out")
        net.clock[0] += net.step
        return self.pieces.pop(0)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:  # (httpcore ends a request by writing nothing)
            self.network.calls.append(("write", buffer.split(b"\r\n")[0], timeout))

    def close(self) -> None:
        pass

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = isinstance(ssl_context, ssl.SSLContext)
        self.network.calls.append(("start_tls", tls, server_hostname, timeout))
        self.network.clock[0] += self.network.setup
        if self.network.tls_fault is not None:
            fail_as_httpcore(self.network.tls_fault)
        return self

    def get_extra_info(self, info: str) -> Any:
        # A socket the server closed reads as readable (the end of the stream is waiting).
        return not self.pieces if info == "is_readable" else None


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(api_clock, "monotonic", lambda: now[0])
    return now


def api_over(
    network: Network, url: str = "https://api.test", **kwargs: Any
) -> tuple[ApiClient, list[str]]:
    """An ApiClient over a caller's own httpx transport, which runs on `network`."""
    transport = httpx.HTTPTransport(**kwargs)
    transport._pool._network_backend = network
    lines: list[str] = []
    api = ApiClient(
        base_url=url,
        api_key="k",
        transport=transport,
        retry=RetryPolicy(attempts=1),
        limits=Limits(request_deadline_s=60),
        log=lines.append,
    )
    return api, lines


def test_a_server_trickling_its_headers_is_given_up_on_at_the_request_deadline(
    clock: list[float],
) -> None:
    # Each wait alone is shorter than httpx's 30 s, so only the deadline can stop it.
    network = Network(clock, setup=20.0, step=10.0)
    api, lines = api_over(network)
    with pytest.raises(TransportError) as caught:
        api.get_logs(PATH, [])
    assert str(caught.value).startswith(
        f"giving up on {PATH} after 1 attempt: no complete answer within 60 s"
    )
    assert lines == [
        f"GET {PATH} -> no complete answer within 60 s (the per-request deadline) in 60000 ms"
    ]
    # Each wait is what is left until the deadline, when that is less than httpx would wait.
    assert network.calls == [
        ("connect_tcp", "api.test", 443, 10.0, None, None),
        ("start_tls", True, "api.test", 10.0),
        ("write", f"GET {PATH} HTTP/1.1".encode(), 20.0),
        ("read", 65536, 20.0),
        ("read", 65536, 10.0),
        ("read", 65536, 0.0001),  # past the deadline: no wait at all
    ]


def test_a_prompt_server_is_waited_for_as_long_as_httpx_would(clock: list[float]) -> None:
    network = Network(clock)
    api, _ = api_over(network, url="http://api.test:8080")
    assert api.get_logs(PATH, []) == OK["logs"]
    assert network.calls[:2] == [
        ("connect_tcp", "api.test", 8080, 10.0, None, None),
        ("write", f"GET {PATH} HTTP/1.1".encode(), 30.0),
    ]
    assert network.calls[2:] == [("read", 65536, 30.0)] * len(ANSWER)


def test_a_transports_local_address_and_socket_options_are_kept(clock: list[float]) -> None:
    network = Network(clock)
    api, _ = api_over(network, local_address="127.0.0.2", socket_options=KEEPALIVE)
    assert api.get_logs(PATH, []) == OK["logs"]
    assert network.calls[0] == ("connect_tcp", "api.test", 443, 10.0, "127.0.0.2", KEEPALIVE)


def test_a_unix_socket_transport_is_used_within_the_deadline(clock: list[float]) -> None:
    network = Network(clock, setup=55.0)
    api, _ = api_over(network, "http://api.test", uds="/run/api.sock", socket_options=KEEPALIVE)
    assert api.get_logs(PATH, []) == OK["logs"]
    assert network.calls[:3] == [
        ("connect_unix_socket", "/run/api.sock", 10.0, KEEPALIVE),
        ("write", f"GET {PATH} HTTP/1.1".encode(), 5.0),  # 5 s left of the request's 60
        ("read", 65536, 5.0),
    ]


def test_a_transports_own_connect_retries_still_wait(clock: list[float]) -> None:
    network = Network(clock)
    network.refusals = 1
    api, _ = api_over(network, retries=1)
    assert api.get_logs(PATH, []) == OK["logs"]
    assert [call for call in network.calls if call[0] != "read"][:4] == [
        ("connect_tcp", "api.test", 443, 10.0, None, None),
        ("sleep", 0),
        ("connect_tcp", "api.test", 443, 10.0, None, None),
        ("start_tls", True, "api.test", 10.0),
    ]


def test_a_connection_the_server_closed_is_not_reused(
    clock: list[float], slept: list[float]
) -> None:
    network = Network(clock)
    api, lines = api_over(network)
    for _ in range(2):
        assert api.get_logs(PATH, []) == OK["logs"]
    assert [call[0] for call in network.calls].count("connect_tcp") == 2
    assert slept == [] and not any("retrying" in line for line in lines)


def test_behind_a_proxy_every_wait_still_ends_at_the_deadline(
    clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    network = Network(clock, setup=35.0, step=10.0)
    monkeypatch.setattr("httpcore._sync.connection_pool.SyncBackend", lambda: network)
    for name in ("NO_PROXY", "ALL_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    api = ApiClient(
        base_url="http://api.test",
        api_key="k",
        retry=RetryPolicy(attempts=1),
        limits=Limits(request_deadline_s=60),
    )
    with pytest.raises(TransportError, match="no complete answer within 60 s"):
        api.get_logs(PATH, [])
    assert network.calls == [
        ("connect_tcp", "proxy.test", 3128, 10.0, None, None),
        ("write", f"GET http://api.test{PATH} HTTP/1.1".encode(), 25.0),
        ("read", 65536, 25.0),
        ("read", 65536, 15.0),
        ("read", 65536, 5.0),
    ]


def retrying_api(network: Network, url: str, source: str = "--api-url") -> ApiClient:
    """A client over `network` that would retry six times, for what it tries."""
    transport = httpx.HTTPTransport()
    transport._pool._network_backend = network
    return ApiClient(
        base_url=url, api_key="k", url_source=source, transport=transport, retry=RetryPolicy()
    )


def tls_error(reason: str, text: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] {text} (_ssl.c:1006)")
    error.reason = reason  # what ssl sets on the errors it raises
    return error


def test_a_host_dns_does_not_know_is_named_at_once_not_retried_as_an_outage(
    clock: list[float], slept: list[float]
) -> None:
    network = Network(clock)
    network.connect_fault = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    with pytest.raises(TransportError) as caught:
        retrying_api(network, "https://api.basten.co").get_logs(PATH, [])
    assert str(caught.value) == (
        "cannot resolve api.basten.co: no such host (the URL from --api-url)"
        " (check --api-url: is the host spelled right? Baseten's API is https://api.baseten.co)"
    )
    assert [call[0] for call in network.calls] == ["connect_tcp"] and slept == []


def test_a_dns_failure_of_the_apis_own_host_points_at_the_network(clock: list[float]) -> None:
    network = Network(clock)
    network.connect_fault = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    with pytest.raises(TransportError) as caught:
        retrying_api(network, "https://api.baseten.co", "default").get_logs(PATH, [])
    assert str(caught.value) == (
        "cannot resolve api.baseten.co: no such host (the URL from default)"
        " (check the network and its DNS)"
    )


def test_a_dns_server_that_did_not_answer_is_still_retried(
    clock: list[float], slept: list[float]
) -> None:
    network = Network(clock)
    network.connect_fault = socket.gaierror(
        socket.EAI_AGAIN, "Temporary failure in name resolution"
    )
    with pytest.raises(TransportError, match="giving up on .* after 6 attempts"):
        retrying_api(network, "https://api.test").get_logs(PATH, [])
    assert len(slept) == 5


def test_https_to_a_plain_http_port_on_this_machine_says_so_and_gives_the_http_url(
    clock: list[float], slept: list[float]
) -> None:
    network = Network(clock)
    network.tls_fault = tls_error("WRONG_VERSION_NUMBER", "wrong version number")
    with pytest.raises(TransportError) as caught:
        retrying_api(network, "https://127.0.0.1:8787", "BASETEN_API_URL").get_logs(PATH, [])
    assert str(caught.value) == (
        "127.0.0.1:8787 does not speak TLS, which https:// needs (the URL from BASETEN_API_URL)"
        " (a local server such as the emulator speaks plain http: http://127.0.0.1:8787)"
    )
    assert [call[0] for call in network.calls] == ["connect_tcp", "start_tls"] and slept == []


def test_a_tls_failure_elsewhere_names_where_the_url_came_from(clock: list[float]) -> None:
    network = Network(clock)
    network.tls_fault = tls_error("TLSV1_ALERT_PROTOCOL_VERSION", "tlsv1 alert protocol version")
    with pytest.raises(TransportError) as caught:
        retrying_api(network, "https://api.test", "/home/u/.trussrc [baseten]").get_logs(PATH, [])
    assert str(caught.value) == (
        "the TLS handshake with api.test:443 failed (TLSV1_ALERT_PROTOCOL_VERSION; the URL from"
        " /home/u/.trussrc [baseten]) (check /home/u/.trussrc [baseten] (--api-url overrides it))"
    )


def test_an_untrusted_certificate_is_named_with_the_fix_for_an_inspecting_proxy(
    clock: list[float], slept: list[float]
) -> None:
    network = Network(clock)
    error = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] ...")
    error.verify_message = "self-signed certificate in certificate chain"
    network.tls_fault = error
    with pytest.raises(TransportError) as caught:
        retrying_api(network, "https://api.test").get_logs(PATH, [])
    assert str(caught.value) == (
        "the TLS certificate of api.test is not trusted (self-signed certificate in certificate"
        " chain; the URL from --api-url) (check --api-url; behind a proxy that inspects TLS,"
        " set SSL_CERT_FILE to its CA bundle)"
    )
    assert slept == []


def test_a_handshake_cut_short_is_retried_like_a_dropped_connection(
    clock: list[float], slept: list[float]
) -> None:
    network = Network(clock)
    network.tls_fault = ssl.SSLEOFError(8, "EOF occurred in violation of protocol")
    with pytest.raises(TransportError, match="giving up on .* after 6 attempts"):
        retrying_api(network, "https://api.test").get_logs(PATH, [])
    assert len(slept) == 5
