"""A hostile token endpoint: what it answers a refresh can neither break ~/.trussrc nor the run.

Its tokens are kept only when they are printable ASCII without spaces, of a sane length: else the
refresh fails in one line (exit 3) and the file is left byte for byte as it was. Its answer is
bounded like every other (size cap, deadline, nesting), and a lifetime that is not a sane number
of seconds means "refresh next time", never a crash.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock, IteratorStream

from baseten_logs.access.config import resolve_credentials
from baseten_logs.access.login import MAX_TOKEN_CHARS, TOKEN_PATH
from baseten_logs.access.trussrc import read_sections
from baseten_logs.api import clock as api_clock
from baseten_logs.base.errors import ExitStatus
from tests.conftest import invoke
from tests.test_client_limits import bomb
from tests.test_logins import (
    ACCESS,
    GET,
    LOGS,
    OAUTH_HEAD,
    REFRESH,
    TOKEN_URL,
    login_values,
    sent_tokens,
    write,
)

EVIL = "r\n[evil]\nremote_url = https://attacker.example"
NO_USABLE_TOKEN = (
    "baseten-logs: error: the token endpoint's answer for remote 'baseten' has no usable token"
    " (run truss login; if this happens again, please report it with -v output)\n"
)


@pytest.fixture
def rc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An expired inline login: the first request refreshes it."""
    path = tmp_path / "trussrc"
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(path))
    write(path, OAUTH_HEAD + login_values(-10) + "\n[other]\nremote_url = https://app.other\n")
    return path


def answer(**fields: object) -> dict[str, object]:
    usual = {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 3600}
    return {**usual, **fields}


def logs_ok(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LOGS, json={"logs": []}, is_optional=True, is_reusable=True)


def expiry_saved(path: Path) -> str:
    return (read_sections(path) or {})["baseten"]["oauth_expires_at"]


# --- the tokens ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fields",
    [
        {"refresh_token": EVIL},
        {"refresh_token": "r\r\nx"},
        {"refresh_token": "two words"},
        {"refresh_token": "t\u00f6k\u00e9n"},
        {"refresh_token": "\x1b]0;T\x07"},
        {"refresh_token": "r" * (MAX_TOKEN_CHARS + 1)},
        {"refresh_token": 1234567890},
        {"refresh_token": ["r"]},
        {"access_token": f"a\n{EVIL}"},
        {"access_token": "a" * (MAX_TOKEN_CHARS + 1)},
        {"access_token": ""},
        {"access_token": None},
    ],
    ids=[
        "refresh-new-section",
        "refresh-crlf",
        "refresh-space",
        "refresh-non-ascii",
        "refresh-escape",
        "refresh-too-long",
        "refresh-number",
        "refresh-list",
        "access-new-section",
        "access-too-long",
        "access-empty",
        "access-missing",
    ],
)
def test_a_token_that_is_not_printable_ascii_of_a_sane_length_leaves_the_file_as_it_was(
    rc: Path, httpx_mock: HTTPXMock, fields: dict[str, object]
) -> None:
    before = rc.read_bytes()
    httpx_mock.add_response(url=TOKEN_URL, method="POST", json=answer(**fields))
    result = invoke(*GET)
    assert result.status == int(ExitStatus.AUTH) == 3
    assert result.stderr == NO_USABLE_TOKEN
    assert rc.read_bytes() == before
    assert sent_tokens(httpx_mock) == []  # no logs request with a token we refused


def test_after_a_token_with_a_line_break_the_next_run_still_reads_the_file(
    rc: Path, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=TOKEN_URL, method="POST", json=answer(refresh_token=EVIL))
    assert invoke(*GET).status == ExitStatus.AUTH
    httpx_mock.add_response(url=TOKEN_URL, method="POST", json=answer())
    logs_ok(httpx_mock)
    result = invoke(*GET)
    assert result.status == 0, result.stderr  # not DuplicateSectionError (exit 2)
    assert set(read_sections(rc) or {}) == {"baseten", "other"}
    assert "attacker" not in rc.read_text()


def test_tokens_of_the_longest_sane_length_are_kept(rc: Path, httpx_mock: HTTPXMock) -> None:
    access, refresh = "a" * MAX_TOKEN_CHARS, "r" * MAX_TOKEN_CHARS
    body = answer(access_token=access, refresh_token=refresh)
    httpx_mock.add_response(url=TOKEN_URL, method="POST", json=body)
    logs_ok(httpx_mock)
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    section = (read_sections(rc) or {})["baseten"]
    assert section["oauth_access_token"] == access
    assert section["oauth_refresh_token"] == refresh


@pytest.mark.parametrize("given", [{}, {"refresh_token": None}, {"refresh_token": ""}])
def test_an_answer_without_a_new_refresh_token_keeps_the_one_sent(
    rc: Path, httpx_mock: HTTPXMock, given: dict[str, object]
) -> None:
    body = {"access_token": "new-access", "expires_in": 3600, **given}
    httpx_mock.add_response(url=TOKEN_URL, method="POST", json=body)
    logs_ok(httpx_mock)
    assert invoke(*GET).status == 0
    assert (read_sections(rc) or {})["baseten"]["oauth_refresh_token"] == REFRESH


# --- the lifetime -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "expires_in",
    [b"NaN", b"Infinity", b"1e999", b'"soon"', b"-5", b"0", b"60", b"1e12", b"true", b"null"],
)
def test_a_lifetime_that_is_not_sane_means_refresh_next_time(
    rc: Path, httpx_mock: HTTPXMock, expires_in: bytes
) -> None:
    body = b'{"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": %s}'
    httpx_mock.add_response(url=TOKEN_URL, method="POST", content=body % expires_in)
    logs_ok(httpx_mock)
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert sent_tokens(httpx_mock) == ["Bearer new-access"]
    assert expiry_saved(rc) == "0"  # the next run refreshes first
    login = resolve_credentials(api_key=None, api_url=None).login
    assert login is not None and not login.fresh()


@pytest.mark.parametrize("expires_in", [b"NaN", b"0", b"missing"])
def test_a_token_of_unknown_lifetime_is_refreshed_once_per_run_not_per_request(
    rc: Path, httpx_mock: HTTPXMock, expires_in: bytes
) -> None:
    field = b"" if expires_in == b"missing" else b', "expires_in": ' + expires_in
    body = b'{"access_token": "new-access", "refresh_token": "new-refresh"%s}' % field
    httpx_mock.add_response(url=TOKEN_URL, method="POST", content=body)
    login = resolve_credentials(api_key=None, api_url=None).login
    assert login is not None
    for _ in range(3):
        assert login.header() == "Bearer new-access"
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize(("expires_in", "minutes"), [(b"3600", 60), (b'"7200"', 120)])
def test_a_sane_lifetime_is_kept(
    rc: Path, httpx_mock: HTTPXMock, expires_in: bytes, minutes: int
) -> None:
    body = b'{"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": %s}'
    httpx_mock.add_response(url=TOKEN_URL, method="POST", content=body % expires_in)
    logs_ok(httpx_mock)
    assert invoke(*GET).status == 0
    assert int(expiry_saved(rc)) == pytest.approx(time.time() + minutes * 60, abs=5)


# --- the answer is bounded like every other -----------------------------------------------------
def test_a_gzip_bomb_from_the_token_endpoint_stops_at_the_size_cap(
    rc: Path, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASETEN_LOGS_MAX_ANSWER_BYTES", str(1024 * 1024))
    before = rc.read_bytes()
    pulled: list[int] = []
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    stream = IteratorStream(bomb(pulled, mib=64))
    httpx_mock.add_response(url=TOKEN_URL, method="POST", headers=headers, stream=stream)
    tracemalloc.start()
    try:
        result = invoke(*GET)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.status == ExitStatus.API
    assert result.stderr.startswith(
        f"baseten-logs: error: POST {TOKEN_PATH}: the answer is larger than 1 MiB (the size cap)"
        " (no token answer is that big"
    )
    assert len(result.stderr.splitlines()) == 1
    assert len(pulled) < 8 and peak < 20 * 1024 * 1024
    assert rc.read_bytes() == before


def test_a_token_answer_trickling_a_byte_every_5_s_ends_at_the_deadline(
    rc: Path, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(api_clock, "monotonic", lambda: now[0])

    def trickle() -> Iterator[bytes]:
        for byte in json.dumps(answer()).encode():
            now[0] += 5.0  # no single wait is long, the whole never ends in time
            yield bytes([byte])

    before = rc.read_bytes()
    httpx_mock.add_response(url=TOKEN_URL, method="POST", stream=IteratorStream(trickle()))
    result = invoke(*GET)
    assert result.status == ExitStatus.API
    assert result.stderr.startswith(
        f"baseten-logs: error: POST {TOKEN_PATH}: no complete answer within 60 s"
        " (the per-request deadline)"
    )
    assert now[0] <= 1000.0 + 65
    assert rc.read_bytes() == before


def test_a_token_answer_nested_100000_deep_is_one_line_not_a_crash(
    rc: Path, httpx_mock: HTTPXMock
) -> None:
    deep = b'{"access_token": "a", "expires_in": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    before = rc.read_bytes()
    httpx_mock.add_response(url=TOKEN_URL, method="POST", content=deep)
    result = invoke(*GET)
    assert result.status == ExitStatus.API
    assert result.stderr == (
        f"baseten-logs: error: the API answered {TOKEN_PATH} with JSON nested too deep to read"
        " (the endpoint is in beta; please report this with -v output)\n"
    )
    assert rc.read_bytes() == before


# --- over a real socket: headers that never end -------------------------------------------------
class TrickleServer:
    """A token endpoint on loopback that starts its headers and then adds a byte every 0.2 s."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not self.stop.is_set():
                    try:
                        conn.sendall(b"a")
                    except OSError:
                        break
                    self.stop.wait(0.2)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def trickle_server() -> Iterator[TrickleServer]:
    server = TrickleServer()
    yield server
    server.close()


def test_token_endpoint_headers_that_never_end_stop_at_the_deadline_over_a_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trickle_server: TrickleServer
) -> None:
    path = tmp_path / "trussrc"
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(path))
    monkeypatch.setenv("BASETEN_LOGS_REQUEST_DEADLINE", "1")
    head = OAUTH_HEAD.replace("https://app.test", f"http://127.0.0.1:{trickle_server.port}")
    write(path, head + login_values(-10))
    before = path.read_bytes()
    started = time.monotonic()
    result = invoke(*GET)
    assert time.monotonic() - started < 10
    assert result.status == ExitStatus.API
    assert result.stderr == (
        f"baseten-logs: error: POST {TOKEN_PATH}: no complete answer within 1 s (the per-request"
        " deadline) (the API or the network is too slow; try again later"
        " (BASETEN_LOGS_REQUEST_DEADLINE sets the deadline in seconds))\n"
    )
    assert path.read_bytes() == before


def test_the_refresh_still_sends_what_it_always_sent(rc: Path, httpx_mock: HTTPXMock) -> None:
    seen: list[httpx.Request] = []

    def token(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer())

    httpx_mock.add_callback(token, url=TOKEN_URL, method="POST")
    logs_ok(httpx_mock)
    assert invoke(*GET).status == 0
    (request,) = seen
    assert request.headers["Accept-Encoding"] == "gzip, deflate"  # only what is read in bounds
    form: dict[str, Any] = dict(re.findall(r"([^&=]+)=([^&]*)", request.content.decode()))
    assert form == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": "baseten-cli",
    }
    assert ACCESS not in request.headers.get("Authorization", "")
