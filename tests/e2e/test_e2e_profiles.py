"""The `baseten` CLI's logins end to end: the installed command, the emulator's token endpoint.

A profile whose OAuth login has expired is refreshed against the emulator and written back where
it came from (auth.json, or a keyring reached through keyring's real API with a file backend);
the next run reuses it; an unknown profile is one line and no request.
"""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from baseten_logs.emulator import Emulator
from tests.e2e.conftest import DEPLOYMENT, MODEL, cli

ROOT = Path(__file__).resolve().parents[2]
TOKEN_PATH = "/v1/users/auth/device/token"
GET = ("get", MODEL, DEPLOYMENT, "--since", "10m", "-n", "5", "-o", "jsonl")


def credential(emu: Emulator, expires_in: float) -> dict[str, str]:
    """A login as the baseten CLI keeps it: `expiry` in RFC 3339."""
    login = emu.oauth_login(expires_in=expires_in)
    expiry = datetime.fromtimestamp(login["oauth_expires_at"], tz=timezone.utc)
    return {
        "access_token": login["oauth_access_token"],
        "refresh_token": login["oauth_refresh_token"],
        "expiry": expiry.isoformat().replace("+00:00", "Z"),
    }


def auth_json(tmp_path: Path, emu: Emulator, inline: dict[str, str] | None) -> Path:
    directory = tmp_path / "baseten"
    directory.mkdir()
    profile: dict[str, Any] = {"remote_url": emu.url, "auth_type": "oauth"}
    if inline is not None:
        profile["oauth_credential"] = inline
    other = {"remote_url": "https://app.example.com", "auth_type": "api_key", "api_key": "k-123"}
    document = {"version": 1, "current": "other", "profiles": {"work": profile, "other": other}}
    path = directory / "auth.json"
    path.write_text(json.dumps(document, indent=2))
    path.chmod(0o600)
    return path


def run(path: Path, *args: str, **extra: str) -> Any:
    env = {
        "BASETEN_CONFIG_DIR": str(path.parent),
        "USER_TRUSSRC_PATH": str(path.parent / "no-trussrc"),
        **extra,
    }
    return cli(None, *args, *GET, env=env)


def posts(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.path == TOKEN_PATH)


def test_an_expired_profile_login_is_refreshed_into_auth_json_and_reused(
    emu: Emulator, tmp_path: Path
) -> None:
    login = credential(emu, expires_in=-30)
    path = auth_json(tmp_path, emu, login)
    first = run(path, "--profile", "work")
    assert first.status == 0, first.stderr
    assert len(first.jsonl()) == 5
    assert posts(emu) == 1
    document = json.loads(path.read_text())
    saved = document["profiles"]["work"]["oauth_credential"]
    assert saved["refresh_token"] != login["refresh_token"]
    assert saved["access_token"] != login["access_token"]
    assert document["profiles"]["other"]["api_key"] == "k-123" and document["current"] == "other"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = run(path, "--profile", "work")
    assert second.status == 0, second.stderr
    assert posts(emu) == 1  # the saved login was still good: no refresh


def test_a_profile_login_in_the_keyring_is_refreshed_into_the_keyring(
    emu: Emulator, tmp_path: Path
) -> None:
    store = tmp_path / "keyring.json"
    login = credential(emu, expires_in=-30)
    store.write_text(json.dumps({"baseten-profile/work": json.dumps(login)}))
    path = auth_json(tmp_path, emu, None)
    before = path.read_text()
    keyring_env = {
        "PYTHON_KEYRING_BACKEND": "tests.e2e.filekeyring.FileKeyring",
        "PYTHONPATH": str(ROOT),
        "TEST_KEYRING_FILE": str(store),
        "BASETEN_PROFILE": "work",
    }
    first = run(path, **keyring_env)
    assert first.status == 0, first.stderr
    assert posts(emu) == 1
    entry = json.loads(json.loads(store.read_text())["baseten-profile/work"])
    assert set(entry) == {"access_token", "refresh_token", "expiry"}
    assert entry["refresh_token"] != login["refresh_token"]
    assert path.read_text() == before
    assert run(path, **keyring_env).status == 0
    assert posts(emu) == 1


def test_an_unknown_profile_is_one_line_and_no_request(emu: Emulator, tmp_path: Path) -> None:
    path = auth_json(tmp_path, emu, credential(emu, expires_in=3600))
    result = run(path, "--profile", "wrok")
    assert result.status == 2
    assert result.stderr.startswith("baseten-logs: error: --profile: no baseten profile 'wrok'")
    assert "(profiles: 'other', 'work')" in result.stderr and result.stderr.count("\n") == 1
    assert emu.requests == []
