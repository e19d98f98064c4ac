"""`config set|get|list|unset`'s bodies (cli/config_command.py), called as the command will."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from baseten_logs.access.settings import CONFIG_ENV, Resolved
from baseten_logs.base.errors import ConfigError, ExitStatus, UsageError
from baseten_logs.base.timeparse import LOCAL, UTC, parse_zone
from baseten_logs.cli.config_command import (
    KEYS,
    SETTINGS,
    resolve_setting,
    run_config_get,
    run_config_list,
    run_config_set,
    run_config_unset,
    setting_of,
)
from baseten_logs.cli.plan import max_rps_of
from baseten_logs.output.render import OUTPUT_FORMATS
from baseten_logs.reading.query import COLOR_MODES


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "conf" / "config.toml"


@pytest.fixture
def env(path: Path) -> dict[str, str]:
    return {CONFIG_ENV: str(path)}


HEADER = (
    "# baseten-logs defaults, written by `baseten-logs config set KEY VALUE`.\n"
    "# A flag, or a BASETEN_LOGS_<KEY> variable, takes precedence over each.\n"
)


def test_the_keys_are_those_of_the_issue() -> None:
    assert KEYS == ("tz", "output", "prefix", "model", "max_rps", "color")
    assert [setting.env for setting in SETTINGS] == [
        "BASETEN_LOGS_TZ",
        "BASETEN_LOGS_OUTPUT",
        "BASETEN_LOGS_PREFIX",
        "BASETEN_LOGS_MODEL",
        "BASETEN_LOGS_MAX_RPS",
        "BASETEN_LOGS_COLOR",
    ]


def test_each_key_is_checked_by_its_flags_parser() -> None:
    assert setting_of("max_rps").parse is max_rps_of
    assert setting_of("tz").parse("europe/paris") == parse_zone("Europe/Paris")
    for output in OUTPUT_FORMATS:
        assert setting_of("output").parse(output.upper()) == output
    for mode in COLOR_MODES:
        assert setting_of("color").parse(mode) == mode
    for key, bad, flag in [
        ("output", "yaml", "--output"),
        ("color", "blue", "--color"),
        ("prefix", "long", "--prefix"),
        ("tz", "Mars/Olympus", "--tz"),
        ("max_rps", "0", "--max-rps"),
        ("model", "a/b", "MODEL"),
        ("model", "", "MODEL"),
    ]:
        with pytest.raises(UsageError) as caught:
            setting_of(key).parse(bad)
        assert caught.value.flag == flag


def test_set_writes_the_canonical_form_and_get_reads_it(
    env: dict[str, str], path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_config_set(key="tz", value="europe/paris", environ=env) == ExitStatus.OK
    assert run_config_set(key="max-rps", value="50.0", environ=env) == ExitStatus.OK
    assert run_config_set(key="OUTPUT", value="JSONL", environ=env) == ExitStatus.OK
    assert run_config_set(key="max_rps", value="0.5", environ=env) == ExitStatus.OK
    assert run_config_set(key="model", value='llama "3" 8b', environ=env) == ExitStatus.OK
    assert path.read_text(encoding="utf-8") == HEADER + (
        'tz = "Europe/Paris"\nmax_rps = 0.5\noutput = "jsonl"\nmodel = "llama \\"3\\" 8b"\n'
    )
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"baseten-logs: tz = Europe/Paris written to {path}"
    assert f"baseten-logs: max_rps = 50 written to {path}" in err
    for key, shown in [("tz", "Europe/Paris"), ("max_rps", "0.5"), ("model", 'llama "3" 8b')]:
        assert run_config_get(key=key, environ=env) == ExitStatus.OK
        assert capsys.readouterr().out == shown + "\n"


def test_a_bad_value_names_the_key_and_writes_nothing(
    env: dict[str, str], path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(UsageError) as caught:
        run_config_set(key="max_rps", value="lots", environ=env)
    assert str(caught.value) == (
        "max_rps: 'lots' is not a number (requests a second, e.g. 50 (the API allows 100))"
    )
    assert caught.value.status == ExitStatus.USAGE
    with pytest.raises(UsageError, match=r"^tz: unknown time zone 'Mars' \("):
        run_config_set(key="tz", value="Mars", environ=env)
    assert not path.parent.exists() and capsys.readouterr() == ("", "")


def test_an_unknown_key_lists_the_keys(env: dict[str, str]) -> None:
    with pytest.raises(UsageError) as caught:
        run_config_set(key="colour", value="never", environ=env)
    assert str(caught.value) == (
        "KEY: unknown key 'colour' (one of tz, output, prefix, model, max_rps, color)"
    )
    with pytest.raises(UsageError, match="unknown key 'api_key'"):
        run_config_get(key="api_key", environ=env)


def test_set_keeps_the_other_keys_and_repairs_a_bad_one(
    env: dict[str, str], path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path.parent.mkdir()
    path.write_text('color = "blue"\nwrap = 3\n# gone on rewrite\n')
    assert run_config_set(key="color", value="never", environ=env) == ExitStatus.OK
    assert path.read_text() == HEADER + 'color = "never"\nwrap = 3\n'


def test_set_refuses_to_rewrite_what_it_would_lose(env: dict[str, str], path: Path) -> None:
    path.parent.mkdir()
    path.write_text('tz = "utc"\n[mine]\nkept = 1\n')
    with pytest.raises(ConfigError) as caught:
        run_config_set(key="color", value="never", environ=env)
    assert str(caught.value) == (
        f"the config file {path} holds 'mine', which is not a plain value "
        "(edit it by hand: `config set` writes only keys with plain values)"
    )
    assert path.read_text() == 'tz = "utc"\n[mine]\nkept = 1\n'


def test_set_on_a_broken_file_says_so(env: dict[str, str], path: Path) -> None:
    path.parent.mkdir()
    path.write_text("tz = \n")
    with pytest.raises(ConfigError, match=r"is not valid TOML"):
        run_config_set(key="tz", value="utc", environ=env)
    assert path.read_text() == "tz = \n"


def test_set_says_when_a_variable_overrides_the_file(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    env["BASETEN_LOGS_COLOR"] = "always"
    assert run_config_set(key="color", value="never", environ=env) == ExitStatus.OK
    assert capsys.readouterr().err.endswith(
        "baseten-logs: warning: BASETEN_LOGS_COLOR is set, and takes precedence over the file\n"
    )


def test_set_refuses_text_toml_cannot_hold(env: dict[str, str], path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        run_config_set(key="model", value="llama\udcff", environ=env)
    assert str(caught.value).startswith("model: ") and not path.exists()


def test_unset_removes_a_key(
    env: dict[str, str], path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_config_set(key="tz", value="utc", environ=env)
    run_config_set(key="color", value="never", environ=env)
    capsys.readouterr()
    assert run_config_unset(key="tz", environ=env) == ExitStatus.OK
    assert path.read_text() == HEADER + 'color = "never"\n'
    assert capsys.readouterr().err == f"baseten-logs: tz removed from {path}\n"
    assert run_config_unset(key="tz", environ=env) == ExitStatus.OK
    assert capsys.readouterr().err == f"baseten-logs: tz is not set in {path}\n"


def test_get_of_a_key_nothing_sets_is_silent_and_exits_1(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_config_get(key="tz", environ=env) == 1
    assert capsys.readouterr() == ("", "")


def test_get_shows_the_variable_before_the_file(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    run_config_set(key="tz", value="utc", environ=env)
    capsys.readouterr()
    env["BASETEN_LOGS_TZ"] = "asia/kolkata"
    assert run_config_get(key="tz", environ=env) == ExitStatus.OK
    assert capsys.readouterr().out == "Asia/Kolkata\n"


def test_get_of_a_bad_value_is_one_error(env: dict[str, str]) -> None:
    env["BASETEN_LOGS_OUTPUT"] = "yaml"
    with pytest.raises(ConfigError) as caught:
        run_config_get(key="output", environ=env)
    assert str(caught.value).startswith("BASETEN_LOGS_OUTPUT: unknown value 'yaml' (use one of ")
    assert str(caught.value).endswith("; change or unset BASETEN_LOGS_OUTPUT)")


def test_list_shows_every_key_its_value_and_source(
    env: dict[str, str], path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_config_set(key="tz", value="utc", environ=env)
    run_config_set(key="max_rps", value="50", environ=env)
    capsys.readouterr()
    env["BASETEN_LOGS_OUTPUT"] = "jsonl"
    env["BASETEN_LOGS_MAX_RPS"] = "20"
    assert run_config_list(environ=env) == ExitStatus.OK
    assert capsys.readouterr() == (
        "KEY      VALUE  FROM\n"
        "tz       UTC    file\n"
        "output   jsonl  BASETEN_LOGS_OUTPUT\n"
        "prefix   -      -\n"
        "model    -      -\n"
        "max_rps  20     BASETEN_LOGS_MAX_RPS\n"
        "color    -      -\n"
        f"file: {path}\n",
        "",
    )


def test_list_before_any_set(
    env: dict[str, str], path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_config_list(environ=env) == ExitStatus.OK
    assert capsys.readouterr().out.endswith(f"file: {path} (not written yet)\n")


def test_list_names_bad_values_and_unknown_keys(
    env: dict[str, str], path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path.parent.mkdir()
    path.write_text('color = "blue"\ntz = "utc"\nwrap = true\n')
    env["BASETEN_LOGS_MAX_RPS"] = "-1"
    assert run_config_list(environ=env) == ExitStatus.USAGE
    out, err = capsys.readouterr()
    assert "max_rps  (invalid)  BASETEN_LOGS_MAX_RPS\n" in out
    assert "color    (invalid)  file\n" in out and "tz       UTC        file\n" in out
    assert err.splitlines() == [
        f"baseten-logs: warning: {path}: unknown key 'wrap', ignored "
        "(keys: tz, output, prefix, model, max_rps, color)",
        "baseten-logs: error: BASETEN_LOGS_MAX_RPS: must be above 0 and at most 1000 "
        "(requests a second, e.g. 50 (the API allows 100); change or unset BASETEN_LOGS_MAX_RPS)",
        f"baseten-logs: error: color in {path}: unknown value 'blue' (use one of auto, always, "
        "never; change it with `baseten-logs config set color VALUE`)",
    ]


def test_list_shows_control_characters_instead_of_obeying_them(
    env: dict[str, str], path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path.parent.mkdir()
    path.write_text('model = "evil\\u001b[2J"\n')
    assert run_config_list(environ=env) == ExitStatus.USAGE  # not a model name either
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err


def test_resolve_setting_is_what_a_plan_step_calls(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_config_set(key="tz", value="utc", environ=env)
    assert resolve_setting("tz", None, env) == Resolved(UTC, env[CONFIG_ENV])
    assert resolve_setting("tz", "local", env) == Resolved(LOCAL, "--tz")
    assert resolve_setting("color", None, env) is None
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BASETEN_LOGS_TZ", "+01:00")
    found = resolve_setting("tz", None)  # the process's environment
    assert found is not None and (found.value.name, found.source) == ("+01:00", "BASETEN_LOGS_TZ")
    assert os.environ[CONFIG_ENV] == env[CONFIG_ENV]


def test_a_run_without_a_home_has_no_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", no_home)
    assert resolve_setting("tz", None, {}) is None  # a get still runs
    assert resolve_setting("tz", None, {"BASETEN_LOGS_TZ": "utc"}) == Resolved(
        UTC, "BASETEN_LOGS_TZ"
    )
    with pytest.raises(ConfigError, match="no home directory"):
        run_config_set(key="tz", value="utc", environ={})
