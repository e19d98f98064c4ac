"""The defaults file and BASETEN_LOGS_* variables (access/settings.py): where, reading, writing,
and the precedence flag > environment > file."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseten_logs.access.settings import (
    CONFIG_ENV,
    MAX_FILE_BYTES,
    Resolved,
    Setting,
    SettingsFile,
    config_path,
    load_file,
    render_toml,
    resolve,
    write_file,
)
from baseten_logs.base.errors import ConfigError, ExitStatus, UsageError
from baseten_logs.cli.plan import max_rps_of

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

MAX_RPS: Setting[float] = Setting("max_rps", "--max-rps", max_rps_of, lambda rps: rps)


def _word(text: str) -> str:
    if text not in ("auto", "always", "never"):
        raise UsageError(
            "--color", f"unknown value {text!r}", hint="use one of auto, always, never"
        )
    return text


COLOR: Setting[str] = Setting("color", "--color", _word, lambda text: text)


# --- where the file is ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({CONFIG_ENV: "/etc/bl.toml", "XDG_CONFIG_HOME": "/x"}, "linux", "/etc/bl.toml"),
        ({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "linux", "/x/baseten-logs/config.toml"),
        ({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "darwin", "/x/baseten-logs/config.toml"),
        ({"XDG_CONFIG_HOME": "rel", "HOME": "/h"}, "linux", "/h/.config/baseten-logs/config.toml"),
        ({"HOME": "/h"}, "linux", "/h/.config/baseten-logs/config.toml"),
        (
            {"HOME": "/h"},
            "darwin",
            "/h/Library/Application Support/baseten-logs/config.toml",
        ),
        ({"HOME": "/h", "APPDATA": "/a"}, "win32", "/a/baseten-logs/config.toml"),
        ({"HOME": "/h"}, "win32", "/h/.config/baseten-logs/config.toml"),
        ({CONFIG_ENV: "", "HOME": "/h"}, "linux", "/h/.config/baseten-logs/config.toml"),
    ],
)
def test_config_path(env: dict[str, str], platform: str, expected: str) -> None:
    assert config_path(env, platform=platform) == Path(expected)


def test_config_path_expands_a_tilde(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    assert config_path({CONFIG_ENV: "~/bl.toml"}) == Path("/home/someone/bl.toml")


def test_config_path_defaults_to_the_process_environment(tmp_path: Path) -> None:
    # conftest points XDG_CONFIG_HOME into tmp_path: never the developer's own file
    assert config_path() == tmp_path / "home" / ".config" / "baseten-logs" / "config.toml"


# --- reading ---------------------------------------------------------------------------------


def test_a_missing_file_is_an_empty_one(tmp_path: Path) -> None:
    settings = load_file(tmp_path / "none.toml")
    assert settings == SettingsFile(tmp_path / "none.toml", {}, exists=False)


def test_a_file_is_read_as_toml(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'\xef\xbb\xbf# mine\ntz = "utc"\nmax_rps = 50\nwrap = 0.5\n')  # with a BOM
    settings = load_file(path)
    assert settings.values == {"tz": "utc", "max_rps": 50, "wrap": 0.5} and settings.exists
    assert settings.unknown(("tz", "max_rps")) == ["wrap"]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b'tz = "utc', "is not valid TOML: "),
        (b"tz = utc\n", "is not valid TOML: "),
        (b'tz = "utc"\ntz = "local"\n', "is not valid TOML: "),
        (b'tz = "\xff"\n', "is not UTF-8 text"),
        (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "is not valid TOML"),
        (b"#" * (MAX_FILE_BYTES + 1), f"is larger than {MAX_FILE_BYTES // 1024} KiB"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_error_naming_it(
    tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"the config file {path} {said}")
    assert str(caught.value).endswith(
        f"(fix or remove it (`config set` writes a new one), or point {CONFIG_ENV} elsewhere)"
    )
    assert "\n" not in str(caught.value) and caught.value.status == ExitStatus.USAGE


def test_a_directory_in_the_files_place_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_file(tmp_path)
    assert str(caught.value) == (
        f"the config file {tmp_path} is not a regular file (fix or remove it "
        f"(`config set` writes a new one), or point {CONFIG_ENV} elsewhere)"
    )


def test_a_fifo_is_not_waited_for(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_file(fifo)


def test_dev_null_is_an_empty_file() -> None:
    assert load_file(Path(os.devnull)).values == {}


def test_a_file_that_cannot_be_opened_names_the_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError) as caught:
        load_file(blocker / "config.toml")
    assert str(caught.value).startswith(
        f"cannot read the config file {blocker / 'config.toml'}: Not a directory ("
    )


def test_no_home_at_all_is_one_error_naming_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", no_home)
    with pytest.raises(ConfigError) as caught:
        config_path({}, platform="linux")
    assert str(caught.value) == (
        f"cannot tell where the config file is: no home directory (set HOME, or {CONFIG_ENV} "
        "to the file)"
    )


# --- precedence ------------------------------------------------------------------------------


def file_of(tmp_path: Path, **values: Any) -> SettingsFile:
    return SettingsFile(tmp_path / "config.toml", values, exists=True)


def test_the_flag_beats_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    file = file_of(tmp_path, max_rps=10)
    env = {"BASETEN_LOGS_MAX_RPS": "20"}
    assert resolve(MAX_RPS, "30", env, file) == Resolved(30.0, "--max-rps")
    assert resolve(MAX_RPS, None, env, file) == Resolved(20.0, "BASETEN_LOGS_MAX_RPS")
    assert resolve(MAX_RPS, None, {}, file) == Resolved(10.0, str(file.path))
    assert resolve(MAX_RPS, None, {}, file_of(tmp_path)) is None  # the command's default


def test_an_empty_variable_is_unset(tmp_path: Path) -> None:
    found = resolve(MAX_RPS, None, {"BASETEN_LOGS_MAX_RPS": ""}, file_of(tmp_path, max_rps=10))
    assert found == Resolved(10.0, str(tmp_path / "config.toml"))


def test_the_file_is_read_only_when_flag_and_variable_are_silent(tmp_path: Path) -> None:
    def unread() -> SettingsFile:
        raise AssertionError("the file was read")

    assert resolve(MAX_RPS, "5", {}, unread) == Resolved(5.0, "--max-rps")
    assert resolve(MAX_RPS, None, {"BASETEN_LOGS_MAX_RPS": "6"}, unread) is not None
    assert resolve(MAX_RPS, None, {}, lambda: file_of(tmp_path, max_rps=7)) == Resolved(
        7.0, str(tmp_path / "config.toml")
    )


@pytest.mark.parametrize(("value", "rps"), [(50, 50.0), (0.5, 0.5), ("25", 25.0), ("1e2", 100.0)])
def test_file_values_reach_the_flags_parser_as_typed(
    tmp_path: Path, value: Any, rps: float
) -> None:
    assert resolve(MAX_RPS, None, {}, file_of(tmp_path, max_rps=value)) == Resolved(
        rps, str(tmp_path / "config.toml")
    )


def test_a_bad_flag_is_the_flags_own_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        resolve(MAX_RPS, "abc", {}, file_of(tmp_path))
    assert str(caught.value) == (
        "--max-rps: 'abc' is not a number (requests a second, e.g. 50 (the API allows 100))"
    )


def test_a_bad_variable_names_the_variable_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(MAX_RPS, None, {"BASETEN_LOGS_MAX_RPS": "0"}, file_of(tmp_path))
    assert str(caught.value) == (
        "BASETEN_LOGS_MAX_RPS: must be above 0 and at most 1000 (requests a second, e.g. 50 "
        "(the API allows 100); change or unset BASETEN_LOGS_MAX_RPS)"
    )
    assert caught.value.status == ExitStatus.USAGE


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("blue", "unknown value 'blue' (use one of auto, always, never; "),
        (True, "is true/false, not a value of --color (set it with "),
        ([1], "is an array, not a value of --color (set it with "),
        ({"a": 1}, "is a table, not a value of --color (set it with "),
    ],
)
def test_a_bad_file_value_names_the_key_the_file_and_the_fix(
    tmp_path: Path, value: Any, said: str
) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        resolve(COLOR, None, {}, file_of(tmp_path, color=value))
    message = str(caught.value)
    assert message.startswith(f"color in {path}") and said in message
    assert message.endswith("`baseten-logs config set color VALUE`)")


def test_a_file_float_that_is_no_number_reaches_the_parser(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^max_rps in .*: must be above 0"):
        resolve(MAX_RPS, None, {}, file_of(tmp_path, max_rps=float("inf")))


# --- writing ---------------------------------------------------------------------------------


def test_render_toml_is_flat_and_escaped() -> None:
    values: dict[str, str | int | float | bool] = {
        "tz": "Europe/Paris",
        "max_rps": 50,
        "rate": 0.5,
        "on": True,
        "odd key": 'a"\\\n\x1b',
    }
    assert render_toml(values, header="one\ntwo") == (
        "# one\n"
        "# two\n"
        'tz = "Europe/Paris"\n'
        "max_rps = 50\n"
        "rate = 0.5\n"
        "on = true\n"
        '"odd key" = "a\\"\\\\\\n\\u001B"\n'
    )


@given(
    st.dictionaries(
        st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12),
        st.one_of(
            st.text(st.characters(blacklist_categories=["Cs"])),
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
            st.floats(allow_nan=False, allow_infinity=False),
            st.booleans(),
        ),
        max_size=6,
    )
)
def test_render_toml_reads_back_as_written(values: dict[str, Any]) -> None:
    assert tomllib.loads(render_toml(values, header="a header")) == values


@pytest.mark.parametrize("value", ["\udcff", 2**63, -(2**63) - 1, float("inf"), float("nan")])
def test_render_toml_refuses_what_toml_cannot_hold(value: Any) -> None:
    with pytest.raises(ValueError):
        render_toml({"k": value})


def test_write_file_creates_a_private_file_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "baseten-logs" / "config.toml"
    write_file(path, {"tz": "UTC"}, header="hi")
    assert path.read_text(encoding="utf-8") == '# hi\ntz = "UTC"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["config.toml"]  # no temporary file left


def test_write_file_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('tz = "local"\n# a long comment that must go\n' * 20)
    path.chmod(0o644)
    inode = path.stat().st_ino
    write_file(path, {"tz": "UTC"})
    assert path.read_text() == 'tz = "UTC"\n'
    assert path.stat().st_ino != inode  # renamed over, not rewritten in place
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_file_never_follows_nor_replaces_a_symlink(tmp_path: Path) -> None:
    tmp_path = tmp_path / "here"  # beside conftest's home
    tmp_path.mkdir()
    target = tmp_path / "dotfiles" / "baseten-logs.toml"
    target.parent.mkdir()
    target.write_text('tz = "local"\n')
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    with pytest.raises(ConfigError) as caught:
        write_file(link, {"tz": "UTC"})
    assert str(caught.value) == (
        f"the config file {link} is a symbolic link: not written "
        f"(edit {target} by hand, or remove the link)"
    )
    assert target.read_text() == 'tz = "local"\n' and link.is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["config.toml", "dotfiles"]


def test_a_dangling_symlink_is_refused_too(tmp_path: Path) -> None:
    tmp_path = tmp_path / "here"  # beside conftest's home
    tmp_path.mkdir()
    link = tmp_path / "config.toml"
    link.symlink_to(tmp_path / "elsewhere" / "config.toml")
    with pytest.raises(ConfigError, match="is a symbolic link"):
        write_file(link, {"tz": "UTC"})
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_write_file_never_replaces_what_is_not_a_file(tmp_path: Path, kind: str) -> None:
    # BASETEN_LOGS_CONFIG=/dev/null reads as no defaults; `config set` must not then put a
    # file where the device was (a FIFO stands in for it here).
    path = tmp_path / "config.toml"
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    with pytest.raises(ConfigError) as caught:
        write_file(path, {"tz": "UTC"})
    assert str(caught.value) == (
        f"the config file {path} is not a regular file: not written (point {CONFIG_ENV} at a file)"
    )
    assert path.is_fifo() if kind == "fifo" else path.is_dir()


def test_a_file_that_cannot_be_written_is_one_error_and_leaves_nothing(tmp_path: Path) -> None:
    tmp_path = tmp_path / "here"  # beside conftest's home
    tmp_path.mkdir()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError) as caught:
        write_file(blocker / "config.toml", {"tz": "UTC"})
    assert str(caught.value).startswith(f"cannot write the config file {blocker / 'config.toml'}: ")
    assert str(caught.value).endswith(
        f"(check its folder's permissions, or point {CONFIG_ENV} elsewhere)"
    )
    assert os.listdir(tmp_path) == ["a-file"]


def test_a_failed_rename_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "here"  # beside conftest's home
    tmp_path.mkdir()

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ConfigError, match="Permission denied"):
        write_file(tmp_path / "config.toml", {"tz": "UTC"})
    assert os.listdir(tmp_path) == []


def test_text_toml_cannot_hold_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    tmp_path = tmp_path / "here"  # beside conftest's home
    tmp_path.mkdir()
    path = tmp_path / "config.toml"
    path.write_text('tz = "local"\n')
    with pytest.raises(ValueError):
        write_file(path, {"model": "\udcff"})
    assert path.read_text() == 'tz = "local"\n' and os.listdir(tmp_path) == ["config.toml"]
