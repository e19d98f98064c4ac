"""browse's fast paths give what the straightforward ones give: the search over many lines at
once (browse/grep) finds exactly the lines reading/filtering's matcher finds one at a time, and
LoadedLines' indexes (each line's level code and text, the positions kept, the counts per
minute) stay equal to a recomputation from the records through adds, prepends, drops past the
cap and toggles. No timing here: benchmarks/browse_bench.py times it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from baseten_logs.base.levels import LEVELS, effective_level
from baseten_logs.base.timestamps import record_ms
from baseten_logs.browse.grep import Grep, joined_rows, searched_text
from baseten_logs.browse.lines import (
    MINUTE_MS,
    Keeping,
    LoadedLines,
    Record,
    ViewFilter,
    level_table,
)
from baseten_logs.browse.search_worker import search_held
from baseten_logs.reading.filtering import matcher
from baseten_logs.reading.query import build_filters

# Texts with what could make a joined search differ from a line-by-line one: empty ones, NUL,
# newlines, non-ASCII and lone surrogates, words at both ends (\b), the letters patterns use.
TEXT = st.text(
    alphabet=st.sampled_from(["a", "b", "E", "1", " ", "\n", "\x00", "é", "\ud800", "-", "_"]),
    max_size=8,
)
# Pieces of patterns: literals, classes that match "any" character, anchors (asked line by
# line), empty matches, word boundaries, alternation, repetition.
PIECE = st.sampled_from(
    [
        "a", "b", "E", "1", " ", "é", ".", "(?s).", "[^a]", "\\W", "\\D", "\\S", "\\s", "\\PL",
        "\\b", "\\B", "^", "$", "(?m)^", "(?m)$", "\\A", "\\z", "(?i)e", "a*", "b?", "(?:a|)",
        "[\\x00-\\x{10FFFF}]", "\\x00", "\\n", "a|b", "(a)", "\\pL",
    ]
)  # fmt: skip
PATTERN = st.lists(PIECE, min_size=1, max_size=4).map("".join)


def record(message: Any, level: str | None = "INFO", ms: int = 0) -> dict[str, Any]:
    return {"timestamp": str(ms * 1_000_000), "message": message, "level": level}


def one_by_one(pattern: str, texts: list[str]) -> list[int]:
    finds = matcher(build_filters(grep=pattern))
    return [i for i, text in enumerate(texts) if finds(record(text))]


@settings(max_examples=300, deadline=None)
@given(PATTERN, st.lists(TEXT, max_size=12), st.data())
def test_the_search_over_many_lines_finds_what_the_matcher_finds(
    pattern: str, texts: list[str], data: st.DataObject
) -> None:
    grep = Grep.of(pattern)
    expected = one_by_one(pattern, texts)
    assert grep.rows(texts, None) == expected
    mask = bytes(data.draw(st.lists(st.sampled_from([0, 1]), min_size=len(texts),
                                    max_size=len(texts))))  # fmt: skip
    assert grep.rows(texts, mask) == [i for i in expected if mask[i]]


def test_the_joined_search_maps_each_match_to_its_own_line() -> None:
    import re2  # type: ignore[import-untyped]

    search = re2.compile(b"a|x*").search  # matches empty too: every line, once each
    assert joined_rows(search, ["", "bab", "", "a"]) == [0, 1, 2, 3]
    search = re2.compile(b"ab").search  # never across the end of one and the start of the next
    assert joined_rows(search, ["xa", "b", "cab", "a\x00b"]) == [2]
    assert joined_rows(search, []) == []


def test_the_searched_text_is_the_matchers() -> None:
    finds = matcher(build_filters(grep="None|12|^$"))
    for message in (None, 12, "", "x", ["l"]):
        assert Grep.of("None|12|^$").rows([searched_text(record(message))], None) == (
            [0] if finds(record(message)) else []
        )


# --- the indexes LoadedLines keeps -----------------------------------------------------------

LEVEL = st.sampled_from([*LEVELS, None, "warn", "VERBOSE"])
MESSAGE = st.sampled_from(["ERROR: boom", "fine", "[warn] slow", "plain", "", "timeout a", None])
RECORD = st.builds(record, MESSAGE, LEVEL, st.integers(min_value=0, max_value=5 * MINUTE_MS)).map(
    lambda r: r if r["timestamp"] != "0" else {**r, "timestamp": "soon"}
)
SHOWN = st.sets(st.sampled_from(LEVELS))
STEP = st.one_of(
    st.tuples(st.just("add"), st.lists(RECORD, max_size=6)),
    st.tuples(st.just("prepend"), st.lists(RECORD, max_size=6)),
    st.tuples(st.just("filter"), st.tuples(SHOWN, st.sampled_from(["", "a", "t.me", "^f"]))),
    # A filter worked out over a copy while lines come and go (search_worker), then adopted.
    st.tuples(
        st.just("adopt"),
        st.tuples(SHOWN, st.sampled_from(["", "o", "b.o"]), st.lists(RECORD, max_size=6)),
    ),
)


def recomputed(held: list[Record], first: int, keeping: Keeping) -> list[int]:
    keeps = keeping.predicate()
    return [first + i for i, r in enumerate(held) if keeps(r)]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.lists(STEP, max_size=12))
def test_the_indexes_stay_what_a_recomputation_gives(max_lines: int, steps: list[Any]) -> None:
    lines = LoadedLines(max_lines=max_lines)
    keeping = Keeping()
    for kind, argument in steps:
        if kind == "add":
            lines.add(argument)
        elif kind == "prepend":
            lines.prepend(argument)
        else:
            shown, search, *coming = argument
            view_filter = ViewFilter(search=search)
            view_filter.levels.shown = set(shown)
            keeping = view_filter.keeping()
            if kind == "filter":
                lines.refilter(keeping)
            else:
                copy = lines.held(keeping)
                found = search_held(copy, keeping, lambda: False)
                assert found is not None
                lines.add(coming[0])
                lines.adopt(keeping, copy.first, len(copy), found)
        held = lines.records()
        assert len(held) <= max_lines
        assert lines.visible == recomputed(held, lines.first, keeping)
        positions = range(lines.first, lines.first + len(held))
        assert [lines.level_at(p) for p in positions] == [effective_level(r) for r in held]
        assert lines.held().texts == [searched_text(r) for r in held]
        stamps = [ms for r in held if (ms := record_ms(r)) is not None]
        assert lines.per_minute == Counter(ms - ms % MINUTE_MS for ms in stamps)
        errors = Counter(
            ms - ms % MINUTE_MS
            for r in held
            if (ms := record_ms(r)) is not None and effective_level(r) == "ERROR"
        )
        assert lines.errors_per_minute == errors


def test_a_level_table_keeps_the_codes_of_the_levels_shown() -> None:
    lines = LoadedLines()
    lines.add([record("x", level) for level in (None, *LEVELS)])
    table = level_table(frozenset({"INFO", None}))
    assert lines.held().codes.translate(table) == bytes([1, 0, 1, 0, 0])
