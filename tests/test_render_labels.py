"""A chain's lines in text output: a column naming each line's chainlet."""

from __future__ import annotations

import io

from baseten_logs.output.render import make_renderer
from baseten_logs.output.render_text import TextRenderer

T = "1764237600123000000"  # 2025-11-27 10:00:00.123 UTC


def line(
    chainlet: object, message: str = "hello", replica: str | None = "a1b2c"
) -> dict[str, object]:
    return {
        "timestamp": T,
        "message": message,
        "replica": replica,
        "level": "INFO",
        "chainlet": chainlet,
    }


def text_of(records: list[dict[str, object]], *, color: bool = False, width: int = 9) -> str:
    out = io.StringIO()
    renderer = TextRenderer(out, color=color, utc=True, label_width=width)
    renderer.write_page(records)
    return out.getvalue()


def test_each_line_names_its_chainlet_in_a_padded_column() -> None:
    shown = text_of([line("Retriever"), line("Ranker", replica=None)])
    assert shown.splitlines() == [
        "2025-11-27 10:00:00.123Z INFO    Retriever  a1b2c  hello",
        "2025-11-27 10:00:00.123Z INFO    Ranker            hello",
    ]


def test_continuation_lines_are_indented_past_the_chainlet_column() -> None:
    shown = text_of([line("Generator", "Traceback:\n  boom")])
    first, second = shown.splitlines()
    assert second == " " * first.index("Traceback") + "  boom"


def test_a_chainlet_name_cannot_send_escape_codes_to_the_terminal() -> None:
    shown = text_of([line("\x1b]0;pwned\x07Gen\x1b[2J")], color=True)
    assert "\x1b]" not in shown and "\x1b[2J" not in shown and "\x07" not in shown
    assert "Gen" in shown


def test_without_a_label_width_a_get_line_is_shown_as_before() -> None:
    plain = io.StringIO()
    make_renderer(plain, output="text", color=False, utc=True).write_page([line("Ranker")])
    assert plain.getvalue() == "2025-11-27 10:00:00.123Z INFO    a1b2c  hello\n"


def test_every_line_names_its_own_chainlet_after_a_line_without_one() -> None:
    # A number for a timestamp sends a line down the careful path: it is named all the same.
    odd = {**line("Ranker"), "timestamp": int(T)}
    shown = text_of(
        [line(None), odd, line("Retriever"), {**line("Generator"), "timestamp": int(T)}]
    )
    assert shown.splitlines() == [
        "2025-11-27 10:00:00.123Z INFO               a1b2c  hello",
        "2025-11-27 10:00:00.123Z INFO    Ranker     a1b2c  hello",
        "2025-11-27 10:00:00.123Z INFO    Retriever  a1b2c  hello",
        "2025-11-27 10:00:00.123Z INFO    Generator  a1b2c  hello",
    ]
