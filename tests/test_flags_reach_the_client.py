"""The pacing and retry flags reach the client of every command that reads logs.

`stats --chain --max-rps 3` once ran at 100 requests a second: the rate was parsed, then not
passed on in the chain branch. Each command is run against the emulator (in-process, real
loopback HTTP) and every logs request is checked for the client it went through.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from baseten_logs.api.client import ApiClient
from baseten_logs.api.pace import PACE_MARGIN
from baseten_logs.emulator import DEMO_MODEL_NAME, Emulator, EmulatorConfig
from baseten_logs.emulator.chains import CHAIN_NAME
from tests.conftest import invoke


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorConfig(seed=5, lines_per_s=0.2, rate_limit_per_s=None))
    yield emulator
    emulator.close()


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float | None, int]]:
    """(requests a second, attempts) of the client behind each logs request."""
    found: list[tuple[float | None, int]] = []
    original = ApiClient.get_logs

    def spy(self: ApiClient, path: str, params: Any, **options: Any) -> list[dict[str, Any]]:
        limiter = self.rate_limiter
        found.append((None if limiter is None else limiter.ceiling, self._retry.attempts))
        return original(self, path, params, **options)

    monkeypatch.setattr(ApiClient, "get_logs", spy)
    return found


COMMANDS = {
    "get": ("get", "llama-3-8b", "--since", "10m"),
    "get --all": ("get", "llama-3-8b", "--all", "--since", "10m"),
    "chain": ("chain", CHAIN_NAME, "--since", "10m"),
    "training": ("training", "llama-finetune", "--since", "1d"),
    "stats": ("stats", "llama-3-8b", "--since", "10m", "-o", "json"),
    "stats --chain": ("stats", CHAIN_NAME, "--chain", "--since", "10m", "-o", "json"),
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_max_rps_and_retries_reach_every_logs_request(
    emu: Emulator, seen: list[tuple[float | None, int]], command: tuple[str, ...]
) -> None:
    env = {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    result = invoke(*command, "--max-rps", "3", "--retries", "2", env=env)
    assert result.status == 0, result.stderr
    assert seen, "no logs request was made"
    assert set(seen) == {(3 * PACE_MARGIN, 3)}  # a first try and two retries


@pytest.fixture
def ceilings(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[object]]:
    """The connection ceiling of the client behind each logs request, and the concurrency of
    every controller made. (chain and training also open a client for names, with its own.)"""
    from baseten_logs.api.pace import ConcurrencyController

    found: dict[str, list[object]] = {"connections": [], "controllers": []}
    connections: dict[int, object] = {}
    client_init = ApiClient.__init__
    get_logs = ApiClient.get_logs
    controller_init = ConcurrencyController.__init__

    def client_spy(self: ApiClient, *args: Any, **kwargs: Any) -> None:
        connections[id(self)] = kwargs.get("max_connections")
        client_init(self, *args, **kwargs)

    def logs_spy(self: ApiClient, path: str, params: Any, **options: Any) -> list[dict[str, Any]]:
        found["connections"].append(connections[id(self)])
        return get_logs(self, path, params, **options)

    def controller_spy(self: ConcurrencyController, *args: Any, **kwargs: Any) -> None:
        controller_init(self, *args, **kwargs)
        found["controllers"].append((self.adaptive, self.ceiling))

    monkeypatch.setattr(ApiClient, "__init__", client_spy)
    monkeypatch.setattr(ApiClient, "get_logs", logs_spy)
    monkeypatch.setattr(ConcurrencyController, "__init__", controller_spy)
    return found


# `--no-cache` (names looked up again) exists on get, chain and the listings, not on training
# or stats: a training job is found by id or by listing its project, and stats reads one
# resolved source. Where it exists it is about names, not the client, so it is not checked here.
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_concurrency_sets_the_connections_and_every_controller(
    emu: Emulator, ceilings: dict[str, list[object]], command: tuple[str, ...]
) -> None:
    env = {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    result = invoke(*command, "--concurrency", "3", env=env)
    assert result.status == 0, result.stderr
    assert ceilings["connections"] and set(ceilings["connections"]) == {3}
    assert set(ceilings["controllers"]) <= {(False, 3)}  # none: a tail reads page by page
    # stats --chain: 3 shared out over the chainlets is 1 each, read one page after another.
    if "--all" in command or command == COMMANDS["stats"]:
        assert ceilings["controllers"], "a whole window is read in parallel"


# `request` takes --retries (no --max-rps or --concurrency: it reads one request's few lines,
# page after page); its plan step hands the attempts to both branches, a model's and a chain's.
@pytest.mark.parametrize("chain", [False, True], ids=["request", "request --chain"])
def test_retries_reach_every_logs_request_of_request(
    emu: Emulator, seen: list[tuple[float | None, int]], chain: bool
) -> None:
    env = {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    target: tuple[str, ...]
    if chain:
        target = (emu.demo_chain_request.request_id, CHAIN_NAME, "--chain")
    else:
        target = (emu.demo_request.request_id, DEMO_MODEL_NAME)
    result = invoke("request", *target, "--retries", "2", env=env)
    assert result.status == 0, result.stderr
    assert seen, "no logs request was made"
    assert {attempts for _, attempts in seen} == {3}  # a first try and two retries
