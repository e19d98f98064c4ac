"""`baseten-logs request REQUEST_ID MODEL [DEPLOYMENT]`: one request's lines with no window given,
its untagged context, the header, and bad ids refused before any request."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus
from baseten_logs.cli.request import describe
from baseten_logs.reading.pager import Direction
from baseten_logs.reading.query import LogQuery
from baseten_logs.reading.request import (
    DEFAULT_LOOKBACK_MS,
    RequestNotFound,
    RequestSource,
    find_request,
    request_records,
    request_window,
    story_pages,
)
from tests.conftest import invoke
from tests.fakeapi import API_URL, DEPLOYMENT, LOGS_PATH, MODEL, FakeLogs, record
from tests.shown import all_written

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
RID = "0190f5c2-7e1b-7a3c-9d2e-4b5a6c7d8e9f"
OTHER = "req_01HX0000000000000000000000"


@dataclass
class FilteringLogs(FakeLogs):
    """FakeLogs that also honours the `request_id` and `replica` filters, as the API does."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        everything = self.records
        self.records = [
            r
            for r in everything
            if all(r.get(key) == params[key] for key in ("request_id", "replica") if key in params)
        ]
        try:
            return super().__call__(request)
        finally:
            self.records = everything


@pytest.fixture
def logs(httpx_mock: HTTPXMock, api_env: None) -> Iterator[FilteringLogs]:
    fake = FilteringLogs()
    httpx_mock.add_callback(fake, url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), is_reusable=True)
    yield fake


def two_days_ago_ns() -> int:
    return (int(time.time() * 1000) - 2 * DAY_MS) * 1_000_000


def at(t0: int, ms: int) -> int:
    return t0 + ms * 1_000_000


def story_records(t0: int) -> dict[str, dict[str, Any]]:
    """A request served by a1b2c, which crashed, then retried on d3e4f; lines around it."""
    return {
        "received": record(at(t0, 0), "Received request", replica="a1b2c", request_id=RID),
        "traceback": record(
            at(t0, 100),
            'Traceback (most recent call last):\n  File "w.py", line 1\nRuntimeError: boom',
            replica="a1b2c",
            level=None,
        ),
        "failed": record(
            at(t0, 300), "Request failed", replica="a1b2c", request_id=RID, level="ERROR"
        ),
        "retried": record(
            at(t0, 500), "Received request, attempt 2", replica="d3e4f", request_id=RID
        ),
        # Around it: near and far untagged lines, another request's, another replica's.
        "before": record(at(t0, -5_000), "cache warm", replica="a1b2c", level="DEBUG"),
        "long_before": record(at(t0, -20_000), "old news", replica="a1b2c"),
        "after": record(at(t0, 9_000), "GET /health 200", replica="d3e4f"),
        "someone_else": record(at(t0, 150), "Received request", replica="a1b2c", request_id=OTHER),
        "other_replica": record(at(t0, 50), "elsewhere", replica="zz9zz"),
    }


def jsonl(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_a_two_day_old_request_is_found_in_one_query_with_no_window_given(
    logs: FilteringLogs,
) -> None:
    lines = story_records(two_days_ago_ns())
    logs.records = list(lines.values())
    before = int(time.time() * 1000)
    result = invoke("request", RID, MODEL, DEPLOYMENT, "-o", "jsonl")
    after = int(time.time() * 1000)
    assert result.status == 0, result.stderr
    assert jsonl(result.stdout) == all_written(lines[k] for k in ("received", "failed", "retried"))
    [call] = logs.calls
    assert call["request_id"] == RID
    start, end = int(call["start_epoch_millis"]), int(call["end_epoch_millis"])
    assert end - start <= WEEK_MS  # the API's limit, whatever `end` means
    # A whole week back from the command's own "now", which lies between before and after (a
    # loaded machine may take seconds to get there): not a day less, not a millisecond more.
    assert before - WEEK_MS <= start <= after - WEEK_MS + 1_000


def test_since_reaches_further_back_in_week_long_pieces(logs: FilteringLogs) -> None:
    t0 = (int(time.time() * 1000) - 20 * DAY_MS) * 1_000_000
    lines = story_records(t0)
    logs.records = list(lines.values())
    result = invoke("request", RID, MODEL, DEPLOYMENT, "--since", "30d", "-o", "jsonl")
    assert result.status == 0, result.stderr
    assert [r["message"] for r in jsonl(result.stdout)] == [
        "Received request",
        "Request failed",
        "Received request, attempt 2",
    ]
    assert len(logs.calls) == 5
    for call in logs.calls:
        assert call["request_id"] == RID
        assert int(call["end_epoch_millis"]) - int(call["start_epoch_millis"]) <= WEEK_MS


def test_the_default_window_is_exactly_one_api_window() -> None:
    since_ms, until_ms = request_window(since=None, until=None, now_ms=1_790_000_000_000)
    assert until_ms == 1_790_000_000_000
    assert until_ms - since_ms + 1 == DEFAULT_LOOKBACK_MS == WEEK_MS


def test_the_library_yields_what_jsonl_prints(logs: FilteringLogs) -> None:
    lines = story_records(two_days_ago_ns())
    logs.records = list(lines.values())
    records = list(request_records(RID, path=LOGS_PATH, context_ms=1_000))
    cli = invoke("request", RID, MODEL, DEPLOYMENT, "--context", "1s", "-o", "jsonl")
    assert all_written(records) == jsonl(cli.stdout)  # the output adds only shown_level
    assert [r.get("context", False) for r in records] == [False, True, False, False]


def test_not_found_says_where_it_looked_and_exits_4(logs: FilteringLogs) -> None:
    logs.records = [record(two_days_ago_ns(), "hello", request_id=OTHER)]
    result = invoke("request", RID, MODEL, DEPLOYMENT, "--since", "3d", "--until", "1d")
    assert result.status == ExitStatus.NOT_FOUND
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert RID in line and f"{MODEL} / {DEPLOYMENT}" in line
    assert re.search(r"from \d{4}-\d\d-\d\dT.* to \d{4}-\d\d-\d\dT", line)
    assert "--since" in line


def test_an_id_found_only_in_another_case_is_named(logs: FilteringLogs) -> None:
    logs.records = list(story_records(two_days_ago_ns()).values())
    result = invoke("request", RID.upper(), MODEL, DEPLOYMENT)
    assert result.status == ExitStatus.NOT_FOUND
    [line] = result.stderr.splitlines()
    assert f"but {RID!r} is: request ids match exactly" in line
    assert f"give the id as {RID}" in line and "--since" not in line
    # The look: the typed id's search, then its lower-case form, one line asked for.
    assert [call.get("request_id") for call in logs.calls] == [RID.upper(), RID]
    assert logs.calls[-1]["limit"] == "1"


def test_an_id_in_no_case_says_look_further_back(logs: FilteringLogs) -> None:
    logs.records = list(story_records(two_days_ago_ns()).values())
    result = invoke("request", "NOSUCH-id", MODEL, DEPLOYMENT)
    assert result.status == ExitStatus.NOT_FOUND
    assert "--since" in result.stderr and "match exactly" not in result.stderr
    assert [c.get("request_id") for c in logs.calls] == ["NOSUCH-id", "nosuch-id", "NOSUCH-ID"]


@pytest.mark.parametrize(
    ("request_id", "words"),
    [
        ("", "is empty"),
        ("abc def", "white space"),
        ("abc\tdef", "white space"),
        ("abc\n", "white space"),
        ("abc\x1b[31m", "control"),
        ("abc\x00", "control"),
        ("abc\u200bdef", "invisible"),
        ("a" * 257, "257 characters"),
    ],
)
def test_an_implausible_request_id_is_bad_input_before_any_request(
    httpx_mock: HTTPXMock, api_env: None, request_id: str, words: str
) -> None:
    result = invoke("request", request_id, MODEL, DEPLOYMENT)
    assert result.status == ExitStatus.USAGE
    [line] = result.stderr.splitlines()
    assert "REQUEST_ID" in line and words in line
    assert "\x1b" not in line and "\x00" not in line
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    "request_id",
    [RID, RID.upper(), RID.replace("-", ""), OTHER, "r1", "a" * 256, "запрос-7", "a/b?c=d&e"],
)
def test_every_plausible_form_is_sent_as_typed(logs: FilteringLogs, request_id: str) -> None:
    logs.records = [record(two_days_ago_ns(), "hello", request_id=request_id)]
    result = invoke("request", request_id, MODEL, DEPLOYMENT, "-o", "raw")
    assert result.status == 0, result.stderr
    assert result.stdout == "hello\n"
    assert logs.calls[0]["request_id"] == request_id


def test_context_adds_the_untagged_lines_of_its_replicas_around_it(logs: FilteringLogs) -> None:
    lines = story_records(two_days_ago_ns())
    logs.records = list(lines.values())
    result = invoke("request", RID, MODEL, DEPLOYMENT, "--context", "10s", "-o", "jsonl")
    assert result.status == 0, result.stderr
    shown = jsonl(result.stdout)
    context = {"before", "traceback", "after"}
    order = ["before", "received", "traceback", "failed", "retried", "after"]
    assert shown == all_written(
        {**lines[k], "context": True} if k in context else lines[k] for k in order
    )
    search, *around = logs.calls
    assert sorted(call["replica"] for call in around) == ["a1b2c", "d3e4f"]
    first_ms = int(lines["received"]["timestamp"]) // 1_000_000
    last_ms = int(lines["retried"]["timestamp"]) // 1_000_000
    for call in around:
        assert "request_id" not in call
        assert int(call["start_epoch_millis"]) == first_ms - 10_000
        assert int(call["end_epoch_millis"]) >= last_ms + 10_000


def test_text_marks_context_lines_and_keeps_their_level(logs: FilteringLogs) -> None:
    lines = story_records(two_days_ago_ns())
    logs.records = list(lines.values())
    result = invoke("request", RID, MODEL, DEPLOYMENT, "--context", "1s", "--color", "never")
    assert result.status == 0, result.stderr
    rows = [row for row in result.stdout.splitlines() if row[:1].isdigit()]
    assert len(rows) == 4
    assert "(context)" not in rows[0] and "Received request" in rows[0]
    # The API gave the traceback no level: it is an ERROR by its text, marked or not.
    assert re.search(r" ERROR +a1b2c  \(context\) Traceback \(most recent call last\):$", rows[1])
    assert "(context)" not in rows[2] and "(context)" not in rows[3]


def test_context_without_a_replica_to_look_at_says_so(logs: FilteringLogs) -> None:
    logs.records = [record(two_days_ago_ns(), "hello", replica=None, request_id=RID)]
    result = invoke("request", RID, MODEL, DEPLOYMENT, "--context", "1m", "-o", "raw")
    assert result.status == 0, result.stderr
    assert result.stdout == "hello\n"
    assert "no context" in result.stderr
    assert len(logs.calls) == 1


def test_raw_shows_context_messages_unchanged(logs: FilteringLogs) -> None:
    lines = story_records(two_days_ago_ns())
    logs.records = list(lines.values())
    result = invoke("request", RID, MODEL, DEPLOYMENT, "--context", "1s", "-o", "raw")
    assert result.status == 0, result.stderr
    assert result.stdout.startswith("Received request\nTraceback (most recent call last):\n")


def test_json_save_and_fail_on_carry_the_context_flag(logs: FilteringLogs, tmp_path: Path) -> None:
    lines = story_records(two_days_ago_ns())
    logs.records = list(lines.values())
    saved = tmp_path / "request.jsonl"
    result = invoke(
        "request", RID, MODEL, DEPLOYMENT, "--context", "1s", "-o", "json",
        "--save", str(saved), "--fail-on", "error", "--summary",
    )  # fmt: skip
    assert result.status == ExitStatus.MATCHED
    array = json.loads(result.stdout)
    assert [r.get("context", False) for r in array] == [False, True, False, False]
    assert jsonl(saved.read_text()) == array
    assert "summary: 4 lines" in result.stderr


def test_the_header_on_a_terminal_tells_the_story_in_short(logs: FilteringLogs) -> None:
    lines = story_records(two_days_ago_ns())
    logs.records = list(lines.values())
    tty = {"TTY_COMPATIBLE": "1", "TZ": "UTC"}
    result = invoke("request", RID, MODEL, DEPLOYMENT, "--color", "never", env=tty)
    assert result.status == 0, result.stderr
    header = result.stderr.splitlines()
    assert header[0] == f"request {RID} in {MODEL} / {DEPLOYMENT}"
    assert re.fullmatch(r"  from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} to .* \(500 ms\)", header[1])
    assert header[2] == "  3 lines: 1 ERROR, 2 INFO"
    assert header[3] == "  2 replicas: a1b2c (2 lines), d3e4f (1 line)"
    assert len(header) == 4
    # Off a terminal, or with -q: no header.
    assert invoke("request", RID, MODEL, DEPLOYMENT).stderr == ""
    assert invoke("request", RID, MODEL, DEPLOYMENT, "-q", env=tty).stderr == ""


def test_the_header_shows_hostile_replica_ids_as_text(logs: FilteringLogs) -> None:
    hostile = "a\x1b]0;pwned\x07\x1b[2J"
    logs.records = [record(two_days_ago_ns(), "hello", replica=hostile, request_id=RID)]
    result = invoke("request", RID, MODEL, DEPLOYMENT, env={"TTY_COMPATIBLE": "1"})
    assert result.status == 0, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "a\\x1b]0;pwned\\x07\\x1b[2J (1 line)" in result.stderr


@pytest.mark.parametrize("value", ["abc", "2h", "-5s", "10"])
def test_a_bad_context_is_bad_input_before_any_request(
    httpx_mock: HTTPXMock, api_env: None, value: str
) -> None:
    result = invoke("request", RID, MODEL, DEPLOYMENT, "--context", value)
    assert result.status == ExitStatus.USAGE
    assert "--context" in result.stderr
    assert httpx_mock.get_requests() == []


# --- the library, with no HTTP: sources as a chain will have them -----------------------------


class Sources:
    """Fetchers over in-memory records per logs path, with the API's filters and windows."""

    def __init__(self, records: dict[str, list[dict[str, Any]]]) -> None:
        self.records = records
        self.queries: list[LogQuery] = []

    def __call__(self, query: LogQuery) -> Any:
        self.queries.append(query)

        def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
            chosen = [
                r
                for r in self.records[query.path]
                if start <= int(r["timestamp"]) // 1_000_000 <= end
                and query.filters.request_id in (None, r["request_id"])
                and query.filters.replica in (None, r["replica"])
            ]
            chosen.sort(key=lambda r: int(r["timestamp"]), reverse=direction == "desc")
            return chosen[:limit]

        return fetch


@pytest.mark.parametrize("held", [2_000, 2], ids=["held", "fetched again"])
def test_lines_of_several_sources_merge_in_time_order_with_their_own_context(
    monkeypatch: pytest.MonkeyPatch, held: int
) -> None:
    # More lines than MAX_HELD: counted as found, fetched again to be shown, the same story.
    monkeypatch.setattr("baseten_logs.reading.request.MAX_HELD", held)
    t0 = 1_790_000_000_000 * 1_000_000
    entry, model = (
        RequestSource("/entry/logs", "chainlet Entry"),
        RequestSource("/m/logs", "chainlet Model"),
    )
    fetch_for = Sources(
        {
            entry.path: [
                record(at(t0, 0), "entry in", replica="e1", request_id=RID),
                record(at(t0, 900), "entry out", replica="e1", request_id=RID),
                record(at(t0, 50), "entry noise", replica="e1"),
            ],
            model.path: [
                record(at(t0, 100), "model in", replica="e1", request_id=RID),
                record(at(t0, 120), "model traceback", replica="e1", level=None),
            ],
        }
    )
    t0_ms = t0 // 1_000_000
    story = find_request(
        fetch_for, request_id=RID, sources=[entry, model], since_ms=t0_ms, until_ms=t0_ms + 60_000
    )
    if held > 3:
        messages = [line.record["message"] for line in story.lines]
        assert messages == ["entry in", "model in", "entry out"]
    else:
        assert story.lines == () and not story.whole  # none held: a page per source at a time
    # The same replica id in two sources is two replicas: each source's context is its own.
    assert story.replicas() == [(entry, "e1"), (model, "e1")]
    pages = story_pages(fetch_for, story, context_ms=1_000, page_size=2)
    shown = [
        (line.source.label, line.record["message"], line.context) for page in pages for line in page
    ]
    assert shown == [
        ("chainlet Entry", "entry in", False),
        ("chainlet Entry", "entry noise", True),
        ("chainlet Model", "model in", False),
        ("chainlet Model", "model traceback", True),
        ("chainlet Entry", "entry out", False),
    ]
    header = describe(story, utc=True, context_ms=1_000)
    assert header[0] == f"request {RID} in chainlet Entry, chainlet Model"
    assert header[3] == "  2 replicas: chainlet Entry: e1 (2 lines), chainlet Model: e1 (1 line)"
    assert header[4] == "  and as context, its replicas' untagged lines 1 s around it"


def test_nothing_found_in_any_source_raises_not_found_naming_each() -> None:
    fetch_for = Sources({"/a/logs": [], "/b/logs": []})
    sources = [RequestSource("/a/logs", "source A"), RequestSource("/b/logs", "source B")]
    with pytest.raises(RequestNotFound, match="not found in source A, source B from 1970"):
        find_request(fetch_for, request_id=RID, sources=sources, since_ms=0, until_ms=1000)


# --- --chain: every chainlet of a chain deployment, through the API's own answers ---------------

CHAIN, CHAIN_DEP = "ch41n9", "cd7p2x"
CHAINLET_IDS = {"Entry": "e1x7a", "Model": "m2y8b", "Post": "p3z9c"}


def chainlet_path(name: str) -> str:
    return f"/v1/chains/{CHAIN}/deployments/{CHAIN_DEP}/chainlets/{CHAINLET_IDS[name]}/logs"


@dataclass
class ChainApi:
    chainlets: dict[str, FilteringLogs]
    deployment_calls: list[str]

    def add(self, name: str, *records: dict[str, Any]) -> None:
        self.chainlets[name].records.extend(records)


@pytest.fixture
def chain_api(httpx_mock: HTTPXMock, api_env: None) -> Iterator[ChainApi]:
    """CHAIN as an id: its deployments (one in production, three chainlets), each chainlet's
    logs served by its own FilteringLogs (registered only for the chainlets a test fills)."""
    api = ChainApi({name: FilteringLogs() for name in CHAINLET_IDS}, [])

    def deployments(request: httpx.Request) -> httpx.Response:
        api.deployment_calls.append(request.url.path)
        chainlets = [{"id": cid, "name": name} for name, cid in CHAINLET_IDS.items()]
        body = {"deployments": [{"id": CHAIN_DEP, "environment": "production",
                                 "status": "ACTIVE", "chainlets": chainlets}]}  # fmt: skip
        return httpx.Response(200, json=body)

    httpx_mock.add_callback(
        deployments, url=f"{API_URL}/v1/chains/{CHAIN}/deployments", is_reusable=True
    )
    for name, fake in api.chainlets.items():
        url = re.compile(rf"{API_URL}{chainlet_path(name)}\?.*")
        httpx_mock.add_callback(fake, url=url, is_reusable=True, is_optional=True)
    yield api


def chain_story(api: ChainApi, t0: int) -> None:
    """The request enters at Entry (a1b2c), goes to Model, whose replica also prints an untagged
    traceback; Post never sees it. Same replica id in Entry and Model: two replicas all the same."""
    api.add(
        "Entry",
        record(at(t0, 0), "entry in", replica="a1b2c", request_id=RID),
        record(at(t0, 900), "entry out", replica="a1b2c", request_id=RID),
        record(at(t0, 40), "entry noise", replica="a1b2c"),
    )
    api.add(
        "Model",
        record(at(t0, 100), "model in", replica="a1b2c", request_id=RID),
        record(at(t0, 120), "Traceback (most recent call last):\nOOM", replica="a1b2c", level=None),
        record(at(t0, 130), "model failed", replica="a1b2c", request_id=RID, level="ERROR"),
        record(at(t0, 200), "another request", replica="a1b2c", request_id=OTHER),
    )
    api.add("Post", record(at(t0, 500), "post noise", replica="q9q9q"))


def labelled(name: str, line: dict[str, Any], *, context: bool = False) -> dict[str, Any]:
    return {**line, "chainlet": name, **({"context": True} if context else {})}


def test_a_chain_request_is_found_in_every_chainlet_labelled_in_time_order(
    chain_api: ChainApi,
) -> None:
    chain_story(chain_api, two_days_ago_ns())
    result = invoke("request", RID, "--chain", CHAIN, "-o", "jsonl")
    assert result.status == 0, result.stderr
    shown = jsonl(result.stdout)
    assert [(r["chainlet"], r["message"]) for r in shown] == [
        ("Entry", "entry in"),
        ("Model", "model in"),
        ("Model", "model failed"),
        ("Entry", "entry out"),
    ]
    assert all("context" not in r for r in shown)
    assert chain_api.deployment_calls == [f"/v1/chains/{CHAIN}/deployments"]  # asked once
    for fake in chain_api.chainlets.values():  # every chainlet searched, the whole week at once
        [call] = fake.calls
        assert call["request_id"] == RID
        assert int(call["end_epoch_millis"]) - int(call["start_epoch_millis"]) <= WEEK_MS


def test_context_across_a_chain_is_each_chainlet_replicas_own(chain_api: ChainApi) -> None:
    chain_story(chain_api, two_days_ago_ns())
    result = invoke("request", RID, "--chain", CHAIN, "--context", "1s", "-o", "jsonl")
    assert result.status == 0, result.stderr
    shown = [(r["chainlet"], r["message"], r.get("context", False)) for r in jsonl(result.stdout)]
    assert shown == [
        ("Entry", "entry in", False),
        ("Entry", "entry noise", True),
        ("Model", "model in", False),
        ("Model", "Traceback (most recent call last):\nOOM", True),
        ("Model", "model failed", False),
        ("Entry", "entry out", False),
    ]
    # Post printed nothing of the request: none of its lines is context.
    assert len(chain_api.chainlets["Post"].calls) == 1


def test_the_chain_header_names_the_chainlets_and_their_replicas(chain_api: ChainApi) -> None:
    chain_story(chain_api, two_days_ago_ns())
    tty = {"TTY_COMPATIBLE": "1", "TZ": "UTC"}
    result = invoke("request", RID, "--chain", CHAIN, "--color", "never", env=tty)
    assert result.status == 0, result.stderr
    header = result.stderr.splitlines()
    assert header[0] == f"request {RID} in chain {CHAIN} / production ({CHAIN_DEP})"
    assert header[2] == "  4 lines: 1 ERROR, 3 INFO"
    assert header[3] == "  2 of 3 chainlets: Entry (2 lines), Model (2 lines)"
    assert header[4] == "  2 replicas: Entry: a1b2c (2 lines), Model: a1b2c (2 lines)"
    # Text output: the chainlet column as `chain` shows it, as wide as the widest name.
    rows = result.stdout.splitlines()
    assert re.search(r" INFO    Entry  a1b2c  entry in$", rows[0])
    assert re.search(r" ERROR   Model  a1b2c  model failed$", rows[2])


def test_chainlet_narrows_the_search_to_those_chainlets(chain_api: ChainApi) -> None:
    chain_story(chain_api, two_days_ago_ns())
    result = invoke("request", RID, "--chain", CHAIN, "--chainlet", CHAINLET_IDS["Model"],
                    "-o", "jsonl")  # fmt: skip
    assert result.status == 0, result.stderr
    assert [r["message"] for r in jsonl(result.stdout)] == ["model in", "model failed"]
    assert chain_api.chainlets["Entry"].calls == chain_api.chainlets["Post"].calls == []


def test_not_found_in_a_chain_names_the_chain_deployment(chain_api: ChainApi) -> None:
    chain_api.add("Post", record(two_days_ago_ns(), "hello", request_id=OTHER))
    result = invoke("request", RID, "--chain", CHAIN, "--chainlet", "Post")
    assert result.status == ExitStatus.NOT_FOUND
    [line] = result.stderr.splitlines()
    assert f"not found in chain {CHAIN} / production ({CHAIN_DEP}) from " in line
    assert "--chainlet" in line


def test_the_library_finds_a_chain_request_as_jsonl_prints_it(chain_api: ChainApi) -> None:
    chain_story(chain_api, two_days_ago_ns())
    records = list(request_records(RID, chain=CHAIN, context_ms=1_000))
    cli = invoke("request", RID, "--chain", CHAIN, "--context", "1s", "-o", "jsonl")
    assert all_written(records) == jsonl(cli.stdout)
    assert {r["chainlet"] for r in records} == {"Entry", "Model"}


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        ([MODEL, "--chainlet", "Entry"], "--chainlet"),
        (["--chain", CHAIN, "--team", "acme"], "--team"),
        (["--chain", CHAIN, CHAIN_DEP, "--env", "production"], "--env"),
        (["--chain", "rag/pipeline"], "CHAIN"),
        (["--chain", CHAIN, "--chainlet", "a/b"], "--chainlet"),
        (["--chain"], "MODEL"),
    ],
)
def test_a_contradictory_or_missing_chain_is_bad_input_before_any_request(
    httpx_mock: HTTPXMock, api_env: None, args: list[str], flag: str
) -> None:
    result = invoke("request", RID, *args)
    assert result.status == ExitStatus.USAGE
    [line] = result.stderr.splitlines()
    assert flag in line
    assert httpx_mock.get_requests() == []


def request_context(words: list[str]) -> Any:
    """The click context of `request WORDS` as shell completion builds it."""
    from typer.main import get_command

    from baseten_logs.cli.app import app

    group = get_command(app)
    top = group.make_context("baseten-logs", ["request"], resilient_parsing=True)
    command = group.get_command(top, "request")  # type: ignore[attr-defined]
    return command.make_context("request", words, parent=top, resilient_parsing=True)


def test_with_chain_completion_offers_chains_and_their_chainlets(
    api_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baseten_logs.cli import request_command as cli
    from baseten_logs.sources.cache import Cache, cache_key

    cache = Cache.for_api(API_URL, "test-key-0123456789abcdef")
    cache.put(cache_key("models"), [{"id": MODEL, "name": "llama-3-8b"}], ttl=600)
    cache.put(cache_key("chains"), [{"id": CHAIN, "name": "rag-pipeline"}], ttl=600)
    cache.put(cache_key("chainlets", "rag-pipeline"), [{"id": "e1x7a", "name": "Entry"}], ttl=600)
    assert cli._complete_request_model(request_context([RID]), "") == ["llama-3-8b"]
    assert cli._complete_request_model(request_context([RID, "--chain"]), "") == ["rag-pipeline"]
    assert cli._complete_request_deployment(request_context([RID, "--chain", "x"]), "") == []
    typed = f"baseten-logs request {RID} --chain rag-pipeline --chainlet "
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", typed)
    ctx = request_context([RID, "--chain", "rag-pipeline", "--chainlet"])
    assert cli._complete_request_chainlet(ctx, "") == ["Entry"]
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", f"baseten-logs request {RID} llama-3-8b --chainlet ")
    assert cli._complete_request_chainlet(request_context([RID, "llama-3-8b"]), "") == []


@pytest.mark.parametrize(
    "args", [["request", "--help"], ["request", "bad id", "m"], ["request", "r1", "m", "-o", "x"]]
)
def test_help_and_bad_input_import_neither_httpx_nor_rich(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from baseten_logs.cli.app import run\n"
        f"status = run({args!r})\n"
        "print('LOADED', sorted(m for m in ('httpx', 'rich') if m in sys.modules), status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED [] " in done.stdout


JSON_LOG = '{"levelname": "INFO", "message": "Received request", "path": "/v1", "ms": 5}'


def test_request_takes_gets_layout_flags(logs: FilteringLogs) -> None:
    # --prefix, --no-wrap, --message-only and --verbatim: get's flags, get's layout.
    logs.records = [record(two_days_ago_ns(), JSON_LOG, request_id=RID)]
    ask = ("request", RID, MODEL, DEPLOYMENT, "--utc")
    piped = invoke(*ask, "--message-only", "--prefix", "none")
    assert piped.status == 0, piped.stderr
    assert piped.stdout == "Received request  path=/v1 ms=5\n"
    assert invoke(*ask, "--prefix", "none").stdout == JSON_LOG + "\n"  # a pipe: verbatim
    narrow = {"TTY_COMPATIBLE": "1", "COLUMNS": "40", "NO_COLOR": "1"}
    shown = invoke(*ask, "-q", env=narrow).stdout  # short prefix, message only, wrapped
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}Z I a1b2c Received request\n.*\n", shown, re.S)
    cut = invoke(*ask, "-q", "--no-wrap", "--verbatim", env=narrow).stdout
    assert len(cut.splitlines()) == 1 and len(cut.rstrip("\n")) <= 40 and cut.endswith("…\n")


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (("--prefix", "wide"), "--prefix: unknown value 'wide' (use one of full, short, none)"),
        (("--message-only", "--verbatim"), "--message-only: cannot be combined with --verbatim"),
    ],
)
def test_bad_layout_flags_are_refused_before_any_request(
    httpx_mock: HTTPXMock, api_env: None, flags: tuple[str, ...], error: str
) -> None:
    result = invoke("request", RID, MODEL, DEPLOYMENT, *flags)
    assert result.status == ExitStatus.USAGE and error in result.stderr
    assert httpx_mock.get_requests() == []


def test_readme_documents_every_request_flag() -> None:
    from typer.main import get_command

    from baseten_logs.cli.app import app

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### `baseten-logs request") :]
    command = get_command(app).commands["request"]  # type: ignore[attr-defined]
    for param in command.params:
        for flag in param.opts:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in section, f"{flag} is not in the README's request section"


def test_an_id_with_capitals_not_found_says_ids_match_exactly_and_offers_its_lower_case(
    logs: FilteringLogs,
) -> None:
    logs.records = [record(two_days_ago_ns(), "hello", request_id=RID)]
    result = invoke("request", RID.upper(), MODEL, DEPLOYMENT, "--since", "3d")
    assert result.status == ExitStatus.NOT_FOUND
    [line] = result.stderr.splitlines()
    # The lower-case form was asked for and has a line: named as found, not guessed.
    assert line.endswith(f", but {RID!r} is: request ids match exactly (give the id as {RID})")


def test_a_lower_case_id_not_found_is_told_to_look_further_back_only() -> None:
    fetch_for = Sources({"/a/logs": []})
    with pytest.raises(RequestNotFound) as caught:
        find_request(
            fetch_for,
            request_id=RID,
            sources=[RequestSource("/a/logs", "source A")],
            since_ms=0,
            until_ms=1000,
        )
    assert caught.value.hint == (
        "look further back with --since (e.g. --since 30d), or check MODEL and DEPLOYMENT"
    )
