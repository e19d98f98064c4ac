"""--summary's line: what a CI step reads of a run, word for word (output/summary.py's Tally).

The end-to-end tests see it through the command; these pin each part of the line, so that
`make mutate` finds the module's own tests first (they run in milliseconds).
"""

from __future__ import annotations

from collections import Counter

from baseten_logs.output.summary import ANY, Tally
from tests.fakeapi import record

MS = 1_000_000
T0_MS = 1_764_237_600_123  # 2025-11-27T10:00:00.123Z


def tally(*pages: list[dict[str, object]]) -> Tally:
    counted = Tally()
    for page in pages:
        counted.write_page(page)
    return counted


def untimed(message: str, **fields: object) -> dict[str, object]:
    return record(0, message, **fields) | {"timestamp": "soon"}  # type: ignore[arg-type]


def test_nothing_shown_is_said_plainly() -> None:
    assert tally().describe(requests=1) == "summary: 0 lines, 0 replicas, 1 request"


def test_levels_replicas_span_and_requests() -> None:
    counted = tally(
        [
            untimed("plain", replica=None, level=None),  # no time, no replica, no level
            record(T0_MS * MS + 999_999, "boom", replica="b", level="ERROR"),  # ms, not rounded
        ],
        [record((T0_MS + 61_000) * MS + 999_999, "ok", replica=7, level="INFO")],  # type: ignore[arg-type]
    )
    assert counted.describe(requests=2) == (
        "summary: 3 lines (ERROR 1, INFO 1, no level 1), 2 replicas (7, b),"
        " 2025-11-27T10:00:00.123Z to 2025-11-27T10:01:01.123Z, 2 requests"
    )


def test_an_untimed_line_does_not_end_the_counting_of_its_page() -> None:
    counted = tally([untimed("first"), record(T0_MS * MS, "then", level="ERROR", replica="a")])
    assert counted.by_level == Counter({"INFO": 1, "ERROR": 1})
    assert counted.replicas == Counter({"a1b2c": 1, "a": 1})
    assert (counted.first_ns, counted.last_ns) == (T0_MS * MS, T0_MS * MS)


def test_the_span_is_from_the_oldest_to_the_newest_whatever_the_order() -> None:
    newest_first = [record((T0_MS + 2000) * MS, "b"), record(T0_MS * MS, "a")]
    described = tally(newest_first).describe(requests=1)
    assert "2025-11-27T10:00:00.123Z to 2025-11-27T10:00:02.123Z" in described


def test_only_unlevelled_lines_and_one_replica() -> None:
    counted = tally([record(T0_MS * MS, "x", level=None), record(T0_MS * MS, "y", level=None)])
    assert counted.replicas == Counter({"a1b2c": 2})
    assert counted.describe(requests=0) == (
        "summary: 2 lines (no level), 1 replica (a1b2c),"
        " 2025-11-27T10:00:00.123Z to 2025-11-27T10:00:00.123Z, 0 requests"
    )


def test_eight_replicas_are_named_and_a_ninth_is_an_ellipsis() -> None:
    names = [f"r{i}" for i in range(9)]
    eight = tally([untimed("x", replica=name, level="INFO") for name in names[:8]])
    assert eight.describe(requests=1).endswith(f"8 replicas ({', '.join(names[:8])}), 1 request")
    nine = tally([untimed("x", replica=name, level="INFO") for name in names])
    assert nine.describe(requests=1).endswith(f"9 replicas ({', '.join(names[:8])}, …), 1 request")


def test_fail_on_counts_at_or_above_a_level_or_any_line() -> None:
    counted = tally(
        [
            record(T0_MS * MS, "Traceback (most recent call last):", level=None),  # an ERROR
            record(T0_MS * MS, "careful", level="WARNING"),
            record(T0_MS * MS, "fine", level="INFO"),
        ]
    )
    assert [counted.count_at_or_above(level) for level in ("ERROR", "WARNING", "DEBUG")] == [
        1,
        2,
        3,
    ]
    assert counted.count_at_or_above(ANY) == 3
