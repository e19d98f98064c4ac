"""What the emulator refuses is what Baseten's schema refuses, and nothing more.

On every logs endpoint, values at and past each bound of the SDK's parameter models (limit
1..1000, at most 8 includes/excludes, 256 characters for the scalar filters, the enums, a window
of at most the days the description names) are sent to the emulator: it answers 400 exactly when
the model (or that description) refuses the request.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from baseten_logs.emulator import Emulator
from tests.contract.sdk import limit_bounds, query_problems, sdk_operations, window_days
from tests.contract.test_answers import (
    AUDIT_OPERATIONS,
    EMULATED,
    LOGS_OPERATIONS,
    SANDBOX_OPERATIONS,
    _path,
    arguments,
    served_arguments,
)

DAY_MS = 86_400_000
LONG = "x" * 257
CANDIDATES: list[dict[str, Any]] = [
    {"limit": "0"},
    {"limit": "1"},
    {"limit": "1000"},
    {"limit": "1001"},
    {"limit": "ten"},
    {"direction": "asc"},
    {"direction": "DESC"},
    {"min_level": "WARNING"},
    {"min_level": "info"},
    {"min_level": "TRACE"},
    {"replica": "r" * 256},
    {"replica": LONG},
    {"request_id": LONG},
    {"component": LONG},
    {"search_pattern": "x" * 256},
    {"search_pattern": LONG},
    {"includes": [f"i{n}" for n in range(8)]},
    {"includes": [f"i{n}" for n in range(9)]},
    {"excludes": [f"e{n}" for n in range(9)]},
    {"includes": [LONG * 4], "excludes": [LONG]},
    {"end_epoch_millis": "soon"},
    {"no_such_parameter": "1"},
]


def _window(emu: Emulator, days: float) -> dict[str, Any]:
    end = emu.now_ms()
    return {"start_epoch_millis": str(end - int(days * DAY_MS)), "end_epoch_millis": str(end)}


def _span_ms(case: dict[str, Any]) -> int:
    start, end = case["start_epoch_millis"], case["end_epoch_millis"]
    return int(end) - int(start) if end.isdigit() else 0


# The logs routes windowed in epoch milliseconds (the sandbox routes' are RFC 3339, below).
EPOCH_LOGS = [n for n in LOGS_OPERATIONS if n not in SANDBOX_OPERATIONS]


@pytest.mark.parametrize("name", EPOCH_LOGS)
def test_the_emulator_refuses_what_the_schema_refuses_and_nothing_more(
    emu: Emulator, name: str
) -> None:
    operation = sdk_operations()[name]
    assert operation.query is not None
    longest = window_days(operation.query)
    assert longest == 7
    cases = [{**_window(emu, 0.01), **c} for c in CANDIDATES]
    cases += [_window(emu, longest), _window(emu, longest + 0.001)]
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    path = _path(operation, arguments(emu)[name])
    disagreements = []
    with httpx.Client(base_url=emu.url, headers=headers) as http:
        for case in cases:
            query = {k: v if isinstance(v, list) else [v] for k, v in case.items()}
            refused = bool(query_problems(operation.query, query, as_server=True))
            refused = refused or _span_ms(case) > longest * DAY_MS
            status = http.get(path, params=query).status_code
            if status != (400 if refused else 200):
                disagreements.append((sorted(case), status, refused))
    assert disagreements == []


# --- the routes beyond the epoch-window ones: sandboxes, and those ahead of the tool (#26) ------

SERVED = (*SANDBOX_OPERATIONS, *EMULATED, *AUDIT_OPERATIONS)  # the audit routes: sent now

CURSORED = {
    "list_sandboxes",
    "get_sandbox_logs",
    "get_audit_logs",
    "get_models_audit_logs",
    "get_chains_audit_logs",
    "get_models_deployments_startups",
    "get_models_environments_startups",
}


def _refusal_shape(reply: httpx.Response) -> str:
    """A refusal is JSON with one `error` string, as every other refusal of the API."""
    body = reply.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"], body
    return str(body["error"])


def _limit_bounds(name: str) -> tuple[int, int] | None:
    query = sdk_operations()[name].query
    return None if query is None else limit_bounds(query)


LIMITED = [n for n in SERVED if _limit_bounds(n) is not None]


@pytest.mark.parametrize("name", LIMITED)
def test_the_emulated_routes_refuse_limits_as_the_schema_does(emu: Emulator, name: str) -> None:
    operation = sdk_operations()[name]
    args, params = served_arguments(emu)[name]
    bounds = _limit_bounds(name)
    assert bounds is not None
    low, high = bounds
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    with httpx.Client(base_url=emu.url, headers=headers) as http:
        for limit in (low - 1, low, high, high + 1):
            query = {k: [str(v)] for k, v in {**params, "limit": limit}.items()}
            assert operation.query is not None
            refused = bool(query_problems(operation.query, query, as_server=True))
            reply = http.get(_path(operation, args), params=query)
            assert reply.status_code == (400 if refused else 200), (limit, reply.text[:200])
            if refused:
                assert "limit" in _refusal_shape(reply)


@pytest.mark.parametrize("name", sorted(CURSORED))
def test_the_emulated_routes_refuse_a_cursor_they_did_not_give(emu: Emulator, name: str) -> None:
    operation = sdk_operations()[name]
    args, params = served_arguments(emu)[name]
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    reply = httpx.get(
        emu.url + _path(operation, args),
        params={**params, "cursor": "bm90LW91cnM"},
        headers=headers,
    )
    assert reply.status_code == 400 and "cursor" in _refusal_shape(reply)


NAMING = [n for n in SERVED if "{}" in sdk_operations()[n].path]


@pytest.mark.parametrize("name", NAMING)
def test_the_emulated_routes_answer_an_unknown_name_with_404(emu: Emulator, name: str) -> None:
    operation = sdk_operations()[name]
    args, params = served_arguments(emu)[name]
    unknown = {**args, list(args)[-1]: "nosuch0"}
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    reply = httpx.get(emu.url + _path(operation, unknown), params=params, headers=headers)
    assert reply.status_code == 404, name
    _refusal_shape(reply)
