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
