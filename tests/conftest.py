"""Shared fixtures: hermetic environment, no real sleeping, the fake logs API, CLI invocation."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings
from pytest_httpx import HTTPXMock
from typer.testing import CliRunner

from tests.fakeapi import API_URL, LOGS_PATH, FakeLogs
from tests.fakecatalog import FakeCatalog, serve
from tests.memkeyring import MemoryKeyring
from tests.mutation_order import own_tests_first
from tests.stall import stall_watch  # noqa: F401  (a fixture: the parallel windows' stalls)

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

_CLEARED = ("USER_TRUSSRC_PATH", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "GITHUB_ACTIONS")


# Baseten's SDK, the contract tests' oracle, needs Python 3.11 and is not installed on 3.10
# (pyproject's dev extra): there the contract tests cannot run, and are not collected.
if sys.version_info < (3, 11):
    collect_ignore = ["contract"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `make mutate`, the mutated module's own tests first (tests/mutation_order.py)."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if mutant:
        order = own_tests_first(mutant, [item.nodeid for item in items])
        items[:] = [items[index] for index in order]


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME (and its config and cache) in tmp_path, no BASETEN_* or colour variables from the
    developer's shell."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    # The defaults file (config set) and the baseten CLI's auth.json: never the developer's own
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in list(os.environ):
        if name.startswith("BASETEN_") or name in _CLEARED:
            monkeypatch.delenv(name)
    monkeypatch.setenv("TERM", "xterm-256color")
    # `-q` sets a module-wide flag in messages; a test that ran it must not silence the next.
    monkeypatch.setattr("baseten_logs.output.messages._quiet", False)
    # Likewise a status line a test left showing would be erased into the next test's stderr.
    monkeypatch.setattr("baseten_logs.output.messages._active_status", None)
    # Never the developer's keyring: a test that needs one installs tests/memkeyring.py's.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture
def catalog(httpx_mock: HTTPXMock) -> FakeCatalog:
    """The management reads (models, deployments, environments) served by tests/fakecatalog.py."""
    return serve(httpx_mock)


@pytest.fixture
def client() -> Iterator[ApiClient]:
    """A client of the fake catalog's API (both fakes serve the same https://api.test)."""
    from baseten_logs.api.client import ApiClient

    with ApiClient(base_url=API_URL, api_key="test-key-0123456789abcdef") as api:
        yield api


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring behind keyring's own API, for one test."""
    import keyring
    import keyring.backends.fail

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(keyring.backends.fail.Keyring())


@pytest.fixture(autouse=True)
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries wait through api.clock.sleep: record the waits instead of sleeping."""
    waits: list[float] = []
    monkeypatch.setattr("baseten_logs.api.clock.sleep", waits.append)
    return waits


@pytest.fixture
def set_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Switch the local time zone for one test (restored after it)."""

    def set_tz(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", "test-key-0123456789abcdef")
    monkeypatch.setenv("BASETEN_API_URL", API_URL)


@pytest.fixture
def logs_api(httpx_mock: HTTPXMock, api_env: None) -> Iterator[FakeLogs]:
    """The fake logs endpoint, answering any number of requests; tests fill `.records`."""
    fake = FakeLogs()
    httpx_mock.add_callback(fake, url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), is_reusable=True)
    yield fake


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the CLI through its real entry point (`cli.run`) with captured streams."""
    from baseten_logs.cli.app import run

    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, _):
        status = run(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Result(status, out.getvalue().decode(), err.getvalue().decode())


# Property tests must not flake on a slow or cold machine (CI starts from a fresh clone).
settings.register_profile(
    "baseten-logs", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("baseten-logs")
