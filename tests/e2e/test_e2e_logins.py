"""Truss users' logins end to end: the installed command, the emulator's token endpoint.

An expired OAuth login is refreshed and written back (inline, or into a keyring reached through
keyring's real API with a file backend), the next run reuses it, a refused refresh says to log
in again, and truss's environment pair works with no file at all.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from baseten_logs.emulator import Emulator
from tests.e2e.conftest import DEPLOYMENT, MODEL, cli

ROOT = Path(__file__).resolve().parents[2]
TOKEN_PATH = "/v1/users/auth/device/token"
GET = ("get", MODEL, DEPLOYMENT, "--since", "10m", "-n", "5", "-o", "jsonl")


def trussrc(tmp_path: Path, emu: Emulator, secrets: dict[str, Any] | None) -> Path:
    path = tmp_path / "trussrc"
    lines = [
        "[baseten]",
        "remote_provider = baseten",
        f"remote_url = {emu.url}",
        "auth_type = oauth",
        *(f"{key} = {value}" for key, value in (secrets or {}).items()),
        "",
        "[other]",
        "remote_url = https://app.example.com",
        "",
    ]
    path.write_text("\n".join(lines))
    path.chmod(0o600)
    return path


def run(emu: Emulator, path: Path, **extra: str) -> Any:
    return cli(None, *GET, env={"USER_TRUSSRC_PATH": str(path), **extra})


def posts(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.path == TOKEN_PATH)


def section(path: Path) -> dict[str, str]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return dict(parser["baseten"])


def test_an_expired_inline_login_is_refreshed_kept_and_reused(
    emu: Emulator, tmp_path: Path
) -> None:
    login = emu.oauth_login(expires_in=-30)
    path = trussrc(tmp_path, emu, login)
    first = run(emu, path)
    assert first.status == 0, first.stderr
    assert len(first.jsonl()) == 5
    assert posts(emu) == 1
    saved = section(path)
    assert saved["oauth_access_token"] != login["oauth_access_token"]
    assert saved["oauth_refresh_token"] != login["oauth_refresh_token"]
    assert int(saved["oauth_expires_at"]) > time.time() + 3000
    assert "[other]" in path.read_text() and (path.stat().st_mode & 0o777) == 0o600
    second = run(emu, path)
    assert second.status == 0, second.stderr
    assert posts(emu) == 1  # the saved login was still good: no refresh


def test_a_login_in_the_keyring_is_refreshed_into_the_keyring(
    emu: Emulator, tmp_path: Path
) -> None:
    store = tmp_path / "keyring.json"
    login = emu.oauth_login(expires_in=20)  # under a minute left: refreshed before use
    store.write_text(
        json.dumps({"baseten-truss/baseten": json.dumps({"auth_type": "oauth", **login})})
    )
    path = trussrc(tmp_path, emu, None)
    before = path.read_text()
    keyring_env = {
        "PYTHON_KEYRING_BACKEND": "tests.e2e.filekeyring.FileKeyring",
        "PYTHONPATH": str(ROOT),
        "TEST_KEYRING_FILE": str(store),
    }
    first = run(emu, path, **keyring_env)
    assert first.status == 0, first.stderr
    assert posts(emu) == 1
    entry = json.loads(json.loads(store.read_text())["baseten-truss/baseten"])
    assert entry["auth_type"] == "oauth"
    assert entry["oauth_refresh_token"] != login["oauth_refresh_token"]
    assert path.read_text() == before
    assert run(emu, path, **keyring_env).status == 0
    assert posts(emu) == 1


def test_an_inline_login_moves_into_a_usable_keyring_as_truss_saves_it(
    emu: Emulator, tmp_path: Path
) -> None:
    """Logged in where no keyring was usable, so truss kept the login in the section; a refresh
    where one is usable goes into it, as truss saves it, and the section keeps no secret (or
    truss, which reads a section with all three oauth_* keys first, would read a spent one)."""
    store = tmp_path / "keyring.json"
    login = emu.oauth_login(expires_in=-30)
    path = trussrc(tmp_path, emu, login)
    keyring_env = {
        "PYTHON_KEYRING_BACKEND": "tests.e2e.filekeyring.FileKeyring",
        "PYTHONPATH": str(ROOT),
        "TEST_KEYRING_FILE": str(store),
    }
    first = run(emu, path, **keyring_env)
    assert first.status == 0, first.stderr
    assert posts(emu) == 1
    entry = json.loads(json.loads(store.read_text())["baseten-truss/baseten"])
    assert entry["auth_type"] == "oauth"
    assert entry["oauth_refresh_token"] != login["oauth_refresh_token"]
    saved = section(path)
    assert not any(key.startswith("oauth_") for key in saved)
    assert saved["auth_type"] == "oauth" and "[other]" in path.read_text()
    second = run(emu, path, **keyring_env)
    assert second.status == 0, second.stderr
    assert posts(emu) == 1  # the keyring's login was still good


def test_a_token_the_server_calls_expired_is_refreshed_once(emu: Emulator, tmp_path: Path) -> None:
    login = emu.oauth_login(expires_in=-5)
    login["oauth_expires_at"] = int(time.time()) + 3600  # the local clock thinks it is fresh
    path = trussrc(tmp_path, emu, login)
    result = run(emu, path)
    assert result.status == 0, result.stderr
    assert posts(emu) == 1
    refused = [r for r in emu.requests if r.status == 401]
    assert len(refused) == 1


def test_a_refused_refresh_says_to_log_in_again(emu: Emulator, tmp_path: Path) -> None:
    path = trussrc(tmp_path, emu, emu.oauth_login(expires_in=-30))
    emu.revoke_oauth_logins()
    result = run(emu, path)
    assert result.status == 3
    assert result.stderr == (
        "baseten-logs: error: the login for remote 'baseten' has expired; run truss login\n"
    )
    assert result.stdout == ""


def test_no_keyring_backend_is_one_clear_error(emu: Emulator, tmp_path: Path) -> None:
    path = trussrc(tmp_path, emu, None)
    result = run(emu, path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert result.status == 2
    assert "no keyring backend is usable" in result.stderr and result.stderr.count("\n") == 1
    assert emu.requests == []


@pytest.mark.parametrize("missing", [None, "BASETEN_TRUSS_AUTH_API_KEY"])
def test_the_environment_pair(emu: Emulator, missing: str | None) -> None:
    env = {"BASETEN_TRUSS_AUTH_REMOTE_URL": emu.url, "BASETEN_TRUSS_AUTH_API_KEY": emu.api_key}
    if missing:
        env.pop(missing)
    result = cli(None, *GET, env={"USER_TRUSSRC_PATH": "/nonexistent/trussrc", **env})
    if missing:
        assert result.status == 2 and missing in result.stderr
        assert emu.requests == []
    else:
        assert result.status == 0, result.stderr
        assert len(result.jsonl()) == 5


def test_team_picks_one_of_two_models_of_a_name(emu: Emulator) -> None:
    from baseten_logs.emulator import EMBEDDER_MODEL_NAME

    teams = sorted({m.team_name for m in emu.models if m.name == EMBEDDER_MODEL_NAME})
    assert len(teams) >= 2
    assert cli(emu, "deployments", EMBEDDER_MODEL_NAME, "-o", "jsonl").status == 2
    for team in teams:
        model = emu.model_named(EMBEDDER_MODEL_NAME, team=team)
        result = cli(emu, "deployments", EMBEDDER_MODEL_NAME, "--team", team, "-o", "jsonl")
        assert result.status == 0, result.stderr
        assert {d["id"] for d in result.jsonl()} == {d.id for d in model.deployments}
