"""Renderers: exact output per format, colours as rich would write them, one write per page."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from baseten_logs.base.levels import effective_level
from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.output.inert import inert
from baseten_logs.output.palette import REPLICA_STANDARD_PALETTE
from baseten_logs.output.render import OUTPUT_FORMATS, OutputFormat, make_renderer
from baseten_logs.output.render_json import encode_record
from tests.shown import all_written, as_written

RECORDS: list[dict[str, Any]] = [
    {
        "timestamp": "1764237600123456789",
        "message": 'hello "world"',
        "replica": "a1b2c",
        "request_id": None,
        "level": "INFO",
    },
    {
        "timestamp": "1764237600999000000",
        "message": "WARNING:root:low memory",
        "replica": None,
        "request_id": "req-1",
        "level": None,
    },
    {
        "timestamp": "1764237601000000001",
        "message": (
            'Traceback (most recent call last):\n  File "model.py", line 3\nValueError: bad\n'
        ),
        "replica": "zz9zz",
        "request_id": None,
        "level": "ERROR",
        "component": "model",
    },
    {
        "timestamp": "1764237661500000000",
        "message": "héllo wörld ✓ 日本",
        "replica": "a1b2c",
        "request_id": None,
        "level": "DEBUG",
    },
    {
        "timestamp": "1764237661600000000",
        "message": "plain text",
        "replica": "k",
        "request_id": None,
        "level": None,
    },
]

TEXT_UTC = (
    '2025-11-27 10:00:00.123Z INFO    a1b2c  hello "world"\n'
    "2025-11-27 10:00:00.999Z WARNING        WARNING:root:low memory\n"
    "2025-11-27 10:00:01.000Z ERROR   zz9zz  Traceback (most recent call last):\n"
    + " " * 40
    + '  File "model.py", line 3\n'
    + " " * 40
    + "ValueError: bad\n"
    "2025-11-27 10:01:01.500Z DEBUG   a1b2c  héllo wörld ✓ 日本\n"
    "2025-11-27 10:01:01.600Z         k      plain text\n"
)


class RecordingStream(io.StringIO):
    """A text stream that counts writes and flushes, to check one write per page."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.flushes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)

    def flush(self) -> None:
        self.flushes += 1


def render(
    records: Sequence[Mapping[str, Any]],
    output: OutputFormat = "text",
    *,
    color: bool = False,
    utc: bool = True,
    pages: int = 1,
    **options: Any,
) -> str:
    stream = io.StringIO()
    renderer = make_renderer(stream, output=output, color=color, utc=utc, **options)
    size = max(1, -(-len(records) // pages))
    for start in range(0, len(records), size):
        renderer.write_page(records[start : start + size])
    renderer.close()
    return stream.getvalue()


# --- text -----------------------------------------------------------------------------------------


def test_text_utc() -> None:
    assert render(RECORDS) == TEXT_UTC


@pytest.mark.parametrize("pages", [1, 2, 5])
def test_text_is_the_same_however_the_records_are_paged(pages: int) -> None:
    assert render(RECORDS, pages=pages) == TEXT_UTC


@pytest.mark.parametrize(
    ("zone", "first_line"),
    [
        ("UTC0", "2025-11-27 10:00:00.123 INFO    a1b2c  hello"),
        ("IST-5:30", "2025-11-27 15:30:00.123 INFO    a1b2c  hello"),
        ("PST8", "2025-11-27 02:00:00.123 INFO    a1b2c  hello"),
    ],
)
def test_text_local_time(set_tz: Callable[[str], None], zone: str, first_line: str) -> None:
    set_tz(zone)
    lines = render(RECORDS, utc=False).splitlines()
    assert lines[0] == first_line + ' "world"'
    # No Z, so continuation lines sit one column further left than in UTC.
    assert lines[3] == " " * 39 + '  File "model.py", line 3'


def test_utc_ignores_the_local_zone(set_tz: Callable[[str], None]) -> None:
    set_tz("IST-5:30")
    assert render(RECORDS, utc=True) == TEXT_UTC


def test_a_late_line_is_marked_at_its_end_and_otherwise_unchanged() -> None:
    from baseten_logs.output.render_text import TextRenderer

    stream = io.StringIO()
    renderer = TextRenderer(stream, color=False, utc=True)
    renderer.write_late(RECORDS[:2])
    late = stream.getvalue().splitlines()
    assert late == [
        line + "  (late: arrived after the lines above)" for line in TEXT_UTC.splitlines()[:2]
    ]


def test_text_without_color_has_no_escape_codes() -> None:
    records = [*RECORDS, {**RECORDS[0], "message": "\x1b[32mgreen\x1b[0m from the app"}]
    output = render(records)
    assert "\x1b" not in output
    assert output.endswith("a1b2c  green from the app\n")


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("a\r\nb", "a\n" + " " * 40 + "b"),
        ("10%\r20%", "10%\n" + " " * 40 + "20%"),
        ("bell\x07 and \x1b]0;title\x07", "bell\\x07 and \\x1b]0;title\\x07"),
        ("tab\tkept", "tab\tkept"),
        ("trailing newlines\n\n", "trailing newlines"),
        ("\x9bc1 control", "\\x9bc1 control"),
    ],
)
def test_text_makes_messages_safe_for_a_terminal(message: str, shown: str) -> None:
    record = {**RECORDS[0], "message": message}
    assert render([record]) == f"2025-11-27 10:00:00.123Z INFO    a1b2c  {shown}\n"


def test_text_survives_odd_records() -> None:
    odd: list[dict[str, Any]] = [
        {"timestamp": 1764237600123456789, "message": "an int timestamp", "level": "INFO"},
        {"timestamp": "yesterday", "message": "not a timestamp", "replica": 7, "level": 3},
        {"message": None},
        {"timestamp": "1764237600123456789", "message": ["not", "text"], "replica": "a1b2c"},
    ]
    lines = render([RECORDS[0], *odd, RECORDS[0]]).splitlines()
    assert lines == [
        '2025-11-27 10:00:00.123Z INFO    a1b2c  hello "world"',
        "2025-11-27 10:00:00.123Z INFO           an int timestamp",
        "yesterday                        7      not a timestamp",
        " " * 40,
        "2025-11-27 10:00:00.123Z         a1b2c  ['not', 'text']",
        '2025-11-27 10:00:00.123Z INFO    a1b2c  hello "world"',
    ]


def test_one_write_and_one_flush_per_page() -> None:
    for output in ("text", "jsonl", "json", "raw"):
        stream = RecordingStream()
        renderer = make_renderer(stream, output=output, color=output == "text", utc=True)
        renderer.write_page(RECORDS)
        renderer.write_page(RECORDS[:1])
        renderer.write_page([])
        assert (stream.writes, stream.flushes) == (2, 2), output


def test_a_first_timestamp_too_short_for_a_second_is_shown_as_it_came() -> None:
    # "" and "12" slice to an empty second, which must not match the renderer's starting state.
    lines = render([{"timestamp": "12", "message": "short"}, RECORDS[0]]).splitlines()
    assert lines == [
        "12" + " " * 23 + "        " + " " * 7 + "short",
        '2025-11-27 10:00:00.123Z INFO    a1b2c  hello "world"',
    ]


MESSAGES = [str(r["message"]) for r in RECORDS]

# What each format's own renderer writes for RECORDS, told apart from every other format's.
FORMAT_SHAPES: dict[str, Callable[[str], bool]] = {
    "text": lambda out: out == TEXT_UTC,
    "jsonl": lambda out: [json.loads(line)["message"] for line in out.splitlines()] == MESSAGES,
    "json": lambda out: [r["message"] for r in json.loads(out)] == MESSAGES,
    "raw": lambda out: out == "\n".join(MESSAGES) + "\n",
    "github": lambda out: (
        out.count("::group::") == 4  # one per replica (3), one for lines without
        and all(line in out for line in TEXT_UTC.splitlines())
    ),
    # The default template: text's columns, but a message's further lines as sent (not indented)
    "template": lambda out: (
        out
        == "".join(
            f"{line[:40]}{message.rstrip(chr(10))}\n"
            for line, message in zip(
                [t for t in TEXT_UTC.splitlines() if not t.startswith(" ")], MESSAGES, strict=True
            )
        )
    ),
}


@pytest.mark.parametrize("output", OUTPUT_FORMATS)
def test_every_output_format_has_a_renderer(output: OutputFormat) -> None:
    stream = io.StringIO()
    renderer = make_renderer(stream, output=output, color=False, utc=True)
    renderer.write_page(RECORDS)
    renderer.close()
    assert FORMAT_SHAPES[output](stream.getvalue()), stream.getvalue()


def test_every_output_format_is_checked_for_its_shape() -> None:
    assert set(FORMAT_SHAPES) == set(OUTPUT_FORMATS)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        make_renderer(io.StringIO(), output="yaml", color=False, utc=True)  # type: ignore[arg-type]


# --- colour ---------------------------------------------------------------------------------------


def rich_line(text: Text, color_system: str = "standard") -> str:
    """What rich itself writes for `text` on a wide colour terminal."""
    stream = io.StringIO()
    console = Console(
        file=stream,
        force_terminal=True,
        color_system=color_system,  # type: ignore[arg-type]
        width=10_000,
        no_color=False,
        highlight=False,
        markup=False,
        emoji=False,
    )
    console.print(text)
    return stream.getvalue()


def replica_style(replica: str) -> str:
    """The colour of the first replica in a view: its hash-preferred slot."""
    return REPLICA_STANDARD_PALETTE[zlib.crc32(replica.encode()) % len(REPLICA_STANDARD_PALETTE)]


@pytest.mark.parametrize("color_system", ["standard", "256", "truecolor"])
def test_colored_text_is_byte_identical_to_rich(color_system: str) -> None:
    output = render(RECORDS[:3], color=True, color_system=color_system)
    expected = [
        Text.assemble(
            ("2025-11-27 10:00:00.123Z", "dim"),
            " INFO    ",
            ("a1b2c", replica_style("a1b2c")),
            '  hello "world"',
        ),
        Text.assemble(
            ("2025-11-27 10:00:00.999Z", "dim"),
            " ",
            ("WARNING", "yellow"),
            "        WARNING:root:low memory",
        ),
        Text.assemble(
            ("2025-11-27 10:00:01.000Z", "dim"),
            " ",
            ("ERROR", "bold red"),
            "   ",
            # zz9zz prefers a free slot, or the next one after a1b2c's.
            ("zz9zz", _second_replica_style("a1b2c", "zz9zz")),
            "  Traceback (most recent call last):\n"
            + " " * 40
            + '  File "model.py", line 3\n'
            + " " * 40
            + "ValueError: bad",
        ),
    ]
    assert output == "".join(rich_line(text, color_system) for text in expected)
    assert "\x1b[2m2025-11-27 10:00:00.123Z\x1b[0m" in output
    assert "\x1b[1;31mERROR\x1b[0m" in output


def _second_replica_style(first: str, second: str) -> str:
    palette = REPLICA_STANDARD_PALETTE
    taken = zlib.crc32(first.encode()) % len(palette)
    slot = zlib.crc32(second.encode()) % len(palette)
    return palette[(slot + 1) % len(palette) if slot == taken else slot]


def test_extended_replica_colors_are_byte_identical_to_rich() -> None:
    records = [{**RECORDS[0], "replica": f"r{index:04d}"} for index in range(12)]
    lines = render(records, color=True, color_system="256").splitlines(keepends=True)
    extended = [line for line in lines if "38;5;" in line]
    assert len(extended) == 4  # eight standard colours first, then 256-colour slots
    for line in extended:
        index = re.search(r"\x1b\[38;5;(\d+)m(r\d{4})", line)
        assert index is not None
        text = Text.assemble(
            ("2025-11-27 10:00:00.123Z", "dim"),
            " INFO    ",
            (index[2], f"color({index[1]})"),
            '  hello "world"',
        )
        assert line == rich_line(text, "256")


def replica_prefixes(output: str) -> dict[str, str]:
    """Each replica's opening escape sequence, read from colored text output."""
    pattern = r"(\x1b\[[0-9;]+m)(r\d{4})\x1b\[0m"
    return {replica: prefix for prefix, replica in re.findall(pattern, output)}


@pytest.mark.parametrize("color_system", ["256", "truecolor"])
def test_twenty_replicas_get_twenty_colors(color_system: str) -> None:
    records = [{**RECORDS[0], "replica": f"r{index:04d}"} for index in range(20)]
    prefixes = replica_prefixes(render(records * 3, color=True, color_system=color_system))
    assert len(prefixes) == 20
    assert len(set(prefixes.values())) == 20


@pytest.mark.usefixtures("fresh_rich_styles")
def test_on_a_16_colour_terminal_replicas_nine_to_sixteen_are_underlined_not_repeated() -> None:
    records = [{**RECORDS[0], "replica": f"r{index:04d}"} for index in range(16)]
    prefixes = replica_prefixes(render(records * 2, color=True, color_system="standard"))
    assert len(set(prefixes.values())) == 16  # 256-colour slots would fall back onto 8
    underlined = sorted(p for p in prefixes.values() if p.startswith("\x1b[4;"))
    plain = sorted(p for p in prefixes.values() if not p.startswith("\x1b[4;"))
    assert [p.replace("4;", "", 1) for p in underlined] == plain  # the same eight colours


def test_a_replica_keeps_its_color_across_views() -> None:
    alone = replica_prefixes(render([{**RECORDS[0], "replica": "r0001"}], color=True))
    crowd = [{**RECORDS[0], "replica": f"r{index:04d}"} for index in (1, 2, 3)]
    assert replica_prefixes(render(crowd, color=True))["r0001"] == alone["r0001"]


@pytest.mark.usefixtures("fresh_rich_styles")
def test_color_system_is_detected_from_the_environment_past_eight_replicas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [{**RECORDS[0], "replica": f"r{index:04d}"} for index in range(9)]
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("COLORTERM", raising=False)
    assert "38;5;" in render(records, color=True)


@pytest.fixture
def fresh_rich_styles() -> None:
    """rich keeps the codes of each style it parsed for the first colour system it rendered it
    in, so that what an earlier test rendered does not stand in for this one's."""
    from rich.style import Style

    Style.parse.cache_clear()


@pytest.mark.usefixtures("fresh_rich_styles")
def test_the_color_system_given_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [{**RECORDS[0], "replica": f"r{index:04d}"} for index in range(9)]
    monkeypatch.setenv("TERM", "xterm")  # what rich would take for 8 colours
    monkeypatch.delenv("COLORTERM", raising=False)
    assert "38;5;" in render(records, color=True, color_system="256")


# --- JSON -----------------------------------------------------------------------------------------

JSONL = (
    '{"timestamp":"1764237600123456789","message":"hello \\"world\\"","replica":"a1b2c",'
    '"request_id":null,"level":"INFO","shown_level":"INFO"}\n'
    '{"timestamp":"1764237600999000000","message":"WARNING:root:low memory","replica":null,'
    '"request_id":"req-1","level":null,"shown_level":"WARNING"}\n'
    '{"timestamp":"1764237601000000001","message":"Traceback (most recent call last):\\n'
    '  File \\"model.py\\", line 3\\nValueError: bad\\n","replica":"zz9zz","request_id":null,'
    '"level":"ERROR","component":"model","shown_level":"ERROR"}\n'
    '{"timestamp":"1764237661500000000","message":"h\\u00e9llo w\\u00f6rld \\u2713 \\u65e5\\u672c",'
    '"replica":"a1b2c","request_id":null,"level":"DEBUG","shown_level":"DEBUG"}\n'
    '{"timestamp":"1764237661600000000","message":"plain text","replica":"k","request_id":null,'
    '"level":null,"shown_level":null}\n'
)


def test_jsonl_exact() -> None:
    assert render(RECORDS, "jsonl") == JSONL


def test_jsonl_passes_records_through_unchanged() -> None:
    record = {"level": "INFO", "message": "m", "timestamp": "1", "extra": {"a": [1, 2.5, True]}}
    output = render([record, RECORDS[0]], "jsonl")
    first, second = (json.loads(line) for line in output.splitlines())
    assert first == {**record, "shown_level": "INFO"}
    assert list(first) == [*record, "shown_level"]  # key order as received, the added field last
    assert second == as_written(RECORDS[0])
    assert output.isascii()


def test_jsonl_ignores_color() -> None:
    assert render(RECORDS, "jsonl", color=True) == JSONL


# Every code point, lone surrogates included. (Plain st.text() would exclude surrogates, and its
# character table takes ~2 s to build on a fresh checkout: long enough to fail the health check.)
any_character = st.characters(exclude_categories=[])
any_text = st.text(any_character)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(any_character, max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.dictionaries(
        any_text | st.integers(),
        st.none() | any_text | json_values,
        max_size=8,
    )
)
def test_fast_json_is_exactly_json_dumps(record: dict[Any, Any]) -> None:
    # Byte for byte json.dumps, but for a non-finite float, which is null (always valid JSON).
    assert encode_record(record) == json.dumps(_nulled(record), separators=(",", ":"))


def _nulled(value: Any) -> Any:
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return None
    if isinstance(value, dict):
        return {k: _nulled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulled(v) for v in value]
    return value


def _strict_json(text: str) -> Any:
    def refuse(word: str) -> Any:
        raise ValueError(f"not JSON: {word}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("output", ["jsonl", "json"])
def test_json_outputs_stay_valid_json_for_numbers_a_float_cannot_hold(output: OutputFormat) -> None:
    # What the API client's json.loads makes of a server's 1e400 (and of NaN, which it accepts).
    record = json.loads(
        '{"timestamp":"1796600000000000000","message":"m","level":null,'
        '"x":1e400,"y":-1e400,"z":[NaN,1.5],"w":{"v":Infinity}}'
    )
    buffer = io.StringIO()
    renderer = make_renderer(buffer, output=output, color=False, utc=True)
    renderer.write_page([record])
    renderer.close()
    text = buffer.getvalue()
    assert "Infinity" not in text and "NaN" not in text
    parsed = _strict_json(text) if output == "json" else [_strict_json(text)]
    assert parsed[0]["x"] is None and parsed[0]["y"] is None
    assert parsed[0]["z"] == [None, 1.5] and parsed[0]["w"] == {"v": None}
    assert parsed[0]["message"] == "m" and parsed[0]["shown_level"] is None


@given(
    st.dictionaries(
        any_text,
        st.none() | any_text,
        max_size=8,
    )
)
def test_fast_json_string_records_are_exactly_json_dumps(record: dict[str, str | None]) -> None:
    assert encode_record(record) == json.dumps(record, separators=(",", ":"))


def test_json_array_exact() -> None:
    output = render(RECORDS[:2], "json", pages=2)
    first, second = JSONL.splitlines()[:2]
    assert output == f"[\n{first},\n{second}\n]\n"


@pytest.mark.parametrize("pages", [1, 2, 5])
def test_json_array_is_valid_json(pages: int) -> None:
    assert json.loads(render(RECORDS, "json", pages=pages)) == all_written(RECORDS)


def test_json_array_empty_is_valid() -> None:
    assert render([], "json") == "[]\n"
    assert json.loads(render([], "json")) == []


def test_json_array_close_twice_closes_once() -> None:
    stream = io.StringIO()
    renderer = make_renderer(stream, output="json", color=False, utc=True)
    renderer.write_page(RECORDS[:1])
    renderer.close()
    renderer.close()
    assert json.loads(stream.getvalue()) == all_written(RECORDS[:1])


# --- raw ------------------------------------------------------------------------------------------


def test_raw_exact() -> None:
    assert render(RECORDS, "raw") == (
        'hello "world"\n'
        "WARNING:root:low memory\n"
        'Traceback (most recent call last):\n  File "model.py", line 3\nValueError: bad\n\n'
        "héllo wörld ✓ 日本\n"
        "plain text\n"
    )


def test_raw_survives_odd_messages() -> None:
    assert render([{"message": None}, {"message": 5}, {}, RECORDS[0]], "raw") == (
        '\n5\n\nhello "world"\n'
    )


# --- imports --------------------------------------------------------------------------------------


def test_rendering_without_color_does_not_import_rich() -> None:
    code = (
        "import io, sys\n"
        "from baseten_logs.output.render import make_renderer\n"
        f"records = {RECORDS!r}\n"
        "for output in ('text', 'jsonl', 'json', 'raw', 'github'):\n"
        "    renderer = make_renderer(io.StringIO(), output=output, color=False, utc=False)\n"
        "    renderer.write_page(records)\n"
        "    renderer.close()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'rich'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_rendering_few_replicas_in_color_imports_rich_style_only() -> None:
    code = (
        "import io, sys\n"
        "from baseten_logs.output.render import make_renderer\n"
        f"records = {RECORDS!r}\n"
        "renderer = make_renderer(io.StringIO(), output='text', color=True, utc=False)\n"
        "renderer.write_page(records)\n"
        "print('rich.style' in sys.modules, 'rich.console' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True False", result.stderr


def test_ordinary_records_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-line fast path (500k lines/s) must handle every ordinary record: a slip in it
    would still print the same text through the careful path, only many times slower."""
    from baseten_logs.base.levels import effective_level as real_effective_level
    from baseten_logs.output.render_text import TextRenderer

    detected: list[object] = []

    def effective_level(record: Mapping[str, Any]) -> str | None:
        detected.append(record)
        return real_effective_level(record)

    monkeypatch.setattr("baseten_logs.output.render_text.effective_level", effective_level)
    out = io.StringIO()
    renderer = TextRenderer(out, color=False, utc=True)
    seconds: list[str] = []
    replicas: list[object] = []
    prefix = renderer._prefix
    real_format_second, real_replica_column = prefix.format_second, prefix.replica_column

    def format_second(timestamp: str) -> str:
        seconds.append(timestamp)
        return real_format_second(timestamp)

    def replica_column(replica: str) -> str:
        replicas.append(replica)
        return real_replica_column(replica)

    def odd_line(record: Mapping[str, Any]) -> str:
        raise AssertionError(f"took the slow path: {record}")

    monkeypatch.setattr(prefix, "format_second", format_second)
    monkeypatch.setattr(prefix, "replica_column", replica_column)
    monkeypatch.setattr(renderer, "_odd_line", odd_line)
    page = [
        {**RECORDS[0], "timestamp": f"17642376001234567{i:02d}", "replica": f"r{i % 2}aaa"}
        for i in range(20)
    ]
    page.append({**RECORDS[0], "message": "bell\x07 and a\nsecond line"})
    unlabelled = {**RECORDS[0], "level": None, "message": "[ERROR] detected"}
    page.append(unlabelled)
    renderer.write_page(page)
    renderer.write_page(page[:3])
    lines = out.getvalue().splitlines()
    assert lines[0] == '2025-11-27 10:00:00.123Z INFO    r0aaa  hello "world"'
    assert lines[20] == "2025-11-27 10:00:00.123Z INFO    a1b2c  bell\\x07 and a"
    assert lines[21] == " " * 40 + "second line"
    assert lines[22] == "2025-11-27 10:00:00.123Z ERROR   a1b2c  [ERROR] detected"
    assert len(lines) == 26
    assert detected == [unlabelled]  # the API's level is used as it is: detection only without
    assert len(seconds) == 1  # one second, formatted once (across pages too)
    assert replicas == ["r0aaa", "r1aaa", "a1b2c"]  # each replica's column built once


def test_odd_timestamps_are_dim_in_colour_and_blank_ones_are_not_styled() -> None:
    out = io.StringIO()
    renderer = make_renderer(out, output="text", color=True, utc=True)
    renderer.write_page([{"timestamp": "yesterday", "message": "x"}, {"message": "y"}])
    first, second = out.getvalue().splitlines()
    assert first.startswith("\x1b[2myesterday")
    assert second.startswith(" " * 24) and "\x1b" not in second


def test_annotation_text_turns_every_carriage_return_into_a_line_break() -> None:
    from baseten_logs.output.render_github import _single_line

    assert _single_line("50%\r100%\r\ndone") == "50%\n100%\ndone"


# A line whose 19-character time repeats the second before it and then carries anything else:
# its time must be checked all the same (shown escaped, untimed), not sliced into the column.
SAME_SECOND = str(RECORDS[0]["timestamp"])[:10]


@pytest.mark.parametrize(
    "tail",
    [
        "\x1bM\r000000",  # cursor up a line, to its start: the ERROR line above is overwritten
        "123\x1b[2J78",  # an escape past the milliseconds, which the column does not show
        "12 456789",
        "12345678\x07",
        "123456789",  # ordinary: checked, and shown as a time
        "١٢٣456789",  # digits that are not ASCII: read as a time, shown in ASCII
    ],
)
@pytest.mark.parametrize("pages", [1, 3])  # 3: the second of the page before
@pytest.mark.parametrize("color", [False, True])
def test_every_line_s_time_is_checked_not_only_a_new_second_s(
    tail: str, pages: int, color: bool
) -> None:
    hostile = {"timestamp": SAME_SECOND + tail, "message": "a line", "level": "INFO"}
    out = render([RECORDS[0], hostile, RECORDS[0]], color=color, pages=pages)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", out).splitlines()
    assert "\x1b" not in "".join(shown) and "\r" not in out and "\x07" not in out
    assert shown[0] == shown[2] == '2025-11-27 10:00:00.123Z INFO    a1b2c  hello "world"'
    ns = timestamp_ns(hostile["timestamp"])
    if ns is None:
        assert shown[1] == inert(hostile["timestamp"]).ljust(24) + " INFO           a line"
    else:
        assert shown[1] == "2025-11-27 10:00:00.123Z INFO           a line"


def test_an_unreadable_time_is_shown_cut_to_forty_characters() -> None:
    digits = "9" * 5000
    line = render([{"timestamp": digits, "message": "x"}]).splitlines()[0]
    assert line == "9" * 40 + "… " + " " * 8 + " " * 7 + "x"


@given(
    st.dictionaries(
        st.sampled_from(["level", "message", "shown_level", "replica"]) | any_text,
        st.none()
        | st.sampled_from(["INFO", "warn", "ERROR", "Traceback (most recent call last)"])
        | any_text
        | json_values,
        max_size=6,
    )
)
def test_jsonl_is_the_record_then_its_shown_level(record: dict[str, Any]) -> None:
    # Whatever a record holds (a shown_level of its own too), the line is its other fields as
    # json.dumps writes them (a non-finite float as null), in their order, and then the level
    # the text output shows.
    [line] = render([record], "jsonl").splitlines()
    fields = {k: v for k, v in record.items() if k != "shown_level"}
    expected = {**fields, "shown_level": effective_level(fields)}
    assert line == json.dumps(_nulled(expected), separators=(",", ":"))
