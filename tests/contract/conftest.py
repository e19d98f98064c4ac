"""One emulator per module, and every command of the tool run against it in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baseten_logs.emulator import Emulator, EmulatorConfig, RequestRecord
from tests.conftest import invoke


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorConfig(seed=3, lines_per_s=0.5, rate_limit_per_s=None))
    yield emulator
    emulator.close()


def trussrc_with_expired_login(emu: Emulator, folder: Path) -> Path:
    """A truss login whose access token has expired: the first request refreshes it."""
    login = emu.oauth_login(expires_in=-30)
    path = folder / "trussrc"
    lines = [
        "[baseten]",
        f"remote_url = {emu.url}",
        "remote_provider = baseten",
        "auth_type = oauth",
    ]
    lines += [f"{key} = {value}" for key, value in login.items()]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def requests_of(
    emu: Emulator, *args: str, env: dict[str, str] | None = None, key: bool = True
) -> list[RequestRecord]:
    """Run one command against `emu`; the requests it sent (it must succeed)."""
    emu.clear_requests()
    access = {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key} if key else {}
    result = invoke(*args, env={**access, **(env or {})})
    assert result.status == 0, f"{args}: {result.stderr}"
    sent = emu.requests
    assert sent, f"{args} sent nothing"
    return sent
