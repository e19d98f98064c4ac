"""`--events`: replica start-ups merged by time among a run's lines (reading/events.py), and how
the outputs draw them (output/render_event.py, the renderers, the tally)."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import parse_qs

import httpx

from baseten_logs.api.client import ApiClient
from baseten_logs.output.layout import Layout
from baseten_logs.output.render import make_renderer
from baseten_logs.output.render_event import event_text, plain_event_line
from baseten_logs.output.render_template import parse_template
from baseten_logs.output.summary import Tally
from baseten_logs.reading.events import (
    POLLS_PER_CHECK,
    EventReader,
    event_record,
    fetch_startups,
    lines_only,
    merge_events,
    startups_path,
)

S = 1_000_000_000  # a second in ns
BASE_S = 1_796_600_000


def line(second: int, text: str = "", replica: str = "a1b2c") -> dict[str, Any]:
    ns = (BASE_S + second) * S
    return {"timestamp": str(ns), "message": text or f"line {second}", "replica": replica}


def event(second: int, replica: str = "a1b2c", outcome: str = "SUCCESS") -> dict[str, Any]:
    item = {
        "replica_id": replica,
        "started_at_epoch_millis": (BASE_S + second) * 1000,
        "duration_ms": 21_400,
        "outcome": outcome,
        "phase_summary": [
            {"phase": "SCHEDULING", "status": "COMPLETED", "offset_ms": 0, "duration_ms": 800},
            {
                "phase": "READINESS",
                "status": "COMPLETED" if outcome == "SUCCESS" else "FAILED",
                "offset_ms": 800,
                "duration_ms": 17_400,
            },
        ],
    }
    record = event_record(item)
    assert record is not None
    return record


def merged(
    pages: list[list[dict[str, Any]]], events: list[dict[str, Any]], **how: bool
) -> list[dict[str, Any]]:
    return [r for page in merge_events(pages, lambda: events, **how) for r in page]


def test_events_are_interleaved_by_time_and_no_line_is_lost_or_doubled() -> None:
    pages = [[line(1), line(3)], [line(5), line(7)]]
    events = [event(0), event(2), event(6), event(9)]
    out = merged(pages, events, descending=False)
    assert out == [events[0], line(1), events[1], line(3), line(5), events[2], line(7), events[3]]
    assert lines_only(out) == [r for page in pages for r in page]


def test_an_event_goes_before_the_lines_of_its_time_and_after_them_newest_first() -> None:
    same = [line(4, "a"), line(4, "b")]
    out = merged([same], [event(4)], descending=False)
    assert out == [event(4), *same]
    newest_first = merged([list(reversed(same))], [event(4)], descending=True)
    assert newest_first == list(reversed(out))  # one sequence, turned round


def test_events_of_one_time_keep_their_order() -> None:
    first, second = event(4, "r1"), event(4, "r2")
    assert merged([[line(5)]], [first, second], descending=False) == [first, second, line(5)]


def test_newest_first_merges_in_reverse() -> None:
    pages = [[line(7), line(5)], [line(3), line(1)]]
    out = merged(pages, [event(0), event(4), event(9)], descending=True)
    assert out == [event(9), line(7), line(5), event(4), line(3), line(1), event(0)]


def test_with_the_newest_n_only_events_from_the_oldest_line_on() -> None:
    pages = [[line(3), line(5)]]
    events = [event(1), event(3), event(4), event(8)]
    assert merged(pages, events, descending=False, from_first_line=True) == [
        event(3),
        line(3),
        event(4),
        line(5),
        event(8),
    ]
    newest_first = [[line(5), line(3)]]
    assert merged(newest_first, events, descending=True, from_first_line=True) == [
        event(8),
        line(5),
        event(4),
        line(3),
        event(3),
    ]


def test_no_line_no_ask() -> None:
    asked: list[int] = []

    def events() -> list[dict[str, Any]]:
        asked.append(1)
        return [event(1)]

    assert list(merge_events([[], []], events, descending=False)) == []
    assert asked == []


def test_a_line_with_no_time_keeps_its_place() -> None:
    untimed = {"timestamp": "soon", "message": "?"}
    out = merged([[line(1), untimed, line(5)]], [event(3)], descending=False)
    assert out == [line(1), untimed, event(3), line(5)]


def test_startups_path_of_a_deployment_or_an_environment_only() -> None:
    assert (
        startups_path("/v1/models/m1/deployments/d1/logs")
        == "/v1/models/m1/deployments/d1/startups"
    )
    assert startups_path("/v1/models/m1/environments/production/logs") == (
        "/v1/models/m1/environments/production/startups"
    )
    assert startups_path("/v1/chains/c/deployments/d/chainlets/x/logs") is None
    assert startups_path("/v1/training_projects/p/jobs/j/logs") is None


def test_an_attempt_with_no_start_time_is_not_placed() -> None:
    assert event_record({"started_at_epoch_millis": None}) is None
    assert event_record({"started_at_epoch_millis": "1796600000000"}) is None


def _startups_client(pages: list[dict[str, Any]], seen: list[dict[str, list[str]]]) -> ApiClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(parse_qs(request.url.query.decode()))
        return httpx.Response(200, json=pages[len(seen) - 1])

    return ApiClient(
        base_url="https://api.example.test", api_key="k", transport=httpx.MockTransport(answer)
    )


def test_fetch_startups_follows_the_cursor_and_keeps_the_asked_replicas() -> None:
    first = event(1, "r1")["event"]
    other = event(2, "r2")["event"]
    last = event(3, "r1")["event"]
    pages = [
        {"items": [first, other], "pagination": {"has_more": True, "cursor": "c1"}},
        {"items": [last, "junk"], "pagination": {"has_more": False, "cursor": None}},
    ]
    seen: list[dict[str, list[str]]] = []
    with _startups_client(pages, seen) as client:
        found = fetch_startups(client, "/v1/models/m/deployments/d/startups", 10, 20, ["r1"])
    assert [r["event"] for r in found] == [first, last]
    assert seen[0]["start_epoch_millis"] == ["10"] and seen[0]["end_epoch_millis"] == ["20"]
    assert seen[0]["limit"] == ["100"] and "cursor" not in seen[0]
    assert seen[1]["cursor"] == ["c1"]


def test_follow_asks_at_most_once_per_polls_per_check() -> None:
    seen: list[dict[str, list[str]]] = []
    pages = [{"items": [event(4)["event"]], "pagination": {"has_more": False}}]
    with _startups_client(pages, seen) as client:
        reader = EventReader(client, lambda: ["/v1/models/m/deployments/d/logs"])
        reader.asked_up_to_ms = BASE_S * 1000
        batch = [line(3), line(5)]
        assert reader.polled(batch, POLLS_PER_CHECK - 1) == batch  # too soon: no request
        assert seen == []
        assert reader.polled(batch, POLLS_PER_CHECK) == [line(3), event(4), line(5)]
        assert seen[0]["start_epoch_millis"] == [str(BASE_S * 1000 + 1)]
        assert seen[0]["end_epoch_millis"] == [str((BASE_S + 5) * 1000)]
        assert reader.asked_up_to_ms == (BASE_S + 5) * 1000


def test_when_a_follow_ends_the_start_ups_not_yet_asked_for_are_told() -> None:
    # A follow that ends (--until) before POLLS_PER_CHECK polls would leave the start-ups of
    # its last span untold: `rest` asks for them, up to the newest line polled, once.
    seen: list[dict[str, list[str]]] = []
    pages = [{"items": [event(4)["event"]], "pagination": {"has_more": False}}]
    with _startups_client(pages, seen) as client:
        reader = EventReader(client, lambda: ["/v1/models/m/deployments/d/logs"])
        reader.asked_up_to_ms = BASE_S * 1000
        assert reader.polled([line(3), line(5)], 1) == [line(3), line(5)]  # too soon
        assert seen == []
        assert reader.rest() == [event(4)]
        assert seen[0]["start_epoch_millis"] == [str(BASE_S * 1000 + 1)]
        assert seen[0]["end_epoch_millis"] == [str((BASE_S + 5) * 1000)]
        assert reader.rest() == []  # asked up to the newest line: nothing more to ask
        assert len(seen) == 1


def test_a_failed_ask_is_said_once_and_the_lines_go_on() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"error": "no"})

    warned: list[str] = []
    client = ApiClient(
        base_url="https://api.example.test", api_key="k", transport=httpx.MockTransport(refuse)
    )
    with client:
        reader = EventReader(
            client, lambda: ["/v1/models/m/deployments/d/logs"], warn=warned.append
        )
        out = list(reader.beside([[line(1)], [line(2)]], 0, 1, descending=False))
        assert [r for page in out for r in page] == [line(1), line(2)]
        reader.window(0, 1)
    assert len(warned) == 1 and warned[0].startswith("replica start-ups not read:")


def test_the_event_words() -> None:
    assert event_text(event(1)) == "── start: SUCCESS, ready in 21.4 s (slowest READINESS 17.4 s)"
    assert event_text(event(1, outcome="FAILED")) == (
        "── start: FAILED after 21.4 s (READINESS FAILED)"
    )
    assert plain_event_line(event(1)).startswith("── replica a1b2c start: SUCCESS")


def test_server_strings_in_an_event_are_made_inert() -> None:
    hostile = event(1, replica="\x1b]52;c;evil\x07", outcome="\x1b[2JFAILED")
    hostile["event"]["phase_summary"][1]["phase"] = "\u202eREADY"
    text = io.StringIO()
    make_renderer(text, output="text", color=True, utc=True).write_page([hostile])
    raw = io.StringIO()
    make_renderer(raw, output="raw", color=False, utc=True, terminal=True).write_page([hostile])
    for shown in (text.getvalue(), raw.getvalue()):
        assert "\x1b]" not in shown and "\x1b[2J" not in shown and "\u202e" not in shown
        assert "\\x1b" in shown


def test_text_draws_an_event_in_its_columns() -> None:
    out = io.StringIO()
    renderer = make_renderer(out, output="text", color=False, utc=True)
    renderer.write_page([line(1, "before"), event(2), line(3, "after")])
    shown = out.getvalue().splitlines()
    assert shown[1].startswith("2026-") and shown[1].endswith(
        "a1b2c  ── start: SUCCESS, ready in 21.4 s (slowest READINESS 17.4 s)"
    )
    assert shown[1].index("──") == shown[0].index("before")  # the message column


def test_json_writes_the_event_verbatim_without_a_shown_level() -> None:
    out = io.StringIO()
    make_renderer(out, output="jsonl", color=False, utc=True).write_page([line(1), event(2)])
    first, second = (json.loads(text) for text in out.getvalue().splitlines())
    assert "shown_level" in first
    assert second == {"event": event(2)["event"], "time": str((BASE_S + 2) * S)}


def test_the_tally_counts_lines_not_events() -> None:
    tally = Tally()
    tally.write_page([line(1), event(2), line(3)])
    assert tally.lines == 2
    assert sum(tally.replicas.values()) == 2


def test_github_groups_an_event_with_its_replica() -> None:
    out = io.StringIO()
    renderer = make_renderer(out, output="github", color=False, utc=True)
    renderer.write_page([line(1), event(2)])
    renderer.close()
    shown = out.getvalue()
    assert shown.count("::group::") == 1 and "no replica" not in shown
    assert "── start: SUCCESS" in shown


def test_a_template_shows_an_event_as_one_line_of_words() -> None:
    out = io.StringIO()
    layout = Layout(template=parse_template("{replica} {message}"))
    renderer = make_renderer(out, output="template", color=False, utc=True, layout=layout)
    renderer.write_page([line(1, "hello"), event(2)])
    assert out.getvalue().splitlines() == [
        "a1b2c hello",
        "── replica a1b2c start: SUCCESS, ready in 21.4 s (slowest READINESS 17.4 s)",
    ]


def test_with_no_prefix_the_event_still_names_its_replica() -> None:
    out = io.StringIO()
    renderer = make_renderer(
        out, output="text", color=False, utc=True, layout=Layout(prefix="none")
    )
    renderer.write_page([event(2)])
    assert out.getvalue() == (
        "── replica a1b2c start: SUCCESS, ready in 21.4 s (slowest READINESS 17.4 s)\n"
    )
