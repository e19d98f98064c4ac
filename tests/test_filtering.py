"""Local filtering: the logs API's documented filter semantics, applied to records at hand."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

from baseten_logs.base.errors import UsageError
from baseten_logs.emulator.query import compile_pattern
from baseten_logs.reading.filtering import matcher
from baseten_logs.reading.patterns import python_pattern
from baseten_logs.reading.query import Filters, build_filters

# name -> record; the names say what each record is for.
RECORDS: dict[str, dict[str, Any]] = {
    "debug": {"message": "cache warm", "replica": "a1b2c", "request_id": None, "level": "DEBUG"},
    "info": {"message": "GET /health 200", "replica": "a1b2c", "request_id": "r1", "level": "INFO"},
    "warning": {
        "message": "slow request 900 ms",
        "replica": "d3e4f",
        "request_id": "r1",
        "level": "WARNING",
    },
    "error": {
        "message": "Traceback (most recent call last):\nValueError: bad\n",
        "replica": "d3e4f",
        "request_id": "r2",
        "level": "ERROR",
        "component": "model",
    },
    # The API gave it no level; its text shows one, so --level keeps it as get does.
    "unlevelled": {
        "message": "ERROR: disk full",
        "replica": None,
        "request_id": None,
        "level": None,
    },
    "no level key": {"message": "WARNING:root:x", "replica": "a1b2c"},
    "builder": {
        "message": "Step 3/9 : RUN pip install",
        "replica": None,
        "request_id": None,
        "level": "INFO",
        "component": "build",
    },
}


def kept(filters: Filters) -> list[str]:
    keep = matcher(filters)
    return [name for name, record in RECORDS.items() if keep(record)]


ALL = list(RECORDS)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ALL),
        (
            Filters(min_level="DEBUG"),
            ["debug", "info", "warning", "error", "unlevelled", "no level key", "builder"],
        ),
        (
            Filters(min_level="INFO"),
            ["info", "warning", "error", "unlevelled", "no level key", "builder"],
        ),
        (Filters(min_level="WARNING"), ["warning", "error", "unlevelled", "no level key"]),
        (Filters(min_level="ERROR"), ["error", "unlevelled"]),
        (Filters(replica="a1b2c"), ["debug", "info", "no level key"]),
        (Filters(replica="A1B2C"), []),  # exact, case-sensitive
        (Filters(replica="a1b2"), []),  # not a prefix match
        (Filters(request_id="r1"), ["info", "warning"]),
        (Filters(component="model"), ["error"]),
        (Filters(component="build"), ["builder"]),
        (Filters(component="server"), []),  # records without the field never match
        (Filters(search_pattern=r"\d{3}"), ["info", "warning"]),
        (Filters(search_pattern="^ERROR"), ["unlevelled"]),
        (Filters(search_pattern="(?i)traceback|disk"), ["error", "unlevelled"]),
        (Filters(search_pattern="bad$"), []),  # RE2: $ is the very end, not before a final \n
        (Filters(search_pattern="(?m)bad$"), ["error"]),
        (Filters(includes=("re",)), ["warning", "error"]),
        (Filters(includes=("re", "ms")), ["warning"]),  # all of them
        (Filters(includes=("Error",)), ["error"]),  # case-sensitive
        (Filters(excludes=("a",)), ["warning", "unlevelled", "no level key"]),
        (
            Filters(excludes=("health", "slow")),
            ["debug", "error", "unlevelled", "no level key", "builder"],
        ),
        (
            Filters(min_level="INFO", replica="d3e4f", request_id="r1", includes=("slow",)),
            ["warning"],
        ),
        (
            Filters(min_level="WARNING", excludes=("Traceback",)),
            ["warning", "unlevelled", "no level key"],
        ),
        (Filters(replica="a1b2c", search_pattern="cache|health", excludes=("cache",)), ["info"]),
        (Filters(min_level="DEBUG", component="model", search_pattern="Value"), ["error"]),
    ],
)
def test_filter_semantics(filters: Filters, expected: list[str]) -> None:
    assert kept(filters) == expected


def test_min_level_reads_the_api_field_leniently_and_detects_only_without_one() -> None:
    keep = matcher(Filters(min_level="WARNING"))
    assert keep({"message": "x", "level": "warn"})
    assert keep({"message": "x", "level": "Error"})
    assert not keep({"message": "x", "level": "info"})
    assert not keep({"message": "x", "level": "LOUD"})
    assert not keep({"message": "x", "level": ["ERROR"]})
    assert keep({"message": "ERROR: detected, not given", "level": None})
    assert not keep({"message": "ERROR: the API said info", "level": "INFO"})
    assert not keep({"message": "no level to detect", "level": None})


def test_odd_messages_do_not_break_text_filters() -> None:
    keep = matcher(Filters(includes=("4",), search_pattern="2"))
    assert keep({"message": 42})
    assert not keep({"message": None})
    assert not keep({})


def test_no_filters_keep_everything_without_per_filter_work() -> None:
    keep = matcher(Filters())
    assert keep({}) and keep({"level": None})


def test_built_filters_work_as_given() -> None:
    filters = build_filters(level="warn", grep="slow|Value", excludes=["900"])
    assert kept(filters) == ["error"]


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("[[:digit:]]+ ms", "took 900 ms", True),
        ("^[[:upper:]][[:alpha:]]+:", "Traceback:", True),
        ("[^[:space:]]{4}", "a b c", False),
        (r"done\z", "done", True),
        (r"done\z", "done\n", False),
        ("(?<word>ab)c", "abc", True),
        (r"\d", "٣", False),  # RE2's \d is ASCII
        (r"\w+", "é", False),
        ("[]x]", "]", True),
        ("[$]", "$", True),
        (r"\$5", "$5", True),
        ("bad$", "bad\n", False),  # $ is the very end of the text, not before a final newline
        ("(?m)bad$", "bad\n", True),
        ("(?i)ÉCHEC", "échec", True),  # (?i) folds all of Unicode, not only ASCII letters
        (r"\pN", "٣", True),  # Unicode classes, which Python's re lacks
        (r"\p{Greek}+", "λόγος", True),
        ("[[x]", "[", True),
        ("ERROR|WARN", "half \ud800 ERROR", True),  # a lone surrogate (legal JSON) in the text
        ("timeout", "read timeout", True),  # no special character: a substring test
        ("", "anything", True),
    ],
)
def test_re2_patterns(pattern: str, text: str, found: bool) -> None:
    """The same cases, here and on the emulator: both must mean what the API's RE2 means."""
    keep = matcher(Filters(search_pattern=pattern))
    assert keep({"message": text}) is found
    assert compile_pattern(pattern)(text) is found


@pytest.mark.parametrize("side", ["local", "emulator"])
@pytest.mark.parametrize(("pattern", "text"), [("(a+)+$", "a" * 34 + "!"), ("(a|aa)+b", "a" * 40)])
def test_a_pattern_that_backtracks_runs_in_linear_time(side: str, pattern: str, text: str) -> None:
    """`(a+)+$` on 34 `a`s and a `!` runs past a minute in a backtracking engine (a hostile
    server's line, a user's innocent pattern). In a subprocess, so a regression fails the test
    at its timeout rather than hanging the suite; with a long text, as time is linear in it."""
    search = (
        f"matcher(Filters(search_pattern={pattern!r}))({{'message': text}})"
        if side == "local"
        else f"compile_pattern({pattern!r})(text)"
    )
    code = (
        "from baseten_logs.reading.filtering import matcher\n"
        "from baseten_logs.reading.query import Filters\n"
        "from baseten_logs.emulator.query import compile_pattern\n"
        f"text = {text!r} * 1000\n"
        f"print({search})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=20, check=True
    )
    assert result.stdout == "False\n" and result.stderr == ""


def test_without_google_re2_a_pattern_is_refused_and_a_word_still_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "re2", None)  # import re2 raises ImportError
    with pytest.raises(UsageError, match="--grep.*google-re2"):
        matcher(Filters(search_pattern="time.?out"))
    assert matcher(Filters(search_pattern="timeout"))({"message": "read timeout"})


def test_a_pattern_re2_refuses_names_the_flag_and_prints_nothing_else(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(UsageError, match="--grep") as raised:
        matcher(Filters(search_pattern="a{1001}"))
    assert "invalid repetition size" in str(raised.value)
    assert capfd.readouterr() == ("", "")  # RE2 logs its errors to stderr unless told not to


def test_python_pattern_translations() -> None:
    assert python_pattern("[[:alnum:]_]") == "[0-9A-Za-z_]"
    assert python_pattern(r"a$|\$|[$]") == r"a\Z|\$|[$]"
    assert python_pattern("(?m)a$") == "(?m)a$"
    assert python_pattern(r"\\z") == r"\\z"  # an escaped backslash, then z
    assert python_pattern("(?<name>x)(?:y)") == "(?P<name>x)(?:y)"


@pytest.mark.parametrize("pattern", ["(unclosed", "[[:bogus:]]", "x{2,1}"])
def test_bad_patterns_are_usage_errors(pattern: str) -> None:
    with pytest.raises(UsageError, match="--grep"):
        matcher(Filters(search_pattern=pattern))


def test_patterns_python_would_warn_about_are_quiet() -> None:
    # filterwarnings=error turns a FutureWarning into a failure here.
    keep = matcher(Filters(search_pattern="[[x]"))
    assert keep({"message": "["})
    assert re.compile("x")  # the warnings filter is restored
