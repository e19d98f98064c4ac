"""Misbehaviour on demand, rate limiting, request records, and the foreground server."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from typing import Any

import pytest
from emu_helpers import call, logs_path

from baseten_logs.emulator import FAULT_KINDS, EmulatorConfig, serve
from baseten_logs.emulator.ratelimit import RateLimiter

RATE_LIMITED = "Rate limit exceeded. Please try again later."


def test_429_then_recovery(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("429", times=2, retry_after=3)
    for _ in range(2):
        reply = call(emu, logs_path())
        assert reply.status == 429
        assert reply.json == {"error": RATE_LIMITED, "retry_after": 3}
        assert "retry-after" not in reply.headers
    assert call(emu, logs_path()).status == 200
    emu.inject("429", retry_after=2, header=True)
    reply = call(emu, logs_path())
    assert reply.status == 429 and reply.headers["retry-after"] == "2"


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("404", 404, "Deployment not found"),
        ("500", 500, "Internal server error"),
        ("502", 502, "Bad gateway"),
        ("503", 503, "Service unavailable"),
        ("504", 504, "Gateway timeout"),
    ],
)
def test_error_statuses(make_emu: Any, kind: str, status: int, error: str) -> None:
    emu = make_emu()
    emu.inject(kind)
    reply = call(emu, logs_path())
    assert reply.status == status and reply.json == {"error": error}
    assert call(emu, logs_path()).status == 200


def test_gateway_errors_can_be_html(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("504", variant="html")
    reply = call(emu, logs_path())
    assert reply.status == 504 and reply.headers["content-type"] == "text/html"
    assert b"<html>" in reply.body


@pytest.mark.parametrize("variant", [None, "html", "truncated"])
def test_malformed_answers_are_200_but_not_json(make_emu: Any, variant: str | None) -> None:
    emu = make_emu()
    emu.inject("malformed", variant=variant)
    reply = call(emu, logs_path())
    assert reply.status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.body)
    if variant == "truncated":
        assert reply.body.startswith(b'{"logs": [')


def test_wrong_shape(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("wrong_shape")
    reply = call(emu, logs_path())
    assert reply.status == 200 and "logs" not in reply.json


def test_drop_closes_without_an_answer(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("drop")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        call(emu, logs_path())
    assert call(emu, logs_path()).status == 200
    assert emu.requests[-2].status == 0 and emu.requests[-2].fault == "drop"


def test_slow_outlasts_a_read_timeout_quietly(make_emu: Any, capfd: Any) -> None:
    emu = make_emu()
    emu.inject("slow", slow_s=0.3)
    with pytest.raises((TimeoutError, socket.timeout)):
        call(emu, logs_path(), timeout=0.1)
    assert call(emu, logs_path()).status == 200
    time.sleep(0.3)  # the stalled handler now writes to a closed socket: no traceback
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_latency_delays_every_answer(make_emu: Any) -> None:
    emu = make_emu(latency_s=0.15)
    began = time.perf_counter()
    assert call(emu, "/v1/models").status == 200
    assert time.perf_counter() - began >= 0.15
    emu.set_latency(0.0)
    began = time.perf_counter()
    call(emu, "/v1/models")
    assert time.perf_counter() - began < 0.15


def test_scope_logs_spares_other_endpoints_scope_all_does_not(make_emu: Any) -> None:
    emu = make_emu()
    emu.inject("503")
    assert call(emu, "/v1/models").status == 200
    assert emu.pending_faults == 1
    env_logs = "/v1/models/w5h2r8t/environments/production/logs"
    assert call(emu, env_logs).status == 503
    emu.inject("500", scope="all")
    assert call(emu, "/v1/models").status == 500
    emu.inject("500", times=5)
    emu.clear_faults()
    assert emu.pending_faults == 0 and call(emu, logs_path()).status == 200


def test_random_faults_are_seeded(make_emu: Any) -> None:
    def statuses(seed: int) -> list[int]:
        emu = make_emu(error_rate=0.3, fault_seed=seed)
        return [call(emu, logs_path(), {"limit": 1}).status for _ in range(60)]

    first = statuses(1)
    assert first == statuses(1)
    failures = [s for s in first if s != 200]
    assert 5 < len(failures) < 35
    assert set(failures) <= {429, 500, 502, 503, 504}
    emu = make_emu()
    emu.set_error_rate(1.0, kinds=("502",))
    assert call(emu, logs_path()).status == 502
    emu.set_error_rate(0.0)
    assert call(emu, logs_path()).status == 200


def test_unknown_faults_are_refused(make_emu: Any) -> None:
    emu = make_emu()
    assert "drop" in FAULT_KINDS
    with pytest.raises(ValueError):
        emu.inject("418")
    with pytest.raises(ValueError):
        emu.inject("500", variant="truncated")
    with pytest.raises(ValueError):
        emu.inject("500", times=0)


def test_rate_limit_is_per_key_over_a_sliding_second(make_emu: Any) -> None:
    emu = make_emu(rate_limit_per_s=5, api_key="k1", extra_api_keys=("k2",))
    statuses = [call(emu, "/v1/models", key="k1").status for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = call(emu, logs_path(), key="k1")
    assert refused.status == 429
    assert refused.json["error"] == RATE_LIMITED and refused.json["retry_after"] >= 1
    assert refused.headers["retry-after"] == str(refused.json["retry_after"])
    assert call(emu, "/v1/models", key="k2").status == 200


def test_the_rate_limit_window_slides() -> None:
    now = [100.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.acquire("k") for _ in range(4)] == [None, None, None, 1]
    now[0] += 0.5
    assert limiter.acquire("k") == 1 and limiter.acquire("other") is None
    now[0] += 0.51  # the first three hits are now more than a second old
    assert [limiter.acquire("k") for _ in range(4)] == [None, None, None, 1]


def test_rate_limit_is_on_by_default() -> None:
    assert EmulatorConfig().rate_limit_per_s == 100


def test_requests_are_recorded_without_the_key(make_emu: Any) -> None:
    emu = make_emu(api_key="secret-key")
    call(emu, logs_path(), {"limit": 5, "includes": ["a", "b"]}, key="secret-key")
    call(emu, "/v1/models", key="bad")
    first, second = emu.requests
    assert first.method == "GET" and first.path == logs_path()
    assert first.query == {"limit": ["5"], "includes": ["a", "b"]}
    assert first.status == 200 and first.fault is None
    assert first.headers["Authorization"] == "Bearer <redacted>"
    assert "secret-key" not in repr(emu.requests)
    assert second.status == 401
    emu.clear_requests()
    assert emu.requests == []


def test_keep_alive_connections_are_served_and_closed_on_close(make_emu: Any) -> None:
    emu = make_emu()
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    headers = {"Authorization": f"Bearer {emu.api_key}"}
    for _ in range(3):
        conn.request("GET", logs_path() + "?limit=10", headers=headers)
        response = conn.getresponse()
        assert response.status == 200 and len(json.loads(response.read())["logs"]) == 10
    emu.close()
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        conn.request("GET", logs_path(), headers=headers)
        conn.getresponse()
    conn.close()


def test_serve_announces_url_and_key_and_stops() -> None:
    messages: list[str] = []
    stop = threading.Event()
    cfg = EmulatorConfig(api_key="demo-key")
    thread = threading.Thread(
        target=lambda: serve(cfg, announce=messages.append, stop=stop), daemon=True
    )
    thread.start()
    for _ in range(100):
        if messages:
            break
        time.sleep(0.02)
    assert len(messages) == 1 and "demo-key" in messages[0]
    url = messages[0].split("listening on ", 1)[1].split()[0]
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/v1/models", headers={"Authorization": "Api-Key demo-key"})
    assert conn.getresponse().status == 200
    conn.close()
    stop.set()
    thread.join(5)
    assert not thread.is_alive()


def test_latency_varies_per_request_within_the_jitter() -> None:
    from baseten_logs.emulator.faults import Faults

    faults = Faults(latency_s=0.2, latency_jitter_s=0.05, seed=4)
    delays = [faults.delay() for _ in range(200)]
    assert all(0.15 <= d <= 0.25 for d in delays)
    assert len(set(delays)) > 100  # varies from answer to answer, not one fixed delay
    assert Faults(latency_s=0.2).delay() == 0.2


def test_the_emulator_command_sets_the_rate_limit_and_jitter(monkeypatch: Any) -> None:
    from baseten_logs.cli.app import run

    seen: list[EmulatorConfig] = []
    monkeypatch.setattr("baseten_logs.emulator.serve", lambda cfg, **_: seen.append(cfg))
    assert (
        run(["emulator", "--rate-limit", "7", "--latency", "0.2", "--latency-jitter", "0.1"]) == 0
    )
    assert run(["emulator", "--rate-limit", "0"]) == 0
    assert run(["emulator"]) == 0
    assert [c.rate_limit_per_s for c in seen] == [7, None, 100]
    assert (seen[0].latency_s, seen[0].latency_jitter_s) == (0.2, 0.1)
