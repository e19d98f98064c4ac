"""Every request the tool sends, in every command and mode, is one Baseten's schema describes.

Each command runs against the emulator and its requests are captured as sent (not restated
here); each must fall under an entry of TOOL_OPERATIONS, that entry must be the SDK's own
operation (method and path), and its query must validate against the SDK's parameter model:
names, types, ranges and enum values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baseten_logs.emulator import Emulator, RequestRecord
from baseten_logs.emulator.chains import CHAIN_NAME, TRAINING_PROJECT_NAME
from baseten_logs.emulator.sandboxes import ENDED_SANDBOX, TRACED_SANDBOX
from tests.contract.conftest import requests_of, trussrc_with_expired_login
from tests.contract.sdk import TOOL_OPERATIONS, query_problems, sdk_operations, tool_operation

MODEL = "llama-3-8b"
FILTERS = (
    *("--level", "WARNING", "--grep", "tok(en)?s", "--replica", "abcde"),
    *("--request-id", "req_1", "--component", "model", "--include", "a", "--exclude", "b"),
)
# Every command and mode that sends requests; -f runs only where it ends by itself (a finished
# training job, a window that ends in the past).
COMMANDS: dict[str, tuple[str, ...]] = {
    "get newest": ("get", MODEL),
    "get -n": ("get", MODEL, "-n", "5", "--reverse"),
    "get window": ("get", MODEL, "--since", "2h", "--until", "1h", "--all"),
    "get 8 days": ("get", MODEL, "--since", "8d", "--all", "--concurrency", "4", "-o", "jsonl"),
    "get filters": ("get", MODEL, "--since", "1h", *FILTERS),
    "get by id": ("get", "q4w8x2z", "3w1k9p5", "--since", "10m"),
    "get development": ("get", MODEL, "development", "--since", "10m"),
    "get --env": ("get", MODEL, "--env", "production", "--since", "10m"),
    "get -f ended": ("get", MODEL, "-f", "--since", "3m", "--until", "2m"),
    "chain": ("chain", CHAIN_NAME, "--since", "10m", "--level", "INFO"),
    "chain -f ended": ("chain", CHAIN_NAME, "-f", "--since", "3m", "--until", "2m"),
    "training": ("training", TRAINING_PROJECT_NAME, "--since", "1d"),
    "training filters": ("training", TRAINING_PROJECT_NAME, "--since", "1d", *FILTERS),
    "chain filters": ("chain", CHAIN_NAME, "--since", "1h", *FILTERS),
    "training -f finished": ("training", TRAINING_PROJECT_NAME, "lora-r8", "-f", "--since", "3d"),
    "stats": ("stats", MODEL, "--since", "30m", "-o", "json"),
    "get --events": ("get", MODEL, "--since", "4h", "--all", "--events", "-o", "jsonl"),
    "get --env --events": ("get", MODEL, "--env", "production", "--since", "4h", "--events"),
    "get -f --events": ("get", MODEL, "-f", "--since", "3m", "--until", "2m", "--events"),
    "stats --events": ("stats", MODEL, "--since", "4h", "-o", "json", "--events"),
    "stats --chain": ("stats", CHAIN_NAME, "--chain", "--since", "10m", "-o", "json"),
    "models": ("models",),
    "deployments": ("deployments", MODEL),
    "chains": ("chains",),
    "chain-deployments": ("chain-deployments", CHAIN_NAME),
    "chainlets": ("chainlets", CHAIN_NAME),
    "training-projects": ("training-projects",),
    "training-jobs": ("training-jobs", TRAINING_PROJECT_NAME),
    "whoami --check": ("whoami", "--check"),
    # loops
    "loops": ("loops", "grpo-math"),
    "loops by id -n": ("loops", "rg5m2x8", "-n", "5", "--level", "WARNING"),
    "loops filters": ("loops", "grpo-math", "--since", "1h", *FILTERS),
    "loops --sampler": ("loops", "grpo-math", "--sampler", "--since", "10m", *FILTERS),
    "loops -f ended": ("loops", "sft-warmup", "-f", "-n", "5"),
    "loops-runs": ("loops-runs", "--org"),
    # sandbox
    "sandbox": ("sandbox", TRACED_SANDBOX),
    "sandbox -n": ("sandbox", TRACED_SANDBOX, "-n", "5", "--since", "2h", "--reverse"),
    "sandbox --all": ("sandbox", TRACED_SANDBOX, "--all", "--since", "1h", "--level", "WARNING"),
    "sandbox ended": ("sandbox", ENDED_SANDBOX),
    "sandbox -f ended": ("sandbox", TRACED_SANDBOX, "-f", "--since", "3m", "--until", "2m"),
    "sandbox --build": ("sandbox", TRACED_SANDBOX, "--build", "--all", "--since", "1d"),
    "sandbox --trace-id": ("sandbox", TRACED_SANDBOX, "--trace-id", "0" * 32, "--since", "5m"),
    "sandboxes": ("sandboxes",),
    # audit
    "audit": ("audit",),
    "audit --model --all": ("audit", "--model", MODEL, "--since", "30d", "--all"),
    "audit --chain": ("audit", "--chain", CHAIN_NAME, "-n", "5", "--until", "1h"),
    "audit -f ended": ("audit", "-f", "--since", "3d", "--until", "1d"),
}


def _problems(records: list[RequestRecord]) -> list[str]:
    problems: list[str] = []
    for record in records:
        key = tool_operation(record.method, record.path)
        if key is None:
            problems.append(f"{record.method} {record.path}: no entry in TOOL_OPERATIONS")
            continue
        name = TOOL_OPERATIONS[key]
        if name is None:
            continue  # outside the management API (the OAuth token endpoint)
        operation = sdk_operations()[name]
        problems += [f"{record.path}: {p}" for p in query_problems(operation.query, record.query)]
    return problems


@pytest.mark.parametrize(("method", "path"), list(TOOL_OPERATIONS))
def test_each_operation_the_tool_uses_is_the_sdks_own(method: str, path: str) -> None:
    name = TOOL_OPERATIONS[(method, path)]
    if name is None:
        assert path not in {op.path for op in sdk_operations().values()}
        return
    operation = sdk_operations()[name]
    assert (operation.method, operation.path) == (method, path)


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_request_of_every_command_is_in_the_schema(
    emu: Emulator, args: tuple[str, ...]
) -> None:
    assert _problems(requests_of(emu, *args)) == []


def test_the_requests_of_request_are_in_the_schema(emu: Emulator) -> None:
    records = requests_of(emu, "request", emu.demo_request.request_id, MODEL, "--context", "30s")
    assert _problems(records) == []
    records = requests_of(
        emu, "request", emu.demo_request.request_id, MODEL, "--context", "30s", "--events"
    )
    assert _problems(records) == []
    assert any(r.path.endswith("/startups") for r in records)
    chain_request = emu.demo_chain_request.request_id
    records = requests_of(emu, "request", chain_request, "--chain", CHAIN_NAME, "--context", "30s")
    assert _problems(records) == []


@pytest.mark.parametrize("name", ["get --events", "get --env --events", "stats --events"])
def test_events_ask_for_start_ups(emu: Emulator, name: str) -> None:
    records = requests_of(emu, *COMMANDS[name])
    assert any(r.path.endswith("/startups") for r in records)


def test_a_login_refresh_then_its_requests_are_in_the_schema(emu: Emulator, tmp_path: Path) -> None:
    path = trussrc_with_expired_login(emu, tmp_path)
    records = requests_of(
        emu, "get", MODEL, "--since", "5m", env={"USER_TRUSSRC_PATH": str(path)}, key=False
    )
    assert any(
        tool_operation(r.method, r.path) == ("POST", "/v1/users/auth/device/token") for r in records
    )
    assert _problems(records) == []


def test_a_path_the_table_lacks_is_reported() -> None:
    # The check itself: a request to an operation nobody listed must not pass unnoticed.
    unlisted = RequestRecord("GET", "/v1/models/m1/metrics", {}, {}, 200, None, 0.0)
    wrong = RequestRecord(
        "GET",
        "/v1/models/m/deployments/d/logs",
        {"limit": ["5000"], "lvl": ["x"]},
        {},
        200,
        None,
        0,
    )
    assert _problems([unlisted]) == ["GET /v1/models/m1/metrics: no entry in TOOL_OPERATIONS"]
    found = json.dumps(_problems([wrong]))
    assert "lvl: not a parameter" in found and "limit" in found
