"""The test suite on each Python the package claims: `make test-all` (all), `.ci/run` (the ends).

pyproject.toml claims the Pythons twice: `requires-python` (the oldest) and the "Programming
Language :: Python :: 3.X" classifiers (every one; the newest). A claim nobody tests is a guess, so
each claimed Python that is installed gets its own venv (`.venv-3.X/`, the dev extra installed as
`make install` does) and runs the whole suite. One that is not installed is named as SKIPPED,
loudly, and the run fails only if none of the asked Pythons could run: a machine with just one of
them still checks what it can. ruff and mypy run once, in `make test`: they judge the source, not
the Python.

    python3 scripts/test_pythons.py [--ends] [-- pytest arguments]

Pythons are looked for by name on PATH (`python3.10`), then in pyenv's versions (PYENV_ROOT or
`pyenv root`); a candidate counts only if it runs and says it is that version (a pyenv shim for a
version not selected fails to run). Standard library only: it runs before any venv exists, on the
machine's python3, whichever version that is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"

# setuptools boxes every editable install with a note for its own developers (as in the Makefile).
QUIET_SETUPTOOLS = "ignore::UserWarning:setuptools.command.editable_wheel"


def claimed_versions(pyproject: str) -> list[str]:
    """The "3.X" the package claims, oldest first: the classifiers, checked against requires-python.

    Read with regular expressions, not tomllib: this runs on whatever python3 the machine has, and
    3.10 has no tomllib. A classifier below requires-python, or a gap, is a claim that cannot be
    kept; it stops the run rather than testing something else.
    """
    floor = re.search(r'^requires-python\s*=\s*">=\s*3\.(\d+)"', pyproject, re.MULTILINE)
    minors = sorted(
        {int(m) for m in re.findall(r'"Programming Language :: Python :: 3\.(\d+)"', pyproject)}
    )
    if floor is None or not minors:
        raise ValueError("pyproject.toml: no requires-python >=3.X or no Python 3.X classifiers")
    if minors[0] != int(floor.group(1)) or minors != list(range(minors[0], minors[-1] + 1)):
        raise ValueError(
            f"pyproject.toml: the classifiers (3.{minors}) do not run without a gap from "
            f"requires-python's 3.{floor.group(1)}"
        )
    return [f"3.{m}" for m in minors]


def ends(versions: Sequence[str]) -> list[str]:
    """The oldest and the newest: what CI runs besides `make test` on its default python3."""
    return list(dict.fromkeys([versions[0], versions[-1]]))


def _pyenv_root() -> Path | None:
    """pyenv's root: PYENV_ROOT, else what `pyenv root` says, else None (no pyenv)."""
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    done = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def candidates(version: str) -> list[Path]:
    """Where a Python `version` may be: by name on PATH, then pyenv's installed versions."""
    found: list[Path] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(Path(on_path))
    root = _pyenv_root()
    if root is not None:
        found += sorted(root.glob(f"versions/{version}*/bin/python{version}"), reverse=True)
    return list(dict.fromkeys(found))


def is_version(python: Path, version: str) -> bool:
    """Whether `python` runs and is `version`: a pyenv shim for an unselected version does not."""
    try:
        done = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def find_python(version: str, check: Callable[[Path, str], bool] = is_version) -> Path | None:
    """The first candidate that really is `version`, or None."""
    return next((p for p in candidates(version) if check(p, version)), None)


def _step(argv: list[str], **env: str) -> None:
    print("+", " ".join(argv), flush=True)
    subprocess.run(argv, cwd=ROOT, check=True, env={**os.environ, **env})


def venv_for(version: str, python: Path) -> Path:
    """`.venv-3.X/` with the package and its dev extra, rebuilt when pyproject.toml changed."""
    venv = ROOT / f".venv-{version}"
    stamp = venv / ".installed"
    if stamp.exists() and stamp.stat().st_mtime >= PYPROJECT.stat().st_mtime:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    _step([str(python), "-m", "venv", str(venv)])
    bin_python = str(venv / "bin" / "python")
    _step([bin_python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _step(
        [bin_python, "-m", "pip", "install", "--quiet", "-e", ".[dev]"],
        PYTHONWARNINGS=QUIET_SETUPTOOLS,
    )
    # As `make install`: an editable install compiles nothing, and the e2e tests start it often.
    _step([bin_python, "-m", "compileall", "-q", "baseten_logs"])
    stamp.touch()
    return venv


@dataclass
class Outcome:
    version: str
    status: str  # "passed", "FAILED" or "SKIPPED"
    detail: str


def run_suite(version: str, pytest_args: Sequence[str]) -> Outcome:
    """Build the venv of `version` and run the suite there; SKIPPED when it is not installed."""
    python = find_python(version)
    if python is None:
        return Outcome(
            version, "SKIPPED", f"not installed (no python{version} on PATH or in pyenv)"
        )
    print(f"\n=== Python {version}: {python}", flush=True)
    start = time.monotonic()
    try:
        venv = venv_for(version, python)
        _step([str(venv / "bin" / "python"), "-m", "pytest", "-q", *pytest_args])
    except subprocess.CalledProcessError as error:
        return Outcome(
            version, "FAILED", f"{' '.join(map(str, error.cmd))} exited {error.returncode}"
        )
    return Outcome(version, "passed", f"{time.monotonic() - start:.0f} s")


def verdict(outcomes: Sequence[Outcome]) -> int:
    """Print one line per Python; 1 if any failed or none ran at all, else 0."""
    print("\nThe suite per Python:")
    for outcome in outcomes:
        print(f"  {outcome.version}: {outcome.status} ({outcome.detail})")
    if any(o.status == "FAILED" for o in outcomes):
        return 1
    if all(o.status == "SKIPPED" for o in outcomes):
        names = ", ".join(o.version for o in outcomes)
        print(f"None of the Pythons asked for ({names}) is installed: nothing was tested.")
        return 1
    return 0


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    pytest_args = args[args.index("--") + 1 :] if "--" in args else []
    own = args[: args.index("--")] if "--" in args else args
    if any(a != "--ends" for a in own):
        print(__doc__.split("\n\n")[2].strip(), file=sys.stderr)
        return 2
    versions = claimed_versions(PYPROJECT.read_text(encoding="utf-8"))
    if "--ends" in own:
        versions = ends(versions)
    return verdict([run_suite(v, pytest_args) for v in versions])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
