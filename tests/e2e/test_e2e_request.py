"""`request`: a two-day-old request found with no window given, with and without its context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from baseten_logs.base.errors import ExitStatus
from baseten_logs.emulator import DEMO_MODEL_NAME, Emulator
from baseten_logs.emulator.chains import CHAIN_ID, CHAIN_NAME, CHAINLETS
from tests.e2e.conftest import DAY_MS, DEPLOYMENT, MODEL, cli, on_terminal

Record = dict[str, Any]


def logs_requests(emu: Emulator) -> list[dict[str, list[str]]]:
    return [r.query for r in emu.requests if r.path.endswith("/logs")]


def tagged_truth(emu: Emulator, request_id: str) -> list[Record]:
    now = emu.now_ms()
    truth = emu.ground_truth(MODEL, DEPLOYMENT, now - 8 * DAY_MS, now, request_id=request_id)
    assert len(truth) >= 3 and len({line["replica"] for line in truth}) == 2  # a retried request
    return truth


def with_context(emu: Emulator, tagged: list[Record], margin_ms: int) -> list[Record]:
    """What --context must add: each replica's untagged lines around the request, merged in time
    order (at one nanosecond the request's own line first, then the replicas as first seen)."""
    start = int(tagged[0]["timestamp"]) // 1_000_000 - margin_ms
    end = int(tagged[-1]["timestamp"]) // 1_000_000 + margin_ms
    streams = [tagged]
    for replica in dict.fromkeys(line["replica"] for line in tagged):
        around = emu.ground_truth(MODEL, DEPLOYMENT, start, end, replica=replica)
        streams.append([{**line, "context": True} for line in around if not line["request_id"]])
    ordered = [
        (int(line["timestamp"]), index, position, line)
        for index, stream in enumerate(streams)
        for position, line in enumerate(stream)
    ]
    return [line for *_, line in sorted(ordered, key=lambda item: item[:3])]


def test_a_two_day_old_request_is_found_with_no_window_exactly_its_lines(fresh: Emulator) -> None:
    request_id = fresh.demo_request.request_id
    run = cli(fresh, "request", request_id, MODEL, DEPLOYMENT, "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == tagged_truth(fresh, request_id)
    assert run.stderr == ""  # no header off a terminal
    [query] = logs_requests(fresh)  # the whole week in one query
    assert query["request_id"] == [request_id]
    assert int(query["end_epoch_millis"][0]) - int(query["start_epoch_millis"][0]) <= 7 * DAY_MS


def test_context_adds_the_untagged_traceback_printed_on_its_replica_during_it(
    fresh: Emulator,
) -> None:
    request_id = fresh.demo_request.request_id
    run = cli(fresh, "request", request_id, MODEL, DEPLOYMENT, "--context", "30s", "-o", "jsonl")
    assert run.status == 0, run.stderr
    tagged = tagged_truth(fresh, request_id)
    shown = run.jsonl()
    assert shown == with_context(fresh, tagged, 30_000)
    assert [line for line in shown if "context" not in line] == tagged
    first, last = int(tagged[0]["timestamp"]), int(tagged[-1]["timestamp"])
    tracebacks = [
        line
        for line in shown
        if line.get("context") is True
        and line["replica"] == tagged[0]["replica"]
        and "Traceback (most recent call last)" in line["message"]
        and first < int(line["timestamp"]) < last
    ]
    assert tracebacks


def test_text_marks_the_context_and_the_header_stays_off_a_pipe(emu: Emulator) -> None:
    request_id = emu.demo_request.request_id
    plain = cli(emu, "request", request_id, MODEL, DEPLOYMENT)
    marked = cli(emu, "request", request_id, MODEL, DEPLOYMENT, "--context", "5s")
    assert plain.status == marked.status == 0, plain.stderr + marked.stderr
    assert "(context)" not in plain.stdout and "Traceback" not in plain.stdout
    assert "  (context) Exception in thread " in marked.stdout
    unmarked = [row for row in marked.stdout.splitlines() if row[:1].isdigit()]
    assert [row for row in unmarked if "(context)" not in row] == plain.stdout.splitlines()
    assert plain.stderr == marked.stderr == ""


def test_found_by_model_name_and_through_the_environment(emu: Emulator) -> None:
    request_id = emu.demo_request.request_id
    truth = tagged_truth(emu, request_id)
    by_name = cli(emu, "request", request_id, DEMO_MODEL_NAME, "-o", "jsonl")
    by_env = cli(emu, "request", request_id, DEMO_MODEL_NAME, "--env", "production", "-o", "jsonl")
    assert by_name.status == by_env.status == 0, by_name.stderr + by_env.stderr
    assert by_name.jsonl() == by_env.jsonl() == truth


def test_a_retried_request_from_the_traffic_is_found_whatever_its_id_looks_like(
    emu: Emulator,
) -> None:
    now = emu.now_ms()
    lines = emu.ground_truth(MODEL, DEPLOYMENT, now - 3 * DAY_MS, now - 2 * DAY_MS)
    replicas: dict[str, set[str]] = {}
    for line in lines:
        if line["request_id"]:
            replicas.setdefault(line["request_id"], set()).add(line["replica"])
    retried = [rid for rid, seen in replicas.items() if len(seen) == 2]
    assert retried
    for request_id in retried[:3]:
        run = cli(emu, "request", request_id, MODEL, DEPLOYMENT, "-o", "jsonl")
        assert run.status == 0, run.stderr
        assert run.jsonl() == [line for line in lines if line["request_id"] == request_id]


def test_not_found_says_where_it_looked_and_exits_4(emu: Emulator) -> None:
    request_id = emu.demo_request.request_id
    run = cli(emu, "request", request_id, MODEL, DEPLOYMENT, "--since", "1d")
    assert run.status == ExitStatus.NOT_FOUND
    assert run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith(f"baseten-logs: error: request '{request_id}' not found in ")
    assert f"{MODEL} / {DEPLOYMENT} from " in line and "--since" in line


def test_an_implausible_id_sends_nothing(emu: Emulator) -> None:
    run = cli(emu, "request", "abc def", MODEL, DEPLOYMENT)
    assert run.status == ExitStatus.USAGE
    assert run.stderr.startswith("baseten-logs: error: REQUEST_ID: ")
    assert emu.requests == []


# --- a request crossing a chain ---------------------------------------------------------------


def chain_truth(emu: Emulator, request_id: str, margin_ms: int | None = None) -> list[Record]:
    """The request's lines in every chainlet, labelled, in time order (the chain's order at a
    tie); with a margin, each chainlet-replica's untagged lines around the request merged in."""
    now = emu.now_ms()
    streams = [
        [
            {**line, "chainlet": name}
            for line in emu.chainlet_ground_truth(
                emu.id(cid), now - 8 * DAY_MS, now, request_id=request_id
            )
        ]
        for name, cid in CHAINLETS
    ]
    tagged = sorted((line for stream in streams for line in stream), key=_ns)
    if margin_ms is None:
        return tagged
    start, end = _ns(tagged[0]) // 1_000_000 - margin_ms, _ns(tagged[-1]) // 1_000_000 + margin_ms
    merged: list[list[Record]] = [tagged]
    for name, cid in CHAINLETS:
        for replica in dict.fromkeys(
            line["replica"] for line in tagged if line["chainlet"] == name
        ):
            around = emu.chainlet_ground_truth(emu.id(cid), start, end, replica=replica)
            merged.append(
                [
                    {**line, "chainlet": name, "context": True}
                    for line in around
                    if not line["request_id"]
                ]
            )
    ordered = [
        (_ns(line), index, position, line)
        for index, stream in enumerate(merged)
        for position, line in enumerate(stream)
    ]
    return [line for *_, line in sorted(ordered, key=lambda item: item[:3])]


def _ns(line: Record) -> int:
    return int(line["timestamp"])


def test_a_request_across_a_chain_is_found_in_every_chainlet_with_no_window(
    fresh: Emulator,
) -> None:
    request_id = fresh.demo_chain_request.request_id
    run = cli(fresh, "request", request_id, "--chain", CHAIN_NAME, "-o", "jsonl")
    assert run.status == 0, run.stderr
    truth = chain_truth(fresh, request_id)
    assert {line["chainlet"] for line in truth} == {name for name, _ in CHAINLETS}
    assert run.jsonl() == truth
    assert run.stderr == ""
    searches = logs_requests(fresh)  # one week-long query per chainlet
    assert len(searches) == len(CHAINLETS)
    assert all(query["request_id"] == [request_id] for query in searches)


def test_context_across_a_chain_adds_each_chainlet_replicas_untagged_lines(
    fresh: Emulator,
) -> None:
    request_id = fresh.demo_chain_request.request_id
    run = cli(
        fresh, "request", request_id, "--chain", CHAIN_ID, "production", "--context", "30s",
        "-o", "jsonl",
    )  # fmt: skip
    assert run.status == 0, run.stderr
    shown = run.jsonl()
    assert shown == chain_truth(fresh, request_id, 30_000)
    assert {line["chainlet"] for line in shown if line.get("context")} == {
        name for name, _ in CHAINLETS
    }
    entry = CHAINLETS[0][0]
    assert any(
        line.get("context") and line["chainlet"] == entry and "Traceback" in line["message"]
        for line in shown
    )


def test_text_labels_each_line_with_its_chainlet_and_chainlet_narrows(emu: Emulator) -> None:
    request_id = emu.demo_chain_request.request_id
    run = cli(emu, "request", request_id, "--chain", CHAIN_NAME)
    assert run.status == 0, run.stderr
    rows = run.stdout.splitlines()
    assert len(rows) == len(chain_truth(emu, request_id))
    assert any(" Generator  " in row and "handling request" in row for row in rows)
    narrowed = cli(emu, "request", request_id, "--chain", CHAIN_NAME, "--chainlet", "Generator",
                   "-o", "jsonl")  # fmt: skip
    assert narrowed.status == 0, narrowed.stderr
    assert narrowed.jsonl() == [
        line for line in chain_truth(emu, request_id) if line["chainlet"] == "Generator"
    ]


def test_not_found_in_a_chain_names_the_chain_deployment(emu: Emulator) -> None:
    request_id = emu.demo_chain_request.request_id
    run = cli(emu, "request", request_id, "--chain", CHAIN_NAME, "--since", "1d")
    assert run.status == ExitStatus.NOT_FOUND
    [line] = run.stderr.splitlines()
    assert f"not found in chain {CHAIN_NAME} (" in line and "--chainlet" in line


def test_view_shows_a_saved_request_with_its_context_marks(emu: Emulator, tmp_path: Path) -> None:
    request_id = emu.demo_request.request_id
    saved = tmp_path / "request.jsonl"
    run = cli(emu, "request", request_id, MODEL, DEPLOYMENT, "--context", "30s", "--utc",
              "--save", str(saved))  # fmt: skip
    assert run.status == 0, run.stderr
    assert "  (context) " in run.stdout
    viewed = cli(None, "view", str(saved), "--utc")
    assert viewed.status == 0, viewed.stderr
    assert viewed.stdout == run.stdout


def test_a_request_id_in_upper_case_is_named_in_its_case(emu: Emulator) -> None:
    request_id = emu.demo_request.request_id
    run = cli(emu, "request", request_id.upper(), MODEL, DEPLOYMENT)
    assert run.status == ExitStatus.NOT_FOUND
    assert f"but {request_id!r} is: request ids match exactly" in run.stderr


def test_a_slow_search_shows_progress_within_a_second_on_a_terminal(emu: Emulator) -> None:
    """The search is one request per source (a week each): the line cannot wait for answers."""
    emu.set_latency(2.5)
    run = on_terminal(emu, "request", "nosuch-req2", DEMO_MODEL_NAME)
    assert run.status == ExitStatus.NOT_FOUND
    # Shown before any answer came: the line does not wait for one (each takes 2.5 s here).
    assert "0 requests, 0 lines/s" in run.stderr
    assert "fetching… 0ms of 7d covered" in run.stderr
