"""Shell completion: real names from the cache at once, the API only on a miss, and never noise."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.completion import complete
from baseten_logs.completion.complete import (
    COMPLETION_BUDGET_S,
    complete_deployments,
    complete_models,
    complete_replicas,
    completion_params,
    remember_replicas,
)
from baseten_logs.sources.cache import Cache, cache_key
from baseten_logs.sources.targets import Target
from tests.fakecatalog import API_URL, LLAMA, LLAMA_PROD, FakeCatalog, serve

KEY = "test-key-0123456789abcdef"


@pytest.fixture
def catalog(httpx_mock: HTTPXMock, api_env: None) -> FakeCatalog:
    return serve(httpx_mock)


@pytest.fixture
def cache(api_env: None) -> Cache:
    return Cache.for_api(API_URL, KEY)


def fill(cache: Cache) -> None:
    """What `baseten-logs models` and `deployments llama-3-8b` leave behind."""
    cache.put(
        cache_key("models"),
        [
            {"id": LLAMA, "name": "llama-3-8b", "team_name": "acme-ml"},
            {"id": "w5h2r8t", "name": "whisper-large", "team_name": "acme-ml"},
            {"id": "e3m8b1a", "name": "embedder", "team_name": "acme-ml"},
            {"id": "r7e2m9b", "name": "embedder", "team_name": "research"},
        ],
        ttl=600,
    )
    cache.put(
        cache_key("deployments", LLAMA),
        [{"id": LLAMA_PROD, "name": "v3"}, {"id": "d7m2v8n", "name": "development"}],
        ttl=600,
    )


# --- from the cache -------------------------------------------------------------------------------


def test_cached_model_names_are_offered_without_a_request(
    catalog: FakeCatalog, cache: Cache
) -> None:
    fill(cache)
    assert complete_models("") == ["embedder", "llama-3-8b", "whisper-large"]
    assert complete_models("w") == ["w5h2r8t", "whisper-large"]  # ids too, once typed
    assert complete_models("q4") == [LLAMA]
    assert complete_models("zz") == []
    assert catalog.seen == []


def test_cached_deployment_names_are_offered_without_a_request(
    catalog: FakeCatalog, cache: Cache
) -> None:
    fill(cache)
    assert complete_deployments("llama-3-8b", "") == ["development", "production", "v3"]
    assert complete_deployments(LLAMA, "v") == ["v3"]
    assert complete_deployments("llama-3-8b", "3w") == [LLAMA_PROD]
    assert catalog.seen == []


def test_deployments_without_a_model_offer_the_aliases(catalog: FakeCatalog) -> None:
    assert complete_deployments(None, "") == ["development", "production"]
    assert complete_deployments(None, "p") == ["production"]
    assert catalog.seen == []


def test_remembered_replicas_are_offered(catalog: FakeCatalog, cache: Cache) -> None:
    target = Target(LLAMA, "llama-3-8b", LLAMA_PROD, "v3", None)
    # The resolution `get llama-3-8b v3` leaves in the cache.
    cache.put(cache_key("model", "llama-3-8b"), {"id": LLAMA, "name": "llama-3-8b"}, ttl=600)
    cache.put(cache_key("deployment", LLAMA, "v3"), [LLAMA_PROD, "v3"], ttl=600)
    assert remember_replicas(cache, target, ["b2c3d", "a1b2c", "b2c3d"]) == ["b2c3d", "a1b2c"]
    assert remember_replicas(cache, target, ["z9y8x"]) == ["z9y8x", "b2c3d", "a1b2c"]
    assert complete_replicas("llama-3-8b", "v3", "") == ["a1b2c", "b2c3d", "z9y8x"]
    assert complete_replicas("llama-3-8b", "v3", "b") == ["b2c3d"]
    assert catalog.seen == []


# --- on a miss ------------------------------------------------------------------------------------


def test_an_empty_cache_asks_once_and_keeps_the_answer(catalog: FakeCatalog, cache: Cache) -> None:
    assert complete_models("em") == ["embedder"]
    assert catalog.seen == ["/v1/models"]
    assert complete_models("l") == ["llama-3-8b"]
    assert catalog.seen == ["/v1/models"]


def test_deployments_on_a_miss_resolve_then_list(catalog: FakeCatalog) -> None:
    assert complete_deployments("llama-3-8b", "v") == ["v2", "v3"]
    assert catalog.seen == ["/v1/models", f"/v1/models/{LLAMA}/deployments"]
    assert complete_deployments("llama-3-8b", "") == ["development", "production", "v2", "v3"]
    assert len(catalog.seen) == 2


def test_replicas_on_a_miss_sample_recent_logs(catalog: FakeCatalog) -> None:
    path = f"/v1/models/{LLAMA}/deployments/{LLAMA_PROD}/logs"
    catalog.logs[path] = [
        {"timestamp": "1", "message": "m", "replica": r} for r in ("a1b2c", None, "b2c3d", "a1b2c")
    ]
    assert complete_replicas("llama-3-8b", None, "") == ["a1b2c", "b2c3d"]
    assert catalog.seen[-1].startswith(path + "?start_epoch_millis=")
    sent = len(catalog.seen)
    assert complete_replicas("llama-3-8b", None, "a") == ["a1b2c"]
    assert len(catalog.seen) == sent


def test_an_ambiguous_model_completes_only_the_aliases(catalog: FakeCatalog) -> None:
    assert complete_deployments("embedder", "") == ["development", "production"]


@pytest.mark.parametrize("status", [401, 500])
def test_api_errors_complete_nothing(httpx_mock: HTTPXMock, api_env: None, status: int) -> None:
    httpx_mock.add_response(status_code=status, json={"error": "no"}, is_reusable=True)
    assert complete_models("") == []
    assert complete_deployments("llama-3-8b", "") == ["development", "production"]
    assert complete_replicas("llama-3-8b", None, "") == []


def test_no_credentials_complete_nothing_and_send_nothing(httpx_mock: HTTPXMock) -> None:
    assert complete_models("") == []
    assert complete_deployments("llama-3-8b", "") == ["development", "production"]
    assert complete_replicas("llama-3-8b", "v3", "") == []
    assert httpx_mock.get_requests() == []


def test_a_broken_trussrc_completes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trussrc = tmp_path / "trussrc"
    trussrc.write_bytes(b"\xff\xfe[baseten\n")
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(trussrc))
    assert complete_models("") == []


# --- offline --------------------------------------------------------------------------------------


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers: the worst case for a shell."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def refused() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Waits:
    """The completion worker's joins, recorded: how long the shell was told to wait (the
    timeout passed) and how long it did wait. What the budget bounds is read from these, not
    from a wall clock that a loaded machine stretches (the old `< 0.5 s` flaked so)."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []
        self.waited_s = 0.0

    def thread_class(self) -> type[threading.Thread]:
        waits = self

        class Recorded(threading.Thread):
            def join(self, timeout: float | None = None) -> None:
                if self.name != "baseten-logs-completion":
                    return super().join(timeout)
                waits.timeouts.append(timeout)
                started = time.monotonic()
                try:
                    super().join(timeout)
                finally:
                    waits.waited_s += time.monotonic() - started

        return Recorded


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Waits:
    recorded = Waits()
    monkeypatch.setattr(threading, "Thread", recorded.thread_class())  # complete.py uses it
    return recorded


@pytest.mark.parametrize("server", ["silent_server", "refused"])
def test_offline_completion_returns_at_once_with_nothing(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, server: str, waits: Waits
) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", KEY)
    monkeypatch.setenv("BASETEN_API_URL", request.getfixturevalue(server))
    attempts: list[Callable[[], list[str]]] = [
        lambda: complete_models(""),
        lambda: complete_deployments("llama-3-8b", "v"),
        lambda: complete_replicas("llama-3-8b", None, ""),
    ]
    for attempt in attempts:
        waits.timeouts.clear()
        waits.waited_s = 0.0
        started = time.monotonic()
        assert attempt() == []
        elapsed = time.monotonic() - started
        # One fetch, one wait, never longer than the budget (a second fetch in a row, a retry
        # waited for or a join without timeout fails here, however loaded the machine).
        assert len(waits.timeouts) == 1
        assert waits.timeouts[0] is not None and waits.timeouts[0] <= COMPLETION_BUDGET_S
        # Outside that wait the shell's Tab costs only work on this machine (no network, no
        # sleep): seconds of it would be a hang, not load.
        assert elapsed - waits.waited_s < 3.0


def test_the_budget_bounds_the_whole_fetch(monkeypatch: pytest.MonkeyPatch, waits: Waits) -> None:
    monkeypatch.setattr(complete, "COMPLETION_BUDGET_S", 0.05)
    from baseten_logs.access.config import Credentials

    credentials = Credentials(KEY, API_URL, "BASETEN_API_KEY", "default")
    release = threading.Event()
    finished = threading.Event()

    def slow(client: object) -> int:
        release.wait(timeout=30)  # the work outlives the budget until the test lets it go
        finished.set()
        return 1

    try:
        assert complete._fetch(credentials, slow, complete.AS_CONFIGURED) is None  # given up
        assert not finished.is_set()
        assert len(waits.timeouts) == 1
        assert waits.timeouts[0] is not None and waits.timeouts[0] <= 0.05
    finally:
        release.set()


def test_a_slow_machine_sets_a_longer_budget(
    monkeypatch: pytest.MonkeyPatch, refused: str, waits: Waits
) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", KEY)
    monkeypatch.setenv("BASETEN_API_URL", refused)
    monkeypatch.setenv("BASETEN_LOGS_COMPLETION_BUDGET", "7.5")
    assert complete_models("") == []  # refused at once: the longer budget is not waited out
    assert len(waits.timeouts) == 1
    assert waits.timeouts[0] is not None and COMPLETION_BUDGET_S < waits.timeouts[0] <= 7.5


@pytest.mark.parametrize("value", ["", "soon", "0", "-2", "inf", "nan"])
def test_a_budget_that_is_not_a_positive_number_keeps_the_default(value: str) -> None:
    assert complete.completion_budget_s({"BASETEN_LOGS_COMPLETION_BUDGET": value}) == 0.5
    assert complete.completion_budget_s({"BASETEN_LOGS_COMPLETION_BUDGET": "2.5"}) == 2.5


def test_a_slow_cold_import_of_the_client_spends_none_of_the_budget(tmp_path: Path) -> None:
    """A Tab on a busy machine: the first import of httpx takes longer than the whole budget
    (made so here by a finder that sleeps). The budget is the network's, so the work is still
    done; counted in it, it would be abandoned every time, as a cache miss was under load."""
    script = (
        "import importlib.abc, sys, time\n"
        "class Slow(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'httpx':\n"
        "            time.sleep(2.5)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Slow())\n"
        "from baseten_logs.access.config import Credentials\n"
        "from baseten_logs.completion import complete\n"
        f"credentials = Credentials({KEY!r}, {API_URL!r}, 'BASETEN_API_KEY', 'default')\n"
        "print(complete._fetch(credentials, lambda client: 'done', complete.AS_CONFIGURED))\n"
    )
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "BASETEN_LOGS_COMPLETION_BUDGET": "2",  # the client built within 2 s, however loaded
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"


# --- cost -----------------------------------------------------------------------------------------


def test_completion_from_the_cache_imports_neither_rich_nor_httpx(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "BASETEN_API_KEY": KEY,
        "BASETEN_API_URL": API_URL,
        "PATH": "/usr/bin:/bin",
    }
    script = (
        "import sys\n"
        "from baseten_logs.sources.cache import Cache, cache_key\n"
        f"Cache.for_api({API_URL!r}, {KEY!r}).put(cache_key('models'),"
        " [{'id': 'q4w8x2z', 'name': 'llama-3-8b'}], ttl=60)\n"
        "from baseten_logs.completion.complete import complete_models\n"
        "assert complete_models('ll') == ['llama-3-8b'], complete_models('ll')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'httpx', 'typer'))\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr


# --- the command line being completed -------------------------------------------------------------


def _get_context(words: list[str]) -> Any:
    import typer
    from typer.main import get_command

    app = typer.Typer()

    @app.command()
    def get(
        model: str,
        deployment: str | None = typer.Argument(None),
        replica: str | None = typer.Option(None),
        level: str | None = typer.Option(None),
    ) -> None: ...

    @app.command()
    def models() -> None: ...

    group = get_command(app)
    top = group.make_context("baseten-logs", ["get"], resilient_parsing=True)
    command = group.get_command(top, "get")  # type: ignore[attr-defined]
    return command.make_context("get", words, parent=top, resilient_parsing=True)


def test_params_as_click_gives_them() -> None:
    ctx = _get_context(["llama-3-8b"])
    assert completion_params(ctx)["model"] == "llama-3-8b"


@pytest.mark.parametrize(
    "env",
    [
        {
            "COMP_WORDS": "baseten-logs get llama-3-8b v3 --level ERROR --replica a",
            "COMP_CWORD": "6",
        },
        {"_TYPER_COMPLETE_ARGS": "baseten-logs get llama-3-8b v3 --level ERROR --replica a"},
    ],
)
def test_params_while_an_option_value_is_completed(env: dict[str, str]) -> None:
    ctx = _get_context(["llama-3-8b", "v3", "--level", "ERROR", "--replica"])
    assert ctx.params.get("model") is None  # what click leaves: the reason for the helper
    params = completion_params(ctx, env=env)
    assert (params["model"], params["deployment"], params["level"]) == ("llama-3-8b", "v3", "ERROR")


@pytest.mark.parametrize("line", ["", "baseten-logs get 'unclosed", "other words"])
def test_params_never_fail(line: str) -> None:
    ctx = _get_context(["llama-3-8b", "--replica"])
    assert completion_params(ctx, env={"COMP_WORDS": line}).get("model") is None


def test_env_completes_the_models_environments_once_then_from_the_cache(
    catalog: FakeCatalog,
) -> None:
    from baseten_logs.completion.complete import complete_environments

    wanted = sorted(catalog.environments[LLAMA])
    assert complete_environments("llama-3-8b", "") == wanted
    sent = len(catalog.seen)
    assert catalog.seen[-1] == f"/v1/models/{LLAMA}/environments"
    assert complete_environments("llama-3-8b", wanted[0][:2]) == [
        e for e in wanted if e.startswith(wanted[0][:2])
    ]
    assert len(catalog.seen) == sent
    assert complete_environments(None, "") == []


@pytest.mark.parametrize("team", [None, "research"])
def test_env_completes_from_the_command_line_too(cache: Cache, team: str | None) -> None:
    """`get MODEL --env <Tab>` through the app: the flag's completer once passed --team to a
    function that took no team, and the shell silently got nothing."""
    from tests.conftest import invoke

    fill(cache)
    model_id = "r7e2m9b" if team else LLAMA  # the team's `embedder`, else llama-3-8b
    cache.put(cache_key("environments", model_id), ["production", "staging"], ttl=600)
    line = "baseten-logs get " + (f"embedder --team {team}" if team else "llama-3-8b")
    result = invoke(
        env={"_BASETEN_LOGS_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line + " --env "}
    )
    assert result.status == 0 and result.stderr == ""
    assert result.stdout.splitlines() == ["production", "staging"]


def test_env_completes_for_the_default_model_when_none_is_typed(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`get --env <Tab>` with a default model: that model's environments, as `get --env NAME`
    would read them (the completer looked only at the words typed)."""
    from tests.conftest import invoke

    fill(cache)
    cache.put(cache_key("environments", LLAMA), ["production", "staging"], ttl=600)
    monkeypatch.setenv("BASETEN_LOGS_MODEL", "llama-3-8b")
    typed = {
        "_BASETEN_LOGS_COMPLETE": "complete_zsh",
        "_TYPER_COMPLETE_ARGS": "baseten-logs get --env ",
    }
    result = invoke(env=typed)
    assert result.status == 0 and result.stderr == ""
    assert result.stdout.splitlines() == ["production", "staging"]
    # Only where MODEL would be read: not for chain (no MODEL), nor where it names no model.
    from baseten_logs.cli.flag_completion import model_named

    assert model_named({"model": None, "team": None}) == "llama-3-8b"
    assert model_named({"chain": "rag-pipeline"}) is None
    assert model_named({"model": None, "chain": True}) is None
    assert model_named({"model": None, "training": True}) is None


@pytest.mark.parametrize(
    ("typed", "offered"),
    [("err", ["error"]), ("ERR", ["ERROR"]), ("", ["DEBUG", "INFO", "WARNING", "ERROR"]),
     ("w", ["warning"])],
)  # fmt: skip
def test_level_values_complete_in_the_case_being_typed(typed: str, offered: list[str]) -> None:
    from baseten_logs.cli.options import choices

    assert choices("DEBUG", "INFO", "WARNING", "ERROR")(typed) == offered


# --- sandboxes --------------------------------------------------------------------------------


def test_sandbox_names_are_asked_once_across_pages_then_come_from_the_cache(
    httpx_mock: HTTPXMock, api_env: None, cache: Cache
) -> None:
    from baseten_logs.completion.complete import complete_sandboxes

    pages = {
        None: ({"items": [{"name": "agent-1"}, {"name": "ci-7"}]}, "c2"),
        "c2": ({"items": [{"name": "agent-2"}]}, None),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        body, following = pages[request.url.params.get("cursor")]
        return httpx.Response(200, json={**body, "pagination": {"cursor": following}})

    listing = re.compile(rf"{re.escape(API_URL)}/v1/sandboxes/instances(\?.*)?$")
    httpx_mock.add_callback(answer, url=listing, is_reusable=True)
    assert complete_sandboxes("agent") == ["agent-1", "agent-2"]
    sent = len(httpx_mock.get_requests())
    assert sent == 2
    assert complete_sandboxes("ci") == ["ci-7"]
    assert len(httpx_mock.get_requests()) == sent
