"""`view FILE`: saved records read back (JSON lines, JSON arrays, stdin), selected and shown."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from baseten_logs.base.errors import ExitStatus, UsageError
from baseten_logs.base.timeparse import UTC
from baseten_logs.cli import saved_file, view
from baseten_logs.cli.saved_file import RecordReader
from baseten_logs.cli.view import run_view
from baseten_logs.output.render import make_renderer
from baseten_logs.output.render_json import encode_record
from baseten_logs.reading.query import Filters
from tests.shown import all_written

BASE_MS = 1764237600000  # 2025-11-27 10:00:00.000Z


def make(index: int, **fields: Any) -> dict[str, Any]:
    """Record number `index`, `index` seconds after BASE_MS (plus 123456 ns)."""
    return {
        "timestamp": str((BASE_MS + index * 1000) * 1_000_000 + 123456),
        "message": f"line {index}",
        "replica": "a1b2c" if index % 2 else "d3e4f",
        "request_id": None,
        "level": "ERROR" if index % 5 == 4 else "INFO",
        **fields,
    }


RECORDS = [make(i) for i in range(10)]


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(encode_record(r) + "\n" for r in records)


def json_array(records: list[dict[str, Any]]) -> str:
    stream = io.StringIO()
    renderer = make_renderer(stream, output="json", color=False, zone=UTC)
    renderer.write_page(records)
    renderer.close()
    return stream.getvalue()


def show(path: str | Path, **options: Any) -> str:
    """What run_view prints, as JSON lines' messages (one per line) unless output is given."""
    settings: dict[str, Any] = {
        "query_filters": Filters(),
        "since_ms": None,
        "until_ms": None,
        "limit": None,
        "output": "raw",
        "color": "never",
        "zone": UTC,
        "reverse": False,
        **options,
    }
    capture = io.StringIO()
    real = sys.stdout
    sys.stdout = capture
    try:
        assert run_view(path=str(path), **settings) is ExitStatus.OK
    finally:
        sys.stdout = real
    return capture.getvalue()


def messages(*indexes: int) -> str:
    return "".join(f"line {i}\n" for i in indexes)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "logs.jsonl"
    path.write_text(jsonl(RECORDS), encoding="utf-8")
    return path


# --- reading --------------------------------------------------------------------------------------


def test_a_jsonl_file_in_file_order(saved: Path) -> None:
    assert show(saved) == messages(*range(10))


def test_jsonl_output_passes_records_through_unchanged(saved: Path) -> None:
    # Every field as saved, in its order; only the shown level is added, as get's -o jsonl does.
    assert show(saved, output="jsonl") == jsonl(all_written(RECORDS))


def test_jsonl_of_jsonl_is_the_same_file(tmp_path: Path) -> None:
    # A file saved with shown_level, shown as JSON again: the field is not repeated, and its
    # value is worked out afresh from the record (not trusted from the file).
    path = tmp_path / "again.jsonl"
    edited = {
        **make(1, level=None, message="Traceback (most recent call last):"),
        "shown_level": "INFO",
    }
    path.write_text(jsonl(all_written(RECORDS)) + jsonl([edited]), encoding="utf-8")
    expected = jsonl(all_written(RECORDS)) + jsonl([{**edited, "shown_level": "ERROR"}])
    assert show(path, output="jsonl") == expected


def test_text_output(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = run_view(
        path=str(saved),
        query_filters=Filters(min_level="ERROR"),
        since_ms=None,
        until_ms=None,
        limit=None,
        output="text",
        color="never",
        zone=UTC,
        reverse=False,
    )
    assert status is ExitStatus.OK
    assert capsys.readouterr().out == (
        "2025-11-27 10:00:04.000Z ERROR   d3e4f  line 4\n"
        "2025-11-27 10:00:09.000Z ERROR   a1b2c  line 9\n"
    )


def test_stdin_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(jsonl(RECORDS[:3])))
    assert show("-") == messages(0, 1, 2)


def test_stdin_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = io.BytesIO(jsonl([make(0, message="héllo ✓")]).encode("utf-8"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw, encoding="latin-1"))
    assert show("-") == "héllo ✓\n"  # read as the bytes they are, whatever stdin's encoding


def test_a_json_array_file(tmp_path: Path) -> None:
    path = tmp_path / "logs.json"
    path.write_text(json_array(RECORDS), encoding="utf-8")
    assert show(path) == messages(*range(10))
    assert show(path, output="json") == path.read_text()


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "[]\n",
        "  \n[\n]\n",
        json.dumps(RECORDS[:3]),  # all on one line
        json.dumps(RECORDS[:3], indent=2),  # jq's layout: one value over several lines
        json.dumps(RECORDS[:3], indent="\t") + "\n\n",
        "[" + ",".join(json.dumps(r) for r in RECORDS[:3]) + "\n]",
    ],
)
def test_json_array_layouts(tmp_path: Path, text: str) -> None:
    path = tmp_path / "logs.json"
    path.write_text(text, encoding="utf-8")
    expected = messages(0, 1, 2) if "line" in text else ""
    assert show(path) == expected


def test_blank_lines_and_a_byte_order_mark_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "logs.jsonl"
    path.write_text("\ufeff\n" + jsonl(RECORDS[:2]) + "\n  \n" + jsonl(RECORDS[2:3]), "utf-8")
    assert show(path) == messages(0, 1, 2)


def test_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    assert show(path) == ""
    assert show(path, output="json") == "[]\n"


# --- selecting ------------------------------------------------------------------------------------


def test_window_is_inclusive_to_the_millisecond(saved: Path) -> None:
    # Record i is at BASE_MS + i s (+ 0.123456 ms): the window [3 s, 5 s] holds 3 and 4; 5.000123
    # is after 5 s + 0 ms, but inside the millisecond 5000, so an until of 5000 keeps it.
    assert show(saved, since_ms=BASE_MS + 3000, until_ms=BASE_MS + 5000) == messages(3, 4, 5)
    assert show(saved, since_ms=BASE_MS + 3001, until_ms=BASE_MS + 4999) == messages(4)
    assert show(saved, since_ms=BASE_MS + 8000) == messages(8, 9)
    assert show(saved, until_ms=BASE_MS + 1000) == messages(0, 1)


def test_filters_apply(saved: Path) -> None:
    assert show(saved, query_filters=Filters(replica="a1b2c", excludes=("5",))) == messages(
        1, 3, 7, 9
    )


def test_newest_n_oldest_first(saved: Path) -> None:
    assert show(saved, limit=3) == messages(7, 8, 9)
    assert show(saved, limit=100) == messages(*range(10))


def test_newest_n_of_the_matching_lines(saved: Path) -> None:
    filters = Filters(replica="d3e4f")
    assert show(saved, limit=2, query_filters=filters, until_ms=BASE_MS + 7000) == messages(4, 6)


def test_reverse(saved: Path) -> None:
    assert show(saved, reverse=True) == messages(*reversed(range(10)))
    assert show(saved, reverse=True, limit=3) == messages(9, 8, 7)


def test_reverse_of_a_big_file_spools_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view, "SPOOL_MEMORY_LIMIT", 4096)
    records = [make(i, message=f"line {i} " + "é" * (i % 13)) for i in range(5000)]
    path = tmp_path / "big.jsonl"
    path.write_text(jsonl(records), encoding="utf-8")
    expected = "".join(r["message"] + "\n" for r in reversed(records))
    assert show(path, reverse=True) == expected


# --- errors ---------------------------------------------------------------------------------------


def view_error(path: str | Path, **options: Any) -> str:
    with pytest.raises(UsageError) as caught:
        show(path, **options)
    assert caught.value.status is ExitStatus.USAGE
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    message = view_error(tmp_path / "nope.jsonl")
    assert message.startswith(f"FILE: {tmp_path / 'nope.jsonl'}: no such file (give a file")


def test_a_directory(tmp_path: Path) -> None:
    assert "is a directory" in view_error(tmp_path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.jsonl"
    path.write_text(jsonl(RECORDS))

    def denied(*args: object, **kwargs: object) -> None:
        # What a mode-000 file does to open(); simulated, since CI runs as root.
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("baseten_logs.cli.saved_file.open", denied, raising=False)
    assert "cannot read it (Permission denied)" in view_error(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"timestamp": "1"}\n{"message": \n', "line 2 is not valid JSON (Expecting value"),
        ("\n\n{oops}\n", "line 3 is not valid JSON (Expecting property name"),
        ('{"a": 1}\n[1, 2]\n', "line 2 is not a log record (a JSON object)"),
        ('{"a": 1}\n"text"\n', "line 2 is not a log record"),
        ("plain text log\n", "line 1 is not valid JSON"),
        ('[\n{"a": 1},\n{"b": 2}\n', "line 3 ends before the JSON array does"),
        ('[\n{"a": 1},\n{"b": \n2}]\n]', "line 5 has text after the end of the JSON array"),
        ('[\n{"a": 1}\n{"b": 2}\n]', "line 3 has '{' where ',' or ']' belongs in the array"),
        ('[\n{"a": 1},\n{"b": "open\n}]\n', "line 3 is not valid JSON (Invalid control character"),
        ('[\n{"a": 1},\n{"b": x}\n]\n', "line 3 is not valid JSON (Expecting value at column 7)"),
        ("[\n1\n]\n", "line 2 is not a log record"),
    ],
)
def test_malformed_input_names_the_file_and_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    assert view_error(path).startswith(f"FILE: {path} {problem}")


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl(RECORDS[:2]).encode() + b'{"message": "\xff"}\n')
    assert view_error(path).startswith(f"FILE: {path} line 3 is not UTF-8 text (byte 14)")


def test_malformed_stdin_is_named_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(jsonl(RECORDS[:1]) + "{\n"))
    assert view_error("-").startswith("FILE: stdin line 2 is not valid JSON")


def test_a_window_needs_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(jsonl(RECORDS[:2]) + '{"message": "no time"}\n')
    assert view_error(path, since_ms=0).startswith(f"FILE: {path} line 3 has no usable timestamp")
    assert show(path) == "line 0\nline 1\nno time\n"  # without a window it is shown as it is


def test_a_bad_pattern_is_refused_before_the_file_is_read(tmp_path: Path) -> None:
    message = view_error(tmp_path / "nope.jsonl", query_filters=Filters(search_pattern="(x"))
    assert message.startswith("--grep:")


def test_reader_reports_the_line_of_each_record() -> None:
    reader = RecordReader(io.StringIO('[\n{"a": 1},\n\n{"b":\n 2}\n]\n'), name="x")
    lines = []
    for _ in reader:
        lines.append(reader.lineno)
    assert lines == [2, 4]


# --- live pipes -----------------------------------------------------------------------------------


def test_live_lines_show_what_has_come_before_waiting() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b'{"n": 1}\n{"n": 2}\n{"n"')
    waits: list[int] = []

    def before_wait() -> None:
        waits.append(len(waits))
        if len(waits) == 1:
            os.write(write_end, b": 3}\n")
            os.close(write_end)

    try:
        lines = list(saved_file.LiveLines(read_end, before_wait=before_wait))
    finally:
        os.close(read_end)
    assert lines == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}']
    assert waits == [0, 1]


class Signalling(io.StringIO):
    """stdout that tells a waiting writer thread when something was written."""

    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Event()

    def write(self, text: str) -> int:
        self.written.set()
        return super().write(text)


def test_a_live_pipe_is_shown_as_it_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    read_end, write_end = os.pipe()
    stdout = Signalling()
    shown_early: list[bool] = []

    def writer() -> None:
        os.write(write_end, jsonl(RECORDS[:2]).encode())
        # The view must show these two before the pipe ends (and without a full page).
        shown_early.append(stdout.written.wait(timeout=10))
        os.write(write_end, jsonl(RECORDS[2:4]).encode())
        os.close(write_end)

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(open(read_end, "rb")))
    monkeypatch.setattr(sys, "stdout", stdout)
    thread = threading.Thread(target=writer)
    thread.start()
    status = run_view(
        path="-",
        query_filters=Filters(),
        since_ms=None,
        until_ms=None,
        limit=None,
        output="raw",
        color="never",
        zone=UTC,
        reverse=False,
    )
    thread.join()
    sys.stdin.close()
    assert status is ExitStatus.OK
    assert shown_early == [True]
    assert stdout.getvalue() == messages(0, 1, 2, 3)


def test_a_window_reads_every_timestamp_form(tmp_path: Path) -> None:
    # Files saved from an API that sent milliseconds or RFC 3339 are windowed by the same times.
    records = [
        make(0, timestamp=BASE_MS),  # 10:00:00.000 as an integer of milliseconds
        make(1, timestamp="2025-11-27T10:00:01.5Z"),
        make(2, timestamp="2025-11-27T12:00:02.000000001+02:00"),
        make(3, timestamp=str(BASE_MS + 3000)),
    ]
    path = tmp_path / "forms.jsonl"
    path.write_text(jsonl(records))
    assert show(path, since_ms=BASE_MS + 1, until_ms=BASE_MS + 2000) == "line 1\nline 2\n"


def test_component_on_lines_that_carry_none_warns_and_explains(
    saved: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "baseten_logs.output.messages._quiet", False
    )  # whatever -q an earlier test set
    assert show(saved, query_filters=Filters(component="model")) == ""
    err = capsys.readouterr().err
    assert err.startswith("baseten-logs: warning: --component: none of the 10 lines of ")
    assert "has a component field" in err and "get ... --component NAME --save FILE" in err


def test_component_on_lines_that_carry_one_filters_quietly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "with-components.jsonl"
    path.write_text(jsonl([make(1, component="model"), make(2, component="build")]))
    assert show(path, query_filters=Filters(component="model")) == messages(1)
    assert capsys.readouterr().err == ""


# --- bounds: a line cap, linear reading -----------------------------------------------------------


class Reads(io.BytesIO):
    """A file that counts the bytes handed out, to see how far a reader went."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.given = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.given += len(line)
        return line


def test_a_line_over_the_cap_is_one_error_without_reading_it_whole() -> None:
    long_line = b'{"message": "' + b"x" * 100_000 + b'"}\n'
    source = Reads(jsonl(RECORDS[:2]).encode() + long_line + jsonl(RECORDS[2:]).encode())
    reader = RecordReader(source, name="big.jsonl", max_line_bytes=1000)
    with pytest.raises(UsageError) as caught:
        list(reader)
    assert str(caught.value).startswith(
        "FILE: big.jsonl line 3 is longer than 1,000 bytes, the line cap of view"
    )
    assert "BASETEN_LOGS_MAX_LINE_BYTES" in str(caught.value)
    assert source.given < 3000  # two short lines and the cap's worth of the long one


def test_a_line_of_exactly_the_cap_is_read() -> None:
    line = encode_record(make(0, message="y" * 200))
    reader = RecordReader(io.BytesIO(line.encode() + b"\n"), name="x", max_line_bytes=len(line))
    assert [r["message"] for r in reader] == ["y" * 200]


def test_a_line_over_the_cap_from_a_live_pipe_is_one_error() -> None:
    read_end, write_end = os.pipe()
    first = jsonl(RECORDS[:1]).encode()

    def writer() -> None:
        try:
            os.write(write_end, first)
            for _ in range(100):  # a line that never ends, written in small pieces
                os.write(write_end, b"x" * 500)
        except BrokenPipeError:
            pass
        finally:
            os.close(write_end)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        live = saved_file.LiveLines(read_end, before_wait=lambda: None, max_line_bytes=4000)
        reader = RecordReader(live, name="stdin", max_line_bytes=4000)
        seen = []
        with pytest.raises(UsageError, match="stdin line 2 is longer than 4,000 bytes"):
            for record in reader:
                seen.append(record)
        assert seen == RECORDS[:1]
    finally:
        os.close(read_end)
        thread.join()


def test_a_long_line_from_a_live_pipe_arrives_whole() -> None:
    record = make(0, message="z" * 300_000)
    data = jsonl([record, RECORDS[1]]).encode()
    read_end, write_end = os.pipe()

    def writer() -> None:
        for start in range(0, len(data), 1000):
            os.write(write_end, data[start : start + 1000])
        os.close(write_end)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        lines = list(saved_file.LiveLines(read_end, before_wait=lambda: None))
    finally:
        os.close(read_end)
        thread.join()
    assert [json.loads(line) for line in lines] == [record, RECORDS[1]]


def test_a_one_line_array_and_a_value_over_many_lines_keep_their_line_numbers() -> None:
    one_line = json.dumps(RECORDS[:3]) + "\n"
    reader = RecordReader(io.StringIO(one_line), name="x")
    assert list(reader) == RECORDS[:3] and reader.lineno == 1
    spread = json.dumps(RECORDS[:3], indent=1)  # 8 lines per record
    broken = spread.replace('"line 2"', '"line 2" oops')
    reader = RecordReader(io.StringIO(broken), name="x")
    with pytest.raises(UsageError) as caught:
        list(reader)
    at = broken[: broken.index("oops")].count("\n") + 1
    assert f"x line {at} is not valid JSON" in str(caught.value)


def test_a_json_value_spread_over_lines_is_capped_too() -> None:
    value = "[\n" + '{"message": [\n' + "1,\n" * 2000 + "1]}\n]\n"
    with pytest.raises(UsageError, match="line 2 is longer than 1,000 bytes"):
        list(RecordReader(io.StringIO(value), name="x", max_line_bytes=1000))


def test_the_line_cap_can_be_set_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(jsonl(RECORDS[:2]) + jsonl([make(2, message="w" * 500)]))
    assert show(path).splitlines()[-1] == "w" * 500  # far below the default 64 MiB
    monkeypatch.setenv("BASETEN_LOGS_MAX_LINE_BYTES", "300")
    assert f"{path} line 3 is longer than 300 bytes" in view_error(path)


@pytest.mark.parametrize("as_array", [False, True])
def test_json_nested_absurdly_deep_is_bad_input_not_a_crash(tmp_path: Path, as_array: bool) -> None:
    deep = '{"timestamp": "1", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = tmp_path / "deep.json"
    path.write_text(f"[{deep}]\n" if as_array else deep + "\n")
    assert "line 1 is not valid JSON (nested too deep to read)" in view_error(path)


# --- what chain and request --context saved ------------------------------------------------------


def chain_lines() -> list[dict[str, Any]]:
    """Lines as `chain --save` and `request --chain --context --save` write them."""
    return [
        make(0, chainlet="Retriever", request_id="r1"),
        make(
            1,
            chainlet="Generator",
            level=None,
            context=True,
            message="Traceback (most recent call last):",
        ),
        make(2, chainlet="Generator", request_id="r1"),
        make(3, chainlet="Retriever", context=True, level="INFO", message="idle"),
    ]


def test_a_chains_saved_lines_keep_their_chainlet_column(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    path.write_text(jsonl(chain_lines()), encoding="utf-8")
    rows = show(path, output="text").splitlines()
    # As `chain` shows them: the chainlet column (as wide as the widest name) before the replica.
    assert [row[25:].split()[:3] for row in rows] == [
        ["INFO", "Retriever", "d3e4f"],
        ["ERROR", "Generator", "a1b2c"],
        ["INFO", "Generator", "d3e4f"],
        ["INFO", "Retriever", "a1b2c"],
    ]
    assert (
        len({row.index("line 2") for row in rows if "line 2" in row} | {rows[0].index("line 0")})
        == 1
    )


def test_context_lines_keep_their_mark_and_their_level(tmp_path: Path) -> None:
    path = tmp_path / "request.jsonl"
    path.write_text(jsonl(chain_lines()), encoding="utf-8")
    rows = show(path, output="text").splitlines()
    # The mark before the message, the level read from the unmarked text (a traceback: ERROR).
    assert rows[1].split()[2:6] == ["ERROR", "Generator", "a1b2c", "(context)"]
    assert rows[1].endswith("(context) Traceback (most recent call last):")
    assert rows[3].endswith("(context) idle")
    assert "(context)" not in rows[0] + rows[2]
    # raw and the JSON outputs show the messages as logged; JSON keeps "context": true.
    assert show(path, output="raw").splitlines()[1] == "Traceback (most recent call last):"
    saved = [json.loads(line) for line in show(path, output="jsonl").splitlines()]
    assert [line.get("context") for line in saved] == [None, True, None, True]


def test_chainlet_keeps_the_lines_of_those_chainlets(tmp_path: Path) -> None:
    path = tmp_path / "chain.jsonl"
    path.write_text(jsonl([*chain_lines(), *RECORDS[4:6]]), encoding="utf-8")
    assert show(path, chainlets=("Generator",)) == "Traceback (most recent call last):\nline 2\n"
    both = show(path, chainlets=("Generator", "Retriever"), query_filters=Filters(request_id="r1"))
    assert both == "line 0\nline 2\n"


def test_a_chainlet_no_line_has_is_said_with_the_name_it_may_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "chain.jsonl"
    path.write_text(jsonl(chain_lines()), encoding="utf-8")
    assert show(path, chainlets=("generator",)) == ""
    warning = capsys.readouterr().err
    assert "--chainlet 'generator'" in warning
    assert "did you mean 'Generator'? chainlet names match exactly" in warning
    assert show(path, chainlets=("Ranker",)) == ""
    assert "its lines are from Generator, Retriever" in capsys.readouterr().err
    flat = tmp_path / "get.jsonl"
    flat.write_text(jsonl(RECORDS), encoding="utf-8")
    assert show(flat, chainlets=("Ranker",)) == ""
    assert "has a chainlet (files saved by `chain`" in capsys.readouterr().err


def test_an_empty_chainlet_is_bad_input() -> None:
    from tests.conftest import invoke

    result = invoke("view", "-", "--chainlet", " ")
    assert result.status == ExitStatus.USAGE
    assert "--chainlet" in result.stderr


def test_replica_given_twice_keeps_the_lines_of_either(saved: Path) -> None:
    from baseten_logs.reading.query import build_filters

    filters = build_filters(replica=["d3e4f", "nosuch"])
    assert show(saved, query_filters=filters) == messages(0, 2, 4, 6, 8)
    assert show(saved, query_filters=build_filters(replica=["d3e4f", "a1b2c"])) == messages(
        *range(10)
    )


def test_a_chainlet_seen_only_outside_the_window_is_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "chain.jsonl"
    path.write_text(jsonl(chain_lines()), encoding="utf-8")
    since = BASE_MS + 2000  # lines 2 and 3: a Generator line and a Retriever line
    assert show(path, chainlets=("Generator",), since_ms=since) == "line 2\n"
    assert show(path, chainlets=("Ranker",), since_ms=since) == ""
    warning = capsys.readouterr().err
    assert f"no line of {path} between --since and --until is from it" in warning
