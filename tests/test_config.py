"""Where the key and URL come from: precedence, the trussrc, and errors that never show the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from baseten_logs.config import (
    DEFAULT_API_URL,
    app_url_to_api_url,
    check_api_url,
    mask_key,
    resolve_credentials,
)
from baseten_logs.errors import ConfigError, UsageError

KEY = "env-key-0123456789abcdef"


def trussrc(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "trussrc"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return {"USER_TRUSSRC_PATH": str(path)}


def test_the_env_mapping_given_is_the_one_read(tmp_path: Path) -> None:
    # os.environ holds no BASETEN_* variables here (the hermetic fixture clears them).
    creds = resolve_credentials(api_key=None, api_url=None, env={"BASETEN_API_KEY": KEY})
    assert (creds.api_key, creds.key_source) == (KEY, "BASETEN_API_KEY")
    assert (creds.api_url, creds.url_source) == (DEFAULT_API_URL, "default")


def test_trussrc_key_and_app_url(tmp_path: Path) -> None:
    env = trussrc(
        tmp_path, "[baseten]\napi_key = file-key-0123456789\nremote_url = https://app.x.test\n"
    )
    creds = resolve_credentials(api_key=None, api_url=None, env=env)
    assert creds.api_key == "file-key-0123456789"
    assert creds.api_url == "https://api.x.test"


def test_an_unreadable_trussrc_says_which_file_and_what_to_do(tmp_path: Path) -> None:
    env = trussrc(tmp_path, "api_key = no section header\n")
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(api_key=None, api_url=None, env=env)
    path = env["USER_TRUSSRC_PATH"]
    assert str(caught.value) == (
        f"cannot read {path}: MissingSectionHeaderError (fix or remove the file)"
    )


def test_no_key_names_every_source(tmp_path: Path) -> None:
    env = {"USER_TRUSSRC_PATH": str(tmp_path / "none")}
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(api_key=None, api_url=None, env=env)
    assert str(caught.value) == (
        "no API key (set BASETEN_API_KEY, pass --api-key, or run `truss login` to write "
        f"{tmp_path / 'none'})"
    )


def test_a_key_with_a_stray_character_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(api_key="abc def-0123456789", api_url=None, env={})
    assert str(caught.value) == (
        "the API key from --api-key has a space, a control or a non-ASCII character"
        " (copy it again: a pasted key can carry a stray character)"
    )


def test_a_bad_url_names_where_it_came_from() -> None:
    env = {"BASETEN_API_KEY": KEY, "BASETEN_API_URL": "ftp://api.test"}
    with pytest.raises(UsageError) as caught:
        resolve_credentials(api_key=None, api_url=None, env=env)
    assert caught.value.flag == "BASETEN_API_URL"
    assert str(caught.value) == (
        f"BASETEN_API_URL: 'ftp://api.test' is not an http(s) URL (e.g. {DEFAULT_API_URL})"
    )
    with pytest.raises(UsageError) as caught:
        check_api_url("api.test")
    assert caught.value.flag == "--api-url"


@pytest.mark.parametrize(
    ("url", "checked"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),  # the emulator speaks plain http
        ("https://api.test/", "https://api.test"),
        ("https://proxy.test/X/", "https://proxy.test/X"),
    ],
)
def test_urls_are_checked_and_trimmed(url: str, checked: str) -> None:
    assert check_api_url(url) == checked


@pytest.mark.parametrize(
    ("app", "api"),
    [
        ("https://app.baseten.co", "https://api.baseten.co"),
        (" https://app.baseten.co/ ", "https://api.baseten.co"),
        ("//app.example.test", "https://api.example.test"),  # no scheme: https
        ("http://localhost:8080", "http://localhost:8080"),
    ],
)
def test_truss_app_urls_map_to_the_api(app: str, api: str) -> None:
    assert app_url_to_api_url(app) == api


@pytest.mark.parametrize(
    ("key", "masked"),
    [("k" * 12, "****"), ("abcd" + "k" * 9, "abcd…"), ("short", "****")],
)
def test_masked_keys_show_four_characters_only_of_long_keys(key: str, masked: str) -> None:
    assert mask_key(key) == masked


@pytest.mark.parametrize("url", ["http://emulator.localhost:8080", "http://api.LOCALHOST"])
def test_plain_http_to_a_localhost_name_is_fine(url: str) -> None:
    """RFC 6761: every *.localhost name is this machine, so the key stays on it."""
    assert check_api_url(url) == url


def test_plain_http_to_a_name_that_only_starts_like_localhost_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        check_api_url("http://localhost.example.test")
    assert str(caught.value) == (
        "--api-url: 'http://localhost.example.test' would send the API key unencrypted to "
        "localhost.example.test (use https://)"
    )


@pytest.mark.parametrize(
    ("app", "api"),
    [
        ("https://robot:pw@app.test", "https://robot:pw@api.test"),  # user-info kept
        ("https://app.dev.baseten.co:8443", "https://api.mc-dev.baseten.co:8443"),
        ("https://u@app.dev.baseten.co:8443", "https://u@api.mc-dev.baseten.co:8443"),
    ],
)
def test_app_urls_keep_their_user_info_and_port(app: str, api: str) -> None:
    assert app_url_to_api_url(app) == api


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ("BASETEN_TRUSS_AUTH_REMOTE_URL", "BASETEN_TRUSS_AUTH_API_KEY"),
        ("BASETEN_TRUSS_AUTH_API_KEY", "BASETEN_TRUSS_AUTH_REMOTE_URL"),
    ],
)
def test_half_the_environment_pair_says_how_to_fix_it(present: str, missing: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(api_key=None, api_url=None, env={present: "https://app.test"})
    assert str(caught.value) == (
        f"{present} is set but {missing} is not (set {missing} too, or unset {present})"
    )


def checked_sources(env: dict[str, str], remote: str = "baseten") -> list[str]:
    """What `whoami` lists as looked at, when no source holds a key."""
    checked: list[str] = []
    with pytest.raises(ConfigError):
        resolve_credentials(api_key=None, api_url=None, env=env, remote=remote, checked=checked)
    return checked


def test_the_sources_looked_at_name_a_missing_trussrc_once(tmp_path: Path) -> None:
    missing = tmp_path / "none"
    checked = checked_sources({"USER_TRUSSRC_PATH": str(missing)})
    assert checked == [
        "--api-key: not given",
        "BASETEN_API_KEY: not set",
        "BASETEN_TRUSS_AUTH_REMOTE_URL + BASETEN_TRUSS_AUTH_API_KEY: not set",
        f"{missing}: no such file",
        f"API URL: {DEFAULT_API_URL} from default",
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "[staging]\napi_key = k-0123456789abc\n[dev]\napi_key = k-0123456789abc\n",
            "staging, dev",
        ),
        ("", "none"),  # an empty file: truss wrote nothing yet
    ],
)
def test_the_sources_looked_at_list_the_sections_there_are_once(
    tmp_path: Path, text: str, names: str
) -> None:
    env = trussrc(tmp_path, text)
    checked = checked_sources(env)
    path = env["USER_TRUSSRC_PATH"]
    assert [c for c in checked if c.startswith(path)] == [
        f"{path} [baseten]: no such section (sections: {names})"
    ]


def test_the_sources_looked_at_say_a_section_has_no_key(tmp_path: Path) -> None:
    env = trussrc(tmp_path, "[baseten]\nremote_url = https://app.x.test\n")
    checked = checked_sources(env)
    path = env["USER_TRUSSRC_PATH"]
    assert f"{path} [baseten]: no api_key" in checked
    assert checked[-1] == f"API URL: https://api.x.test from {path} [baseten]"
