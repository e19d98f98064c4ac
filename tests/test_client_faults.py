"""What a user is told of network faults and odd answers, in exact words: DNS failures, refused
and reset connections, redirects, text that is not JSON, short Retry-After waits, deflate
answers in either form however the network splits them, a byte-order mark."""

from __future__ import annotations

import json
import re
import struct
import zlib

import httpx
import pytest
from pytest_httpx import HTTPXMock, IteratorStream

from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.base.errors import ApiError, TransportError

URL = "https://api.test"
PATH = "/v1/models/m/deployments/d/logs"
LINE = {"timestamp": "1", "message": "m"}
OK = {"logs": [LINE]}
BODY = json.dumps(OK).encode()
RETRY_HINT = " (the API may be down or rate limiting; try again later)"


def client(url: str = URL, attempts: int = 1) -> ApiClient:
    return ApiClient(base_url=url, api_key="k", retry=RetryPolicy(attempts=attempts))


def at(url: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(url)}{PATH}.*")


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        (
            httpx.ConnectError("[Errno 104] Connection reset by peer"),
            "connection to api.test:443 failed ([Errno 104] Connection reset by peer)",
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response. "),
            "connection to api.test:443 failed (Server disconnected without sending a response.)",
        ),
        (httpx.ReadError(""), "connection to api.test:443 failed (ReadError)"),
    ],
)
def test_a_network_fault_is_named_in_words_a_user_can_act_on(
    httpx_mock: HTTPXMock, fault: Exception, problem: str
) -> None:
    httpx_mock.add_exception(fault, url=at(URL))
    with pytest.raises(TransportError) as caught:
        client().get_logs(PATH, [])
    assert str(caught.value) == f"giving up on {PATH} after 1 attempt: {problem}{RETRY_HINT}"


@pytest.mark.parametrize(
    "words",
    [
        # How Linux, macOS and Windows word a host name that does not resolve.
        "[Errno -2] Name or service not known",
        "[Errno 8] nodename nor servname provided, or not known",
        "[Errno 11001] getaddrinfo failed",
    ],
)
def test_a_host_that_does_not_resolve_is_named_at_once_in_any_systems_words(
    httpx_mock: HTTPXMock, slept: list[float], words: str
) -> None:
    httpx_mock.add_exception(httpx.ConnectError(words), url=at(URL))
    with pytest.raises(TransportError) as caught:
        client(attempts=6).get_logs(PATH, [])
    assert str(caught.value) == (
        "cannot resolve api.test: no such host (the URL from the API URL setting)"
        " (check --api-url / BASETEN_API_URL: is the host spelled right?"
        " Baseten's API is https://api.baseten.co)"
    )
    assert slept == []


def refused_underneath() -> httpx.ConnectError:
    """A refusal as httpx raises it: its words say nothing, the socket's error underneath does."""
    socket_error = ConnectionRefusedError(111, "Connect call failed")
    middle = OSError("All connection attempts failed")
    middle.__cause__ = socket_error
    outer = httpx.ConnectError("All connection attempts failed")
    outer.__cause__ = middle
    return outer


@pytest.mark.parametrize(
    ("url", "address"),
    [
        (URL, "api.test:443"),
        ("http://api.test", "api.test:80"),
        ("http://api.test:8080", "api.test:8080"),
    ],
)
def test_a_refusal_found_under_the_error_is_named_with_host_and_port(
    httpx_mock: HTTPXMock, slept: list[float], url: str, address: str
) -> None:
    httpx_mock.add_exception(refused_underneath(), url=at(url), is_reusable=True)
    with pytest.raises(TransportError) as caught:
        client(url, attempts=2).get_logs(PATH, [])
    assert str(caught.value) == (
        f"connection refused by {address} (the URL from the API URL setting), after 2 attempts"
        " (is the server running? check --api-url / BASETEN_API_URL)"
    )


def test_a_300_multiple_choices_is_a_redirect_too(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=at(URL), status_code=300, json={"choices": []})
    with pytest.raises(ApiError) as caught:
        client().get_logs(PATH, [])
    assert str(caught.value) == (
        f"{URL} (from the API URL setting) answered with a redirect (HTTP 300), which the"
        " Baseten API never does; check --api-url / BASETEN_API_URL"
    )


def test_a_text_answer_is_named_by_its_type_without_parameters(httpx_mock: HTTPXMock) -> None:
    headers = {"Content-Type": "Text/Plain; charset=utf-8"}
    httpx_mock.add_response(url=at(URL), status_code=404, headers=headers, text="404 not found")
    with pytest.raises(ApiError) as caught:
        client().get_logs(PATH, [])
    assert str(caught.value) == (
        f"{URL} (from the API URL setting) does not look like the Baseten API"
        " (text/plain answer, not JSON, HTTP 404); check --api-url / BASETEN_API_URL"
    )


@pytest.mark.parametrize(
    ("body", "headers"),
    [({"error": "slow", "retry_after": 0.5}, {}), ({"error": "slow"}, {"Retry-After": "0.5"})],
)
def test_a_wait_under_a_second_is_waited_as_told(
    httpx_mock: HTTPXMock, slept: list[float], body: object, headers: dict[str, str]
) -> None:
    httpx_mock.add_response(url=at(URL), status_code=429, json=body, headers=headers)
    httpx_mock.add_response(url=at(URL), json=OK)
    assert client(attempts=2).get_logs(PATH, []) == [LINE]
    assert slept == [0.5]


def deflated(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(wbits=wbits)
    return packer.compress(data) + packer.flush()


def stored_block_with_padding_bits(data: bytes) -> bytes:
    """Raw deflate as RFC 1951 allows it: a stored block whose unused header bits are set
    (its first byte then looks like a zlib header's, but its checksum does not add up)."""
    size = struct.pack("<HH", len(data), len(data) ^ 0xFFFF)
    return bytes([0x08]) + size + data + bytes([0x01, 0, 0, 0xFF, 0xFF])


@pytest.mark.parametrize(
    ("body", "first"),
    [
        (deflated(BODY, 15), 2),  # zlib-wrapped, its two header bytes in a read of their own
        (deflated(BODY, 15), 1),  # ... and split across two reads
        (deflated(b"  " + BODY, -15), 2),  # raw: its first bytes pass the zlib checksum
        (stored_block_with_padding_bits(BODY), 3),  # raw: a first byte like zlib's
    ],
    ids=["zlib-2", "zlib-1", "raw-checksum", "raw-stored"],
)
def test_deflate_is_read_whatever_its_form_and_however_it_arrives(
    httpx_mock: HTTPXMock, body: bytes, first: int
) -> None:
    pieces = [body[:first], body[first:]]
    headers = {"Content-Encoding": "deflate"}
    httpx_mock.add_response(url=at(URL), headers=headers, stream=IteratorStream(pieces))
    assert client().get_logs(PATH, []) == [LINE]


def test_an_answer_starting_with_a_byte_order_mark_is_read(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=at(URL), content=b"\xef\xbb\xbf" + BODY)
    assert client().get_logs(PATH, []) == [LINE]
