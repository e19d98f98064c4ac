"""`audit` end to end: each route (workspace, a model, a chain) and each output form, against
the emulator's audit events as ground truth."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from baseten_logs.base.errors import ExitStatus
from baseten_logs.emulator import Emulator
from baseten_logs.emulator.chains import CHAIN_ID, CHAIN_NAME
from tests.e2e.conftest import cli, on_terminal
from tests.e2e.test_e2e_names import complete

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def truth(emu: Emulator, field: str | None = None, value: str | None = None) -> list[Any]:
    """The events the emulator would answer now, oldest first, as it sends them."""
    now = emu.now_ms()
    return [
        e.to_api()
        for e in emu.api.audit.events
        if e.created_ms <= now and (field is None or e.data.get(field) == value)
    ]


def audit_requests(emu: Emulator) -> list[dict[str, list[str]]]:
    return [r.query for r in emu.requests if r.path.endswith("/audit_logs")]


def test_the_workspaces_whole_trail_as_json_lines_verbatim(emu: Emulator) -> None:
    run = cli(emu, "audit", "--all")
    assert run.status == 0, run.stderr
    assert run.jsonl() == truth(emu)
    [asked] = audit_requests(emu)
    assert asked["direction"] == ["ASC"] and asked["limit"] == ["200"]


def test_the_newest_n_oldest_first(emu: Emulator) -> None:
    run = cli(emu, "audit", "-n", "5", "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == truth(emu)[-5:]
    [asked] = audit_requests(emu)
    assert (asked["direction"], asked["limit"]) == (["DESC"], ["5"])


def test_a_models_trail_by_name(emu: Emulator) -> None:
    model = emu.model_named("llama-3-8b")
    run = cli(emu, "audit", "--model", "llama-3-8b", "--since", "60d", "--all")
    assert run.status == 0, run.stderr
    expected = [e for e in truth(emu, "model_id", model.id) if e["created"]]
    assert run.jsonl() == expected and expected
    assert [r.path for r in emu.requests][-1] == f"/v1/models/{model.id}/audit_logs"


def test_a_name_two_teams_share_needs_team(emu: Emulator) -> None:
    run = cli(emu, "audit", "--model", "embedder")
    assert run.status == ExitStatus.USAGE and "--team" in run.stderr
    model = emu.model_named("embedder", team="research")
    run = cli(emu, "audit", "--model", "embedder", "--team", "research", "--all")
    assert run.status == 0, run.stderr
    assert run.jsonl() == truth(emu, "model_id", model.id) and run.jsonl()


def test_a_chains_trail_by_name_and_by_id(emu: Emulator) -> None:
    chain_id = emu.id(CHAIN_ID)
    expected = truth(emu, "chain_id", chain_id)
    for named in (CHAIN_NAME, chain_id):
        run = cli(emu, "audit", "--chain", named, "-o", "json")
        assert run.status == 0, run.stderr
        assert json.loads(run.stdout) == expected and expected
    assert {r.path for r in emu.requests if "audit" in r.path} == {
        f"/v1/chains/{chain_id}/audit_logs"
    }


def test_a_table_on_a_terminal(emu: Emulator) -> None:
    shown = on_terminal(emu, "audit", "--model", "llama-3-8b", "-n", "3", "--utc")
    assert shown.status == 0
    lines = [ANSI.sub("", line) for line in shown.stderr.splitlines() if line.strip()]
    assert lines[0].split() == ["TIME", "(UTC)", "WHO", "WHAT", "TARGET"]
    last = emu.api.audit.events[-1]
    assert len(lines) == 4 and "llama-3-8b/v3" in lines[-1]
    assert any(last.event_type in line for line in lines[1:])


def test_a_table_when_asked_while_piped(emu: Emulator) -> None:
    run = cli(emu, "audit", "--chain", CHAIN_NAME, "-o", "table", "--utc")
    assert run.status == 0, run.stderr
    rows = run.stdout.splitlines()
    assert rows[0].split()[:4] == ["TIME", "(UTC)", "WHO", "WHAT"]
    assert len(rows) == 1 + len(truth(emu, "chain_id", emu.id(CHAIN_ID)))
    assert all("\x1b" not in row for row in rows)  # no colour into a pipe


def test_follow_stops_at_until_with_each_event_once(emu: Emulator) -> None:
    until = str(int(time.time() * 1000) + 2500)
    run = cli(emu, "audit", "-f", "-n", "3", "--until", until, timeout=30)
    assert run.status == 0, run.stderr
    assert run.jsonl() == truth(emu)[-3:]  # the polls brought nothing new: nothing twice
    polls = audit_requests(emu)[1:]
    assert polls and all(q["direction"] == ["ASC"] for q in polls)
    assert all(q["end_epoch_millis"] == [until] for q in polls)


def test_unknown_names_and_bad_input_exit_as_documented(emu: Emulator) -> None:
    run = cli(emu, "audit", "--model", "no-such-model")
    assert run.status == ExitStatus.NOT_FOUND and "no model named" in run.stderr
    run = cli(emu, "audit", "--chain", "no-such-chain")
    assert run.status == ExitStatus.NOT_FOUND
    emu.clear_requests()
    run = cli(emu, "audit", "--model", "a", "--chain", "b")
    assert run.status == ExitStatus.USAGE and emu.requests == []
    assert run.stderr.count("\n") == 1 and emu.api_key not in run.stderr


def test_model_and_chain_names_complete(emu: Emulator) -> None:
    # From the names the listings left in the cache (a cold fetch has a 0.5 s budget, too
    # tight for a loaded machine to be a fair test of this command).
    assert cli(emu, "models", "-o", "jsonl").status == 0
    assert cli(emu, "chains", "-o", "jsonl").status == 0
    emu.clear_requests()
    assert complete(emu, "baseten-logs audit --model ") == sorted({m.name for m in emu.models})
    assert complete(emu, "baseten-logs audit --chain ra") == [CHAIN_NAME]
    assert emu.requests == []
