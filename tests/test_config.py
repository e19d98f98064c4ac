"""Where the key and URL come from: precedence, the trussrc, and errors that never show the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from baseten_logs.access.app_urls import app_url_to_api_url, check_api_url
from baseten_logs.access.config import DEFAULT_API_URL, mask_key, mask_url, resolve_credentials
from baseten_logs.base.errors import ConfigError, UsageError

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
        f"{tmp_path / 'none'} or `baseten auth login`)"
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
        f"{Path.home() / '.config' / 'baseten' / 'auth.json'}: no such file",
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


PAIR = {
    "BASETEN_TRUSS_AUTH_REMOTE_URL": "https://app.pair.test",
    "BASETEN_TRUSS_AUTH_API_KEY": "pair-key-0123456789",
}


@pytest.mark.parametrize(
    ("api_key", "env", "checked"),
    [
        ("flag-key-0123456789", {}, ["key: --api-key"]),
        (
            None,
            {"BASETEN_API_KEY": KEY},
            ["--api-key: not given", "key: BASETEN_API_KEY"],
        ),
        (
            None,
            PAIR,
            [
                "--api-key: not given",
                "BASETEN_API_KEY: not set",
                "key: BASETEN_TRUSS_AUTH_API_KEY",
            ],
        ),
    ],
)
def test_the_sources_looked_at_stop_at_the_first_key(
    api_key: str | None, env: dict[str, str], checked: list[str]
) -> None:
    seen: list[str] = []
    url = "https://api.flag.test"  # the URL looks no further either
    resolve_credentials(api_key=api_key, api_url=url, env=env, checked=seen)
    assert seen == [*checked, f"API URL: {url} from --api-url"]


def test_another_remote_is_ignored_once_when_the_environment_pair_is_set() -> None:
    warnings: list[str] = []
    creds = resolve_credentials(
        api_key=None, api_url=None, env=PAIR, remote="staging", warn=warnings.append
    )
    assert (creds.api_key, creds.api_url) == ("pair-key-0123456789", "https://api.pair.test")
    assert warnings == [
        "--remote staging is ignored: BASETEN_TRUSS_AUTH_REMOTE_URL and "
        "BASETEN_TRUSS_AUTH_API_KEY are set"
    ]
    warnings.clear()
    resolve_credentials(api_key=None, api_url=None, env=PAIR, warn=warnings.append)
    assert warnings == []  # the default remote: nothing ignored


def test_a_missing_section_is_named_with_the_fix(tmp_path: Path) -> None:
    env = trussrc(tmp_path, "[baseten]\napi_key = file-key-0123456789\n")
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(api_key=None, api_url=None, env=env, remote="nosuch")
    assert str(caught.value) == (
        f"no API key: {env['USER_TRUSSRC_PATH']} has no section [nosuch]"
        " (check --remote, or run `truss login`)"
    )


def test_a_key_in_a_trussrc_others_can_read_is_warned_about(tmp_path: Path) -> None:
    env = trussrc(tmp_path, "[baseten]\napi_key = file-key-0123456789\n")
    path = env["USER_TRUSSRC_PATH"]
    warnings: list[str] = []
    resolve_credentials(api_key=None, api_url=None, env=env, warn=warnings.append)
    assert warnings == []  # 0600
    Path(path).chmod(0o604)
    resolve_credentials(api_key=None, api_url=None, env=env, warn=warnings.append)
    assert warnings == [
        f"{path} holds an API key or login and is readable by everyone: chmod 600 {path}"
    ]
    warnings.clear()
    resolve_credentials(
        api_key=None, api_url=None, env={**env, "BASETEN_API_KEY": KEY}, warn=warnings.append
    )
    assert warnings == []  # the key does not come from it


@pytest.mark.parametrize(
    "key", ["clé-0123456789abcdef", "key\x7f0123456789abcdef", "key\t0123456789abcdef"]
)
def test_a_key_with_a_non_ascii_or_control_character_is_refused(key: str) -> None:
    with pytest.raises(ConfigError, match="^the API key from BASETEN_API_KEY has a space"):
        resolve_credentials(api_key=None, api_url=None, env={"BASETEN_API_KEY": key})


def test_a_key_pasted_with_a_trailing_newline_is_used_without_it() -> None:
    creds = resolve_credentials(api_key=None, api_url=None, env={"BASETEN_API_KEY": KEY + "\n"})
    assert creds.api_key == KEY


def test_an_invalid_port_is_named_with_the_fix() -> None:
    with pytest.raises(UsageError) as caught:
        check_api_url("https://api.test:99999")
    assert str(caught.value) == (
        "--api-url: 'https://api.test:99999' has an invalid port"
        " (a port is a number from 1 to 65535)"
    )


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://u:p@ss@api.test/v1", "https://****@api.test/v1"),  # an @ in the password
        ("https://[::1", "<an unparsable URL>"),
        ("https://api.test/a@b", "https://api.test/a@b"),  # an @ in the path is no user-info
    ],
)
def test_user_info_is_masked_whatever_it_holds(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    ("url", "shown"),
    [("https://", "https://"), ("https://[::1", "<an unparsable URL>"), ("http:///x", "http:///x")],
)
def test_a_url_without_a_host_is_refused(url: str, shown: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_api_url(url)
    assert (
        str(caught.value) == f"--api-url: {shown!r} is not an http(s) URL (e.g. {DEFAULT_API_URL})"
    )


@pytest.mark.parametrize(
    ("url", "fixed"),
    [
        ("http://127.0.0.1:8787/v1", "http://127.0.0.1:8787"),
        ("https://api.baseten.co/v1/", "https://api.baseten.co"),
        ("https://proxy.test/baseten/v1", "https://proxy.test/baseten"),
    ],
)
def test_an_api_url_ending_in_v1_is_refused_with_the_url_to_use(url: str, fixed: str) -> None:
    env = {"BASETEN_API_KEY": KEY, "BASETEN_API_URL": url}
    with pytest.raises(UsageError) as caught:
        resolve_credentials(api_key=None, api_url=None, env=env)
    assert str(caught.value) == (
        f"BASETEN_API_URL: {url!r} ends in /v1, which baseten-logs adds to every path itself"
        f" (use {fixed})"
    )


def test_a_path_that_only_contains_v1_is_kept() -> None:
    assert check_api_url("https://proxy.test/v1/baseten") == "https://proxy.test/v1/baseten"
    assert check_api_url("https://proxy.test/xv1") == "https://proxy.test/xv1"


@pytest.mark.parametrize("source", ["--api-url", "BASETEN_API_URL"])
@pytest.mark.parametrize(
    ("app", "api"),
    [
        ("https://app.baseten.co", "https://api.baseten.co"),
        ("https://app.baseten.co/models/abc1234/logs", "https://api.baseten.co"),
        ("https://app.dev.baseten.co/", "https://api.mc-dev.baseten.co"),
        ("https://APP.Baseten.co", "https://api.Baseten.co"),
    ],
)
def test_the_web_apps_url_given_as_the_api_url_is_mapped_with_a_note(
    source: str, app: str, api: str
) -> None:
    notes: list[str] = []
    checked: list[str] = []
    env = {"BASETEN_API_KEY": KEY} | ({"BASETEN_API_URL": app} if source != "--api-url" else {})
    creds = resolve_credentials(
        api_key=None,
        api_url=app if source == "--api-url" else None,
        env=env,
        warn=notes.append,
        checked=checked,
    )
    assert (creds.api_url, creds.url_source) == (api, source)
    assert notes == [f"{source} {app} is Baseten's web app; using its API, {api}"]
    assert checked[-1] == f"API URL: {api} from {source} (mapped from the app URL {app})"


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example.test",
        "https://api.baseten.co",
        "https://baseten.co",
        "https://app.notbaseten.co",  # another domain that ends in the same letters
        "https://app.baseten.co.proxy.test",
    ],
)
def test_other_api_urls_are_taken_as_given(url: str) -> None:
    notes: list[str] = []
    creds = resolve_credentials(api_key=KEY, api_url=url, env={}, warn=notes.append)
    assert (creds.api_url, notes) == (url, [])
