"""`browse`'s signature: MODEL, DEPLOYMENT and --chainlet change meaning with --chain and
--training (a chain and its chainlets, a training project and its jobs) in completion, as they do
for `request --chain`; MODEL defaults to the configured model, as `get`'s does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakeapi import API_URL, MODEL

CHAIN = "c8h4n2r"
PROJECT = "p1r9j4x"


@pytest.fixture(autouse=True)
def listings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Completion answered from the cache, as after a listing: no request is sent."""
    from baseten_logs.sources.cache import Cache, cache_key

    monkeypatch.setenv("BASETEN_API_KEY", "test-key-0123456789abcdef")
    monkeypatch.setenv("BASETEN_API_URL", API_URL)
    cache = Cache.for_api(API_URL, "test-key-0123456789abcdef")
    cache.put(cache_key("models"), [{"id": MODEL, "name": "llama-3-8b"}], ttl=600)
    cache.put(cache_key("chains"), [{"id": CHAIN, "name": "rag-pipeline"}], ttl=600)
    cache.put(cache_key("chainlets", "rag-pipeline"), [{"id": "e1x7a", "name": "Entry"}], ttl=600)
    cache.put(cache_key("training_projects"), [{"id": PROJECT, "name": "llama-finetune"}], ttl=600)
    cache.put(
        cache_key("training_jobs", "llama-finetune"), [{"id": "j1", "name": "lora-r8"}], ttl=600
    )


def browse_context(words: list[str]) -> Any:
    """The click context of `browse WORDS` as shell completion builds it."""
    from typer.main import get_command

    from baseten_logs.cli.app import app

    group = get_command(app)
    top = group.make_context("baseten-logs", ["browse"], resilient_parsing=True)
    command = group.get_command(top, "browse")  # type: ignore[attr-defined]
    return command.make_context("browse", words, parent=top, resilient_parsing=True)


def test_model_is_a_chain_with_chain_and_a_project_with_training() -> None:
    from baseten_logs.cli import browse_command as cli

    assert cli._complete_browse_model(browse_context([]), "") == ["llama-3-8b"]
    assert cli._complete_browse_model(browse_context(["--chain"]), "") == ["rag-pipeline"]
    assert cli._complete_browse_model(browse_context(["--training"]), "") == ["llama-finetune"]


def test_deployment_is_a_job_with_training_and_nothing_with_chain() -> None:
    from baseten_logs.cli import browse_command as cli

    training = browse_context(["--training", "llama-finetune"])
    assert cli._complete_browse_deployment(training, "") == ["lora-r8"]
    assert cli._complete_browse_deployment(browse_context(["--chain", "rag-pipeline"]), "") == []


def test_chainlet_is_offered_from_the_chain_model_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from baseten_logs.cli import browse_command as cli

    monkeypatch.setenv(
        "_TYPER_COMPLETE_ARGS", "baseten-logs browse --chain rag-pipeline --chainlet "
    )
    ctx = browse_context(["--chain", "rag-pipeline", "--chainlet"])
    assert cli._complete_browse_chainlet(ctx, "") == ["Entry"]
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", "baseten-logs browse llama-3-8b --chainlet ")
    assert cli._complete_browse_chainlet(browse_context(["llama-3-8b"]), "") == []


# --- MODEL's default, as get's --------------------------------------------------------------


def test_model_defaults_to_the_configured_model_as_gets_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `browse` alone with a default model reads it (the help says so); off a terminal the
    # refusal is then the terminal's, not a missing MODEL.
    from tests.conftest import invoke

    monkeypatch.setenv("BASETEN_LOGS_MODEL", "llama-3-8b")
    result = invoke("browse")
    assert result.status == 2
    assert "needs a terminal" in result.stderr
    assert "is missing" not in result.stderr


def test_a_chain_or_a_training_project_has_no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import invoke

    monkeypatch.setenv("BASETEN_LOGS_MODEL", "llama-3-8b")
    for flag in ("--chain", "--training"):
        result = invoke("browse", flag)
        assert result.status == 2
        [line] = result.stderr.splitlines()
        assert line.startswith("baseten-logs: error: MODEL: is missing") and flag in line


@pytest.mark.parametrize(
    ("flag", "kind"), [("--chain", "a chain"), ("--training", "a training project")]
)
def test_a_typed_name_is_checked_as_what_the_flag_makes_it(flag: str, kind: str) -> None:
    # MODEL names a chain or a project there: a name that can be none is told as one of those
    # (exit 2, nothing sent), not as "not a model name".
    from tests.conftest import invoke

    result = invoke("browse", flag, "a/b")
    assert result.status == 2
    [line] = result.stderr.splitlines()
    assert f"'a/b' is not {kind} name or id" in line
