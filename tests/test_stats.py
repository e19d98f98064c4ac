"""`stats`: buckets, signatures, bounded counting, the JSON document and the drawn view."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from baseten_logs.access.config import Credentials
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import UTC
from baseten_logs.output.signatures import signature
from baseten_logs.output.stats import LEVEL_KEYS, TopCounter, WindowStats, startup_counts
from baseten_logs.output.time_axis import bucket_origin, choose_bucket_ms
from baseten_logs.reading.query import LogQuery, logs_path
from tests.fakeapi import API_URL, DEPLOYMENT, MODEL, FakeLogs, record

MS = 1_000_000
S, M, H, D = 1000, 60_000, 3_600_000, 86_400_000
SINCE_MS = 1_764_147_600_000  # 2025-11-26T09:00:00Z, a round hour
UNTIL_MS = SINCE_MS + H - 1  # one hour, inclusive


def sample() -> list[dict[str, Any]]:
    """An hour of known lines: levels from the API and detected, three replicas, errors that
    share a signature across request ids, and lines with no level at all."""
    lines = []
    for i in range(600):  # one line every 6 s
        ns = (SINCE_MS + i * 6 * S) * MS + i
        replica = ("aaaaa", "bbbbb", "ccccc")[i % 3] if i % 50 else None
        if i % 20 == 0:
            lines.append(
                record(
                    ns,
                    f"upstream reset for deadbeef{i:024x} after {i} ms",
                    replica=replica,
                    request_id=f"req-{i % 7}",
                    level="ERROR",
                )
            )
        elif i % 10 == 0:
            lines.append(record(ns, f"[WARNING] queue depth {i}", replica=replica, level=None))
        elif i % 9 == 0:
            lines.append(record(ns, f"Batch {i} done", replica=replica, level=None))
        else:
            lines.append(record(ns, f"INFO: 10.0.0.{i % 250}:5{i:04d} - GET /", replica=replica))
    return lines


def collect(records: list[dict[str, Any]], bucket_ms: int = 5 * M) -> WindowStats:
    stats = WindowStats(since_ms=SINCE_MS, until_ms=UNTIL_MS, bucket_ms=bucket_ms)
    for start in range(0, len(records), 100):  # pages, as the fetch hands them over
        stats.add_page(records[start : start + 100])
    return stats


# --- buckets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span_ms", "columns", "expected"),
    [
        (30 * S, 90, S),
        (H, 90, M),
        (6 * H, 88, 5 * M),
        (6 * H, 200, 5 * M),
        (6 * H, 400, M),
        (7 * D, 90, 3 * H),
        (30 * D, 100, 12 * H),
        (365 * D, 100, 4 * D),  # past daily buckets: whole days
    ],
)
def test_bucket_size_is_the_smallest_round_size_that_fits(
    span_ms: int, columns: int, expected: int
) -> None:
    assert choose_bucket_ms(span_ms, columns) == expected
    assert span_ms // expected + 2 <= columns


def test_buckets_start_on_round_times_in_the_display_zone() -> None:
    since = SINCE_MS + 7 * M + 123  # 09:07:00.123Z
    assert bucket_origin(since, 5 * M) == SINCE_MS + 5 * M
    # UTC+05:30: 14:37 local; hourly buckets start at 14:00 local, which is 08:30Z.
    assert bucket_origin(since, H, offset_ms=5 * H + 30 * M) == SINCE_MS - 30 * M


def test_bucket_edges_are_inclusive_exclusive() -> None:
    stats = WindowStats(since_ms=SINCE_MS, until_ms=UNTIL_MS, bucket_ms=5 * M)
    edges = [SINCE_MS, SINCE_MS + 5 * M - 1, SINCE_MS + 5 * M, UNTIL_MS]
    stats.add_page([record(ms * MS + 999_999, "x") for ms in edges])
    buckets = stats.summary().buckets
    assert len(buckets) == 12
    assert [b.start_ms for b in buckets[:2]] == [SINCE_MS, SINCE_MS + 5 * M]
    assert [b.total for b in buckets] == [2, 1] + [0] * 9 + [1]


def test_lines_outside_the_window_are_counted_at_its_edges() -> None:
    stats = WindowStats(since_ms=SINCE_MS, until_ms=UNTIL_MS, bucket_ms=5 * M)
    stats.add_page([record((SINCE_MS - 1) * MS, "early"), record((UNTIL_MS + M) * MS, "late")])
    totals = [b.total for b in stats.summary().buckets]
    assert totals[0] == 1 and totals[-1] == 1 and sum(totals) == 2


# --- signatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Generated 312 tokens in 0.76 s", "Generated <n> tokens in <n> s"),
        ('INFO:     10.0.16.81:31995 - "POST /predict HTTP/1.1" 200 OK',
         'INFO: <ip> - "POST /predict HTTP/1.1" 200 OK'),
        ("2026-11-27 03:50:19,588 - model - INFO - done", "<time> - model - INFO - done"),
        ("at 2026-11-27T10:00:00.123Z ok", "at <time> ok"),
        ("request 0b1c461f604bad2c4ce588326d3e9b59 failed", "request <hex> failed"),
        ("job 123e4567-e89b-12d3-a456-426614174000 queued", "job <uuid> queued"),
        ("segfault at 0x7f3a2b", "segfault at <hex>"),
        ("x86_64 v2 utf8 worker-5 took 500ms", "x86_64 v2 utf8 worker-5 took <n>ms"),
        ("logprob=-0.519 usage 35.4%", "logprob=-<n> usage <n>%"),
        ("deadbeefcafe is a word, 12345678901 a number", "deadbeefcafe is a word, <n> a number"),
        ('{"levelname": "INFO", "message": "Received request (362 prompt tokens)"}',
         "Received request (<n> prompt tokens)"),
        ("Traceback (most recent call last):\n  File \"m.py\", line 70, in f\n"
         "ValueError: max_tokens must be <= 4096",
         "Traceback: ValueError: max_tokens must be <= <n>"),
        ("Batch stats:\n  size: 7", "Batch stats: …"),
        ("", ""),
    ],
)  # fmt: skip
def test_signatures_collapse_what_varies(message: str, expected: str) -> None:
    assert signature(message) == expected


def test_signatures_are_bounded_in_length() -> None:
    assert len(signature("word " * 10_000)) <= 160


# --- bounded counting ---------------------------------------------------------------------------


def test_top_counter_is_exact_below_capacity() -> None:
    top = TopCounter(capacity=10)
    for i, key in enumerate("abacabad"):
        top.add(key, i)
    assert top.exact
    assert [(k, e.count, e.first_ms, e.last_ms) for k, e in top.top(2)] == [
        ("a", 4, 0, 6),
        ("b", 2, 1, 5),
    ]


def test_top_counter_memory_is_bounded_and_keeps_heavy_hitters() -> None:
    top = TopCounter(capacity=64)
    for i in range(100_000):
        top.add(f"unique {i}", i)
        if i % 10 == 0:
            top.add("frequent", i)
    assert len(top._entries) <= 64
    assert not top.exact and top.floor >= 1
    (key, entry), *_ = top.top(1)
    assert key == "frequent"
    # Counted from the first line: a key that is never pruned stays exact.
    assert entry.count == 10_000


def test_window_stats_memory_is_bounded_for_distinct_messages() -> None:
    stats = WindowStats(
        since_ms=SINCE_MS, until_ms=UNTIL_MS, bucket_ms=M, message_capacity=100, max_replicas=5
    )
    words = [f"{a}{b}{c}" for a in "qrstuvwxyz" for b in "ghijklmnop" for c in "qrstuvwxyz"]
    stats.add_page(
        record((SINCE_MS + i) * MS, f"event {w}", replica=f"r{i}", level="ERROR")
        for i, w in enumerate(words)
    )
    summary = stats.summary()
    assert summary.lines == len(words) == 1000
    assert len(stats.messages._entries) <= 100 and len(stats.errors._entries) <= 100
    assert len(summary.replicas) == 6  # five, then "(other replicas)"
    assert sum(r.lines for r in summary.replicas) == 1000
    assert not summary.exact


# --- the numbers --------------------------------------------------------------------------------


def test_numbers_match_a_direct_count() -> None:
    records = sample()
    summary = collect(records).summary()
    levels = [effective_level(r) or "NONE" for r in records]
    assert summary.totals == {k: Counter(levels)[k] for k in LEVEL_KEYS}
    assert summary.totals["NONE"] > 0 and summary.totals["WARNING"] > 0  # detected, not given
    assert summary.lines == len(records) == sum(b.total for b in summary.buckets)
    per_bucket = Counter((int(r["timestamp"]) // MS - SINCE_MS) // (5 * M) for r in records)
    assert [b.total for b in summary.buckets] == [per_bucket[i] for i in range(12)]

    by_replica = Counter(r["replica"] for r in records)
    assert {r.replica: r.lines for r in summary.replicas} == by_replica
    errors = Counter(r["replica"] for r, lv in zip(records, levels, strict=True) if lv == "ERROR")
    assert {r.replica: r.errors for r in summary.replicas if r.errors} == errors
    assert all(sum(r.activity) == r.lines for r in summary.replicas)

    (top_error,) = summary.top_errors  # one signature for all 30 errors
    assert top_error.signature == "upstream reset for <hex> after <n> ms"
    assert top_error.count == summary.totals["ERROR"] == 30
    assert top_error.example.startswith("upstream reset for deadbeef")
    requests = Counter(r["request_id"] for r in records if r["level"] == "ERROR")
    # Most errors first; ties in order of first appearance, as most_common() orders them.
    assert [(q.request_id, q.errors) for q in summary.top_error_requests] == (
        requests.most_common()
    )
    assert summary.top_messages[0].signature == "INFO: <ip> - GET /"
    assert summary.exact and summary.complete


def test_json_document_shape() -> None:
    document = json.loads(json.dumps(collect(sample()).summary().to_json()))
    assert list(document) == [
        "window",
        "bucket_ms",
        "lines",
        "totals",
        "complete",
        "exact",
        "buckets",
        "replicas",
        "top_errors",
        "top_messages",
        "top_error_requests",
        "startups",  # null here: a summary made without start-ups read
    ]
    assert document["startups"] is None
    assert document["window"] == {"since_ms": SINCE_MS, "until_ms": UNTIL_MS}
    assert document["bucket_ms"] == 5 * M
    assert list(document["totals"]) == ["DEBUG", "INFO", "WARNING", "ERROR", "NONE"]
    first = document["buckets"][0]
    assert first == {"start_ms": SINCE_MS, "total": 50, "counts": first["counts"]}
    assert list(first["counts"]) == list(LEVEL_KEYS)
    replica = document["replicas"][0]
    assert set(replica) == {
        "replica", "lines", "errors", "warnings", "first_ms", "last_ms", "activity",
    }  # fmt: skip
    assert len(replica["activity"]) == len(document["buckets"])
    assert set(document["top_errors"][0]) == {
        "signature", "level", "count", "first_ms", "last_ms", "example",
    }  # fmt: skip
    assert set(document["top_error_requests"][0]) == {
        "request_id", "errors", "first_ms", "last_ms",
    }  # fmt: skip
    assert None in [r["replica"] for r in document["replicas"]]  # lines without a replica


def test_start_ups_per_replica_in_the_document() -> None:
    events = [
        {"event": {"replica_id": "a1b2c", "outcome": "FAILED"}, "time": "1"},
        {"event": {"replica_id": "a1b2c", "outcome": "SUCCESS"}, "time": "2"},
        {"event": {"replica_id": "z9y8x", "outcome": "SUCCESS"}, "time": "3"},
    ]
    summary = replace(collect(sample()).summary(), startups=startup_counts(events))
    assert summary.to_json()["startups"] == {
        "attempts": 3,
        "replicas": {
            "a1b2c": {"attempts": 2, "outcomes": {"FAILED": 1, "SUCCESS": 1}},
            "z9y8x": {"attempts": 1, "outcomes": {"SUCCESS": 1}},
        },
    }
    assert summary.starts("a1b2c") == 2 and summary.starts("nobody") == 0


# --- the view -----------------------------------------------------------------------------------


def draw(summary_records: list[dict[str, Any]], width: int = 100) -> list[str]:
    from baseten_logs.output.stats_view import make_console, render_summary

    console = make_console(io.StringIO(), color=False, width=width)
    console.record = True
    render_summary(collect(summary_records, M).summary(), console=console, utc=True)
    return console.export_text().splitlines()


def test_view_at_a_fixed_width() -> None:
    lines = draw(sample())
    assert all(len(line) <= 100 for line in lines)
    assert lines[0] == "2025-11-26 09:00:00Z → 2025-11-26 09:59:59Z (1h)  600 lines, 1m per column"
    assert "■ ERROR 30" in lines[1] and "■ no-level" in lines[1]
    axis = next(i for i, line in enumerate(lines) if line.lstrip().startswith("0 └"))
    assert axis == 2 + 8  # header, legend, eight chart rows
    assert lines[axis + 1].startswith(" errors  ") and "█" in lines[axis + 1]
    labels = lines[axis + 2]
    # Columns a minute wide: ticks every 10 minutes, each label under its tick.
    assert labels.split() == ["09:00Z", "09:10Z", "09:20Z", "09:30Z", "09:40Z", "09:50Z"]
    assert labels.index("09:10Z") == lines[axis].index("┬", 10)
    text = "\n".join(lines)
    for expected in ("aaaaa", "(none)", "upstream reset for <hex> after <n> ms", "req-0"):
        assert expected in text


def test_view_of_an_empty_window() -> None:
    lines = draw([])
    assert lines[-1] == "No log lines in this window."


def test_view_narrows_long_messages_with_an_ellipsis() -> None:
    lines = draw([record(SINCE_MS * MS, "word " * 50, level="ERROR")], width=80)
    assert all(len(line) <= 80 for line in lines)
    assert any(line.rstrip().endswith("…") for line in lines)


# --- the command --------------------------------------------------------------------------------


def run(
    *, output: str = "text", until_ms: int = UNTIL_MS, verbose: bool = False, concurrency: int = 4
) -> ExitStatus:
    from baseten_logs.cli.stats import run_stats

    query = LogQuery(
        path=logs_path(MODEL, DEPLOYMENT), since_ms=SINCE_MS, until_ms=until_ms, limit=None
    )
    credentials = Credentials(
        api_key="test-key-0123456789abcdef", api_url=API_URL, key_source="test", url_source="test"
    )
    return run_stats(
        query=query,
        credentials=credentials,
        output=output,
        color="never",
        zone=UTC,
        verbose=verbose,
        concurrency=concurrency,
        attempts=1,
    )


@pytest.mark.parametrize("output", ["text", "json"])
def test_piped_stats_are_one_json_document(
    logs_api: FakeLogs, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    logs_api.records = sample()
    assert run(output=output) == ExitStatus.OK
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1
    document = json.loads(out)
    assert document == collect(sample(), document["bucket_ms"]).summary().to_json()
    assert document["bucket_ms"] == M  # a fixed 120 columns for scripts, not the terminal's


def test_verbose_counts_its_requests_in_words(
    logs_api: FakeLogs, capsys: pytest.CaptureFixture[str]
) -> None:
    # -v's last line, as get's: "1 request", not "1 requests".
    logs_api.records = sample()[:5]
    assert run(output="json", verbose=True, concurrency=1) == ExitStatus.OK
    last = capsys.readouterr().err.splitlines()[-1]
    assert last == "baseten-logs: 1 request", last


def test_on_a_terminal_stats_are_drawn(
    logs_api: FakeLogs, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "100")
    logs_api.records = sample()
    assert run() == ExitStatus.OK
    out = capsys.readouterr().out
    assert "600 lines, 1m per column" in out
    assert "Top error signatures" in out and "\x1b[" not in out  # --color never


def test_a_gap_makes_stats_incomplete(
    logs_api: FakeLogs, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "baseten_logs.output.messages._quiet", False
    )  # whatever -q an earlier test set
    # One replica's lines in one millisecond past two pages: they cannot all be fetched.
    logs_api.records = [record(SINCE_MS * MS + i, f"burst {i}") for i in range(2500)]
    assert run(output="json", until_ms=SINCE_MS + M) == ExitStatus.INCOMPLETE
    out, err = capsys.readouterr()
    assert json.loads(out)["complete"] is False
    assert err.startswith("baseten-logs: warning: more lines share the millisecond")
    assert err.count("\n") == 1


def test_counts_are_the_same_whatever_form_the_timestamps_take() -> None:
    lines = sample()
    as_iso = [
        dict(
            r,
            timestamp=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(r["timestamp"]) // 10**9))
            + f".{int(r['timestamp']) % 10**9:09d}Z",
        )
        for r in lines
    ]
    as_ms = [dict(r, timestamp=int(r["timestamp"]) // MS) for r in lines]
    expected = collect(lines).summary().to_json()
    assert collect(as_iso).summary().to_json() == expected
    assert collect(as_ms).summary().to_json() == expected


def test_sparkline_cells_of_more_buckets_are_not_taller() -> None:
    from baseten_logs.output.stats_view import _sparkline

    # 25 buckets in 24 cells: one cell covers two buckets; a steady replica is still level.
    assert _sparkline([3] * 25) == "█" * 24


def test_the_header_says_how_many_columns_a_bucket_spans() -> None:
    lines = draw(sample(), width=200)  # 60 one-minute buckets in 190 columns: 3 columns each
    assert lines[0].endswith("600 lines, 1m per 3 columns")


def test_legend_and_tables_name_unlevelled_lines_alike() -> None:
    text = "\n".join(draw(sample()))
    assert "■ no-level" in text and "no-level " in text.split("Most frequent messages")[1]
    assert "NONE" not in text


def test_all_errors_do_not_repeat_the_error_list_as_most_frequent() -> None:
    errors = [r for r in sample() if r["level"] == "ERROR"]
    text = "\n".join(draw(errors))
    assert "Top error signatures" in text and "Most frequent messages" not in text


def request_heavy() -> list[dict[str, Any]]:
    rid = "2f48e92de496d3fac1d82be4a5b2cd2c"  # 32 characters, as the emulator's and Baseten's
    return [
        *sample(),
        *(record((SINCE_MS + i) * MS, "boom", request_id=rid, level="ERROR") for i in range(3)),
    ]


@pytest.mark.parametrize("width", [60, 80])
def test_a_narrow_terminal_keeps_ids_whole_and_drops_columns_not_letters(width: int) -> None:
    lines = draw(request_heavy(), width=width)
    text = "\n".join(lines)
    assert all(len(line) <= width for line in lines)
    assert "2f48e92de496d3fac1d82be4a5b2cd2c" in text  # copied into --request-id: whole
    for line in lines:
        assert not line.rstrip().endswith("■")  # a legend mark never ends a line alone
    headers = [line.split() for line in lines if line.lstrip().startswith(("replica", "request"))]
    for words in headers:  # no header cut into `first s…` or `warni`
        assert all(w in {"replica", "lines", "errors", "warnings", "first", "last", "seen",
                         "activity", "request", "id", "error"} for w in words), words  # fmt: skip
