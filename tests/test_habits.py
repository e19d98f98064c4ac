"""Issue #27 wired into the commands: --tz (and --utc as its alias) for times typed and shown,
the defaults of `config set` and BASETEN_LOGS_* applied where each key belongs, and the idioms
other log tools taught people (--tail, --no-color, -i, help, global flags before the command)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus
from tests.conftest import invoke
from tests.fakeapi import DEPLOYMENT, MODEL, FakeLogs, record
from tests.fakecatalog import LLAMA, LLAMA_PROD, FakeCatalog

MS = 1_000_000
SINCE_MS = 1_764_147_600_000  # 2025-11-26T09:00:00Z
WINDOW = ("--since", "2025-11-26T09:00:00Z", "--until", "2025-11-26T10:00:00Z")
GET = ("get", MODEL, DEPLOYMENT)


def one_line(logs_api: FakeLogs) -> None:
    logs_api.records = [record((SINCE_MS + 61_500) * MS, "ready", replica="a1b2c")]


# --- --tz: times typed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "since_ms"),
    [
        # The bug: --utc governed only the output; a wall-clock time was read as local.
        (("--utc",), SINCE_MS),
        (("--tz", "utc"), SINCE_MS),
        (("--tz", "Europe/Paris"), SINCE_MS - 3_600_000),  # 09:00 in Paris is 08:00Z
        (("--tz", "+05:30"), SINCE_MS - 19_800_000),
        ((), SINCE_MS + 8 * 3_600_000),  # no zone chosen: local time, as always (UTC-8 here)
    ],
)
def test_tz_reads_a_time_without_offset_in_its_zone(
    logs_api: FakeLogs,
    set_tz: Callable[[str], None],
    flags: tuple[str, ...],
    since_ms: int,
) -> None:
    set_tz("America/Los_Angeles")
    result = invoke(*GET, "--since", "2025-11-26T09:00:00", "--until", "+1h", "--all", *flags)
    assert result.status == 0, result.stderr
    assert logs_api.calls[0]["start_epoch_millis"] == str(since_ms)


def test_tz_reads_a_time_of_day_in_its_zone(logs_api: FakeLogs) -> None:
    """`--since 20:00 --tz X`: 20:00 in X, the last one past, whatever the machine's zone."""
    from baseten_logs.base.timeparse import parse_when, parse_zone

    result = invoke(*GET, "--since", "20:00", "--tz", "Asia/Tokyo", "--all")
    assert result.status == 0, result.stderr
    # The window's start: the earliest asked (a long window's first slices are asked at once).
    sent = min(int(call["start_epoch_millis"]) for call in logs_api.calls)
    tokyo = parse_zone("Asia/Tokyo")
    assert tokyo.wall(sent).strftime("%H:%M") == "20:00"
    now = parse_when("now", flag="--until", now_ms=0)
    assert now == 0 and sent > 0


def test_an_offset_in_the_time_keeps_its_own_zone(logs_api: FakeLogs) -> None:
    result = invoke(*GET, "--tz", "Europe/Paris", "--all", *WINDOW)
    assert result.status == 0 and logs_api.calls[0]["start_epoch_millis"] == str(SINCE_MS)


def test_utc_and_another_tz_is_bad_input(logs_api: FakeLogs) -> None:
    result = invoke(*GET, "--utc", "--tz", "Europe/Paris")
    assert result.status == ExitStatus.USAGE and not logs_api.calls
    logs_api.records = []
    assert result.stderr == (
        "baseten-logs: error: --utc: is --tz utc, and --tz says 'Europe/Paris' (give one of them)\n"
    )
    assert invoke(*GET, "--utc", "--tz", "UTC", *WINDOW).status == 0  # the same thing twice


def test_an_unknown_zone_is_bad_input_before_any_request(
    httpx_mock: HTTPXMock, api_env: None
) -> None:
    result = invoke(*GET, "--tz", "Europe/Pariss")  # strict pytest-httpx: no request may go
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith("baseten-logs: error: --tz: unknown time zone 'Europe/Pariss'")
    assert "did you mean Europe/Paris?" in result.stderr


# --- --tz: times shown ------------------------------------------------------------------------

LINE = "INFO    a1b2c  ready\n"


@pytest.mark.parametrize("columns", ["60", "120"])
@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        (("--utc",), "2025-11-26 09:01:01.500Z " + LINE),
        (("--tz", "utc"), "2025-11-26 09:01:01.500Z " + LINE),
        (("--tz", "Europe/Paris"), "2025-11-26 10:01:01.500+01:00 " + LINE),
        (("--tz", "-03:30"), "2025-11-26 05:31:01.500-03:30 " + LINE),
        (("--tz", "local"), "2025-11-26 01:01:01.500-08:00 " + LINE),  # chosen: marked
        ((), "2025-11-26 01:01:01.500 " + LINE),  # nothing chosen: local, unmarked as always
    ],
)
def test_text_lines_show_the_zone_chosen_with_its_marker(
    logs_api: FakeLogs,
    set_tz: Callable[[str], None],
    columns: str,
    flags: tuple[str, ...],
    shown: str,
) -> None:
    set_tz("America/Los_Angeles")
    one_line(logs_api)
    result = invoke(*GET, *WINDOW, "--color", "never", *flags, env={"COLUMNS": columns})
    assert (result.status, result.stdout) == (0, shown)


def test_the_marker_follows_daylight_saving_line_by_line(logs_api: FakeLogs) -> None:
    """Paris moves from +01:00 to +02:00 at 01:00Z on 2026-03-29: each line has its own."""
    change_ms = 1_774_746_000_000  # 2026-03-29T01:00:00Z
    logs_api.records = [
        record((change_ms - 1_000) * MS, "before"),
        record((change_ms + 1_000) * MS, "after"),
    ]
    window = ("--since", "2026-03-29T00:00:00Z", "--until", "2026-03-29T02:00:00Z")
    result = invoke(*GET, *window, "--tz", "Europe/Paris", "-o", "text", "--color", "never")
    assert result.stdout.splitlines() == [
        "2026-03-29 01:59:59.000+01:00 INFO    a1b2c  before",
        "2026-03-29 03:00:01.000+02:00 INFO    a1b2c  after",
    ]


def test_a_continued_message_is_indented_under_a_marked_time(logs_api: FakeLogs) -> None:
    logs_api.records = [record((SINCE_MS + 1_000) * MS, "Traceback:\n  boom")]
    result = invoke(*GET, *WINDOW, "--tz", "+01:00", "--color", "never")
    first, second = result.stdout.splitlines()
    assert second.index("boom") == first.index("Traceback") + 2


def test_the_nothing_matched_message_names_the_zone(logs_api: FakeLogs) -> None:
    tty = {"TTY_COMPATIBLE": "1"}  # said on a terminal only
    result = invoke(*GET, *WINDOW, "--tz", "Asia/Kolkata", "--replica", "zzzzz", env=tty)
    assert result.status == 0 and result.stdout == ""
    assert result.stderr == (
        "baseten-logs: no lines between 2025-11-26 14:30:00 and 15:30:00 Asia/Kolkata +05:30 "
        "matching --replica zzzzz\n"
    )


def test_a_window_refused_is_told_in_the_zone_chosen(httpx_mock: HTTPXMock, api_env: None) -> None:
    result = invoke(*GET, "--since", "2014-06-01T00:00:00", "--tz", "+02:00")
    assert result.status == ExitStatus.USAGE
    assert "is 2014-06-01T00:00:00.000+02:00, before any Baseten log" in result.stderr


def test_jsonl_is_unchanged_by_the_zone(logs_api: FakeLogs) -> None:
    one_line(logs_api)
    plain = invoke(*GET, *WINDOW, "-o", "jsonl").stdout
    assert plain and invoke(*GET, *WINDOW, "-o", "jsonl", "--tz", "Asia/Tokyo").stdout == plain


def test_request_header_shows_the_zone(tmp_path: Path) -> None:
    from baseten_logs.base.timeparse import parse_zone
    from baseten_logs.cli.request import _clock

    ns = (SINCE_MS + 1_112) * MS
    assert _clock(ns, parse_zone("Europe/Paris")) == "2025-11-26 10:00:01.112+01:00"
    assert _clock(ns, parse_zone("utc")) == "2025-11-26 09:00:01.112Z"


# --- config set|get|list|unset, and the defaults applied ---------------------------------------


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("BASETEN_LOGS_CONFIG", str(path))
    return path


def test_config_set_get_list_unset_through_the_command(config_file: Path) -> None:
    written = invoke("config", "set", "tz", "europe/paris")
    assert (written.status, written.stdout) == (0, 'tz = "Europe/Paris"\n')  # the file's line
    assert written.stderr == f"baseten-logs: tz = Europe/Paris written to {config_file}\n"
    assert invoke("config", "set", "max-rps", "20").status == 0
    assert 'tz = "Europe/Paris"' in config_file.read_text()
    assert invoke("config", "get", "tz").stdout == "Europe/Paris\n"
    listed = invoke("config", "list")
    assert listed.status == 0
    assert listed.stdout.splitlines()[1:3] == [
        "tz       Europe/Paris  file",
        "output   -             -",
    ]
    assert invoke("config").stdout == listed.stdout  # `config` alone: what list shows
    assert invoke("config", "unset", "tz").status == 0
    unset = invoke("config", "get", "tz")
    assert (unset.status, unset.stdout) == (1, "")  # nothing sets it: exit 1, as git config


def test_config_set_refuses_what_the_flag_would(config_file: Path) -> None:
    result = invoke("config", "set", "output", "yaml")
    assert result.status == ExitStatus.USAGE and not config_file.exists()
    assert result.stderr.startswith("baseten-logs: error: output: ")
    assert invoke("config", "set", "colour", "never").status == ExitStatus.USAGE  # no such key


def test_the_commands_keys_are_the_settings_keys() -> None:
    from baseten_logs.cli.config_command import KEYS
    from baseten_logs.cli.setup_commands import CONFIG_KEYS

    assert CONFIG_KEYS == KEYS


def test_whoami_is_unchanged_by_config(api_env: None) -> None:
    result = invoke("whoami")
    assert result.status == 0 and "BASETEN_API_KEY" in result.stdout


@pytest.mark.parametrize(
    ("env", "flags", "marker"),
    [
        ({}, (), "+09:00"),  # the file's tz
        ({"BASETEN_LOGS_TZ": "+01:00"}, (), "+01:00"),  # the variable beats the file
        ({"BASETEN_LOGS_TZ": "+01:00"}, ("--tz", "-02:00"), "-02:00"),  # the flag beats both
        ({"BASETEN_LOGS_TZ": "+01:00"}, ("--utc",), "Z"),  # --utc is a --tz flag too
        ({"BASETEN_LOGS_TZ": ""}, (), "+09:00"),  # an empty variable is unset
    ],
)
def test_tz_from_flag_environment_or_file(
    logs_api: FakeLogs,
    config_file: Path,
    env: dict[str, str],
    flags: tuple[str, ...],
    marker: str,
) -> None:
    config_file.write_text('tz = "Asia/Tokyo"\n')
    one_line(logs_api)
    result = invoke(*GET, *WINDOW, *flags, env=env)
    assert result.status == 0, result.stderr
    assert result.stdout.split(" ")[1].endswith(marker + ""), result.stdout


def test_the_file_tz_reads_typed_times_too(logs_api: FakeLogs, config_file: Path) -> None:
    config_file.write_text('tz = "utc"\n')
    invoke(*GET, "--since", "2025-11-26T09:00:00", "--until", "+1h", "--all")
    assert logs_api.calls[0]["start_epoch_millis"] == str(SINCE_MS)


def test_a_bad_default_names_where_it_came_from(
    httpx_mock: HTTPXMock, api_env: None, config_file: Path
) -> None:
    variable = invoke(*GET, *WINDOW, env={"BASETEN_LOGS_MAX_RPS": "lots"})
    assert variable.status == ExitStatus.USAGE  # strict pytest-httpx: no request went
    assert variable.stderr.startswith("baseten-logs: error: BASETEN_LOGS_MAX_RPS: 'lots' is not")
    assert "change or unset BASETEN_LOGS_MAX_RPS" in variable.stderr
    config_file.write_text('tz = "Mars/Olympus"\n')
    result = invoke(*GET, *WINDOW)
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith(f"baseten-logs: error: tz in {config_file}: unknown time zone")
    assert "config set tz" in result.stderr


def test_output_from_the_defaults_and_the_flag_beats_it(
    logs_api: FakeLogs, config_file: Path
) -> None:
    one_line(logs_api)
    config_file.write_text('output = "raw"\n')
    assert invoke(*GET, *WINDOW).stdout == "ready\n"
    assert invoke(*GET, *WINDOW, "-o", "text", "--color", "never").stdout.endswith(LINE)
    assert invoke(*GET, *WINDOW, env={"BASETEN_LOGS_OUTPUT": "jsonl"}).stdout.startswith("{")


def test_color_from_the_defaults_and_no_color(logs_api: FakeLogs, config_file: Path) -> None:
    one_line(logs_api)
    config_file.write_text('color = "always"\n')
    assert "\x1b[" in invoke(*GET, *WINDOW).stdout  # piped, yet coloured: the file says always
    assert "\x1b[" not in invoke(*GET, *WINDOW, "--no-color").stdout
    assert "\x1b[" not in invoke(*GET, *WINDOW, "--color", "never").stdout
    clash = invoke(*GET, *WINDOW, "--no-color", "--color", "always")
    assert clash.status == ExitStatus.USAGE
    assert clash.stderr == (
        "baseten-logs: error: --no-color: contradicts --color always (give one of them)\n"
    )
    logs_api.records = []


def test_the_default_model_is_read_when_model_is_not_named(
    catalog: FakeCatalog, api_env: None, config_file: Path
) -> None:
    catalog.logs[f"/v1/models/{LLAMA}/deployments/{LLAMA_PROD}/logs"] = [
        record((SINCE_MS + 1_000) * MS, "from the default model")
    ]
    missing = invoke("get", *WINDOW)
    assert missing.status == ExitStatus.USAGE
    assert missing.stderr == (
        "baseten-logs: error: MODEL: is missing "
        "(name the model, or set a default: baseten-logs config set model NAME)\n"
    )
    config_file.write_text('model = "llama-3-8b"\n')
    result = invoke("get", *WINDOW, "-o", "raw")
    assert (result.status, result.stdout) == (0, "from the default model\n")
    assert invoke("get", *WINDOW, "-o", "raw", env={"BASETEN_LOGS_MODEL": LLAMA}).status == 0
    bad = invoke("get", *WINDOW, env={"BASETEN_LOGS_MODEL": "a/b"})
    assert bad.status == ExitStatus.USAGE and "BASETEN_LOGS_MODEL" in bad.stderr


@pytest.mark.parametrize("columns", ["60", "120"])
def test_listing_tables_follow_the_zone(catalog: FakeCatalog, api_env: None, columns: str) -> None:
    env = {"COLUMNS": columns}
    utc = invoke("deployments", "llama-3-8b", "-o", "table", env=env)
    paris = invoke("deployments", "llama-3-8b", "-o", "table", "--tz", "Europe/Paris", env=env)
    assert utc.status == paris.status == 0
    assert "UTC" in utc.stdout and "UTC" not in paris.stdout
    if columns == "120":  # at 60 the table folds its cells: only the zone's name is checked
        assert "CREATED (UTC)" in utc.stdout and "2026-03-01 10:00" in utc.stdout  # as before
        assert "CREATED (Europe/Paris)" in paris.stdout
        assert "2026-03-01 11:00" in paris.stdout and "2026-03-01 10:00" not in paris.stdout
    json_lines = invoke("deployments", "llama-3-8b", "-o", "jsonl", "--tz", "Europe/Paris")
    assert json_lines.stdout == invoke("deployments", "llama-3-8b", "-o", "jsonl").stdout


def test_max_rps_from_the_defaults_reaches_the_client(
    logs_api: FakeLogs, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baseten_logs.cli import get

    seen: list[float] = []
    run_get = get.run_get

    def spy(**kwargs: object) -> ExitStatus:
        seen.append(kwargs["max_rps"])  # type: ignore[arg-type]
        return run_get(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(get, "run_get", spy)
    logs_api.records = []
    config_file.write_text("max_rps = 7\n")
    invoke(*GET, *WINDOW)
    invoke(*GET, *WINDOW, env={"BASETEN_LOGS_MAX_RPS": "0.5"})
    invoke(*GET, *WINDOW, "--max-rps", "30", env={"BASETEN_LOGS_MAX_RPS": "0.5"})
    assert seen == [7.0, 0.5, 30.0]


# --- -i/--ignore-case ---------------------------------------------------------------------------

CASES = ["Warmup done", "WARMUP again", "warmup third", "ready"]


def cased(logs_api: FakeLogs) -> None:
    logs_api.records = [record((SINCE_MS + 1_000 * i) * MS, text) for i, text in enumerate(CASES)]


def test_i_makes_grep_ignore_case_at_the_api(logs_api: FakeLogs) -> None:
    """RE2, which the endpoint documents, has the (?i) flag: the API does the work."""
    cased(logs_api)
    plain = invoke(*GET, *WINDOW, "--grep", "warmup", "-o", "raw")
    assert plain.stdout == "warmup third\n"
    logs_api.calls.clear()
    result = invoke(*GET, *WINDOW, "--grep", "warmup", "-i", "-o", "raw")
    assert result.stdout == "Warmup done\nWARMUP again\nwarmup third\n"
    assert {call["search_pattern"] for call in logs_api.calls} == {"(?i)warmup"}


def test_i_applies_include_and_exclude_here_since_the_api_cannot(logs_api: FakeLogs) -> None:
    """The endpoint's includes/excludes are case-sensitive: under -i they are not sent (that
    would drop lines of another case) and are matched here, casefolded."""
    cased(logs_api)
    result = invoke(*GET, *WINDOW, "--include", "WARMUP", "--exclude", "AGAIN", "-i", "-o", "raw")
    assert result.stdout == "Warmup done\nwarmup third\n"
    assert all("includes" not in call and "excludes" not in call for call in logs_api.calls)
    newest = invoke(*GET, *WINDOW, "--ignore-case", "--include", "warmup", "-n", "1", "-o", "raw")
    assert newest.stdout == "warmup third\n"  # -n counts the lines kept, as for training


def test_i_in_view_and_in_the_nothing_matched_message(logs_api: FakeLogs, tmp_path: Path) -> None:
    cased(logs_api)
    saved = tmp_path / "saved.jsonl"
    assert invoke(*GET, *WINDOW, "--save", str(saved), "-q", "-o", "raw").status == 0
    result = invoke("view", str(saved), "--include", "warmup", "-i", "-o", "raw")
    assert result.stdout == "Warmup done\nWARMUP again\nwarmup third\n"
    tty = {"TTY_COMPATIBLE": "1"}
    none = invoke(*GET, *WINDOW, "--grep", "nothing", "-i", "--utc", env=tty)
    assert none.stderr.endswith("matching --grep nothing -i\n")


# --- help, and flags before the command -----------------------------------------------------


@pytest.mark.parametrize("words", [(), ("get",), ("config",), ("config", "set"), ("view",)])
def test_help_command_is_the_commands_help(words: tuple[str, ...]) -> None:
    env = {"COLUMNS": "100"}
    assert invoke("help", *words, env=env) == invoke(*words, "--help", env=env)


def test_help_of_an_unknown_command_is_bad_input() -> None:
    result = invoke("help", "gett")
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith("baseten-logs: error: No such command 'gett'.")


def test_flags_before_the_command(logs_api: FakeLogs) -> None:
    one_line(logs_api)
    after = invoke(*GET, *WINDOW, "-v", "--color", "always")
    before = invoke("-v", "--color", "always", *GET, *WINDOW)
    assert before.status == after.status == 0
    assert before.stdout == after.stdout and "\x1b[" in before.stdout
    assert "GET /v1/models/" in before.stderr  # -v: each request on stderr
    # The command's own flag wins over the one before it.
    own = invoke("--color", "always", *GET, *WINDOW, "--color", "never")
    assert "\x1b[" not in own.stdout and own.stdout.endswith(LINE)
    no_color = invoke("--color", "always", *GET, *WINDOW, "--no-color")
    assert no_color.status == 0 and no_color.stdout == own.stdout


def test_key_and_url_before_the_command(httpx_mock: HTTPXMock) -> None:
    from tests.fakeapi import API_URL

    fake = FakeLogs()
    one_line(fake)
    httpx_mock.add_callback(fake, url=re.compile(rf"{API_URL}/v1/models/.*/logs.*"))
    result = invoke(
        "--api-key", "test-key-0123456789abcdef", "--api-url", API_URL, *GET, *WINDOW, "-o", "raw"
    )
    assert (result.status, result.stdout) == (0, "ready\n")
    assert httpx_mock.get_requests()[0].headers["authorization"].endswith("0123456789abcdef")


def test_a_global_flag_is_listed_in_the_top_help() -> None:
    top = invoke("--help", env={"COLUMNS": "100"}).stdout
    for flag in ("-v, --verbose", "--api-key KEY", "--api-url URL", "--remote NAME", "--color"):
        assert flag in top


# --- --timestamps/--no-timestamps ------------------------------------------------------------


@pytest.mark.parametrize("columns", ["60", "120"])
def test_no_timestamps_drops_the_time_column(logs_api: FakeLogs, columns: str) -> None:
    logs_api.records = [
        record((SINCE_MS + 1_000) * MS, "ready"),
        record((SINCE_MS + 2_000) * MS, "Traceback:\n  boom", level="ERROR"),
    ]
    env = {"COLUMNS": columns}
    result = invoke(*GET, *WINDOW, "--no-timestamps", "--color", "never", env=env)
    assert result.stdout == (
        "INFO    a1b2c  ready\nERROR   a1b2c  Traceback:\n" + " " * 15 + "  boom\n"
    )
    shown = invoke(*GET, *WINDOW, "--timestamps", "--color", "never", "--utc", env=env)
    assert shown.stdout.startswith("2025-11-26 09:00:01.000Z INFO    a1b2c  ready\n")
    assert shown.stdout == invoke(*GET, *WINDOW, "--color", "never", "--utc", env=env).stdout


def test_no_timestamps_in_view(logs_api: FakeLogs, tmp_path: Path) -> None:
    one_line(logs_api)
    saved = tmp_path / "saved.jsonl"
    invoke(*GET, *WINDOW, "--save", str(saved), "-q")
    assert invoke("view", str(saved), "--no-timestamps", "--color", "never").stdout == LINE


@pytest.mark.parametrize("width", [60, 120])
def test_stats_view_in_a_zone(width: int) -> None:
    """The header marks the zone; the axis ticks are round times of that zone (Kolkata's
    half hour), unmarked except UTC's Z, so they fit at 60 columns."""
    import io

    from baseten_logs.base.timeparse import parse_zone
    from baseten_logs.output.stats_view import make_console, render_summary
    from tests.test_stats import M, collect, sample

    console = make_console(io.StringIO(), color=False, width=width)
    console.record = True
    summary = collect(sample(), M).summary()
    render_summary(summary, console=console, zone=parse_zone("Asia/Kolkata"))
    lines = console.export_text().splitlines()
    assert lines[0].startswith("2025-11-26 14:30:00+05:30 → 2025-11-26 15:29:59+05:30 (1h)")
    axis = next(i for i, line in enumerate(lines) if line.lstrip().startswith("0 └"))
    assert lines[axis + 2].split()[:3] == ["14:30", "14:40", "14:50"]
    assert all(len(line) <= width for line in lines)


def test_the_summary_tells_times_in_the_zone(logs_api: FakeLogs) -> None:
    one_line(logs_api)
    utc = invoke(*GET, *WINDOW, "--summary", "-o", "raw")
    paris = invoke(*GET, *WINDOW, "--summary", "-o", "raw", "--tz", "Europe/Paris")
    assert "2025-11-26T09:01:01.500Z to 2025-11-26T09:01:01.500Z" in utc.stderr  # as before
    assert "2025-11-26T10:01:01.500+01:00 to 2025-11-26T10:01:01.500+01:00" in paris.stderr


# --- the config's prefix, and times in each --prefix form -----------------------------------


def test_prefix_from_the_defaults_and_the_flag_beats_it(
    logs_api: FakeLogs, config_file: Path, tmp_path: Path
) -> None:
    """`config set prefix` is --prefix's default (it was stored and checked, not applied)."""
    one_line(logs_api)
    config_file.write_text('prefix = "none"\n')
    assert invoke(*GET, *WINDOW, "--color", "never").stdout == "ready\n"
    short = invoke(*GET, *WINDOW, "--utc", env={"BASETEN_LOGS_PREFIX": "short"})
    assert short.stdout == "09:01:01.500Z I a1b2c ready\n"  # the variable beats the file
    full = invoke(*GET, *WINDOW, "--prefix", "full", "--utc", "--color", "never")
    assert full.stdout == "2025-11-26 09:01:01.500Z " + LINE  # the flag beats both
    saved = tmp_path / "saved.jsonl"
    invoke(*GET, *WINDOW, "--save", str(saved), "-q")
    assert invoke("view", str(saved), "--color", "never").stdout == "ready\n"
    bad = invoke(*GET, *WINDOW, env={"BASETEN_LOGS_PREFIX": "wide"})
    assert bad.status == ExitStatus.USAGE and "BASETEN_LOGS_PREFIX" in bad.stderr
    assert len(logs_api.calls) == 4  # none for the bad one


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        (("--prefix", "short", "--utc"), "09:01:01.500Z I a1b2c ready\n"),
        (("--prefix", "short", "--tz", "Europe/Paris"), "10:01:01.500+01:00 I a1b2c ready\n"),
        (("--prefix", "short", "--no-timestamps"), "I a1b2c ready\n"),
        (("--prefix", "short", "--no-timestamps", "--utc"), "I a1b2c ready\n"),
        (("--prefix", "full", "--tz", "-03:30"), "2025-11-26 05:31:01.500-03:30 " + LINE),
        (("--prefix", "full", "--no-timestamps", "--tz", "-03:30"), LINE),
        (("--prefix", "none", "--tz", "Europe/Paris"), "ready\n"),
        (("--prefix", "none", "--timestamps"), "ready\n"),
        (("--template", "{time} {message}", "--tz", "Europe/Paris"),
         "2025-11-26 10:01:01.500+01:00 ready\n"),
    ],
)  # fmt: skip
def test_the_zone_and_timestamps_in_each_prefix_form(
    logs_api: FakeLogs, flags: tuple[str, ...], shown: str
) -> None:
    one_line(logs_api)
    result = invoke(*GET, *WINDOW, "--color", "never", *flags)
    assert (result.status, result.stdout) == (0, shown)


def test_a_continued_message_under_a_short_marked_time(logs_api: FakeLogs) -> None:
    logs_api.records = [record((SINCE_MS + 1_000) * MS, "Traceback:\n  boom", level="ERROR")]
    flags = ("--color", "never", "--prefix", "short")
    marked = invoke(*GET, *WINDOW, *flags, "--tz", "Europe/Paris").stdout
    assert marked == "10:00:01.000+01:00 E a1b2c Traceback:\n" + " " * 27 + "  boom\n"
    untimed = invoke(*GET, *WINDOW, *flags, "--no-timestamps").stdout
    assert untimed == "E a1b2c Traceback:\n" + " " * 8 + "  boom\n"
