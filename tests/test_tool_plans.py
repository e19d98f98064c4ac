"""The plan step of stats, view and request (cli/tool_plans.py): each flag checked by its one
parser, bad input one line naming the flag, exit 2, before any request or file is opened."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus, UsageError
from baseten_logs.cli.tool_plans import StatsPlan, request_plan, stats_plan, view_plan
from baseten_logs.reading.query import Filters
from tests.conftest import invoke

BAD = {
    "stats --chainlet without --chain": (
        ("stats", "m", "--chainlet", "x"),
        "--chainlet: needs --chain (add --chain)",
    ),
    "stats --chain --team": (
        ("stats", "c", "--chain", "--team", "t"),
        "--team: cannot be combined with --chain (drop --team)",
    ),
    "stats -o jsonl": (
        ("stats", "m", "-o", "jsonl"),
        "--output: unknown value 'jsonl' (use one of text, json)",
    ),
    "stats --max-rps 0": (("stats", "m", "--max-rps", "0"), "--max-rps: must be above 0"),
    "view --until before --since": (
        ("view", "-", "--since", "1h", "--until", "2h"),
        "--until: is before --since (swap them)",
    ),
    "view --chainlet ''": (("view", "-", "--chainlet", ""), "--chainlet: is empty"),
    "request --chainlet without --chain": (
        ("request", "r1", "m", "--chainlet", "x"),
        "--chainlet: needs --chain (add --chain; MODEL then names the chain)",
    ),
    "request --retries -1": (("request", "r1", "m", "--retries", "-1"), "--retries"),
}


@pytest.mark.parametrize(("args", "said"), BAD.values(), ids=BAD.keys())
def test_bad_input_is_one_line_exit_2_and_nothing_is_sent(
    httpx_mock: HTTPXMock, args: tuple[str, ...], said: str
) -> None:
    result = invoke(*args, env={"BASETEN_API_KEY": "test-key-0123456789abcdef"})
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith(f"baseten-logs: error: {said}")
    assert result.stderr.count("\n") == 1
    assert httpx_mock.get_requests() == []


def _stats(**flags: Any) -> StatsPlan:
    given: dict[str, Any] = {
        "output": "text",
        "color": "auto",
        "concurrency": "auto",
        "max_rps": "100",
        "retries": "5",
        "filters": Filters(),
        "since": "2h",
        "until": None,
        "chain": False,
        "chainlet": None,
        "team": None,
        "model": "m",
        "deployment": None,
        "env": None,
    }
    return stats_plan(**{**given, **flags})


def test_stats_plan_holds_every_pacing_flag_for_both_branches() -> None:
    plan = _stats(max_rps="3", retries="2", concurrency="4", chain=True, chainlet=["Ranker"])
    assert (plan.rps, plan.attempts, plan.workers, plan.chainlets) == (3.0, 3, 4, ["Ranker"])
    query = plan.query("/logs")
    assert (query.limit, query.until_ms - query.since_ms) == (None, 2 * 3600 * 1000)


def test_view_plan_leaves_an_unbounded_end_open() -> None:
    plan = view_plan(
        output="jsonl", color="never", limit="5", filters=Filters(), since="1h", until=None,
        chainlet=["Entry"],
    )  # fmt: skip
    assert (plan.output, plan.count, plan.until_ms, plan.chainlets) == (
        "jsonl",
        5,
        None,
        ("Entry",),
    )
    assert plan.since_ms is not None


def test_request_plan_checks_the_id_and_parses_each_flag() -> None:
    with pytest.raises(UsageError, match="REQUEST_ID"):
        request_plan(
            quiet=True, request_id="", output="text", color="auto", fail_on=None, context=None,
            retries="5", since=None, until=None, chain=False, chainlet=None, team=None,
            model="m", deployment=None, env=None,
        )  # fmt: skip
    plan = request_plan(
        quiet=False, request_id="r1", output="jsonl", color="auto", fail_on="error",
        context="30s", retries="0", since=None, until=None, chain=True, chainlet=None,
        team=None, model="rag-pipeline", deployment=None, env=None,
    )  # fmt: skip
    assert (plan.attempts, plan.context_ms, plan.fail_on, plan.output) == (
        1,
        30_000,
        "ERROR",
        "jsonl",
    )
    assert plan.until_ms - plan.since_ms == 7 * 24 * 3600 * 1000 - 1  # one API window, inclusive
