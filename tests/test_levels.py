"""Level names, their order, and detecting a level from a message when the API gave none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from baseten_logs.base import levels
from baseten_logs.base.levels import (
    LEVEL_RANK,
    LEVELS,
    detect_level,
    effective_level,
    level_at_least,
    normalize_level,
    shown_at_least,
)
from baseten_logs.output.summary import Tally


@pytest.fixture(autouse=True)
def fresh_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compile the detection patterns anew for each test, as a fresh process would (they are
    built on first use and kept), so each test exercises the code that builds them."""
    monkeypatch.setattr(levels, "_patterns", None)


@pytest.mark.parametrize(
    ("floor", "counted"),
    [("DEBUG", 4), ("INFO", 3), ("WARNING", 2), ("ERROR", 1)],
)
def test_at_or_above_a_level_follows_severity(floor: str, counted: int) -> None:
    """`--fail-on WARNING` counts warnings and errors, not info or debug lines."""
    tally = Tally()
    tally.write_page([{"timestamp": "1", "message": "m", "level": lvl} for lvl in LEVELS])
    assert tally.count_at_or_above(floor) == counted
    # The API's four levels, least severe first: the order `--level` and the help list them in.
    assert LEVELS == ("DEBUG", "INFO", "WARNING", "ERROR")
    assert [LEVEL_RANK[lvl] for lvl in LEVELS] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("spelling", "level"),
    [
        ("trace", "DEBUG"),
        ("DEBUG", "DEBUG"),
        ("Info", "INFO"),
        ("notice", "INFO"),
        ("warn", "WARNING"),
        ("WARNING", "WARNING"),
        ("err", "ERROR"),
        ("error", "ERROR"),
        ("CRITICAL", "ERROR"),
        ("fatal", "ERROR"),
        ("exception", "ERROR"),
        (" warning ", "WARNING"),
        ("verbose", None),
        ("", None),
    ],
)
def test_normalize_level(spelling: str, level: str | None) -> None:
    assert normalize_level(spelling) == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # JSON logs, by their top-level key.
        ('{"levelname": "WARNING", "message": "disk at 91%"}', "WARNING"),
        ('{"level": "error", "msg": "boom"}', "ERROR"),
        ('{"severity": "DEBUG", "message": "x"}', "DEBUG"),
        ('{"message": "x", "severity": "notice"}', "INFO"),
        # uvicorn, and Python's basicConfig format.
        ('INFO:     10.0.0.1:5000 - "POST /v1/predict HTTP/1.1" 200 OK', "INFO"),
        ("WARNING:root:low memory", "WARNING"),
        ("ERROR:    Exception in ASGI application", "ERROR"),
        # Bracketed anywhere near the start.
        ("[ERROR] model failed to load", "ERROR"),
        ("2026-11-27 10:00:00 [main] [warn] slow request", "WARNING"),
        # logfmt.
        ('time=2026-11-27T10:00:00Z level=warn msg="slow"', "WARNING"),
        ('ts=1 level="error" msg=boom', "ERROR"),
        ("ts=1 lvl=debug msg=x", "DEBUG"),
        # Python logging's default format.
        ("2026-11-27 10:00:00,123 - truss.server - WARNING - slow start", "WARNING"),
        ("2026-11-27 10:00:00,123 - app - CRITICAL - out of memory", "ERROR"),
        # glog.
        ("W1127 10:00:00.123456  1234 server.cc:42] queue full", "WARNING"),
        ("E1127 10:00:00.123 boom", "ERROR"),
        ("I1127 10:00:00.123456 ready", "INFO"),
        # A traceback, wherever it starts.
        ('Traceback (most recent call last):\n  File "model.py", line 3', "ERROR"),
        ("request failed\nTraceback (most recent call last):\n  ...", "ERROR"),
        # Plain text: nothing to go on.
        ("Loading model weights from /app/model", None),
        ("error rate is 0.1% over the last minute", None),
        ("[main] starting 4 workers", None),
        ("tokens=4096 latency_ms=12", None),
        ('{"message": "no level here"}', None),
        ("{not json at all", None),
        ("", None),
    ],
)
def test_detect_level(message: str, level: str | None) -> None:
    assert detect_level(message) == level
    assert effective_level({"message": message, "level": None}) == level


@pytest.mark.parametrize(
    ("record", "level"),
    [
        ({"message": "ERROR: ignored, the API knows better", "level": "DEBUG"}, "DEBUG"),
        ({"message": "x", "level": "warning"}, "WARNING"),  # case normalised
        ({"message": "[ERROR] x", "level": "bogus"}, "ERROR"),  # not a level: detect instead
        ({"message": "[ERROR] x"}, "ERROR"),  # no level key at all
        ({"message": "plain", "level": None}, None),
        ({"level": None}, None),  # no message either
        ({"message": None, "level": None}, None),
        ({"message": 42, "level": 3}, None),  # unexpected types are not errors
    ],
)
def test_effective_level(record: dict[str, Any], level: str | None) -> None:
    assert effective_level(record) == level


def test_long_message_is_scanned_only_near_its_start() -> None:
    assert detect_level("x" * 500 + " [ERROR] late") is None
    assert detect_level("x" * 50 + " [ERROR] early") == "ERROR"


def test_shown_at_least_is_the_level_the_line_shows() -> None:
    at_error = shown_at_least("ERROR")
    record: Mapping[str, object]
    for record in (
        {"message": "ERROR: disk full", "level": "VERBOSE"},
        {"message": "x", "level": "fatal"},
        {"message": "Traceback (most recent call last):", "level": None},
        {"message": "ERROR: x", "level": ["odd"]},
    ):
        assert at_error(record) == level_at_least(effective_level(record), "ERROR") is True
    for record in (
        {"message": "ERROR: said info", "level": "INFO"},
        {"message": "all good", "level": "VERBOSE"},
        {"message": None, "level": None},
    ):
        assert at_error(record) == level_at_least(effective_level(record), "ERROR") is False
