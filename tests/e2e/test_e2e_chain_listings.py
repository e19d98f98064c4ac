"""Listings of chains and training projects, and completion of their names from the cache."""

from __future__ import annotations

from baseten_logs.emulator import Emulator
from baseten_logs.emulator.chains import (
    CHAIN_DEPLOYMENT_ID,
    CHAIN_NAME,
    CHAINLETS,
    TRAINING_JOB_ID,
    TRAINING_OLD_JOB_ID,
    TRAINING_PROJECT_NAME,
)
from tests.e2e.conftest import cli
from tests.e2e.test_e2e_names import complete


def test_chains_their_deployments_and_chainlets_list_as_json_lines_when_piped(
    emu: Emulator,
) -> None:
    run = cli(emu, "chains")
    assert run.status == 0, run.stderr
    assert [c["name"] for c in run.jsonl()] == [CHAIN_NAME]
    run = cli(emu, "chain-deployments", CHAIN_NAME)
    assert run.status == 0, run.stderr
    production = [d for d in run.jsonl() if d["environment"] == "production"]
    assert [d["id"] for d in production] == [CHAIN_DEPLOYMENT_ID]
    run = cli(emu, "chainlets", CHAIN_NAME)
    assert run.status == 0, run.stderr
    assert [(c["name"], c["id"]) for c in run.jsonl()] == list(CHAINLETS)


def test_a_projects_jobs_list_newest_first_with_their_status(emu: Emulator) -> None:
    run = cli(emu, "training-jobs", TRAINING_PROJECT_NAME, "-o", "table")
    assert run.status == 0, run.stderr
    header, *rows = run.stdout.splitlines()
    assert header.split()[:3] == ["NAME", "ID", "STATUS"]
    assert [row.split()[1] for row in rows] == [TRAINING_JOB_ID, TRAINING_OLD_JOB_ID]
    assert rows[1].split()[2] == "COMPLETED"  # without the TRAINING_JOB_ of every status
    run = cli(emu, "training-jobs", TRAINING_PROJECT_NAME)
    assert [j["current_status"] for j in run.jsonl()][1] == "TRAINING_JOB_COMPLETED"
    run = cli(emu, "training-projects")
    assert [p["name"] for p in run.jsonl()] == [TRAINING_PROJECT_NAME]


def test_chain_and_project_names_complete_from_the_cache_after_a_listing(emu: Emulator) -> None:
    assert cli(emu, "chains").status == 0
    assert cli(emu, "training-projects").status == 0
    emu.clear_requests()
    assert complete(emu, "baseten-logs chain rag") == [CHAIN_NAME]
    assert complete(emu, "baseten-logs training ll") == [TRAINING_PROJECT_NAME]
    assert complete(emu, "baseten-logs training-jobs ") == [TRAINING_PROJECT_NAME]
    assert emu.requests == []


def test_chainlet_and_job_names_complete_and_are_kept_for_next_time(emu: Emulator) -> None:
    assert complete(emu, f"baseten-logs chain {CHAIN_NAME} --chainlet Ge") == ["Generator"]
    assert complete(emu, f"baseten-logs training {TRAINING_PROJECT_NAME} lora") == [
        "lora-r16",
        "lora-r8",
    ]
    emu.clear_requests()
    assert complete(emu, f"baseten-logs chain {CHAIN_NAME} --chainlet R") == ["Ranker", "Retriever"]
    assert emu.requests == []
