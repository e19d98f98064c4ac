"""Hostile answers stay bounded: size cap, deadline, odd Retry-After, deep JSON, bad UTF-8."""

from __future__ import annotations

import email.utils
import gzip
import json
import re
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpx import HTTPXMock, IteratorStream

from baseten_logs.api import clock as api_clock
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.api.limits import MIB, Limits, limits_from
from baseten_logs.base.errors import ApiError, ExitStatus, TransportError

URL = "https://api.test"
PATH = "/v1/models/m/deployments/d/logs"
ANY = re.compile(rf"{URL}{PATH}.*")
KEY = "secret-key-do-not-print-0123"
LINE = {"timestamp": "1", "message": "m", "replica": None, "request_id": None}
OK = {"logs": [LINE]}
GZIP = {"Content-Encoding": "gzip", "Content-Type": "application/json"}


def client(*, attempts: int = 2, warnings: list[str] | None = None, **limits: float) -> ApiClient:
    return ApiClient(
        base_url=URL,
        api_key=KEY,
        retry=RetryPolicy(attempts=attempts),
        limits=Limits(**limits),  # type: ignore[arg-type]
        warn=None if warnings is None else warnings.append,
    )


def bomb(pulled: list[int], *, mib: int = 1024) -> Iterator[bytes]:
    """A valid JSON answer that gzips `mib` MiB of spaces, compressed as it is read:
    `pulled` counts the MiB handed out so far, to see how far a reader went."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    yield packer.compress(b'{"logs": []')
    block = b" " * MIB
    for _ in range(mib):
        pulled.append(1)
        data = packer.compress(block)
        if data:
            yield data
    yield packer.compress(b"}") + packer.flush()


def test_a_gzip_bomb_stops_at_the_size_cap_without_inflating(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    pulled: list[int] = []
    for _ in range(2):
        httpx_mock.add_response(url=ANY, headers=GZIP, stream=IteratorStream(bomb(pulled)))
    tracemalloc.start()
    try:
        with pytest.raises(TransportError) as caught:
            client(max_answer_bytes=4 * MIB).get_logs(PATH, [])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.status == ExitStatus.API
    assert "after 2 attempts: the answer is larger than 4 MiB (the size cap)" in str(caught.value)
    assert len(pulled) < 2 * 2 * 8  # a few MiB read of each 1 GiB bomb, not the whole of it
    assert peak < 20 * MIB
    assert len(slept) == 1  # a failed attempt, retried like a timeout


def test_an_answer_within_the_cap_is_inflated_and_read(httpx_mock: HTTPXMock) -> None:
    body = gzip.compress(json.dumps(OK).encode())
    httpx_mock.add_response(url=ANY, headers=GZIP, stream=IteratorStream([body[:5], body[5:]]))
    assert client(max_answer_bytes=1024).get_logs(PATH, []) == [LINE]


@pytest.mark.parametrize("wrapped", [True, False], ids=["zlib", "raw-deflate"])
def test_deflate_in_either_form_is_read(httpx_mock: HTTPXMock, wrapped: bool) -> None:
    packer = zlib.compressobj(wbits=zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
    body = packer.compress(json.dumps(OK).encode()) + packer.flush()
    headers = {"Content-Encoding": "deflate"}
    httpx_mock.add_response(url=ANY, headers=headers, stream=IteratorStream([body]))
    assert client().get_logs(PATH, []) == [LINE]


def test_an_endless_body_stops_at_the_size_cap(httpx_mock: HTTPXMock, slept: list[float]) -> None:
    def endless() -> Iterator[bytes]:
        yield b'{"logs": ['
        while True:
            yield b" " * 65536

    for _ in range(2):
        httpx_mock.add_response(url=ANY, stream=IteratorStream(endless()))
    with pytest.raises(TransportError, match="larger than 1 MiB"):
        client(max_answer_bytes=MIB).get_logs(PATH, [])


def test_a_trickling_body_stops_at_the_deadline(
    httpx_mock: HTTPXMock, slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(api_clock, "monotonic", lambda: now[0])

    def trickle() -> Iterator[bytes]:
        for byte in json.dumps(OK).encode():
            now[0] += 2.0  # one byte every 2 s: no single read ever times out
            yield bytes([byte])

    for _ in range(2):
        httpx_mock.add_response(url=ANY, stream=IteratorStream(trickle()))
    with pytest.raises(TransportError) as caught:
        client(request_deadline_s=10).get_logs(PATH, [])
    assert "no complete answer within 10 s (the per-request deadline)" in str(caught.value)
    assert "BASETEN_LOGS_REQUEST_DEADLINE" in str(caught.value)


def test_a_slow_answer_within_the_deadline_is_read(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(api_clock, "monotonic", lambda: now[0])

    def slow() -> Iterator[bytes]:
        for piece in (b'{"logs": ', json.dumps([LINE]).encode(), b"}"):
            now[0] += 2.0
            yield piece

    httpx_mock.add_response(url=ANY, stream=IteratorStream(slow()))
    assert client(request_deadline_s=10).get_logs(PATH, []) == [LINE]


def _past_date() -> str:
    return email.utils.formatdate(time.time() - 3600, usegmt=True)


@pytest.mark.parametrize(
    ("header", "body_wait"),
    [
        ("soon", None),
        ("-5", -5),
        ("nan", None),
        ("inf", None),
        ("0", 0),
        ("", None),
        ("past", None),
        ("Mon, 99 Foo 2026 99:99:99 GMT", None),
    ],
)
def test_unusable_retry_after_gets_the_normal_backoff(
    httpx_mock: HTTPXMock, slept: list[float], header: str, body_wait: float | None
) -> None:
    value = _past_date() if header == "past" else header
    payload: dict[str, object] = {"error": "slow"}
    if body_wait is not None:
        payload["retry_after"] = body_wait
    httpx_mock.add_response(url=ANY, status_code=429, json=payload, headers={"Retry-After": value})
    httpx_mock.add_response(url=ANY, json=OK)
    assert client().get_logs(PATH, []) == [LINE]
    assert len(slept) == 1 and 0.25 <= slept[0] <= 0.5  # the first backoff step, never 0 s


def test_a_nan_retry_after_in_the_body_falls_back_to_the_header(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    body = b'{"error": "slow", "retry_after": NaN}'  # what Python's json.dumps writes for nan
    httpx_mock.add_response(url=ANY, status_code=429, content=body, headers={"Retry-After": "4"})
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert slept == [4.0]


def test_a_future_retry_after_date_is_waited_for(httpx_mock: HTTPXMock, slept: list[float]) -> None:
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    httpx_mock.add_response(url=ANY, status_code=429, headers={"Retry-After": later})
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert len(slept) == 1 and 25 <= slept[0] <= 31


@pytest.mark.parametrize("status", [200, 500, 429])
def test_json_nested_absurdly_deep_is_an_api_error_not_a_crash(
    httpx_mock: HTTPXMock, status: int
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for _ in range(1 if status == 200 else 2):
        httpx_mock.add_response(url=ANY, status_code=status, content=deep)
    with pytest.raises(ApiError if status == 200 else TransportError) as caught:
        client().get_logs(PATH, [])
    assert caught.value.status == ExitStatus.API
    if status == 200:
        assert "JSON nested too deep to read" in str(caught.value)


def test_bytes_that_are_not_utf8_become_replacement_characters_with_one_warning(
    httpx_mock: HTTPXMock,
) -> None:
    page = b'{"logs": [{"timestamp": "1", "message": "caf\xe9 \xff\xfe ok"}, '
    page += b'{"timestamp": "2", "message": "clean"}]}'
    httpx_mock.add_response(url=ANY, content=page)
    httpx_mock.add_response(url=ANY, content=page)
    warnings: list[str] = []
    api = client(warnings=warnings)
    for _ in range(2):
        logs = api.get_logs(PATH, [])
        assert [r["message"] for r in logs] == ["caf\ufffd \ufffd\ufffd ok", "clean"]
    assert len(warnings) == 1 and "not UTF-8" in warnings[0]


def test_limits_come_from_the_environment_when_set_and_sane() -> None:
    assert limits_from({}) == Limits()
    env = {
        "BASETEN_LOGS_MAX_ANSWER_BYTES": "1000",
        "BASETEN_LOGS_REQUEST_DEADLINE": "2.5",
        "BASETEN_LOGS_PREFETCH_BYTES": "junk",
        "BASETEN_LOGS_MAX_LINE_BYTES": "-4",
    }
    limits = limits_from(env)
    assert limits.max_answer_bytes == 1000 and limits.request_deadline_s == 2.5
    assert limits.prefetch_bytes == Limits().prefetch_bytes
    assert limits.max_line_bytes == Limits().max_line_bytes


def test_a_corrupt_gzip_answer_is_a_failed_attempt_not_a_crash(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    for _ in range(2):
        httpx_mock.add_response(url=ANY, headers=GZIP, stream=IteratorStream([b"\x1f\x8bnot gzip"]))
    with pytest.raises(TransportError, match="after 2 attempts: the answer's gzip data is corrupt"):
        client().get_logs(PATH, [])


def answer_of(size: int) -> bytes:
    """A valid page of exactly `size` bytes (padded with spaces)."""
    page = json.dumps(OK).encode()
    return page + b" " * (size - len(page))


@pytest.mark.parametrize("how", ["whole", "streamed", "gzip"])
def test_an_answer_of_exactly_the_cap_is_read_and_one_byte_more_is_refused(
    httpx_mock: HTTPXMock, slept: list[float], how: str
) -> None:
    cap = 1000
    answers = [answer_of(cap), answer_of(cap + 1)]

    def respond(request: httpx.Request) -> httpx.Response:
        body = answers.pop(0)
        if how == "whole":
            return httpx.Response(200, content=body)
        if how == "gzip":
            body = gzip.compress(body)
            return httpx.Response(200, headers=GZIP, stream=IteratorStream([body]))
        return httpx.Response(200, stream=IteratorStream([body[:10], body[10:]]))

    api = ApiClient(
        base_url=URL,
        api_key=KEY,
        retry=RetryPolicy(attempts=1),
        limits=Limits(max_answer_bytes=cap),
        transport=httpx.MockTransport(respond) if how == "whole" else None,
    )
    if how != "whole":
        httpx_mock.add_callback(respond, url=ANY, is_reusable=True)
    assert api.get_logs(PATH, []) == [LINE]
    with pytest.raises(TransportError) as caught:
        api.get_logs(PATH, [])
    assert str(caught.value) == (
        f"giving up on {PATH} after 1 attempt: the answer is larger than 1,000 bytes (the size cap)"
        " (no page of logs is that big: is --api-url pointing at the API?"
        " (BASETEN_LOGS_MAX_ANSWER_BYTES raises the cap))"
    )


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)  # (zlib.compress takes wbits from Python 3.11 only)


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("x-gzip", gzipped(json.dumps(OK).encode())),  # gzip's old name (RFC 9110)
        (" GZIP ", gzipped(json.dumps(OK).encode())),
        ("gzip, gzip", gzipped(gzipped(json.dumps(OK).encode()))),  # compressed twice
    ],
)
def test_gzip_answers_are_read_under_any_of_their_names(
    httpx_mock: HTTPXMock, encoding: str, body: bytes
) -> None:
    headers = {"Content-Encoding": encoding}
    httpx_mock.add_response(url=ANY, headers=headers, stream=IteratorStream([body]))
    assert client().get_logs(PATH, []) == [LINE]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip, gzip"])
def test_corrupt_compressed_data_is_named_in_one_line(
    httpx_mock: HTTPXMock, slept: list[float], encoding: str
) -> None:
    headers = {"Content-Encoding": encoding}
    stream = IteratorStream([b"\x1f\x8b\x08\x00 this is not gzip at all"])
    httpx_mock.add_response(url=ANY, headers=headers, stream=stream)
    with pytest.raises(TransportError) as caught:
        client(attempts=1).get_logs(PATH, [])
    assert re.fullmatch(
        rf"giving up on {PATH} after 1 attempt: the answer's {encoding} data is corrupt"
        r" \([^()]*Error -3 while decompressing data: [^()]+\)"
        r" \(the API may be down or rate limiting; try again later\)",
        str(caught.value),
    ), str(caught.value)


def test_an_empty_gzip_answer_is_an_api_error_not_a_crash(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, headers=GZIP, stream=IteratorStream([]))
    with pytest.raises(ApiError, match="with something that is not JSON"):
        client().get_logs(PATH, [])


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_bomb_in_one_network_read_is_inflated_no_further_than_the_cap(
    httpx_mock: HTTPXMock, slept: list[float], encoding: str
) -> None:
    wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    bomb = packer.compress(b'{"logs": [' + b" " * (64 * MIB)) + packer.flush()
    headers = {"Content-Encoding": encoding}
    httpx_mock.add_response(url=ANY, headers=headers, stream=IteratorStream([bomb]))
    tracemalloc.start()
    try:
        with pytest.raises(TransportError, match="larger than 1 MiB"):
            client(attempts=1, max_answer_bytes=MIB).get_logs(PATH, [])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB  # not the 64 MiB the read holds


def test_a_bomb_compressed_twice_is_inflated_no_further_than_the_cap(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    """httpx would undo both layers of a network read at once: 64 KiB to 64 MiB in one go."""
    bomb = gzipped(gzipped(b'{"logs": [' + b" " * (64 * MIB)))
    headers = {"Content-Encoding": "gzip, gzip"}
    httpx_mock.add_response(url=ANY, headers=headers, stream=IteratorStream([bomb]))
    tracemalloc.start()
    try:
        with pytest.raises(TransportError, match="larger than 1 MiB"):
            client(attempts=1, max_answer_bytes=MIB).get_logs(PATH, [])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB


def test_layers_are_undone_from_the_last_applied(httpx_mock: HTTPXMock) -> None:
    """`Content-Encoding: deflate, gzip` means deflated, then gzipped (RFC 9110, 8.4)."""
    body = gzipped(zlib.compress(json.dumps(OK).encode()))
    headers = {"Content-Encoding": "deflate, identity, gzip"}
    httpx_mock.add_response(url=ANY, headers=headers, stream=IteratorStream([body]))
    assert client().get_logs(PATH, []) == [LINE]


@pytest.mark.parametrize(
    ("encoding", "shown"),
    [
        ("br, gzip", "br, gzip"),
        ("br", "br"),  # never asked for: httpx would undo it a whole read at a time
        ("zstd", "zstd"),
        ("gzip, " + "x" * 100, "gzip, " + "x" * 74),  # cut at 80 characters
    ],
)
def test_an_encoding_not_asked_for_is_refused_in_one_line(
    httpx_mock: HTTPXMock, slept: list[float], encoding: str, shown: str
) -> None:
    headers = {"Content-Encoding": encoding}
    httpx_mock.add_response(url=ANY, headers=headers, stream=IteratorStream([b"{}"]))
    with pytest.raises(TransportError) as caught:
        client(attempts=1).get_logs(PATH, [])
    assert str(caught.value) == (
        f'giving up on {PATH} after 1 attempt: the answer is encoded as "{shown}", which was'
        " not asked for (the API may be down or rate limiting; try again later)"
    )


def test_an_answer_in_utf_8_gives_no_warning(httpx_mock: HTTPXMock) -> None:
    warnings: list[str] = []
    httpx_mock.add_response(url=ANY, stream=IteratorStream([json.dumps(OK).encode()]))
    assert client(warnings=warnings).get_logs(PATH, []) == [LINE]
    assert warnings == []


def test_requests_carry_only_the_headers_meant(httpx_mock: HTTPXMock) -> None:
    """Compressed answers are asked for by name: gzip and deflate, inflated here under the cap."""
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    request = httpx_mock.get_requests()[0]
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert {name.lower() for name in request.headers} <= {
        "host",
        "accept",
        "accept-encoding",
        "connection",
        "user-agent",
        "authorization",
    }


def test_an_answer_inflating_past_a_mib_in_one_read_is_read_whole(httpx_mock: HTTPXMock) -> None:
    lines = [{"timestamp": str(n), "message": "x" * 1000} for n in range(3000)]  # ~3 MiB
    body = gzipped(json.dumps({"logs": lines}).encode())
    httpx_mock.add_response(url=ANY, headers=GZIP, stream=IteratorStream([body]))
    assert client().get_logs(PATH, []) == lines


def test_an_answer_complete_exactly_at_the_deadline_is_read(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(api_clock, "monotonic", lambda: now[0])

    def slow() -> Iterator[bytes]:
        for piece in (b'{"logs": ', json.dumps([LINE]).encode(), b"}"):
            now[0] += 2.0  # the last piece arrives 6 s in: exactly at the deadline
            yield piece

    httpx_mock.add_response(url=ANY, stream=IteratorStream(slow()))
    assert client(request_deadline_s=6).get_logs(PATH, []) == [LINE]
