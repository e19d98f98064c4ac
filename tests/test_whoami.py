"""`whoami`: which key and URL are used and where each came from; the key itself never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.access.config import PRECEDENCE
from baseten_logs.base.errors import AuthError, ConfigError, ExitStatus
from baseten_logs.cli.whoami import run_whoami, whoami
from tests.fakecatalog import FakeCatalog, serve

ENV_KEY = "test-key-0123456789abcdef"  # the api_env fixture's
FLAG_KEY = "flag-key-abcdefghijklmnop"
FILE_KEY = "file-key-zyxwvutsrqponmlk"


@pytest.fixture
def trussrc(tmp_path: Path) -> Path:
    path = tmp_path / "home" / ".trussrc"
    path.write_text(
        f"[baseten]\nremote_provider = baseten\napi_key = {FILE_KEY}\n"
        "remote_url = https://app.example.com\n"
    )
    path.chmod(0o600)
    return path


def test_environment_sources(api_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_whoami(api_key=None, api_url=None) == ExitStatus.OK
    out = capsys.readouterr().out
    assert ENV_KEY not in out
    lines = out.splitlines()
    assert lines[0] == "API key  test…  from BASETEN_API_KEY"
    assert lines[1] == "API URL  https://api.test  from BASETEN_API_URL"
    assert lines[2].startswith("trussrc  ") and lines[2].endswith(
        ".trussrc (not found), section [baseten]"
    )
    assert lines[3].startswith("cache    ") and lines[3].endswith("/.cache/baseten-logs")


def test_flags_win(api_env: None, trussrc: Path) -> None:
    facts = whoami(api_key=FLAG_KEY, api_url="https://api.flag.test/")
    assert facts["api_key"] == "flag…"
    assert facts["api_key_source"] == "--api-key"
    assert (facts["api_url"], facts["api_url_source"]) == ("https://api.flag.test", "--api-url")


def test_trussrc_source(trussrc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_whoami(api_key=None, api_url=None, output="json")
    facts = json.loads(capsys.readouterr().out)
    assert facts == {
        "auth": "api_key",
        "api_key": "file…",
        "api_key_source": f"{trussrc} [baseten]",
        "expires_at": None,
        "api_url": "https://api.example.com",
        "api_url_source": f"{trussrc} [baseten]",
        "trussrc": str(trussrc),
        "trussrc_exists": True,
        "remote": "baseten",
        "cache_dir": str(trussrc.parent / ".cache" / "baseten-logs"),
        "user": None,
        "store": "trussrc",
        "store_detail": "truss's ~/.trussrc: an API key in the file",
        "profile": None,
        "profile_chosen_by": None,
        "auth_json": str(trussrc.parent / ".config" / "baseten" / "auth.json"),
        "auth_json_exists": False,
        "precedence": list(PRECEDENCE),
    }


def test_another_remote_and_a_short_key(trussrc: Path) -> None:
    trussrc.write_text(trussrc.read_text() + "\n[staging]\napi_key = short\n")
    facts = whoami(api_key=None, api_url=None, remote="staging")
    assert facts["api_key"] == "****"  # too short to show any of it
    assert facts["api_url_source"] == "default"
    assert facts["remote"] == "staging"


def test_no_key_is_the_usual_config_error() -> None:
    with pytest.raises(ConfigError, match="no API key") as caught:
        run_whoami(api_key=None, api_url=None)
    assert caught.value.status == ExitStatus.USAGE


def test_nothing_is_sent_without_check(api_env: None, httpx_mock: HTTPXMock) -> None:
    whoami(api_key=None, api_url=None)
    assert httpx_mock.get_requests() == []


def test_check_proves_the_key_with_one_request(
    api_env: None, httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog: FakeCatalog = serve(httpx_mock)
    run_whoami(api_key=None, api_url=None, check=True)
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "check    ok: the key works",
        "user     Ada <ada@example.com>, workspace acme-ml",
    ]
    assert catalog.seen == ["/v1/users/me"]


def test_check_shows_whose_key_it_is_escaped(
    api_env: None, httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog: FakeCatalog = serve(httpx_mock)
    catalog.user = {"user_id": "u7", "name": "\x1b]0;pwned\x07Eve", "workspace_name": "w\x1b[2J"}
    run_whoami(api_key=None, api_url=None, check=True)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines()[-1].startswith("user     ") and "Eve, workspace w" in out
    run_whoami(api_key=None, api_url=None, check=True, output="json")
    user = json.loads(capsys.readouterr().out)["user"]
    assert user == {
        "user_id": "u7",
        "name": "\x1b]0;pwned\x07Eve",
        "email": None,
        "workspace_name": "w\x1b[2J",
    }


def test_check_with_a_refused_key(api_env: None, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=401, json={"error": "Invalid API key"})
    with pytest.raises(AuthError) as caught:
        run_whoami(api_key=None, api_url=None, check=True)
    assert caught.value.status == ExitStatus.AUTH
    assert "BASETEN_API_KEY" in str(caught.value)


def test_with_no_key_the_label_checked_is_shown_once_for_all_it_looked_at(
    tmp_path: Path,
) -> None:
    from tests.conftest import invoke

    result = invoke("whoami", env={"USER_TRUSSRC_PATH": str(tmp_path / "none")})
    assert result.status == ExitStatus.USAGE
    labels = [line[:9].strip() for line in result.stdout.splitlines()]
    assert labels == ["checked", "", "", "", "", "", "trussrc", "order"]
    assert result.stdout.splitlines()[2].startswith(
        "         BASETEN_TRUSS_AUTH_REMOTE_URL + BASETEN_TRUSS_AUTH_API_KEY: not set"
    )
