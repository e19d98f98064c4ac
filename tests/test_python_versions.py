"""scripts/test_pythons.py: which Pythons `make test-all` and `.ci/run` test, and when they fail."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def script() -> ModuleType:
    path = ROOT / "scripts" / "test_pythons.py"
    spec = importlib.util.spec_from_file_location("test_pythons", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("test_pythons", module)  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def pyproject(floor: int, minors: list[int]) -> str:
    lines = [f'requires-python = ">=3.{floor}"']
    lines += [f'    "Programming Language :: Python :: 3.{m}",' for m in minors]
    return "\n".join(lines)


def test_the_claim_starts_at_requires_python() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    floor = re.search(r'requires-python = ">=(3\.\d+)"', text)
    assert floor is not None
    versions = script().claimed_versions(text)
    assert versions[0] == floor.group(1)
    assert len(versions) >= 2  # an oldest and a newest for CI


def test_claimed_versions_oldest_first() -> None:
    assert script().claimed_versions(pyproject(10, [12, 10, 11])) == ["3.10", "3.11", "3.12"]


@pytest.mark.parametrize("minors", [[9, 10, 11], [11, 12], [10, 12], []])
def test_a_claim_that_cannot_be_kept_stops_the_run(minors: list[int]) -> None:
    with pytest.raises(ValueError, match="pyproject.toml"):
        script().claimed_versions(pyproject(10, minors))


def test_ci_runs_the_oldest_and_the_newest() -> None:
    ends = script().ends
    assert ends(["3.10", "3.11", "3.12", "3.13"]) == ["3.10", "3.13"]
    assert ends(["3.10"]) == ["3.10"]


def fake_python(path: Path, says: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {says}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_found_on_path_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = fake_python(tmp_path / "bin" / "python3.42", "3.42")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    assert script().find_python("3.42") == python


def test_a_shim_that_is_not_the_version_falls_back_to_pyenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pyenv's shim for a version that is installed but not selected fails (here: says another).
    fake_python(tmp_path / "shims" / "python3.42", "3.11")
    real = fake_python(tmp_path / "pyenv" / "versions" / "3.42.1" / "bin" / "python3.42", "3.42")
    monkeypatch.setenv("PATH", str(tmp_path / "shims"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    assert script().find_python("3.42") == real


def test_a_python_not_installed_is_skipped_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    outcome = script().run_suite("3.42", [])
    assert (outcome.status, outcome.detail) == (
        "SKIPPED",
        "not installed (no python3.42 on PATH or in pyenv)",
    )


def test_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    module = script()
    passed = module.Outcome("3.10", "passed", "300 s")
    skipped = module.Outcome("3.13", "SKIPPED", "not installed")
    failed = module.Outcome("3.13", "FAILED", "pytest exited 1")
    assert module.verdict([passed, skipped]) == 0
    assert "  3.13: SKIPPED (not installed)" in capsys.readouterr().out
    assert module.verdict([passed, failed]) == 1
    assert module.verdict([skipped, skipped]) == 1  # nothing tested is not a pass
    assert "nothing was tested" in capsys.readouterr().out
