"""Truss users' logins: OAuth (inline or keyring), keyring keys, truss's environment pair.

The keyring is driven through keyring's own API with an in-memory backend; HTTP through
pytest-httpx. A refresh must reach the token endpoint only, persist where the tokens came from,
and never show a token.
"""

from __future__ import annotations

import json
import re
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.access.app_urls import app_url_to_api_url
from baseten_logs.access.config import mask_url, resolve_credentials
from baseten_logs.base.errors import ExitStatus
from tests.conftest import invoke
from tests.fakeapi import API_URL, LOGS_PATH
from tests.memkeyring import MemoryKeyring

TOKEN_URL = f"{API_URL}/v1/users/auth/device/token"
LOGS = re.compile(rf"{re.escape(API_URL)}{LOGS_PATH}.*")
GET = ("get", "mdl1234", "dep5678", "--since", "2025-11-26T09:00:00Z", "--until", "+5m")
ACCESS, REFRESH = "old-access-token-0123456789", "old-refresh-token-0123456789"


def login_values(expires_in: float, access: str = ACCESS, refresh: str = REFRESH) -> str:
    return (
        f"oauth_access_token = {access}\n"
        f"oauth_refresh_token = {refresh}\n"
        f"oauth_expires_at = {int(time.time() + expires_in)}\n"
    )


def keyring_entry(expires_in: float) -> str:
    return json.dumps(
        {
            "auth_type": "oauth",
            "oauth_access_token": ACCESS,
            "oauth_refresh_token": REFRESH,
            "oauth_expires_at": str(int(time.time() + expires_in)),
        }
    )


@pytest.fixture
def rc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "trussrc"
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(path))
    return path


def write(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


OAUTH_HEAD = (
    "[baseten]\nremote_provider = baseten\nremote_url = https://app.test\nauth_type = oauth\n"
)


class TokenEndpoint:
    """The token endpoint: rotates the pair on each refresh (each refresh token works once)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.forms: list[dict[str, list[str]]] = []
        self.valid = {REFRESH}
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        with self.lock:
            self.forms.append(form)
            n = len(self.forms)
            token = form.get("refresh_token", [""])[0]
            if self.status != 200 or token not in self.valid:
                return httpx.Response(self.status if self.status != 200 else 400, json={})
            self.valid.discard(token)
            self.valid.add(f"new-refresh-{n}")
        body = {"access_token": f"new-access-{n}", "refresh_token": f"new-refresh-{n}"}
        return httpx.Response(200, json={**body, "expires_in": 3600, "token_type": "Bearer"})


@pytest.fixture
def token_api(httpx_mock: HTTPXMock) -> TokenEndpoint:
    endpoint = TokenEndpoint()
    httpx_mock.add_callback(
        endpoint, url=TOKEN_URL, method="POST", is_optional=True, is_reusable=True
    )
    return endpoint


@pytest.fixture
def logs_ok(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=LOGS, json={"logs": []}, is_optional=True, is_reusable=True)


def sent_tokens(httpx_mock: HTTPXMock) -> list[str]:
    return [
        r.headers.get("Authorization", "")
        for r in httpx_mock.get_requests()
        if r.url.path != "/v1/users/auth/device/token"
    ]


# --- every form truss writes ------------------------------------------------------------------
def test_an_inline_login_sends_its_access_token(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None, token_api: TokenEndpoint
) -> None:
    write(rc, OAUTH_HEAD + login_values(3600))
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert sent_tokens(httpx_mock) == [f"Bearer {ACCESS}"]
    assert token_api.forms == []  # an hour to go: nothing to refresh


def test_an_expired_inline_login_is_refreshed_and_written_back(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None, token_api: TokenEndpoint
) -> None:
    write(
        rc,
        "# my remotes\n"
        + OAUTH_HEAD
        + login_values(-10)
        + "team = ml\n\n[staging]\n; the other stack\nremote_url = https://app.staging.test\n"
        "api_key = staging-key-0123456789\n",
    )
    rc.chmod(0o600)
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert token_api.forms == [
        {"grant_type": ["refresh_token"], "refresh_token": [REFRESH], "client_id": ["baseten-cli"]}
    ]
    assert sent_tokens(httpx_mock) == ["Bearer new-access-1"]
    text = rc.read_text()
    assert "oauth_access_token = new-access-1\n" in text
    assert "oauth_refresh_token = new-refresh-1\n" in text
    assert ACCESS not in text and REFRESH not in text
    # Every other line as it was: the comment, the team, the other section.
    for kept in ("# my remotes\n", "team = ml\n", "; the other stack\n", "api_key = staging-key"):
        assert kept in text
    assert stat.S_IMODE(rc.stat().st_mode) == 0o600
    assert [p.name for p in rc.parent.iterdir() if p.name.startswith(".trussrc")] == []


def test_the_next_run_reuses_the_refreshed_login(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None, token_api: TokenEndpoint
) -> None:
    write(rc, OAUTH_HEAD + login_values(-10))
    assert invoke(*GET).status == 0
    assert invoke(*GET).status == 0
    assert len(token_api.forms) == 1
    assert sent_tokens(httpx_mock) == ["Bearer new-access-1", "Bearer new-access-1"]


def test_a_login_in_the_keyring_is_refreshed_back_into_the_keyring(
    rc: Path,
    httpx_mock: HTTPXMock,
    logs_ok: None,
    token_api: TokenEndpoint,
    memory_keyring: MemoryKeyring,
) -> None:
    write(rc, OAUTH_HEAD)
    before = rc.read_text()
    memory_keyring.entries[("baseten-truss", "baseten")] = keyring_entry(30)  # < 60 s left
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert sent_tokens(httpx_mock) == ["Bearer new-access-1"]
    stored = json.loads(memory_keyring.entries[("baseten-truss", "baseten")])
    assert stored["auth_type"] == "oauth"
    assert stored["oauth_access_token"] == "new-access-1"
    assert stored["oauth_refresh_token"] == "new-refresh-1"
    assert int(stored["oauth_expires_at"]) == pytest.approx(time.time() + 3600, abs=5)
    assert rc.read_text() == before  # the secrets stay out of the file


def test_inline_secrets_win_over_the_keyring(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None, memory_keyring: MemoryKeyring
) -> None:
    write(rc, OAUTH_HEAD + login_values(3600, access="inline-access-0123456789"))
    memory_keyring.entries[("baseten-truss", "baseten")] = keyring_entry(3600)
    assert invoke(*GET).status == 0
    assert sent_tokens(httpx_mock) == ["Bearer inline-access-0123456789"]


def test_an_api_key_in_the_keyring(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None, memory_keyring: MemoryKeyring
) -> None:
    write(rc, "[baseten]\nremote_url = https://app.test\nauth_type = api_key\n")
    entry = {"auth_type": "api_key", "api_key": "ring-key-0123456789"}
    memory_keyring.entries[("baseten-truss", "baseten")] = json.dumps(entry)
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert sent_tokens(httpx_mock) == ["Bearer ring-key-0123456789"]


def test_a_refused_refresh_says_to_log_in_again(
    rc: Path, httpx_mock: HTTPXMock, token_api: TokenEndpoint
) -> None:
    write(rc, OAUTH_HEAD + login_values(-10))
    token_api.status = 400
    result = invoke(*GET)
    assert result.status == int(ExitStatus.AUTH) == 3
    assert result.stderr == (
        "baseten-logs: error: the login for remote 'baseten' has expired; run truss login\n"
    )
    assert sent_tokens(httpx_mock) == []  # no logs request with a dead token


def test_a_401_refreshes_once_and_retries(
    rc: Path, httpx_mock: HTTPXMock, token_api: TokenEndpoint
) -> None:
    write(rc, OAUTH_HEAD + login_values(3600))  # the clock says fresh; the server disagrees
    httpx_mock.add_response(url=LOGS, status_code=401, json={"error": "Access token expired"})
    httpx_mock.add_response(url=LOGS, json={"logs": []})
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert len(token_api.forms) == 1
    assert sent_tokens(httpx_mock) == [f"Bearer {ACCESS}", "Bearer new-access-1"]


def test_a_401_to_a_fresh_refresh_is_final(
    rc: Path, httpx_mock: HTTPXMock, token_api: TokenEndpoint
) -> None:
    write(rc, OAUTH_HEAD + login_values(3600))
    httpx_mock.add_response(url=LOGS, status_code=401, json={"error": "nope"}, is_reusable=True)
    result = invoke(*GET)
    assert result.status == ExitStatus.AUTH
    assert len(token_api.forms) == 1  # one refresh, no loop
    assert len(sent_tokens(httpx_mock)) == 2
    assert "oauth login of remote 'baseten'" in result.stderr


def test_the_refresh_token_goes_to_the_token_endpoint_only_and_nothing_is_shown(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None, token_api: TokenEndpoint
) -> None:
    write(rc, OAUTH_HEAD + login_values(-10))
    result = invoke(*GET, "-v")
    assert result.status == 0, result.stderr
    assert "POST /v1/users/auth/device/token -> 200" in result.stderr
    assert "refreshed the oauth login of remote 'baseten'" in result.stderr
    for secret in (ACCESS, REFRESH, "new-access-1", "new-refresh-1"):
        assert secret not in result.stderr + result.stdout
    for request in httpx_mock.get_requests():
        carries = REFRESH in str(request.url) + str(request.headers) + request.content.decode()
        assert carries == (request.url.path == "/v1/users/auth/device/token")


def test_a_run_that_waited_for_the_lock_adopts_the_other_runs_refresh(
    rc: Path,
    httpx_mock: HTTPXMock,
    logs_ok: None,
    token_api: TokenEndpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import contextlib

    from baseten_logs.access import trussrc

    write(rc, OAUTH_HEAD + login_values(-10))
    real_lock = trussrc.locked

    @contextlib.contextmanager
    def another_run_got_there_first(path: Path) -> Iterator[None]:
        write(rc, OAUTH_HEAD + login_values(3600, access="theirs-0123456789", refresh="r2"))
        with real_lock(path):
            yield

    monkeypatch.setattr(trussrc, "locked", another_run_got_there_first)
    assert invoke(*GET).status == 0
    assert token_api.forms == []  # their single-use refresh token was not spent again
    assert sent_tokens(httpx_mock) == ["Bearer theirs-0123456789"]


def test_two_refreshes_at_once_take_turns(
    rc: Path, token_api: TokenEndpoint, httpx_mock: HTTPXMock
) -> None:
    write(rc, OAUTH_HEAD + login_values(-10) + "team = ml\n")
    logins = [resolve_credentials(api_key=None, api_url=None).login for _ in range(4)]
    headers: list[str] = []

    def use(login: Any) -> None:
        headers.append(login.header())

    threads = [threading.Thread(target=use, args=(login,)) for login in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(token_api.forms) == 1
    assert headers == ["Bearer new-access-1"] * 4
    assert "team = ml\n" in rc.read_text() and "new-refresh-1" in rc.read_text()


# --- truss's environment pair and precedence --------------------------------------------------
def test_the_environment_pair_defines_the_remote(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None
) -> None:
    rc.write_text("[baseten\nthis is not INI")  # never read: the pair hides the trussrc
    env = {
        "BASETEN_TRUSS_AUTH_REMOTE_URL": "https://app.test",
        "BASETEN_TRUSS_AUTH_API_KEY": "pair-key-0123456789",
    }
    result = invoke(*GET, env=env)
    assert result.status == 0, result.stderr
    assert sent_tokens(httpx_mock) == ["Bearer pair-key-0123456789"]


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ("BASETEN_TRUSS_AUTH_REMOTE_URL", "BASETEN_TRUSS_AUTH_API_KEY"),
        ("BASETEN_TRUSS_AUTH_API_KEY", "BASETEN_TRUSS_AUTH_REMOTE_URL"),
    ],
)
def test_half_the_pair_is_bad_input(httpx_mock: HTTPXMock, present: str, missing: str) -> None:
    result = invoke(*GET, env={present: "https://app.test-0123456789"})
    assert result.status == ExitStatus.USAGE
    assert f"{present} is set but {missing} is not" in result.stderr
    assert result.stderr.count("\n") == 1 and "0123456789" not in result.stderr


def test_precedence_flag_environment_pair_trussrc(
    rc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(rc, "[baseten]\nremote_url = https://app.file.test\napi_key = file-key-0123456789\n")

    def source() -> tuple[str, str]:
        c = resolve_credentials(api_key=None, api_url=None)
        return c.key_source, c.api_url

    assert source() == (f"{rc} [baseten]", "https://api.file.test")
    monkeypatch.setenv("BASETEN_TRUSS_AUTH_REMOTE_URL", "https://app.pair.test")
    monkeypatch.setenv("BASETEN_TRUSS_AUTH_API_KEY", "pair-key-0123456789")
    assert source() == ("BASETEN_TRUSS_AUTH_API_KEY", "https://api.pair.test")
    monkeypatch.setenv("BASETEN_API_KEY", "env-key-0123456789")
    assert source()[0] == "BASETEN_API_KEY"
    c = resolve_credentials(api_key="flag-key-0123456789", api_url=None)
    assert (c.key_source, c.api_key) == ("--api-key", "flag-key-0123456789")


def test_a_corrupt_trussrc_matters_only_when_needed(rc: Path) -> None:
    rc.write_text("[baseten\nnot INI at all")
    env = {"BASETEN_API_KEY": "env-key-0123456789", "BASETEN_API_URL": API_URL}
    result = invoke("whoami", env=env)
    assert result.status == 0, result.stderr
    result = invoke("whoami", env={"BASETEN_API_KEY": "env-key-0123456789"})  # URL from file
    assert result.status == ExitStatus.USAGE and f"cannot read {rc}" in result.stderr


def test_the_dev_stack_maps_as_truss_maps_it() -> None:
    assert app_url_to_api_url("https://app.dev.baseten.co") == "https://api.mc-dev.baseten.co"
    assert app_url_to_api_url("https://app.baseten.co/") == "https://api.baseten.co"
    assert app_url_to_api_url("https://app.staging.baseten.co") == "https://api.staging.baseten.co"


# --- the key never travels in clear, user-info never shown ------------------------------------
@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (("--api-url", "http://api.example.com"), {}, "--api-url"),
        ((), {"BASETEN_API_URL": "http://10.0.0.5:8080"}, "BASETEN_API_URL"),
    ],
)
def test_plain_http_to_another_host_is_refused(
    httpx_mock: HTTPXMock, args: tuple[str, ...], env: dict[str, str], named: str
) -> None:
    result = invoke(*GET, *args, env={"BASETEN_API_KEY": "env-key-0123456789", **env})
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith(f"baseten-logs: error: {named}: ")
    assert "use https://" in result.stderr
    assert httpx_mock.get_requests() == []


def test_plain_http_in_the_trussrc_is_refused_too(rc: Path, httpx_mock: HTTPXMock) -> None:
    write(rc, "[baseten]\nremote_url = http://app.example.com\napi_key = file-key-0123456789\n")
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE and f"{rc} [baseten]: " in result.stderr


@pytest.mark.parametrize("url", ["http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:2"])
def test_plain_http_to_this_machine_is_fine(url: str) -> None:
    c = resolve_credentials(api_key="k" * 20, api_url=url)
    assert c.api_url == url


def test_user_info_in_a_url_is_masked_everywhere(httpx_mock: HTTPXMock) -> None:
    url = "https://robot:hunter2hunter2@api.test"
    assert mask_url(url) == "https://****@api.test"
    result = invoke("whoami", "--api-url", url, "--api-key", "flag-key-0123456789")
    assert "https://****@api.test" in result.stdout and "hunter2" not in result.stdout
    result = invoke("whoami", "--api-url", "ftp://robot:hunter2@api.test", "--api-key", "k" * 20)
    assert result.status == ExitStatus.USAGE and "hunter2" not in result.stderr + result.stdout


# --- the keyring, when it cannot help ---------------------------------------------------------
def test_no_usable_keyring_is_one_clear_error(rc: Path, httpx_mock: HTTPXMock) -> None:
    write(rc, OAUTH_HEAD)  # the secrets are in a keyring this machine cannot open
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE
    assert result.stderr.count("\n") == 1
    assert "the login of remote 'baseten' is in the OS keyring" in result.stderr
    assert "no keyring backend is usable" in result.stderr
    assert "BASETEN_TRUSS_AUTH_KEYRING_DISABLED=1 truss login" in result.stderr


def test_a_disabled_keyring_is_the_same_advice(
    rc: Path, httpx_mock: HTTPXMock, memory_keyring: MemoryKeyring
) -> None:
    write(rc, OAUTH_HEAD)
    memory_keyring.entries[("baseten-truss", "baseten")] = keyring_entry(3600)
    result = invoke(*GET, env={"BASETEN_TRUSS_AUTH_KEYRING_DISABLED": "1"})
    assert result.status == ExitStatus.USAGE
    assert "BASETEN_TRUSS_AUTH_KEYRING_DISABLED is set" in result.stderr


def test_an_empty_keyring_says_to_log_in(rc: Path, memory_keyring: MemoryKeyring) -> None:
    write(rc, OAUTH_HEAD)
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE
    assert "no login for remote 'baseten' in the keyring (run truss login)" in result.stderr


# --- whoami -----------------------------------------------------------------------------------
def test_whoami_names_the_form_and_where_it_came_from(
    rc: Path, memory_keyring: MemoryKeyring
) -> None:
    write(rc, OAUTH_HEAD)
    memory_keyring.entries[("baseten-truss", "baseten")] = keyring_entry(42 * 60 + 10)
    result = invoke("whoami")
    assert result.status == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == "login    oauth login of remote 'baseten' (keyring), expires in 42 min"
    assert ACCESS[:4] not in result.stdout
    facts = json.loads(invoke("whoami", "-o", "json").stdout)
    assert (facts["auth"], facts["api_key"]) == ("oauth", None)
    assert facts["api_url"] == "https://api.test"


def test_whoami_check_refreshes_and_proves_the_login(
    rc: Path, httpx_mock: HTTPXMock, token_api: TokenEndpoint
) -> None:
    from tests.fakecatalog import serve

    write(rc, OAUTH_HEAD + login_values(-120))
    serve(httpx_mock)
    result = invoke("whoami", "--check")
    assert result.status == 0, result.stderr
    assert "check    ok: the login works\nuser     Ada <ada@example.com>" in result.stdout
    assert len(token_api.forms) == 1
    assert sent_tokens(httpx_mock) == ["Bearer new-access-1"]


def test_whoami_shows_what_it_checked_when_nothing_works(rc: Path) -> None:
    write(rc, "[baseten]\napi_key = file-key-0123456789\n")
    result = invoke("whoami", "--remote", "nosuch")
    assert result.status == ExitStatus.USAGE
    assert "has no section [nosuch]" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "checked  --api-key: not given"
    assert lines[1] == "         BASETEN_API_KEY: not set"
    assert "BASETEN_TRUSS_AUTH_REMOTE_URL + BASETEN_TRUSS_AUTH_API_KEY: not set" in lines[2]
    assert f"{rc} [nosuch]: no such section (sections: baseten)" in lines[3]
    assert "API URL: https://api.baseten.co from default" in result.stdout
    assert lines[-2] == f"trussrc  {rc} (exists), section [nosuch]"
    assert lines[-1].startswith("order    --api-key > BASETEN_API_KEY > ")
    assert "file-key" not in result.stdout + result.stderr


def test_completion_never_refreshes_a_login(
    rc: Path, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baseten_logs.completion.complete import complete_models

    write(rc, OAUTH_HEAD + login_values(-10))
    assert complete_models("") == []
    assert httpx_mock.get_requests() == []
    assert REFRESH in rc.read_text()


def test_a_token_answer_that_cannot_be_sent_is_an_auth_error_and_saves_nothing(
    rc: Path, httpx_mock: HTTPXMock
) -> None:
    write(rc, OAUTH_HEAD + login_values(-10))
    before = rc.read_bytes()
    answer = {"access_token": "bad token\r\nX-Evil: 1", "refresh_token": "r", "expires_in": 60}
    httpx_mock.add_response(url=TOKEN_URL, method="POST", json=answer)
    result = invoke(*GET)
    assert result.status == ExitStatus.AUTH  # issue 23: the login is unusable, as when refused
    assert "has no usable token" in result.stderr and "Evil" not in result.stderr
    assert sent_tokens(httpx_mock) == []
    assert rc.read_bytes() == before


# --- logins that hold only part of what truss writes ------------------------------------------
def test_a_section_with_part_of_a_login_and_no_keyring_is_one_clear_error(
    rc: Path, httpx_mock: HTTPXMock
) -> None:
    # truss reads a section inline only when all three oauth_* keys are there: else the keyring.
    write(rc, OAUTH_HEAD + f"oauth_access_token = {ACCESS}\n")  # no keyring on this machine
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE
    assert "no keyring backend is usable here" in result.stderr
    assert httpx_mock.get_requests() == []


def test_a_section_with_part_of_a_login_reads_the_rest_from_the_keyring(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None, memory_keyring: MemoryKeyring
) -> None:
    write(rc, OAUTH_HEAD + "oauth_access_token = inline-access-0123456789\n")
    memory_keyring.entries[("baseten-truss", "baseten")] = keyring_entry(3600)
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert sent_tokens(httpx_mock) == ["Bearer inline-access-0123456789"]  # the section's wins


def test_a_section_with_only_a_refresh_token_is_refreshed_into_the_keyring(
    rc: Path,
    httpx_mock: HTTPXMock,
    logs_ok: None,
    token_api: TokenEndpoint,
    memory_keyring: MemoryKeyring,
) -> None:
    write(rc, OAUTH_HEAD + f"oauth_refresh_token = {REFRESH}\n")
    entry = json.loads(keyring_entry(-10))
    memory_keyring.entries[("baseten-truss", "baseten")] = json.dumps(
        entry | {"oauth_refresh_token": "ring-refresh-0123456789"}
    )
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert token_api.forms[0]["refresh_token"] == [REFRESH]  # the section's refresh token
    assert sent_tokens(httpx_mock) == ["Bearer new-access-1"]
    assert rc.read_text() == OAUTH_HEAD  # the section's secret went into the keyring
    assert truss_reads(rc, memory_keyring)["oauth_access_token"] == "new-access-1"


def test_a_login_with_no_token_says_to_log_in(rc: Path, memory_keyring: MemoryKeyring) -> None:
    write(rc, OAUTH_HEAD)
    memory_keyring.entries[("baseten-truss", "baseten")] = json.dumps({"auth_type": "oauth"})
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE
    assert result.stderr == (
        "baseten-logs: error: the oauth login of remote 'baseten' holds no token"
        " (run truss login)\n"
    )


@pytest.mark.parametrize("stored", ["", 1234567890123])
def test_a_keyring_entry_without_a_usable_key_says_to_log_in(
    rc: Path, memory_keyring: MemoryKeyring, stored: object
) -> None:
    write(rc, "[baseten]\nremote_url = https://app.test\nauth_type = api_key\n")
    entry = {"auth_type": "api_key", "api_key": stored}
    memory_keyring.entries[("baseten-truss", "baseten")] = json.dumps(entry)
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE
    assert result.stderr == (
        "baseten-logs: error: the keyring's entry for remote 'baseten' has no key"
        " (run truss login)\n"
    )


def test_a_login_in_a_trussrc_others_can_read_is_warned_about(rc: Path) -> None:
    write(rc, OAUTH_HEAD + login_values(3600))
    rc.chmod(0o644)
    warnings: list[str] = []
    resolve_credentials(api_key=None, api_url=None, warn=warnings.append)
    assert warnings == [
        f"{rc} holds an API key or login and is readable by everyone: chmod 600 {rc}"
    ]


def test_a_login_in_the_keyring_is_not_warned_about_a_readable_trussrc(
    rc: Path, memory_keyring: MemoryKeyring
) -> None:
    write(rc, OAUTH_HEAD)
    rc.chmod(0o644)  # it holds no secret
    memory_keyring.entries[("baseten-truss", "baseten")] = keyring_entry(3600)
    warnings: list[str] = []
    resolve_credentials(api_key=None, api_url=None, warn=warnings.append)
    assert warnings == []


def test_plain_http_for_a_login_names_the_trussrc_section(rc: Path, httpx_mock: HTTPXMock) -> None:
    write(rc, OAUTH_HEAD.replace("https://app.test", "http://app.example.com") + login_values(3600))
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith(f"baseten-logs: error: {rc} [baseten]: ")
    assert "use https://" in result.stderr


def test_a_run_that_waited_adopts_the_other_runs_refresh_from_the_keyring(
    rc: Path, token_api: TokenEndpoint, memory_keyring: MemoryKeyring
) -> None:
    write(rc, OAUTH_HEAD)
    memory_keyring.entries[("baseten-truss", "baseten")] = keyring_entry(-10)
    login = resolve_credentials(api_key=None, api_url=None).login
    assert login is not None
    theirs = {
        "auth_type": "oauth",
        "oauth_access_token": "theirs-0123456789",
        "oauth_refresh_token": "r2",
        "oauth_expires_at": str(int(time.time() + 3600)),
    }
    memory_keyring.entries[("baseten-truss", "baseten")] = json.dumps(theirs)  # another run
    assert login.header() == "Bearer theirs-0123456789"
    assert token_api.forms == []  # their single-use refresh token was not spent again


def test_a_refreshed_login_that_cannot_be_saved_is_warned_about(
    rc: Path, token_api: TokenEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baseten_logs.access import trussrc

    write(rc, OAUTH_HEAD + login_values(-10))
    warnings: list[str] = []
    login = resolve_credentials(api_key=None, api_url=None, warn=warnings.append).login
    assert login is not None

    def full_disk(*args: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(trussrc, "update_section", full_disk)
    assert login.header() == "Bearer new-access-1"  # this run goes on
    assert warnings == [
        f"could not save the refreshed login of remote 'baseten' to {rc} (OSError);"
        " if the next run fails, run truss login"
    ]


@pytest.mark.parametrize("stored", ["nan", "inf", "1e999", "-inf"])
def test_a_stored_expiry_that_is_not_finite_is_unknown_and_refreshed_first(
    rc: Path, httpx_mock: HTTPXMock, logs_ok: None, token_api: TokenEndpoint, stored: str
) -> None:
    secrets = f"oauth_access_token = {ACCESS}\noauth_refresh_token = {REFRESH}\n"
    write(rc, OAUTH_HEAD + secrets + f"oauth_expires_at = {stored}\n")
    shown = invoke("whoami")
    assert shown.status == 0, shown.stderr  # not int(nan): an internal error
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert sent_tokens(httpx_mock) == ["Bearer new-access-1"]


# --- truss's own layouts: what `truss login` writes, read and saved as truss does --------------
def truss_writes(path: Path, sections: dict[str, dict[str, str]]) -> None:
    """The trussrc as truss writes it: configparser's own layout, every section rewritten."""
    import configparser

    parser = configparser.ConfigParser()
    for name, values in sections.items():
        parser[name] = values
    with path.open("w") as handle:
        parser.write(handle)
    path.chmod(0o600)


def truss_reads(path: Path, keyring: MemoryKeyring, remote: str = "baseten") -> dict[str, str]:
    """The login truss would send: the section's oauth_* keys when it has all three, else the
    keyring's entry for what it lacks (as truss 0.18's remote factory reads a remote)."""
    import configparser

    parser = configparser.ConfigParser()
    parser.read(path)
    section = dict(parser[remote])
    keys = ("oauth_access_token", "oauth_refresh_token", "oauth_expires_at")
    if all(key in section for key in keys):
        return {key: section[key] for key in keys}
    entry = json.loads(keyring.entries[("baseten-truss", remote)])
    assert entry["auth_type"] == "oauth" and all(key in entry for key in keys)
    return {key: str(section.get(key, entry[key])) for key in keys}


TRUSS_HEAD = {"remote_provider": "baseten", "remote_url": "https://app.test", "auth_type": "oauth"}
OTHER = {"remote_provider": "baseten", "remote_url": "https://app.staging.test", "api_key": "k"}


def inline_login(expires_in: float) -> dict[str, str]:
    return {
        "oauth_access_token": ACCESS,
        "oauth_refresh_token": REFRESH,
        "oauth_expires_at": str(int(time.time() + expires_in)),
    }


def test_an_inline_login_refreshed_where_a_keyring_is_usable_moves_into_it(
    rc: Path,
    httpx_mock: HTTPXMock,
    logs_ok: None,
    token_api: TokenEndpoint,
    memory_keyring: MemoryKeyring,
) -> None:
    # Logged in where no keyring was usable (truss kept it inline); now one is.
    truss_writes(rc, {"baseten": TRUSS_HEAD | inline_login(-10), "staging": OTHER})
    assert invoke(*GET).status == 0
    stored = json.loads(memory_keyring.entries[("baseten-truss", "baseten")])
    assert stored["auth_type"] == "oauth" and stored["oauth_access_token"] == "new-access-1"
    text = rc.read_text()
    assert "oauth_" not in text  # else truss would go on reading the spent refresh token
    assert "auth_type = oauth" in text and "api_key = k" in text and "[staging]" in text
    keys = ("oauth_access_token", "oauth_refresh_token", "oauth_expires_at")
    assert truss_reads(rc, memory_keyring) == {key: stored[key] for key in keys}
    assert invoke(*GET).status == 0  # and this tool reads it back from the keyring
    assert len(token_api.forms) == 1
    assert sent_tokens(httpx_mock) == ["Bearer new-access-1", "Bearer new-access-1"]


def test_a_login_truss_keeps_in_the_keyring_is_refreshed_there(
    rc: Path,
    httpx_mock: HTTPXMock,
    logs_ok: None,
    token_api: TokenEndpoint,
    memory_keyring: MemoryKeyring,
) -> None:
    truss_writes(rc, {"baseten": TRUSS_HEAD, "staging": OTHER})
    before = rc.read_text()
    entry = {"auth_type": "oauth", **inline_login(-10)}
    memory_keyring.entries[("baseten-truss", "baseten")] = json.dumps(entry)
    assert invoke(*GET).status == 0
    assert rc.read_text() == before
    assert truss_reads(rc, memory_keyring)["oauth_access_token"] == "new-access-1"


def test_a_disabled_keyring_keeps_a_refreshed_login_in_the_section(
    rc: Path,
    httpx_mock: HTTPXMock,
    logs_ok: None,
    token_api: TokenEndpoint,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BASETEN_TRUSS_AUTH_KEYRING_DISABLED", "1")
    truss_writes(rc, {"baseten": TRUSS_HEAD | inline_login(-10)})
    assert invoke(*GET).status == 0
    assert memory_keyring.entries == {}
    assert truss_reads(rc, memory_keyring)["oauth_access_token"] == "new-access-1"


def test_a_keyring_that_refuses_the_write_leaves_the_login_in_the_section(
    rc: Path,
    httpx_mock: HTTPXMock,
    logs_ok: None,
    token_api: TokenEndpoint,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from keyring.errors import PasswordSetError

    def locked(service: str, username: str, password: str) -> None:
        raise PasswordSetError("locked")

    monkeypatch.setattr(memory_keyring, "set_password", locked)
    truss_writes(rc, {"baseten": TRUSS_HEAD | inline_login(-10)})
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    assert truss_reads(rc, memory_keyring)["oauth_access_token"] == "new-access-1"
    assert result.stderr == ""


def test_a_login_with_an_access_token_and_no_refresh_token_is_used(
    rc: Path, memory_keyring: MemoryKeyring
) -> None:
    """Either token is enough to go on (an access token until it expires); only neither is an
    error."""
    write(rc, OAUTH_HEAD)
    entry = json.loads(keyring_entry(3600)) | {"oauth_refresh_token": ""}
    memory_keyring.entries[("baseten-truss", "baseten")] = json.dumps(entry)
    credentials = resolve_credentials(api_key=None, api_url=None)
    assert (credentials.api_key, credentials.api_url) == (ACCESS, API_URL)
