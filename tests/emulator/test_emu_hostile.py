"""Hostile answers on demand: gzip bombs, endless and trickling bodies, odd Retry-Afters, deep
JSON, bytes that are not UTF-8, answers that ignore `limit`."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import json
import math
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
from emu_helpers import DAY_MS, T0, call, logs_path

from baseten_logs.emulator.hostile import gzip_bomb

WINDOW = {"start_epoch_millis": int(T0 * 1000) - DAY_MS, "end_epoch_millis": int(T0 * 1000)}


def test_a_gzip_bomb_is_small_on_the_wire_and_inflates_to_valid_json(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("gzip_bomb", size=64 * 1024 * 1024)
    reply = call(emu, logs_path(), WINDOW)
    assert reply.status == 200 and reply.headers["content-encoding"] == "gzip"
    assert len(reply.body) < 200_000
    inflated = gzip.decompress(reply.body)
    assert 63 * 1024 * 1024 <= len(inflated) <= 64 * 1024 * 1024
    assert json.loads(inflated) == {"logs": []}


def test_the_default_bomb_inflates_to_a_gibibyte_from_about_a_megabyte() -> None:
    body = gzip_bomb(1024**3)
    assert len(body) < 1_200_000
    assert int.from_bytes(body[-4:], "little") >= 1023 * 1024 * 1024  # gzip's own size field


def test_an_endless_body_goes_on_until_the_client_hangs_up(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("endless")
    url = urlsplit(emu.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        conn.request("GET", logs_path(), headers={"Authorization": f"Bearer {emu.api_key}"})
        response = conn.getresponse()
        assert response.getheader("transfer-encoding") == "chunked"
        got = 0
        while got < 4 * 1024 * 1024:
            got += len(response.read(65536))
    finally:
        conn.close()
    assert call(emu, logs_path(), WINDOW).status == 200  # the emulator carries on


def test_a_trickled_answer_is_the_real_answer(make_emu: Any) -> None:
    emu = make_emu(rates={})
    expected = call(emu, logs_path(), {**WINDOW, "limit": 3}).body
    emu.inject("trickle", slow_s=0.001)
    reply = call(emu, logs_path(), {**WINDOW, "limit": 3})
    assert reply.body == expected and reply.headers["transfer-encoding"] == "chunked"


def test_headers_can_trickle_without_end(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("trickle", slow_s=0.0001, variant="headers")
    with socket.create_connection((emu.host, emu.port), timeout=10) as conn:
        request = f"GET {logs_path()} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {emu.api_key}"
        conn.sendall(request.encode() + b"\r\n\r\n")
        got = b""
        while len(got) < 200:
            got += conn.recv(100)
    assert got.startswith(b"HTTP/1.1 200 OK\r\nX-Padding: ...") and b"\r\n\r\n" not in got


@pytest.mark.parametrize(
    ("variant", "header", "wait"),
    [("soon", "soon", "soon"), ("negative", "-5", -5), ("nan", "nan", "nan"), ("past", "", None)],
)
def test_hostile_retry_afters(make_emu: Any, variant: str, header: str, wait: object) -> None:
    emu = make_emu()
    emu.inject("429", variant=variant)
    reply = call(emu, logs_path(), WINDOW)
    assert reply.status == 429
    got = reply.json.get("retry_after")
    if variant == "past":
        moment = email.utils.parsedate_to_datetime(reply.headers["retry-after"])
        assert moment.timestamp() < T0 and got is None
    elif variant == "nan":
        assert reply.headers["retry-after"] == "nan" and math.isnan(got)
    else:
        assert reply.headers["retry-after"] == header and got == wait


def test_deep_json(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("deep_json", size=1000)
    body = call(emu, logs_path(), WINDOW).body
    assert body == b'{"logs": ' + b"[" * 1000 + b"]" * 1000 + b"}"


def test_bytes_that_are_not_utf8_go_into_every_message(make_emu: Any) -> None:
    emu = make_emu()
    clean = call(emu, logs_path(), {**WINDOW, "limit": 5}).body
    emu.inject("not_utf8")
    spoiled = call(emu, logs_path(), {**WINDOW, "limit": 5}).body
    with pytest.raises(UnicodeDecodeError):
        spoiled.decode()
    fixed = json.loads(spoiled.decode(errors="replace"))["logs"]
    original = json.loads(clean)["logs"]
    assert len(fixed) == len(original) == 5
    for bad, good in zip(fixed, original, strict=True):
        assert bad == {**good, "message": "caf\ufffd \ufffd\ufffd " + good["message"]}


def test_an_answer_that_ignores_limit(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("ignore_limit", size=50)
    assert len(call(emu, logs_path(), {**WINDOW, "limit": 3}).logs) == 50
    assert len(call(emu, logs_path(), {**WINDOW, "limit": 3}).logs) == 3  # once only


@pytest.mark.parametrize(
    ("variant", "hostile"),
    [
        ("time_escape", {"timestamp": "<second>\x1bM\r000000"}),
        ("time_overflow", {"timestamp": math.inf}),  # 1e400 in the body, which reads as inf
        ("time_digits", {"timestamp": "9" * 5000}),
        ("redos", {"message": "a" * 34 + "!"}),
    ],
)
def test_a_hostile_line_stands_between_two_lines_of_its_second(
    make_emu: Any, variant: str, hostile: dict[str, object]
) -> None:
    emu = make_emu()
    clean = json.loads(call(emu, logs_path(), {**WINDOW, "limit": 500}).body)["logs"]
    emu.inject("hostile_lines", variant=variant)
    body = call(emu, logs_path(), {**WINDOW, "limit": 500}).body
    if variant == "time_overflow":
        assert b'"timestamp": 1e400' in body
    spoiled = json.loads(body)["logs"]
    assert len(spoiled) == len(clean)  # replaced, not added: a full page stays a full page
    replaced = [i for i, (bad, good) in enumerate(zip(spoiled, clean, strict=True)) if bad != good]
    assert replaced
    for index in replaced:
        second = clean[index]["timestamp"][:10]
        assert spoiled[index - 1]["timestamp"][:10] == second
        assert spoiled[index + 1]["timestamp"][:10] == second
        expected = {
            k: v.replace("<second>", second) if isinstance(v, str) else v
            for k, v in hostile.items()
        }
        assert {k: spoiled[index][k] for k in expected} == expected
        assert spoiled[index]["replica"] == clean[index]["replica"]
