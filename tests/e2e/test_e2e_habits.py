"""Issue #27 through the installed command: a defaults file, --tz, flags before the command."""

from __future__ import annotations

import re
from pathlib import Path

from baseten_logs.emulator import Emulator
from tests.e2e.conftest import MODEL, cli

TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) ")


def markers(stdout: str) -> set[str]:
    """The zone markers of the lines' times (continuation rows carry none)."""
    return {match[1] for line in stdout.splitlines() if (match := TIME.match(line))}


def test_a_defaults_file_drives_a_bare_get(emu: Emulator, tmp_path: Path) -> None:
    env = {"BASETEN_LOGS_CONFIG": str(tmp_path / "config.toml")}
    for key, value in (("model", MODEL), ("tz", "Asia/Kolkata"), ("output", "text")):
        assert cli(None, "config", "set", key, value, env=env).status == 0
    result = cli(emu, "get", "--since", "2h", "-n", "5", "--color", "never", env=env)
    assert result.status == 0, result.stderr
    assert markers(result.stdout) == {"+05:30"}
    flagged = cli(
        emu, "-v", "get", "--since", "2h", "-n", "5", "--utc", "--color", "never", env=env
    )
    assert flagged.status == 0 and "GET /v1/models/" in flagged.stderr
    assert markers(flagged.stdout) == {"Z"}
    listed = cli(None, "config", "list", env=env)
    assert "tz       Asia/Kolkata  file" in listed.stdout
