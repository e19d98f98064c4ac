"""browse's rules without a terminal: the cap, the filters' meaning (get's), what a row and the
detail pane show (server text inert, never markup), and the command's bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from baseten_logs.base.errors import UsageError
from baseten_logs.browse.detail import detail_text, pretty
from baseten_logs.browse.lines import (
    Keeping,
    LevelToggles,
    LoadedLines,
    ViewFilter,
    finder,
    next_row,
)
from baseten_logs.browse.log_view import LogView, one_line
from baseten_logs.browse.saving import save_lines
from baseten_logs.browse.screen import BrowseApp
from tests.conftest import invoke


def line(
    message: str, level: str | None = "INFO", ms: int = 1_796_000_000_000
) -> dict[str, object]:
    return {
        "timestamp": str(ms * 1_000_000),
        "message": message,
        "level": level,
        "replica": "a1b2c",
    }


def test_past_the_cap_the_oldest_lines_go_and_the_view_keeps_its_lines() -> None:
    lines = LoadedLines(max_lines=3)
    lines.refilter(Keeping(search=lambda r: "keep" in str(r["message"])))
    lines.add([line("keep 0"), line("drop 1"), line("keep 2")])
    lines.add([line("keep 3"), line("keep 4")])
    assert [r["message"] for r in lines.records()] == ["keep 2", "keep 3", "keep 4"]
    assert lines.dropped == 2 and lines.first == 2
    assert [lines[p]["message"] for p in lines.visible] == ["keep 2", "keep 3", "keep 4"]


def test_level_toggles_mean_what_get_level_means() -> None:
    # A line's level is the one it shows (effective_level): an unlevelled line whose text says
    # ERROR is an error; one that shows no level is hidden as soon as any level is.
    toggles = LevelToggles.at_least("WARNING")
    assert toggles.shown == {"WARNING", "ERROR"}
    assert toggles.keeps(line("ERROR: boom", level=None))
    assert not toggles.keeps(line("plain words", level=None))
    assert not toggles.keeps(line("fine", level="INFO"))
    assert LevelToggles().keeps(line("plain words", level=None))


def test_the_search_is_grep_re2_and_checked_as_the_flag_is() -> None:
    keep = ViewFilter(search="err(or)?|fail").predicate()
    assert keep(line("an error here")) and keep(line("it failed"))
    assert not keep(line("all good"))
    with pytest.raises(UsageError, match="--grep"):
        ViewFilter(search="a(?=b)").predicate()
    # With `&` every line shows, the search only highlighted.
    assert ViewFilter(search="error", only_matches=False).predicate()(line("all good"))
    assert finder("o+")("foo boo") == [(1, 3), (5, 7)]


def test_n_and_n_stay_put_past_the_last_match() -> None:
    rows = [10, 11, 12, 13]
    assert next_row(rows, 0, lambda p: p == 12, 1) == 2
    assert next_row(rows, 2, lambda p: p == 12, 1) == 2
    assert next_row(rows, 3, lambda p: p in (10, 12), -1) == 2


def test_rows_and_the_detail_pane_show_server_text_inert_and_never_as_markup() -> None:
    hostile = "[bold red]x[/] \x1b[2J\x1b]0;pwned\x07 Traceback:\n  File 'a'"
    row = one_line(line(hostile))
    assert "\x1b" not in row and "\x07" not in row and "[bold red]" in row
    assert row.endswith("[+1 lines]")
    record = line(hostile) | {"request_id": "\x1b[31mrid"}
    text = detail_text(record, utc=True)
    assert "\x1b" not in text.plain and "[bold red]x[/]" in text.plain
    assert "  File 'a'" in text.plain  # a traceback keeps its lines
    assert "request_id: \\x1b[31mrid" in text.plain


def test_what_the_pipeline_says_on_stderr_becomes_one_status_line() -> None:
    from baseten_logs.browse.screen import status_words

    heartbeat = "\r\x1b[2K\x1b[2mfollowing… last poll 10:00:00, 3 new lines so far\x1b[0m"
    assert status_words(heartbeat) == "following… last poll 10:00:00, 3 new lines so far"
    assert status_words("\r\x1b[2K") == ""  # a status line erased: nothing new to say
    said = status_words("baseten-logs: warning: a gap\n")
    assert said == "warning: a gap"
    assert status_words("baseten-logs: \x07bell\n") == "\\x07bell"


def test_json_messages_are_pretty_printed_in_the_detail_pane() -> None:
    assert pretty('{"a": 1, "b": [2]}') == json.dumps({"a": 1, "b": [2]}, indent=2)
    assert pretty("{not json") == "{not json"


def test_saving_writes_the_same_json_lines_as_save(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    records = [line("one", level="INFO"), line("ERROR: two", level=None, ms=1_796_000_000_001)]
    assert save_lines(str(target), records) == 2
    saved = [json.loads(text) for text in target.read_text().splitlines()]
    assert [r["message"] for r in saved] == ["one", "ERROR: two"]
    assert [r["shown_level"] for r in saved] == ["INFO", "ERROR"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    with pytest.raises(UsageError, match="it is a directory"):
        save_lines(str(tmp_path), records)


def test_no_color_draws_no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def scenario() -> None:
        lines = LoadedLines()
        lines.add([line("ERROR: boom", level="ERROR")])
        app = BrowseApp(title="t", lines=lines)
        async with app.run_test(size=(80, 10)) as pilot:
            app.query_one(LogView).refresh_rows()
            await pilot.pause()
            assert app.no_color
            await pilot.press("q")

    asyncio.run(scenario())


def test_browse_off_a_terminal_is_bad_input_and_sends_nothing() -> None:
    done = invoke(
        "browse", "m", env={"BASETEN_API_KEY": "k", "BASETEN_API_URL": "http://127.0.0.1:9"}
    )
    assert done.status == 2
    assert "needs a terminal" in done.stderr and "get" in done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--max-lines", "0"], "--max-lines"),
        (["-n", "x"], "-n/--limit"),
        (["--since", "soon"], "--since"),
        (["--level", "loud"], "--level"),
        (["--grep", "a(?=b)"], "--grep"),
    ],
)
def test_bad_flags_are_one_line_naming_the_flag(flags: list[str], named: str) -> None:
    done = invoke("browse", "m", *flags)
    assert done.status == 2
    assert named in done.stderr and done.stderr.count("\n") == 1
