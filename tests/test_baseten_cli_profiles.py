"""Logins of Baseten's `baseten` CLI: auth.json profiles, secrets in the keyring or inline.

Read as that CLI reads them (the keyring first, then the file), chosen in README's precedence
between truss's store and this one, an expired OAuth login refreshed and written back where it
came from; a profile that does not exist, or an auth.json that cannot be read, is one line and
exit 2 before any request.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.access.config import PRECEDENCE, resolve_credentials
from baseten_logs.base.errors import ConfigError, ExitStatus, UsageError
from tests.conftest import invoke
from tests.fakeapi import API_URL, LOGS_PATH
from tests.memkeyring import MemoryKeyring
from tests.test_logins import REFRESH, TokenEndpoint, sent_tokens

ACCESS = "old-access-token-0123456789"  # the same pair TokenEndpoint accepts (REFRESH)
LOGS = re.compile(rf"{re.escape(API_URL)}{LOGS_PATH}.*")
GET = ("get", "mdl1234", "dep5678", "--since", "2025-11-26T09:00:00Z", "--until", "+5m")
WORK_KEY = "work-key-0123456789abcdef"
PERSONAL_KEY = "personal-key-0123456789ab"
TRUSS_KEY = "truss-key-0123456789abcdef"


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def oauth(expires_in: float) -> dict[str, str]:
    return {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "expiry": rfc3339(time.time() + expires_in),
    }


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """BASETEN_CONFIG_DIR in tmp_path; returns where auth.json goes (not written yet)."""
    directory = tmp_path / "baseten-config"
    directory.mkdir()
    monkeypatch.setenv("BASETEN_CONFIG_DIR", str(directory))
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "trussrc"))
    return directory / "auth.json"


def write_auth(path: Path, profiles: dict[str, Any], current: str = "work") -> None:
    path.write_text(json.dumps({"version": 1, "current": current, "profiles": profiles}))
    path.chmod(0o600)


def api_key_profile(key: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"remote_url": "https://app.test", "auth_type": "api_key"}
    return entry | ({"api_key": key} if key else {})


def oauth_profile(credential: dict[str, str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"remote_url": "https://app.test", "auth_type": "oauth"}
    return entry | ({"oauth_credential": credential} if credential else {})


def two_profiles(path: Path) -> None:
    write_auth(path, {"work": api_key_profile(WORK_KEY), "personal": api_key_profile(PERSONAL_KEY)})


# --- reading ------------------------------------------------------------------------------------
def test_a_user_who_only_ran_baseten_auth_login_needs_nothing_else(
    config: Path, memory_keyring: MemoryKeyring, httpx_mock: HTTPXMock
) -> None:
    write_auth(config, {"work": api_key_profile()})
    memory_keyring.entries[("baseten-profile", "work")] = WORK_KEY
    httpx_mock.add_response(url=LOGS, json={"logs": []})
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert sent_tokens(httpx_mock) == [f"Bearer {WORK_KEY}"]


def test_an_inline_key_is_read_when_no_keyring_is_usable(config: Path) -> None:
    write_auth(config, {"work": api_key_profile(WORK_KEY)})
    credentials = resolve_credentials(api_key=None, api_url=None)
    assert (credentials.api_key, credentials.api_url) == (WORK_KEY, "https://api.test")
    assert credentials.key_source == f"baseten profile 'work' ({config})"
    assert (credentials.store, credentials.profile, credentials.chosen_by) == (
        "baseten-cli",
        "work",
        "current",
    )


def test_the_keyring_wins_over_the_file_as_that_cli_reads_it(
    config: Path, memory_keyring: MemoryKeyring
) -> None:
    write_auth(config, {"work": api_key_profile("stale-inline-key-0123456789")})
    memory_keyring.entries[("baseten-profile", "work")] = WORK_KEY
    credentials = resolve_credentials(api_key=None, api_url=None)
    assert (credentials.api_key, credentials.key_source) == (
        WORK_KEY,
        "baseten profile 'work' (keyring)",
    )


@pytest.mark.parametrize("kind", ["api_key", "oauth"])
def test_an_auth_json_with_a_secret_others_can_read_is_warned_about(
    config: Path, memory_keyring: MemoryKeyring, kind: str
) -> None:
    if kind == "api_key":
        inline, in_keyring, secret = api_key_profile(WORK_KEY), api_key_profile(), PERSONAL_KEY
    else:
        inline, in_keyring = oauth_profile(oauth(3600)), oauth_profile()
        secret = json.dumps(oauth(3600))
    write_auth(config, {"work": inline, "vault": in_keyring})
    memory_keyring.entries[("baseten-profile", "vault")] = secret
    config.chmod(0o644)
    warnings: list[str] = []
    resolve_credentials(api_key=None, api_url=None, warn=warnings.append)
    assert warnings == [
        f"{config} holds an API key or login and is readable by everyone: chmod 600 {config}"
    ]
    warnings.clear()
    resolve_credentials(api_key=None, api_url=None, profile="vault", warn=warnings.append)
    assert warnings == []  # that one is in the keyring


def test_the_default_directory_is_the_user_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "trussrc"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    path = tmp_path / "xdg" / "baseten" / "auth.json"
    path.parent.mkdir(parents=True)
    write_auth(path, {"work": api_key_profile(WORK_KEY)})
    assert resolve_credentials(api_key=None, api_url=None).api_key == WORK_KEY


# --- precedence -------------------------------------------------------------------------------
def key_from(**kwargs: Any) -> str:
    return resolve_credentials(api_key=None, api_url=None, **kwargs).api_key


def test_precedence_between_the_two_stores(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_profiles(config)
    (tmp_path / "trussrc").write_text(
        f"[baseten]\napi_key = {TRUSS_KEY}\n[staging]\napi_key = staging-key-0123456789\n"
    )
    (tmp_path / "trussrc").chmod(0o600)
    assert key_from() == TRUSS_KEY  # a truss user sees no change
    assert key_from(profile="personal") == PERSONAL_KEY
    monkeypatch.setenv("BASETEN_PROFILE", "personal")
    assert key_from() == PERSONAL_KEY  # BASETEN_PROFILE outranks the trussrc's default section
    assert key_from(profile="work") == WORK_KEY  # --profile outranks BASETEN_PROFILE
    # --remote typed on the command line outranks BASETEN_PROFILE; its default does not
    assert key_from(remote="staging", remote_given=True) == "staging-key-0123456789"
    assert key_from(remote="baseten", remote_given=True) == TRUSS_KEY
    assert key_from(remote="staging") == "staging-key-0123456789"  # a library caller naming one
    monkeypatch.setenv("BASETEN_API_KEY", "env-key-0123456789abcdef")
    assert key_from(profile="work") == "env-key-0123456789abcdef"  # the env key first
    monkeypatch.delenv("BASETEN_API_KEY")
    monkeypatch.delenv("BASETEN_PROFILE")
    (tmp_path / "trussrc").write_text("[staging]\napi_key = staging-key-0123456789\n")
    assert key_from() == WORK_KEY  # no [baseten] section: the baseten CLI's current profile


def test_a_profile_below_an_env_key_is_said_to_be_ignored(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_profiles(config)
    monkeypatch.setenv("BASETEN_API_KEY", "env-key-0123456789abcdef")
    monkeypatch.setenv("BASETEN_API_URL", API_URL)
    warnings: list[str] = []
    credentials = resolve_credentials(
        api_key=None, api_url=None, profile="work", warn=warnings.append
    )
    assert credentials.api_key == "env-key-0123456789abcdef"
    assert warnings == ["--profile work is ignored: the key from BASETEN_API_KEY comes first"]
    with pytest.raises(UsageError) as caught:  # bad input even when no store is read
        resolve_credentials(api_key=None, api_url=None, profile="work", remote_given=True)
    assert caught.value.flag == "--profile"


def test_the_baseten_cli_pair_sets_the_url_with_the_env_key(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", "env-key-0123456789abcdef")
    monkeypatch.setenv("BASETEN_REMOTE_URL", "https://app.remote.test")
    credentials = resolve_credentials(api_key=None, api_url=None)
    assert (credentials.api_url, credentials.url_source) == (
        "https://api.remote.test",
        "BASETEN_REMOTE_URL",
    )


def test_profile_and_remote_together_are_bad_input(config: Path, httpx_mock: HTTPXMock) -> None:
    two_profiles(config)
    result = invoke(*GET, "--profile", "work", "--remote", "staging")
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith("baseten-logs: error: --profile: cannot be used with --remote")
    assert result.stderr.count("\n") == 1
    assert httpx_mock.get_requests() == []


def test_the_global_option_and_the_commands_option(config: Path, httpx_mock: HTTPXMock) -> None:
    two_profiles(config)
    httpx_mock.add_response(url=LOGS, json={"logs": []}, is_reusable=True)
    assert invoke("--profile", "personal", *GET).status == 0
    assert invoke(*GET, "--profile", "personal").status == 0
    assert invoke("--profile", "work", *GET, "--profile", "personal").status == 0  # nearest wins
    assert sent_tokens(httpx_mock) == [f"Bearer {PERSONAL_KEY}"] * 3


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "env", "flag"),
    [
        (("--profile", "wrok"), {}, "--profile"),
        ((), {"BASETEN_PROFILE": "wrok"}, "BASETEN_PROFILE"),
    ],
)
def test_an_unknown_profile_names_the_flag_and_the_profiles_there_are(
    config: Path, httpx_mock: HTTPXMock, args: tuple[str, ...], env: dict[str, str], flag: str
) -> None:
    two_profiles(config)
    result = invoke(*GET, *args, env=env)
    assert result.status == ExitStatus.USAGE
    assert result.stderr == (
        f"baseten-logs: error: {flag}: no baseten profile 'wrok' in {config} (profiles: "
        "'personal', 'work') (use one of them with --profile or BASETEN_PROFILE, or run "
        "`baseten auth login`)\n"
    )
    assert result.stdout == ""
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"version": 1, "profiles": {', "not valid JSON (line 1)"),
        ("[1, 2]", "not a JSON object"),
        ('{"profiles": []}', "`profiles` is not an object or `current` not a name"),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_a_garbled_auth_json_is_one_line(
    config: Path, httpx_mock: HTTPXMock, text: str | bytes, why: str
) -> None:
    if isinstance(text, bytes):
        config.write_bytes(text)
    else:
        config.write_text(text)
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE
    assert result.stderr == (
        f"baseten-logs: error: cannot read {config}: {why} (fix or remove it, or run "
        "`baseten auth login`)\n"
    )
    assert httpx_mock.get_requests() == []


def test_a_garbled_auth_json_matters_only_when_needed(config: Path) -> None:
    config.write_text("{not json")
    env = {"BASETEN_API_KEY": "env-key-0123456789abcdef", "BASETEN_API_URL": API_URL}
    assert invoke("whoami", env=env).status == 0


def test_a_profile_with_no_secret_says_to_log_in(config: Path) -> None:
    write_auth(config, {"work": api_key_profile()})  # the key was in a keyring not here now
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(api_key=None, api_url=None)
    assert str(caught.value) == (
        f"baseten profile 'work' has no API key in the keyring or in {config} "
        "(run `baseten auth login --profile work`)"
    )


@pytest.mark.parametrize(("count", "listed"), [(0, "none"), (20, None), (21, None)])
def test_the_profiles_an_unknown_one_lists_are_at_most_twenty(
    config: Path, count: int, listed: str | None
) -> None:
    names = [f"p{n:02}" for n in range(count)]
    if count:
        write_auth(config, {name: api_key_profile(WORK_KEY) for name in names}, current="p00")
    with pytest.raises(UsageError) as caught:
        resolve_credentials(api_key=None, api_url=None, profile="wrok")
    shown = listed or ", ".join(repr(name) for name in names[:20])
    shown += " and 1 more" if count == 21 else ""
    assert caught.value.flag == "--profile"
    assert str(caught.value).startswith(
        f"--profile: no baseten profile 'wrok' in {config} (profiles: {shown}) (use one"
    )


def test_a_current_profile_that_is_not_there_is_passed_over(config: Path) -> None:
    """auth.json's `current` naming a profile it lacks is no login: the error lists every
    store looked at, as when auth.json is absent, not a profile error for a flag not given."""
    write_auth(config, {"personal": api_key_profile(PERSONAL_KEY)}, current="gone")
    checked: list[str] = []
    with pytest.raises(ConfigError, match=r"^no API key \(set BASETEN_API_KEY"):
        resolve_credentials(api_key=None, api_url=None, checked=checked)
    assert f"{config}: no current profile" in checked


def test_an_unknown_auth_type_is_named_short_with_the_fix(config: Path) -> None:
    write_auth(config, {"work": api_key_profile(WORK_KEY) | {"auth_type": "sso-" + "x" * 60}})
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(api_key=None, api_url=None)
    assert str(caught.value) == (
        f"baseten profile 'work' in {config} has an unknown auth_type {'sso-' + 'x' * 36!r}"
        " (run `baseten auth login --profile work`)"
    )


@pytest.mark.parametrize(
    ("credential", "works"),
    [
        ({"access_token": ACCESS, "expiry": rfc3339(time.time() + 3600)}, True),
        ({"access_token": "", "refresh_token": "", "expiry": rfc3339(time.time() + 3600)}, False),
    ],
)
def test_an_oauth_profile_needs_one_token_of_the_two(
    config: Path, credential: dict[str, str], works: bool
) -> None:
    write_auth(config, {"work": oauth_profile(credential)})
    if works:
        assert resolve_credentials(api_key=None, api_url=None).api_key == ACCESS
        return
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(api_key=None, api_url=None)
    assert str(caught.value) == (
        "the oauth login of baseten profile 'work' holds no token"
        " (run `baseten auth login --profile work`)"
    )


def test_an_oauth_profiles_bad_url_names_the_profile(config: Path) -> None:
    write_auth(config, {"work": oauth_profile(oauth(3600)) | {"remote_url": "ftp://app.test"}})
    with pytest.raises(UsageError) as caught:
        resolve_credentials(api_key=None, api_url=None)
    assert caught.value.flag == f"baseten profile 'work' ({config})"


@pytest.mark.parametrize("remote_url", [None, 5, "  "])
def test_a_profile_without_a_remote_url_takes_that_clis_env_else_the_default(
    config: Path, monkeypatch: pytest.MonkeyPatch, remote_url: object
) -> None:
    entry = {"auth_type": "api_key", "api_key": WORK_KEY}
    write_auth(
        config, {"work": entry if remote_url is None else entry | {"remote_url": remote_url}}
    )
    assert resolve_credentials(api_key=None, api_url=None).api_url == "https://api.baseten.co"
    monkeypatch.setenv("BASETEN_REMOTE_URL", "https://app.remote.test")
    assert resolve_credentials(api_key=None, api_url=None).api_url == "https://api.remote.test"


def test_an_empty_profile_flag_is_bad_input(config: Path) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_credentials(api_key=None, api_url=None, profile=" ")
    assert caught.value.flag == "--profile"


# --- OAuth: refreshed and written back where it came from ------------------------------------
@pytest.fixture
def token_api(httpx_mock: HTTPXMock) -> TokenEndpoint:
    endpoint = TokenEndpoint()
    httpx_mock.add_callback(
        endpoint,
        url=f"{API_URL}/v1/users/auth/device/token",
        method="POST",
        is_optional=True,
        is_reusable=True,
    )
    httpx_mock.add_response(url=LOGS, json={"logs": []}, is_optional=True, is_reusable=True)
    return endpoint


def test_an_expired_login_in_the_keyring_is_refreshed_back_into_it(
    config: Path, memory_keyring: MemoryKeyring, token_api: TokenEndpoint, httpx_mock: HTTPXMock
) -> None:
    write_auth(config, {"work": oauth_profile()})
    before = config.read_text()
    memory_keyring.entries[("baseten-profile", "work")] = json.dumps(oauth(-30))
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert token_api.forms[0]["client_id"] == ["baseten-cli"]
    assert token_api.forms[0]["grant_type"] == ["refresh_token"]
    assert sent_tokens(httpx_mock) == ["Bearer new-access-1"]
    saved = json.loads(memory_keyring.entries[("baseten-profile", "work")])
    assert set(saved) == {"access_token", "refresh_token", "expiry"}
    assert (saved["access_token"], saved["refresh_token"]) == ("new-access-1", "new-refresh-1")
    expiry = datetime.strptime(saved["expiry"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert 3500 < expiry.timestamp() - time.time() <= 3600
    assert config.read_text() == before  # the file is not where the login was
    assert ACCESS[:8] not in result.stdout + result.stderr


def test_an_expired_inline_login_is_refreshed_into_auth_json_and_nothing_else_changes(
    config: Path, token_api: TokenEndpoint
) -> None:
    other = api_key_profile(PERSONAL_KEY) | {"future_field": [1, 2]}
    write_auth(config, {"work": oauth_profile(oauth(-30)), "personal": other})
    config.chmod(0o644)
    assert invoke(*GET).status == 0
    document = json.loads(config.read_text())
    assert document["profiles"]["personal"] == other
    assert document["current"] == "work" and document["version"] == 1
    credential = document["profiles"]["work"]["oauth_credential"]
    assert (credential["access_token"], credential["refresh_token"]) == (
        "new-access-1",
        "new-refresh-1",
    )
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert invoke(*GET).status == 0
    assert len(token_api.forms) == 1  # the next run reuses the saved login


def test_a_symlinked_auth_json_is_replaced_never_written_through(
    config: Path, tmp_path: Path, token_api: TokenEndpoint
) -> None:
    target = tmp_path / "elsewhere.json"
    write_auth(target, {"work": oauth_profile(oauth(-30))})
    before = target.read_text()
    config.symlink_to(target)
    assert invoke(*GET).status == 0
    assert target.read_text() == before
    assert not config.is_symlink()
    assert json.loads(config.read_text())["profiles"]["work"]["oauth_credential"][
        "access_token"
    ] == ("new-access-1")


def test_a_hostile_token_answer_writes_nothing(
    config: Path, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_auth(config, {"work": oauth_profile(oauth(-30))})
    before = config.read_text()
    httpx_mock.add_response(
        url=f"{API_URL}/v1/users/auth/device/token",
        method="POST",
        json={"access_token": 'x", "profiles": {}, "y": "', "refresh_token": "a\nb"},
    )
    result = invoke(*GET)
    assert result.status == ExitStatus.AUTH
    assert result.stderr.startswith(
        "baseten-logs: error: the token endpoint's answer for baseten profile 'work' has no "
        "usable token (run baseten auth login --profile work;"
    )
    assert config.read_text() == before


def test_a_refused_refresh_says_to_log_in_with_that_cli(
    config: Path, token_api: TokenEndpoint
) -> None:
    write_auth(config, {"work": oauth_profile(oauth(-30) | {"refresh_token": "spent-0123"})})
    result = invoke(*GET)
    assert result.status == ExitStatus.AUTH
    assert result.stderr == (
        "baseten-logs: error: the login for baseten profile 'work' has expired; run baseten "
        "auth login --profile work\n"
    )


def test_go_zero_expiry_is_unknown_and_refreshed_first(
    config: Path, token_api: TokenEndpoint
) -> None:
    write_auth(config, {"work": oauth_profile(oauth(0) | {"expiry": "0001-01-01T00:00:00Z"})})
    assert invoke(*GET).status == 0
    assert len(token_api.forms) == 1


# --- whoami: which store, for each of the five forms ------------------------------------------
def whoami_facts(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = invoke("whoami", *args, "-o", "json", env=env)
    assert result.status == 0, result.stderr
    facts: dict[str, Any] = json.loads(result.stdout)
    return facts


def test_whoami_names_the_store_of_each_of_the_five_forms(
    config: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    write_auth(
        config,
        {"work": api_key_profile(), "browser": oauth_profile(oauth(3600))},
        current="browser",
    )
    memory_keyring.entries[("baseten-profile", "work")] = WORK_KEY
    (tmp_path / "trussrc").write_text(f"[staging]\napi_key = {TRUSS_KEY}\n")
    forms = {
        "env": whoami_facts(env={"BASETEN_API_KEY": "env-key-0123456789abcdef"}),
        "flag": whoami_facts("--api-key", "flag-key-0123456789abcdef"),
        "trussrc": whoami_facts("--remote", "staging"),
        "api_key": whoami_facts("--profile", "work"),
        "oauth": whoami_facts(),
    }
    details = {form: facts["store_detail"] for form, facts in forms.items()}
    assert details == {
        "env": "the environment: BASETEN_API_KEY",
        "flag": "none: the key was given with --api-key",
        "trussrc": "truss's ~/.trussrc: an API key in the file",
        "api_key": "the baseten CLI's profile 'work' (chosen by --profile): an API key in the "
        "keyring",
        "oauth": "the baseten CLI's profile 'browser' (chosen by current): an oauth login in "
        "the file",
    }
    stores = [facts["store"] for facts in forms.values()]
    assert stores == ["environment", "--api-key", "trussrc", "baseten-cli", "baseten-cli"]
    assert forms["oauth"]["precedence"] == list(PRECEDENCE)
    for facts in forms.values():
        shown = json.dumps(facts)
        assert WORK_KEY not in shown and TRUSS_KEY not in shown and ACCESS not in shown
    text = invoke("whoami", "--profile", "work").stdout
    assert "store    the baseten CLI's profile 'work' (chosen by --profile)" in text
    assert text.splitlines()[-1].startswith("order    --api-key > BASETEN_API_KEY > ")
    assert WORK_KEY not in text


def test_no_profile_files_leak_into_other_tests() -> None:
    """The hermetic fixture points the user config dir into tmp_path."""
    assert os.environ["XDG_CONFIG_HOME"].startswith(os.environ["HOME"])


def test_the_global_option_reaches_whoami(config: Path) -> None:
    two_profiles(config)
    facts = whoami_facts()
    assert (facts["profile"], facts["profile_chosen_by"]) == ("work", "current")
    result = invoke("--profile", "personal", "whoami", "-o", "json")
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["profile"] == "personal"


def test_profile_names_are_completed_from_auth_json(config: Path) -> None:
    from baseten_logs.cli.global_flags import complete_profile

    write_auth(config, {"work": api_key_profile(), "web": {}, "\x1b[31mred": {}, "ops": {}})
    assert complete_profile("w") == ["web", "work"]
    assert complete_profile("") == ["ops", "web", "work"]  # a name that is not printable is not
    config.write_text("{garbled")
    assert complete_profile("") == []


def test_a_run_that_waited_adopts_the_other_runs_refresh(
    config: Path, httpx_mock: HTTPXMock
) -> None:
    """Another run refreshed (and rotated the refresh token) while this one read the old login:
    it takes the saved tokens instead of spending a refresh token that may be single-use."""
    write_auth(config, {"work": oauth_profile(oauth(-30))})
    login = resolve_credentials(api_key=None, api_url=None).login
    assert login is not None
    fresh = oauth(3600) | {"access_token": "other-runs-access", "refresh_token": "other-runs-r"}
    write_auth(config, {"work": oauth_profile(fresh)})
    assert login.header() == "Bearer other-runs-access"
    assert httpx_mock.get_requests() == []  # no refresh was sent


@pytest.mark.parametrize("line", ["--profile w", "get --profile w", "models --profile w"])
def test_profile_names_are_offered_after_a_commands_profile_too(config: Path, line: str) -> None:
    # `baseten-logs [COMMAND] --profile w<Tab>` through the app: a command's --profile is built
    # by hand (options.UsageCommand), and its completer was called as typer calls those.
    write_auth(config, {"work": api_key_profile(), "web": {}})
    typed = {
        "_BASETEN_LOGS_COMPLETE": "complete_zsh",
        "_TYPER_COMPLETE_ARGS": f"baseten-logs {line}",
    }
    result = invoke(env=typed)
    assert result.status == 0 and result.stderr == ""
    assert result.stdout.splitlines() == ["web", "work"]
