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
from tests.contract.sdk import query_problems, sdk_operations, window_days
from tests.contract.test_answers import LOGS_OPERATIONS, _path, arguments

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


@pytest.mark.parametrize("name", LOGS_OPERATIONS)
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
