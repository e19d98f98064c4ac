"""Names, not ids, over real HTTP: resolution, listings and completion against the emulator,
in-process through the library and as the installed command."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import ExitStatus, NotFoundError
from baseten_logs.completion.complete import (
    complete_deployments,
    complete_models,
    complete_replicas,
)
from baseten_logs.emulator import (
    DEMO_DEPLOYMENT_ID,
    DEMO_DEPLOYMENT_NAME,
    DEMO_DEV_DEPLOYMENT_ID,
    DEMO_MODEL_ID,
    DEMO_MODEL_NAME,
    EMBEDDER_MODEL_NAME,
    SDXL_MODEL_ID,
    WHISPER_MODEL_ID,
    WHISPER_NEW_DEPLOYMENT_ID,
    WHISPER_OLD_DEPLOYMENT_ID,
    Emulator,
)
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.names import AmbiguousName
from baseten_logs.sources.resolve import (
    list_deployments,
    list_models,
    resolve_model,
    resolve_target,
)
from baseten_logs.sources.targets import Target, logs_path_for
from tests.e2e.conftest import CLI, cli, settled_now_ms

MINUTE_MS = 60_000
# What a cache miss may wait for the emulator. Completion's half a second is a user's Tab on an
# idle machine; this suite runs beside others on two cores, where starting the command and one
# listing take longer, and a missed budget offers nothing (the flake this replaced). The budget
# itself, and that it bounds the wait, is tests/test_complete.py's; here names are what's tested.
BUDGET_ENV, BUDGET_S = "BASETEN_LOGS_COMPLETION_BUDGET", "30"
BUDGET = {BUDGET_ENV: BUDGET_S}


@pytest.fixture
def client(emu: Emulator) -> Iterator[ApiClient]:
    with ApiClient(base_url=emu.url, api_key=emu.api_key) as api:
        yield api


@pytest.fixture
def cache(emu: Emulator) -> Cache:
    return Cache.for_api(emu.url, emu.api_key)


@pytest.fixture
def emu_env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator's URL and key in the environment, as completion reads them."""
    monkeypatch.setenv("BASETEN_API_URL", emu.url)
    monkeypatch.setenv("BASETEN_API_KEY", emu.api_key)
    monkeypatch.setenv(BUDGET_ENV, BUDGET_S)
    return emu


def resolution_requests(emu: Emulator) -> list[str]:
    return [r.path for r in emu.requests if not r.path.endswith("/logs")]


def window(minutes: int = 30) -> tuple[int, int, tuple[str, ...]]:
    until = settled_now_ms()
    since = until - minutes * MINUTE_MS
    return since, until, ("--since", str(since), "--until", str(until))


# --- the library against the emulator -------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "deployment", "expected"),
    [
        (DEMO_MODEL_NAME, None, DEMO_DEPLOYMENT_ID),
        (DEMO_MODEL_ID, None, DEMO_DEPLOYMENT_ID),
        (DEMO_MODEL_NAME, "production", DEMO_DEPLOYMENT_ID),
        (DEMO_MODEL_NAME, "development", DEMO_DEV_DEPLOYMENT_ID),
        (DEMO_MODEL_NAME, DEMO_DEPLOYMENT_NAME, DEMO_DEPLOYMENT_ID),
        (DEMO_MODEL_NAME, DEMO_DEV_DEPLOYMENT_ID, DEMO_DEV_DEPLOYMENT_ID),
        ("whisper-large", None, WHISPER_NEW_DEPLOYMENT_ID),
        ("whisper-large", "v1", WHISPER_OLD_DEPLOYMENT_ID),
        ("sdxl-turbo", None, None),  # looked up below: scaled to zero but still production
    ],
)
def test_deployments_resolve_and_their_logs_answer(
    emu: Emulator, client: ApiClient, model: str, deployment: str | None, expected: str | None
) -> None:
    target = resolve_target(
        client, model=model, deployment=deployment, environment=None, cache=None
    )
    want = expected or emu.model_named(model).production_deployment_id
    assert want is not None
    assert target.deployment_id == want
    assert len(resolution_requests(emu)) <= 2
    # The resolved target's logs are that deployment's lines, not another's.
    until = settled_now_ms()
    since = until - 10 * MINUTE_MS
    params = [
        ("start_epoch_millis", str(since)),
        ("end_epoch_millis", str(until)),
        ("direction", "asc"),
        ("limit", "5"),
    ]
    logs = client.get_logs(logs_path_for(target), params)
    assert logs == emu.ground_truth(target.model_id, want, since, until)[:5]


def test_an_environment_target_reads_the_environments_logs(
    emu: Emulator, client: ApiClient
) -> None:
    target = resolve_target(
        client, model="whisper-large", deployment=None, environment="production", cache=None
    )
    assert target == Target(WHISPER_MODEL_ID, "whisper-large", None, None, "production")
    until = settled_now_ms()
    since = until - 10 * MINUTE_MS
    params = [
        ("start_epoch_millis", str(since)),
        ("end_epoch_millis", str(until)),
        ("direction", "asc"),
        ("limit", "1000"),
    ]
    logs = client.get_logs(logs_path_for(target), params)
    truth = emu.environment_ground_truth(WHISPER_MODEL_ID, "production", since, until)
    assert logs and logs == truth[:1000]


def test_failures_against_the_emulator(emu: Emulator, client: ApiClient) -> None:
    with pytest.raises(AmbiguousName) as ambiguous:
        resolve_model(client, EMBEDDER_MODEL_NAME, cache=None)
    for model in emu.models:
        if model.name == EMBEDDER_MODEL_NAME:
            assert f"{model.id} (team {model.team_name})" in str(ambiguous.value)
    with pytest.raises(NotFoundError, match="no model named 'nosuchmodel'.*llama-3-8b"):
        resolve_model(client, "nosuchmodel", cache=None)
    with pytest.raises(NotFoundError, match="has no environment 'staging'.*production"):
        resolve_target(
            client, model="whisper-large", deployment=None, environment="staging", cache=None
        )
    with pytest.raises(NotFoundError, match="has no development deployment"):
        resolve_target(
            client, model=SDXL_MODEL_ID, deployment="development", environment=None, cache=None
        )


def test_a_cached_resolution_sends_nothing(emu: Emulator, client: ApiClient, cache: Cache) -> None:
    first = resolve_target(
        client, model=DEMO_MODEL_NAME, deployment="v3", environment=None, cache=cache
    )
    assert len(resolution_requests(emu)) == 2
    emu.clear_requests()
    again = resolve_target(
        client, model=DEMO_MODEL_NAME, deployment="v3", environment=None, cache=cache
    )
    assert again == first
    assert emu.requests == []


def test_listings_match_the_catalogue(emu: Emulator, client: ApiClient) -> None:
    assert list_models(client, cache=None) == [m.to_api() for m in emu.models]
    llama = resolve_model(client, DEMO_MODEL_NAME, cache=None)
    deployments = list_deployments(client, llama, cache=None)
    assert deployments == [d.to_api() for d in emu.model_named(DEMO_MODEL_NAME).deployments]


def test_completion_from_an_empty_cache_then_from_the_cache(emu_env: Emulator) -> None:
    assert complete_models("whi") == ["whisper-large"]
    assert complete_deployments(DEMO_MODEL_NAME, "") == ["development", "production", "v3"]
    asked = len(emu_env.requests)
    assert asked == 3  # the model listing; the model by name, its deployments
    assert complete_models("") == sorted({m.name for m in emu_env.models})
    assert complete_deployments(DEMO_MODEL_NAME, "v") == ["v3"]
    assert len(emu_env.requests) == asked
    replicas = complete_replicas("whisper-large", None, "")
    assert replicas and all(len(r) == 5 for r in replicas)


# --- the installed command ------------------------------------------------------------------------


def test_get_by_model_name_reads_production(emu: Emulator) -> None:
    since, until, flags = window()
    run = cli(emu, "get", DEMO_MODEL_NAME, "--all", *flags, "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, since, until)
    assert run.jsonl()


def test_get_development_by_alias(emu: Emulator) -> None:
    since, until, flags = window()
    run = cli(emu, "get", DEMO_MODEL_NAME, "development", "--all", *flags, "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == emu.ground_truth(DEMO_MODEL_ID, DEMO_DEV_DEPLOYMENT_ID, since, until)


def test_get_by_model_and_deployment_names(emu: Emulator) -> None:
    since, until, flags = window()
    run = cli(emu, "get", DEMO_MODEL_NAME, DEMO_DEPLOYMENT_NAME, "--all", *flags, "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, since, until)


def test_get_ids_still_work(emu: Emulator) -> None:
    since, until, flags = window()
    run = cli(emu, "get", DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, "--all", *flags, "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, since, until)


def test_get_an_environment(emu: Emulator) -> None:
    since, until, flags = window(10)
    run = cli(emu, "get", "whisper-large", "--env", "production", "--all", *flags, "-o", "jsonl")
    assert run.status == 0, run.stderr
    truth = emu.environment_ground_truth(WHISPER_MODEL_ID, "production", since, until)
    assert truth and run.jsonl() == truth
    assert any(r.path.endswith("/environments/production/logs") for r in emu.requests)


def test_get_an_ambiguous_name_lists_both_ids(emu: Emulator) -> None:
    run = cli(emu, "get", EMBEDDER_MODEL_NAME)
    assert run.status == ExitStatus.USAGE
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1
    assert run.stderr.startswith("baseten-logs: error: ")
    for model in emu.models:
        if model.name == EMBEDDER_MODEL_NAME:
            assert model.id in run.stderr
    assert not any(r.path.endswith("/logs") for r in emu.requests)


def test_get_an_unknown_name(emu: Emulator) -> None:
    run = cli(emu, "get", "nosuchmodel")
    assert run.status == ExitStatus.NOT_FOUND
    assert len(run.stderr.splitlines()) == 1
    assert "nosuchmodel" in run.stderr and DEMO_MODEL_NAME in run.stderr


def test_get_an_unknown_environment(emu: Emulator) -> None:
    run = cli(emu, "get", "whisper-large", "--env", "staging")
    assert run.status == ExitStatus.NOT_FOUND
    assert "production" in run.stderr


def test_a_second_run_resolves_from_the_cache_and_no_cache_skips_it(emu: Emulator) -> None:
    _, _, flags = window(1)
    args = ("get", DEMO_MODEL_NAME, DEMO_DEPLOYMENT_NAME, *flags, "-o", "jsonl")
    assert cli(emu, *args).status == 0
    assert len(resolution_requests(emu)) == 2
    emu.clear_requests()
    assert cli(emu, *args).status == 0
    assert resolution_requests(emu) == []
    assert cli(emu, *args, "--no-cache").status == 0
    assert len(resolution_requests(emu)) == 2


def test_models_as_json_lines(emu: Emulator) -> None:
    run = cli(emu, "models", "-o", "jsonl")
    assert run.status == 0, run.stderr
    expected = sorted(
        (m.to_api() for m in emu.models), key=lambda m: (m["name"], m["team_name"], m["id"])
    )
    assert run.jsonl() == expected


def test_deployments_as_json_lines(emu: Emulator) -> None:
    run = cli(emu, "deployments", DEMO_MODEL_NAME, "-o", "jsonl")
    assert run.status == 0, run.stderr
    expected = [d.to_api() for d in emu.model_named(DEMO_MODEL_NAME).deployments]
    expected.sort(key=lambda d: d["created_at"], reverse=True)
    assert run.jsonl() == expected


def test_deployments_of_an_ambiguous_model(emu: Emulator) -> None:
    run = cli(emu, "deployments", EMBEDDER_MODEL_NAME)
    assert run.status == ExitStatus.USAGE


def test_whoami(emu: Emulator) -> None:
    run = cli(emu, "whoami", "--check")
    assert run.status == 0, run.stderr
    assert emu.api_key not in run.stdout
    assert "from BASETEN_API_KEY" in run.stdout
    assert f"{emu.url}  from BASETEN_API_URL" in run.stdout
    assert "user     Demo Developer <dev@example.com>, workspace acme-ml" in run.stdout
    assert [r.path for r in emu.requests][-1:] == ["/v1/users/me"]


def test_whoami_without_a_key() -> None:
    run = cli(None, "whoami")
    assert run.status == ExitStatus.USAGE
    assert "no API key" in run.stderr


def complete(emu: Emulator, line: str) -> list[str]:
    """What bash offers for `line` (the word being completed is its last, maybe empty)."""
    words = line.split()
    current = len(words) if line.endswith(" ") else len(words) - 1
    env = {
        "_BASETEN_LOGS_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(current),
        **BUDGET,
    }
    run = cli(emu, env=env)
    assert run.status == 0 and run.stderr == "", run.stderr
    return run.stdout.split()


def test_shell_completion_offers_real_names(emu: Emulator) -> None:
    assert complete(emu, "baseten-logs get ") == sorted({m.name for m in emu.models})
    assert complete(emu, "baseten-logs get llama-3-8b ") == ["development", "production", "v3"]
    assert complete(emu, "baseten-logs deployments whi") == ["whisper-large"]
    replicas = complete(emu, "baseten-logs get whisper-large --level INFO --replica ")
    assert replicas and all(len(r) == 5 for r in replicas)


def test_completion_after_a_listing_sends_nothing(emu: Emulator) -> None:
    assert cli(emu, "models", "-o", "jsonl").status == 0
    emu.clear_requests()
    assert complete(emu, "baseten-logs get sd") == ["sdxl-turbo"]
    assert emu.requests == []


def test_zsh_completion_offers_model_names(emu: Emulator) -> None:
    env = {"_BASETEN_LOGS_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "baseten-logs get ll"}
    env |= BUDGET
    run = cli(emu, env=env)
    assert run.status == 0 and run.stderr == ""
    assert run.stdout.strip() == "llama-3-8b"  # one "value:description" line per candidate


def test_the_committed_bash_script_completes_in_real_bash(emu: Emulator) -> None:
    script = Path(__file__).resolve().parents[2] / "completions" / "baseten-logs.bash"
    program = (
        f"source '{script}'; COMP_WORDS=(baseten-logs get whi); COMP_CWORD=2; "
        '_baseten_logs_completion baseten-logs; echo "${COMPREPLY[@]}"'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    env |= {
        "BASETEN_API_URL": emu.url,
        "BASETEN_API_KEY": emu.api_key,
        **BUDGET,
        "PATH": f"{CLI.parent}{os.pathsep}{env.get('PATH', '')}",
    }
    done = subprocess.run(
        ["bash", "--norc", "-c", program], capture_output=True, text=True, env=env, timeout=30
    )
    assert done.stdout.split() == ["whisper-large"], done.stderr
