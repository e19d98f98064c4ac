"""`audit`: the cursor walk (each page once, never round a repeated cursor), the rows, -f.

The walk and the command run against pytest-httpx's fake API: what is asked, how often, and
what is shown, with nothing on the network."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import ApiError, UsageError
from baseten_logs.base.timeparse import UTC
from baseten_logs.cli.audit import Seen, event_row
from baseten_logs.reading.audit_pages import CursorWalk
from baseten_logs.sources.audit import audit_params, check_audit_input
from tests.conftest import invoke
from tests.fakeapi import API_URL

PATH = "/v1/audit_logs"
MINUTE_MS = 60_000
T0 = 1_796_600_000_000  # 2026-12-06


def event(n: int, *, at_ms: int | None = None, **extra: Any) -> dict[str, Any]:
    ms = T0 + n * MINUTE_MS if at_ms is None else at_ms
    created = httpx_time(ms)
    return {
        "id": f"ale_{n}",
        "created": created,
        "event_type": "MODEL_DEPLOYED",
        "event_data": {"event_type": "MODEL_DEPLOYED", "model_name": "m", "deployment_name": "v1"},
        "source": "UI",
        "actor": {"type": "USER", "email": "dev@example.com"},
        **extra,
    }


def httpx_time(ms: int) -> str:
    from datetime import datetime, timezone

    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def page(items: list[dict[str, Any]], cursor: str | None, more: bool | None = None) -> Any:
    has_more = cursor is not None if more is None else more
    return {"items": items, "pagination": {"has_more": has_more, "cursor": cursor}}


class Pages:
    """A fake audit route: answers in turn (the last one again when they run out), and every
    request's query kept."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.asked: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(parse_qs(urlsplit(str(request.url)).query))
        assert len(self.asked) <= 20, "the walk is going round"  # a failure, not a hang
        answer = self.answers[min(len(self.asked) - 1, len(self.answers) - 1)]
        return httpx.Response(200, json=answer)

    def cursors(self) -> list[str | None]:
        return [q.get("cursor", [None])[0] for q in self.asked]


@pytest.fixture
def serve(httpx_mock: HTTPXMock) -> Iterator[Any]:
    def add(answers: list[Any], path: str = PATH) -> Pages:
        pages = Pages(answers)
        url = re.compile(re.escape(f"{API_URL}{path}") + r"(\?.*)?$")
        httpx_mock.add_callback(pages, url=url, is_reusable=True)
        return pages

    yield add


def walk(client: ApiClient, **kwargs: Any) -> tuple[list[dict[str, Any]], CursorWalk]:
    params = audit_params(since_ms=None, until_ms=None, limit=2, direction="ASC")
    pages = CursorWalk(client, PATH, params, **kwargs)
    return [e for p in pages for e in p], pages


# --- the walk -----------------------------------------------------------------------------


def test_each_page_is_asked_exactly_once_with_the_same_parameters(
    client: ApiClient, serve: Any
) -> None:
    fake = serve(
        [
            page([event(1), event(2)], "c1"),
            page([event(3), event(4)], "c2"),
            page([event(5)], None),
        ]
    )
    events, pages = walk(client)
    assert [e["id"] for e in events] == [f"ale_{n}" for n in range(1, 6)]
    assert fake.cursors() == [None, "c1", "c2"]
    assert all(q["limit"] == ["2"] and q["direction"] == ["ASC"] for q in fake.asked)
    assert pages.incomplete is None and pages.pages == 3


def test_a_cursor_sent_twice_ends_the_walk_instead_of_looping(
    client: ApiClient, serve: Any
) -> None:
    # c1, c2, then c1 again: a server (or a cache) sending us round.
    fake = serve(
        [
            page([event(1)], "c1"),
            page([event(2)], "c2"),
            page([event(3)], "c1"),
        ]
    )
    events, pages = walk(client)
    assert [e["id"] for e in events] == ["ale_1", "ale_2", "ale_3"]
    assert fake.cursors() == [None, "c1", "c2"]
    assert pages.incomplete is not None and "cursor it had sent before" in pages.incomplete


def test_the_same_cursor_at_once_ends_after_two_pages(client: ApiClient, serve: Any) -> None:
    fake = serve([page([event(1)], "same")])  # every answer the same
    events, pages = walk(client)
    assert fake.cursors() == [None, "same"]
    assert pages.incomplete is not None


def test_more_without_a_cursor_ends_incomplete(client: ApiClient, serve: Any) -> None:
    fake = serve([page([event(1)], None, more=True)])
    events, pages = walk(client)
    assert len(fake.asked) == 1 and len(events) == 1
    assert pages.incomplete is not None and "no cursor" in pages.incomplete


def test_empty_pages_that_still_say_more_end_the_walk(client: ApiClient, serve: Any) -> None:
    answers = [page([], f"c{n}") for n in range(1, 10)]
    fake = serve(answers)
    events, pages = walk(client)
    assert events == [] and len(fake.asked) == 3
    assert pages.incomplete is not None and "empty pages" in pages.incomplete


def test_the_walk_stops_once_it_has_what_was_wanted(client: ApiClient, serve: Any) -> None:
    fake = serve([page([event(1), event(2)], "c1"), page([event(3), event(4)], "c2")])
    events, pages = walk(client, wanted=3)
    assert [e["id"] for e in events] == ["ale_1", "ale_2", "ale_3"]
    assert len(fake.asked) == 2 and pages.incomplete is None


@pytest.mark.parametrize("answer", [{"items": None}, {"items": [1, 2]}, [], {"logs": []}], ids=str)
def test_an_answer_of_another_shape_is_an_api_error(
    client: ApiClient, serve: Any, answer: Any
) -> None:
    serve([answer])
    with pytest.raises(ApiError, match="not a list of items"):
        walk(client)


def test_has_more_missing_is_read_from_the_cursor(client: ApiClient, serve: Any) -> None:
    fake = serve([{"items": [event(1)], "pagination": {"cursor": "c1"}}, {"items": [event(2)]}])
    events, _ = walk(client)
    assert len(events) == 2 and fake.cursors() == [None, "c1"]


# --- parameters and input -----------------------------------------------------------------


def test_parameters_keep_the_endpoints_bounds() -> None:
    params = dict(audit_params(since_ms=5, until_ms=9, limit=500, direction="DESC"))
    assert params == {
        "limit": "200",
        "direction": "DESC",
        "start_epoch_millis": "5",
        "end_epoch_millis": "9",
    }
    assert dict(audit_params(since_ms=None, until_ms=None, limit=0, direction="ASC")) == {
        "limit": "1",
        "direction": "ASC",
    }


def test_model_and_chain_together_are_bad_input() -> None:
    with pytest.raises(UsageError, match="one trail at a time"):
        check_audit_input(model="m", chain="c")
    with pytest.raises(UsageError, match="--chain"):
        check_audit_input(model=None, chain=" ")


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "--model", "m", "--chain", "c"),
        ("audit", "--all", "-n", "5"),
        ("audit", "-f", "-o", "json"),
        ("audit", "-o", "yaml"),
        ("audit", "-n", "0"),
        ("audit", "--since", "tomorrow-ish"),
        ("audit", "--team", "research"),
    ],
)
def test_bad_input_exits_2_with_nothing_sent(args: tuple[str, ...], api_env: None) -> None:
    result = invoke(*args)  # pytest-httpx fails the test on any request it was not told of
    assert result.status == 2, result.stderr
    assert result.stderr.startswith("baseten-logs: error: ") and result.stderr.count("\n") == 1


# --- rows ---------------------------------------------------------------------------------


def test_a_row_says_when_who_what_and_which_target() -> None:
    key = {"type": "API_KEY", "api_key_name": "ci", "api_key_prefix": "Xq7"}
    data = {
        "model_name": "llama",
        "deployment_name": "v3",
        "environment_name": "production",
    }
    row = event_row(event(0, actor=key, source="API", event_data=data), zone=UTC)
    assert row == (
        "2026-12-06 23:33:20",
        "API key ci (Xq7...) via API",
        "MODEL_DEPLOYED",
        "llama/v3 (production)",
    )
    system = event(0, actor={"type": "BASETEN_SYSTEM"}, source="SYSTEM")
    system["event_data"] = {"model_id": "q4", "deployment_id": "d1", "replica_id": "r1"}
    assert event_row(system, zone=UTC)[1:] == ("Baseten", "MODEL_DEPLOYED", "q4/d1 replica r1")


def test_every_server_string_in_a_row_is_made_inert() -> None:
    hostile = event(
        0,
        actor={"type": "USER", "email": "a\x1b]0;pwned\x07@x"},
        event_type="MODEL\x1b[2J",
        event_data={"chain_name": "rag\u202e", "chain_deployment_id": "d\x9b1"},
    )
    row = event_row(hostile, zone=UTC)
    assert not any(c in "".join(row) for c in "\x1b\x07\x9b\u202e")
    assert row[1] == "a\\x1b]0;pwned\\x07@x via UI"
    assert row[2] == "MODEL\\x1b[2J"
    assert row[3] == "rag\\u202e/d\\x9b1"


def test_odd_events_still_make_a_row() -> None:
    assert event_row({}, zone=UTC) == ("-", "-", "-", "-")
    odd = {"created": 5, "actor": "nobody", "event_data": {"gateway_name": "gw"}}
    assert event_row(odd, zone=UTC)[1:] == ("-", "-", "gw")


def test_seen_events_are_shown_once_and_forgotten_past_the_overlap() -> None:
    seen = Seen(overlap_ms=10 * MINUTE_MS)
    assert [e["id"] for e in seen.fresh([event(1), event(2)])] == ["ale_1", "ale_2"]
    assert [e["id"] for e in seen.fresh([event(2), event(3)])] == ["ale_3"]
    seen.fresh([event(30)])
    assert seen.newest_ms == T0 + 30 * MINUTE_MS
    assert seen.fresh([event(25)]) and "ale_3" not in seen._keys  # noqa: SLF001


# --- the command --------------------------------------------------------------------------


def test_newest_n_are_asked_newest_first_and_shown_oldest_first(serve: Any, api_env: None) -> None:
    fake = serve([page([event(9), event(8)], "c1"), page([event(7), event(6)], "c2")])
    result = invoke("audit", "-n", "3")
    assert result.status == 0, result.stderr
    shown = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert shown == ["ale_7", "ale_8", "ale_9"]
    assert [q["limit"] for q in fake.asked] == [["3"], ["3"]]
    assert fake.asked[0]["direction"] == ["DESC"] and "start_epoch_millis" not in fake.asked[0]


def test_events_are_printed_verbatim_as_json_lines(serve: Any, api_env: None) -> None:
    odd = event(1, extra_field={"kept": [1, 2]}, event_type="SOMETHING_NEW")
    serve([page([odd], None)])
    result = invoke("audit", "--all", "--since", "30d")
    assert [json.loads(line) for line in result.stdout.splitlines()] == [odd]


def test_a_repeated_cursor_exits_6_after_printing_what_was_read(serve: Any, api_env: None) -> None:
    serve([page([event(1)], "c1"), page([event(2)], "c1")])
    result = invoke("audit", "--all")
    assert result.status == 6
    assert len(result.stdout.splitlines()) == 2
    assert "may be incomplete" in result.stderr


@pytest.mark.parametrize(
    ("flags", "env"),
    [
        (("--tz", "+05:30"), {}),
        ((), {"BASETEN_LOGS_TZ": "+05:30"}),  # the setting, as the log readers take it
        (("--tz", "+05:30"), {"BASETEN_LOGS_TZ": "Europe/Paris"}),  # the flag beats it
    ],
)
def test_tz_is_the_zone_of_the_times_typed_and_shown(
    serve: Any, api_env: None, flags: tuple[str, ...], env: dict[str, str]
) -> None:
    from datetime import datetime, timedelta, timezone

    fake = serve([page([event(1)], None)])
    result = invoke("audit", "--since", "2026-12-06T20:00", "-o", "table", *flags, env=env)
    assert result.status == 0, result.stderr
    zone = timezone(timedelta(hours=5, minutes=30))
    typed = datetime(2026, 12, 6, 20, 0, tzinfo=zone)
    assert fake.asked[0]["start_epoch_millis"] == [str(int(typed.timestamp() * 1000))]
    header, row = result.stdout.splitlines()
    assert header.split()[:2] == ["TIME", "(+05:30)"]
    shown = datetime.fromtimestamp((T0 + MINUTE_MS) / 1000, tz=zone)
    assert row.startswith(shown.strftime("%Y-%m-%d %H:%M:%S"))


def test_utc_outranks_the_tz_setting_and_a_bad_tz_is_refused_unsent(
    serve: Any, api_env: None
) -> None:
    fake = serve([page([event(1)], None)])
    result = invoke("audit", "-o", "table", "--utc", env={"BASETEN_LOGS_TZ": "+05:30"})
    assert result.status == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.split()[:2] == ["TIME", "(UTC)"] and row.startswith("2026-12-06 23:34:20")
    refused = invoke("audit", "--tz", "Mars/Olympus")
    assert refused.status == 2 and "--tz" in refused.stderr
    assert len(fake.asked) == 1  # the refused run sent nothing


def test_an_empty_trail_says_so_on_stderr_and_exits_0(serve: Any, api_env: None) -> None:
    serve([page([], None)])
    result = invoke("audit", "--since", "1h")
    assert (result.status, result.stdout) == (0, "")
    assert "no audit events of the workspace" in result.stderr


def test_follow_shows_each_event_once_late_ones_too(
    serve: Any, api_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The opening: the newest two. Then polls that overlap: ale_3 is seen twice by the server's
    # answers, ale_4 arrives late with a time before ale_3's (within the overlap), ale_5 after.
    late = event(4, at_ms=T0 + 2 * MINUTE_MS + 30_000)
    fake = serve(
        [
            page([event(2), event(1)], None),
            page([event(2), event(3)], None),
            page([event(2), late, event(3)], None),
            page([event(3), event(5)], None),
        ]
    )
    clock = iter(T0 + n * MINUTE_MS for n in range(10, 100))
    monkeypatch.setattr("baseten_logs.cli.audit._now_ms", lambda: next(clock))
    until = str(T0 + 12 * MINUTE_MS)
    result = invoke("audit", "-f", "-n", "2", "--until", until)
    assert result.status == 0, result.stderr
    shown = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert shown == ["ale_1", "ale_2", "ale_3", "ale_4", "ale_5"]
    polls = fake.asked[1:]
    assert len(polls) == 3 and all(q["direction"] == ["ASC"] for q in polls)
    # Each poll reaches back the overlap (60 s) from the newest event shown.
    starts = [int(q["start_epoch_millis"][0]) for q in polls]
    assert starts == [T0 + MINUTE_MS, T0 + 2 * MINUTE_MS, T0 + 2 * MINUTE_MS]
    assert all(q["end_epoch_millis"] == [until] for q in polls)


def test_the_table_has_one_header_and_colour_only_when_asked() -> None:
    import io

    from baseten_logs.cli.audit import AuditWriter

    plain = AuditWriter(form="table", zone=UTC, color=False, stream=io.StringIO())
    plain.write([event(1)])
    plain.write([event(2)])  # a later batch (-f): rows only, no second header
    lines = plain.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0].split() == ["TIME", "(UTC)", "WHO", "WHAT", "TARGET"]
    assert len(lines) == 3 and "\x1b" not in "".join(lines)
    coloured = AuditWriter(form="table", zone=UTC, color=True, stream=io.StringIO())
    coloured.write([event(1)])
    header, row = coloured.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    assert header.startswith("\x1b[1mTIME") and header.endswith("\x1b[0m")
    assert row.startswith("\x1b[2m2026-12-06 23:34:20")


def test_json_is_one_array_written_at_the_end() -> None:
    import io

    from baseten_logs.cli.audit import AuditWriter

    writer = AuditWriter(form="json", zone=UTC, color=False, stream=io.StringIO())
    writer.write([event(1)])
    writer.write([event(2)])
    assert writer.stream.getvalue() == ""  # type: ignore[attr-defined]
    writer.finish()
    assert json.loads(writer.stream.getvalue()) == [event(1), event(2)]  # type: ignore[attr-defined]


def test_jsonl_stays_valid_json_for_a_number_a_float_cannot_hold() -> None:
    import io

    from baseten_logs.cli.audit import AuditWriter

    odd = json.loads('{"id":"ale_9","event_data":{"replicas":1e400,"ratio":NaN}}')
    writer = AuditWriter(form="jsonl", zone=UTC, color=False, stream=io.StringIO())
    writer.write([odd])
    text = writer.stream.getvalue()  # type: ignore[attr-defined]

    def refuse(word: str) -> Any:
        raise ValueError(f"not JSON: {word}")

    assert json.loads(text, parse_constant=refuse)["event_data"] == {
        "replicas": None,
        "ratio": None,
    }
