"""`--no-cache` on every listing command: the on-disk cache is neither read nor written.

Issue #25: `training-jobs PROJECT` took a `cache` it never used, so `--no-cache` did nothing
there (and a name's look-up did not refresh the project names completion offers). Each command
runs once with the cache, which must touch it (or the check below would prove nothing), and
once with `--no-cache`, which must not call it at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from baseten_logs.emulator import Emulator, EmulatorConfig
from baseten_logs.emulator.catalogue import DEMO_MODEL_NAME
from baseten_logs.emulator.chains import CHAIN_NAME, TRAINING_PROJECT_NAME
from baseten_logs.sources.cache import Cache, cache_dir
from tests.conftest import invoke

LISTINGS = {
    "models": ("models",),
    "deployments": ("deployments", DEMO_MODEL_NAME),
    "chains": ("chains",),
    "chain-deployments": ("chain-deployments", CHAIN_NAME),
    "chainlets": ("chainlets", CHAIN_NAME),
    "training-projects": ("training-projects",),
    "training-jobs": ("training-jobs", TRAINING_PROJECT_NAME),
    "loops-runs": ("loops-runs",),
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorConfig(seed=5, lines_per_s=0.2, rate_limit_per_s=None))
    yield emulator
    emulator.close()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the Cache methods called ("get", "put")."""
    seen: list[str] = []
    get, put = Cache.get, Cache.put

    def get_spy(self: Cache, key: str) -> Any:
        seen.append("get")
        return get(self, key)

    def put_spy(self: Cache, key: str, value: Any, *, ttl: float) -> None:
        seen.append("put")
        put(self, key, value, ttl=ttl)

    monkeypatch.setattr(Cache, "get", get_spy)
    monkeypatch.setattr(Cache, "put", put_spy)
    return seen


@pytest.mark.parametrize("command", LISTINGS.values(), ids=LISTINGS.keys())
def test_no_cache_leaves_the_cache_unread_and_untouched(
    emu: Emulator, calls: list[str], command: tuple[str, ...]
) -> None:
    env = {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    cached = invoke(*command, "-o", "json", env=env)
    assert cached.status == 0, cached.stderr
    assert "put" in calls, "with the cache, the listing or the name's look-up fills it"
    written = {p: p.read_bytes() for p in cache_dir().rglob("*") if p.is_file()}
    assert written

    calls.clear()
    fresh = invoke(*command, "-o", "json", "--no-cache", env=env)
    assert fresh.status == 0, fresh.stderr
    assert fresh.stdout == cached.stdout
    assert calls == []
    assert {p: p.read_bytes() for p in cache_dir().rglob("*") if p.is_file()} == written
