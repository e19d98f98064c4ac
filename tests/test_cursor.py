"""The cursor reader (reading/cursor.py) and the sandbox adapter it reads (sources/sandboxes.py):
every entry exactly once across pages, a server whose links loop ends with a gap (not a loop),
answers held within the limit asked, severities as levels, image names from references."""

from __future__ import annotations

import math
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api.client import ApiClient
from baseten_logs.reading.cursor import CursorPages, walk
from baseten_logs.sources.sandboxes import (
    MAX_OFFSET,
    build_pages,
    image_name,
    logs_pages,
    severity_level,
)

URL = "https://api.example.test"
LOGS = re.compile(rf"{re.escape(URL)}/v1/sandboxes/instances/box/logs.*")
BUILD = re.compile(rf"{re.escape(URL)}/v1/sandboxes/images/img/logs.*")
T0_NS = 1_796_600_000_000_000_000


def client() -> ApiClient:
    return ApiClient(base_url=URL, api_key="k")


def entry(i: int) -> dict[str, object]:
    seconds, ns = divmod(T0_NS + i * 1_000_000, 1_000_000_000)
    moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return {
        "timestamp": f"{moment}.{ns:09d}Z",
        "message": f"line {i}",
        "severity": 9,
        "trace_id": f"t{i % 3}",
    }


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}


def serve_cursor(httpx_mock: HTTPXMock, total: int, *, per_page_cap: int | None = None) -> None:
    """A sandbox's logs: `total` entries, pages linked by an opaque cursor (the next index)."""

    def answer(request: httpx.Request) -> httpx.Response:
        q = query(request)
        assert "start_time" in q and "end_time" in q  # both required by the API
        limit = int(q["limit"])
        assert 1 <= limit <= 1000
        start = int(q["cursor"].removeprefix("c")) if "cursor" in q else 0
        size = per_page_cap if per_page_cap is not None else limit
        logs = [entry(i) for i in range(start, min(total, start + size))]
        following = f"c{start + size}" if start + size < total else None
        return httpx.Response(
            200, json={"sandbox_name": "box", "logs": logs, "next_cursor": following}
        )

    httpx_mock.add_callback(answer, url=LOGS, is_reusable=True)


def test_every_entry_once_across_pages_oldest_first(httpx_mock: HTTPXMock) -> None:
    serve_cursor(httpx_mock, 2_500)
    with client() as api:
        pages = list(walk(logs_pages("box"), api, 0, 10**13))
    messages = [r["message"] for page in pages for r in page]
    assert messages == [f"line {i}" for i in range(2_500)]
    assert [len(p) for p in pages] == [1000, 1000, 500]
    assert all(r["level"] == "INFO" and r["trace_id"] for page in pages for r in page)


def test_oldest_n_asks_no_page_past_them(httpx_mock: HTTPXMock) -> None:
    serve_cursor(httpx_mock, 2_500)
    with client() as api:
        fetch = CursorPages(logs_pages("box")).fetcher(api)
        got = fetch(0, 10**13, "asc", 5)
    assert [r["message"] for r in got] == [f"line {i}" for i in range(5)]
    sent = httpx_mock.get_requests()
    assert len(sent) == 1 and query(sent[0])["limit"] == "5"


def test_newest_n_read_forward_and_held_in_a_buffer_of_n(httpx_mock: HTTPXMock) -> None:
    serve_cursor(httpx_mock, 2_500)
    with client() as api:
        fetch = CursorPages(logs_pages("box")).fetcher(api)
        got = fetch(0, 10**13, "desc", 3)
    assert [r["message"] for r in got] == ["line 2499", "line 2498", "line 2497"]


def test_a_server_sending_more_than_asked_is_cut_to_the_limit(httpx_mock: HTTPXMock) -> None:
    serve_cursor(httpx_mock, 50, per_page_cap=50)
    with client() as api:
        got = CursorPages(logs_pages("box")).fetcher(api)(0, 10**13, "asc", 5)
    assert len(got) == 5


def test_local_filter_runs_before_the_cut(httpx_mock: HTTPXMock) -> None:
    serve_cursor(httpx_mock, 30)
    with client() as api:
        keep = CursorPages(logs_pages("box"), keep=lambda r: r["trace_id"] == "t1")
        got = keep.fetcher(api)(0, 10**13, "asc", 4)
    assert [r["message"] for r in got] == ["line 1", "line 4", "line 7", "line 10"]


@pytest.mark.parametrize("links", [["same", "same"], ["a", "b", "a"]])
def test_a_cursor_given_twice_ends_with_a_gap_not_a_loop(
    httpx_mock: HTTPXMock, links: list[str]
) -> None:
    answers = iter(range(100))

    def answer(request: httpx.Request) -> httpx.Response:
        n = next(answers)
        link = links[min(n, len(links) - 1)]
        return httpx.Response(200, json={"logs": [entry(n)], "next_cursor": link})

    httpx_mock.add_callback(answer, url=LOGS, is_reusable=True)
    gaps: list[int] = []
    with client() as api:
        pages = list(walk(logs_pages("box"), api, 0, 10**13, on_gap=gaps.append))
    # Each link followed once, then the one given again ends the walk.
    assert len(pages) == len(httpx_mock.get_requests()) == len(set(links)) + 1
    assert gaps == [(T0_NS + (len(pages) - 1) * 1_000_000) // 1_000_000]


def test_empty_pages_that_keep_linking_end_with_a_gap(httpx_mock: HTTPXMock) -> None:
    counter = iter(range(1_000))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"logs": [], "next_cursor": f"n{next(counter)}"})

    httpx_mock.add_callback(answer, url=LOGS, is_reusable=True)
    gaps: list[int] = []
    with client() as api:
        assert list(walk(logs_pages("box"), api, 7, 10**13, on_gap=gaps.append)) == []
    assert len(httpx_mock.get_requests()) == 3
    assert gaps == [7]


def test_build_logs_page_by_offset_each_line_once(httpx_mock: HTTPXMock) -> None:
    total = 250

    def answer(request: httpx.Request) -> httpx.Response:
        q = query(request)
        offset, limit = int(q["offset"]), int(q["limit"])
        logs = [entry(i) for i in range(offset, min(total, offset + limit))]
        return httpx.Response(200, json={"logs": logs, "total_count": total})

    httpx_mock.add_callback(answer, url=BUILD, is_reusable=True)
    with client() as api:
        pages = list(walk(build_pages("img"), api, 0, 10**13, page_size=100))
    assert [r["message"] for p in pages for r in p] == [f"line {i}" for i in range(total)]
    assert [query(r)["offset"] for r in httpx_mock.get_requests()] == ["0", "100", "200"]


def test_build_logs_past_the_largest_offset_stop_with_a_warning(httpx_mock: HTTPXMock) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(query(request)["offset"])
        assert offset <= MAX_OFFSET
        logs = [entry(offset + i) for i in range(1000)]
        return httpx.Response(200, json={"logs": logs, "total_count": 50_000})

    httpx_mock.add_callback(answer, url=BUILD, is_reusable=True)
    said: list[str] = []
    with client() as api:
        pages = list(walk(build_pages("img", said.append), api, 0, 10**13))
    assert sum(len(p) for p in pages) == 11_000  # offsets 0..10000, each page once
    assert len(said) == 1 and "--since" in said[0]


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        (0, None),
        (1, "DEBUG"),
        (4, "DEBUG"),
        (5, "DEBUG"),
        (8, "DEBUG"),
        (9, "INFO"),
        (12, "INFO"),
        (13, "WARNING"),
        (16, "WARNING"),
        (17, "ERROR"),
        (21, "ERROR"),
        (24, "ERROR"),
        (25, "ERROR"),
        (10**400, "ERROR"),
        (-3, "DEBUG"),
        (9.7, "INFO"),
        (math.inf, "ERROR"),
        (-math.inf, "DEBUG"),
        (math.nan, None),
        ("13", "WARNING"),
        (" 17 ", "ERROR"),
        ("warn", "WARNING"),
        ("FATAL", "ERROR"),
        ("loud", None),
        ("1e999", "ERROR"),
        (True, None),
        (None, None),
        ([9], None),
        ({"n": 9}, None),
    ],
)
def test_severity_numbers_become_level_names_never_a_crash(severity: object, level: str) -> None:
    assert severity_level(severity) == level


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("agent-base", "agent-base"),
        ("baseten/base-image:latest", "base-image"),
        ("docker.io/b10/base-image:latest", "base-image"),
        ("localhost:5000/team/app:v2@sha256:abcd", "app"),
        ("app@sha256:abcd", "app"),
        ("", None),
        (None, None),
        (":latest", None),
    ],
)
def test_an_image_reference_names_its_repository(reference: str | None, name: str | None) -> None:
    assert image_name(reference) == name
