"""`-o github`: groups per replica, annotations, command escaping and the injection guard."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseten_logs.output.render import make_renderer
from baseten_logs.output.render_github import (
    MAX_ANNOTATIONS,
    GithubRenderer,
    escape_data,
    escape_property,
    neutralize_commands,
)
from tests.test_render import RECORDS

GITHUB = (
    "::notice title=baseten-logs::1 error and 1 warning in 5 lines from 3 replicas\n"
    "::warning title=no replica at 2025-11-27 10%3A00%3A00.999Z::WARNING:root:low memory\n"
    "::error title=replica zz9zz at 2025-11-27 10%3A00%3A01.000Z::"
    'Traceback (most recent call last):%0A  File "model.py", line 3%0AValueError: bad\n'
    "::group::replica a1b2c (2 lines)\n"
    '2025-11-27 10:00:00.123Z INFO    a1b2c  hello "world"\n'
    "2025-11-27 10:01:01.500Z DEBUG   a1b2c  héllo wörld ✓ 日本\n"
    "::endgroup::\n"
    "::group::no replica (1 line)\n"
    "2025-11-27 10:00:00.999Z WARNING        WARNING:root:low memory\n"
    "::endgroup::\n"
    "::group::replica zz9zz (1 line)\n"
    "2025-11-27 10:00:01.000Z ERROR   zz9zz  Traceback (most recent call last):\n"
    + " " * 40
    + '  File "model.py", line 3\n'
    + " " * 40
    + "ValueError: bad\n"
    "::endgroup::\n"
    "::group::replica k (1 line)\n"
    "2025-11-27 10:01:01.600Z         k      plain text\n"
    "::endgroup::\n"
)
OUR_COMMANDS = (
    "::group::",
    "::endgroup::",
    "::error title=",
    "::warning title=",
    "::notice title=",
)


def render(records: Sequence[Mapping[str, Any]], *, pages: int = 1, **options: Any) -> str:
    stream = io.StringIO()
    renderer = make_renderer(stream, output="github", color=False, utc=False, **options)
    size = max(1, -(-len(records) // pages))
    for start in range(0, len(records), size):
        renderer.write_page(records[start : start + size])
    renderer.close()
    return stream.getvalue()


def record(message: str, **fields: Any) -> dict[str, Any]:
    return {
        "timestamp": "1764237600123456789",
        "message": message,
        "replica": "a1b2c",
        "request_id": None,
        "level": "INFO",
        **fields,
    }


# --- shape ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("pages", [1, 2, 5])
def test_exact_output_however_the_records_are_paged(pages: int) -> None:
    assert render(RECORDS, pages=pages) == GITHUB


def test_times_are_utc_whatever_the_zone_and_the_utc_flag(
    set_tz: Callable[[str], None],
) -> None:
    set_tz("IST-5:30")
    assert render(RECORDS) == GITHUB


def test_nothing_is_written_before_close_and_close_is_idempotent() -> None:
    stream = io.StringIO()
    renderer = make_renderer(stream, output="github", color=False, utc=True)
    assert isinstance(renderer, GithubRenderer)
    renderer.write_page(RECORDS)
    assert stream.getvalue() == ""
    renderer.close()
    renderer.close()
    assert stream.getvalue() == GITHUB


def test_no_lines() -> None:
    assert render([]) == "baseten-logs: no log lines\n"


def test_no_problems_is_a_plain_summary() -> None:
    output = render([record("one"), record("two", replica="d3e4f"), record("three", replica=None)])
    assert output.splitlines()[0] == "baseten-logs: 3 lines from 2 replicas, no errors or warnings"
    assert "::notice" not in output


def test_groups_follow_first_appearance_and_count_lines() -> None:
    records = [record(f"line {i}", replica=["b", "a", None][i % 3]) for i in range(7)]
    headers = [line for line in render(records).splitlines() if line.startswith("::group::")]
    assert headers == [
        "::group::replica b (3 lines)",
        "::group::replica a (2 lines)",
        "::group::no replica (2 lines)",
    ]


def test_detected_levels_make_annotations() -> None:
    output = render([record("ERROR: disk full", level=None), record("[warn] slow", level=None)])
    assert "::error title=replica a1b2c at 2025-11-27 10%3A00%3A00.123Z::ERROR: disk full\n" in (
        output
    )
    assert "::warning title=replica a1b2c at 2025-11-27 10%3A00%3A00.123Z::[warn] slow\n" in output


def test_annotations_are_capped_and_counted() -> None:
    records = [record(f"error {i}", level="ERROR") for i in range(25)]
    records += [record(f"warning {i}", level="WARNING") for i in range(12)]
    lines = render(records).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == len(warnings) == MAX_ANNOTATIONS
    assert errors[0].endswith("::error 0") and errors[-1].endswith("::error 9")
    assert lines[0] == (
        "::notice title=baseten-logs::25 errors and 12 warnings in 37 lines from 1 replica"
        " (only the first 10 of each are annotated; every line is in the replica groups)"
    )
    # Every line, annotated or not, is in its group.
    assert sum(1 for line in lines if "ERROR   a1b2c  error" in line) == 25


def test_color_in_groups_but_not_in_annotations() -> None:
    stream = io.StringIO()
    renderer = make_renderer(stream, output="github", color=True, utc=True)
    renderer.write_page([{**RECORDS[2], "message": "\x1b[31mboom\x1b[0m\nsecond line"}])
    renderer.close()
    annotation, header, first, *_ = stream.getvalue().splitlines()[1:]
    assert annotation == (
        "::error title=replica zz9zz at 2025-11-27 10%3A00%3A01.000Z::boom%0Asecond line"
    )
    assert header == "::group::replica zz9zz (1 line)"
    assert "\x1b[" in first


# --- escaping -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100% done", "100%25 done", "100%25 done"),
        ("%0A is not a newline", "%250A is not a newline", "%250A is not a newline"),
        ("a\nb\r\nc\rd", "a%0Ab%0D%0Ac%0Dd", "a%0Ab%0D%0Ac%0Dd"),
        ("key: a, b", "key: a, b", "key%3A a%2C b"),
        ("::x::", "::x::", "%3A%3Ax%3A%3A"),
    ],
)
def test_escaping(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_annotations_escape_messages_and_titles() -> None:
    output = render(
        [
            record(
                "50% of 2:3, done\nnext\r\nlast\n",
                level="ERROR",
                replica="r,1:x",
                timestamp="1764237600123456789",
            )
        ]
    )
    assert output.splitlines()[1] == (
        "::error title=replica r%2C1%3Ax at 2025-11-27 10%3A00%3A00.123Z"
        "::50%25 of 2:3, done%0Anext%0Alast"
    )


def test_group_titles_are_escaped() -> None:
    output = render([record("x", replica="50%\nfake")])
    assert "::group::replica 50%25%0Afake (1 line)\n" in output


def test_odd_timestamps_and_messages_in_annotations() -> None:
    output = render([{"timestamp": "soon", "message": None, "level": "ERROR"}])
    assert output.splitlines()[1] == "::error title=no replica at soon::"


# --- injection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "first\n::set-output name=x::y",
        "first\n  ::error::forged",
        "first\n::endgroup::",
        "first\n##[group]forged",
        "first\n\u00a0::add-mask::secret",
        "first\r::stop-commands::token",
    ],
)
def test_a_message_cannot_issue_workflow_commands(message: str) -> None:
    output = render([record(message)])
    commands = [line for line in output.splitlines() if line.lstrip().startswith(("::", "##["))]
    assert commands == ["::group::replica a1b2c (1 line)", "::endgroup::"]
    # The text is still there, visibly defused.
    assert "\\::" in output or "\\##[" in output


def test_odd_records_cannot_issue_workflow_commands() -> None:
    odd: list[dict[str, Any]] = [
        {"message": "::add-mask::secret"},
        {"timestamp": "::warning::forged", "message": "x"},
        {"timestamp": "", "message": "  ##[error]forged", "replica": None},
    ]
    lines = render(odd).splitlines()
    assert [line for line in lines if line.lstrip().startswith(("::", "##["))] == [
        "::notice title=baseten-logs::1 error and 0 warnings in 3 lines",
        "::error title=no replica::  ##[error]forged",  # the data of our command: harmless
        "::group::no replica (3 lines)",
        "::endgroup::",
    ]
    assert lines[-4:-1] == [
        " " * 40 + "\\::add-mask::secret",
        "\\::warning::forged" + " " * 23 + "x",
        " " * 25 + "ERROR            ##[error]forged",  # mid-line: not a command
    ]


def test_neutralize_leaves_ordinary_text_alone() -> None:
    text = "2025-11-27 10:00:00.123Z INFO    a1b2c  std::vector at ::1 and ##[x] inside\n"
    assert neutralize_commands(text) == text
    assert neutralize_commands("a\n ::b\n##[c\n") == "a\n \\::b\n\\##[c\n"


@given(
    messages=st.lists(st.text(alphabet=st.sampled_from(":#[]% \n\r\t\u00a0\u2028ax,")), max_size=6),
    levels=st.lists(st.sampled_from(["INFO", "ERROR", "WARNING", None]), min_size=6, max_size=6),
)
def test_only_our_commands_reach_the_runner(messages: list[str], levels: list[str | None]) -> None:
    records = [
        record(message, level=level, replica=f"r{i % 2}")
        for i, (message, level) in enumerate(zip(messages, levels, strict=False))
    ]
    output = render(records)
    assert "\r" not in output  # the runner splits lines on \r too
    for line in output.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("::"):
            assert line.startswith(OUR_COMMANDS), line
        assert not stripped.startswith("##["), line
    groups = sum(line.startswith("::group::") for line in output.split("\n"))
    assert groups == output.count("\n::endgroup::\n") == len({r["replica"] for r in records})


# --- spooling -------------------------------------------------------------------------------------


def many(count: int) -> list[dict[str, Any]]:
    return [
        record(
            f"request {i} " + "x" * (i % 50),
            timestamp=str(1764237600123456789 + i * 1_000_000),
            replica=f"r{i % 7}",
            level=("INFO", "DEBUG", "WARNING", "ERROR", None)[i % 5],
        )
        for i in range(count)
    ]


def test_spools_move_to_disk_past_the_memory_limit_and_output_is_unchanged() -> None:
    records = many(20_000)
    expected = render(records, pages=20)

    stream = io.StringIO()
    renderer = GithubRenderer(stream, color=False, memory_limit=64 * 1024)
    for start in range(0, len(records), 1000):
        renderer.write_page(records[start : start + 1000])
        if start >= 10_000:
            assert renderer.on_disk
    renderer.close()
    assert stream.getvalue() == expected
    # A replica first seen after the move goes straight to disk as well.
    late = GithubRenderer(io.StringIO(), color=False, memory_limit=10)
    late.write_page(records[:100])
    assert late.on_disk
    late.write_page([record("new", replica="late")])
    late.close()


def test_within_the_memory_limit_nothing_touches_disk() -> None:
    renderer = GithubRenderer(io.StringIO(), color=False)
    renderer.write_page(many(1000))
    assert not renderer.on_disk
    renderer.close()


def test_lone_surrogates_are_written_escaped_through_the_spool() -> None:
    stream = io.StringIO()
    renderer = GithubRenderer(stream, color=False, memory_limit=0)
    renderer.write_page([record("half \ud800 a pair")])
    renderer.close()
    assert "half \\ud800 a pair" in stream.getvalue()
    stream.getvalue().encode("utf-8")  # no lone surrogate left to fail on
