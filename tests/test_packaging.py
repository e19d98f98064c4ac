"""Things a user meets before any log line: start-up cost, help, completions, docs."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from baseten_logs.completion.completion_scripts import SHELLS, script

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["--help"], 0),
        (["--version"], 0),
        (["get", "--help"], 0),
        (["get", "m", "d", "-o", "bad"], 2),  # bad input fails before the heavy imports
        (["view", "--help"], 0),
        (["browse", "--help"], 0),
        (["browse", "m", "--max-lines", "0"], 2),
    ],
)
def test_help_version_and_bad_input_import_neither_httpx_nor_rich(
    args: list[str], status: int
) -> None:
    # pydantic too: typer 0.29 imports it to validate parameters (about +90 ms a run); keyring
    # is for trussrc sections that keep their secrets there, and only those; re2 for a --grep
    # applied here (view, training); textual for `browse`'s screen, once it opens.
    code = (
        "import sys\n"
        "from baseten_logs.cli.app import run\n"
        f"status = run({args!r})\n"
        "heavy = ('httpx', 'rich', 'pydantic', 'keyring', 're2', 'textual')\n"
        "loaded = sorted(m for m in heavy if m in sys.modules)\n"
        "print('LOADED', loaded, status)\n"
    )
    out = run_python(code)
    assert f"LOADED [] {status}" in out


def test_completion_imports_neither_httpx_nor_rich() -> None:
    code = (
        "import sys\n"
        "from baseten_logs.cli.app import run\n"
        "try:\n"
        "    run(['get'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED', sorted(m for m in ('httpx', 'rich', 'keyring') if m in sys.modules))\n"
    )
    out = run_python(
        code,
        _BASETEN_LOGS_COMPLETE="complete_bash",
        COMP_WORDS="baseten-logs get m d --out",
        COMP_CWORD="4",
    )
    assert "--output" in out and "LOADED []" in out


HEAVY_AT_START = ("typer", "click", "httpx", "rich", "pydantic", "keyring", "re2", "textual")


def console_script_imports(args: list[str]) -> list[str]:
    """Run the console script's code on `args`: the last line of what it printed, `LOADED` with
    the heavy modules it imported and its status."""
    code = (
        "import sys\n"
        f"sys.argv = ['baseten-logs', *{args!r}]\n"
        "from baseten_logs.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    status = done.code\n"
        f"heavy = {HEAVY_AT_START!r}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print('LOADED', loaded, status)\n"
    )
    return run_python(code, COLUMNS="80").splitlines()


def test_the_version_is_answered_before_typer_is_imported() -> None:
    """typer and building the app are most of the start-up: `--version` pays for neither
    (cli/early.py; tests/test_early.py checks the help pages likewise)."""
    from baseten_logs import __version__

    assert console_script_imports(["--version"]) == [f"baseten-logs {__version__}", "LOADED [] 0"]


def _signature_functions() -> Iterator[Callable[..., Any]]:
    """Every function whose signature typer reads on each start: the commands, the app's
    callback, and the callbacks and completers of their parameters."""
    from typer.models import ParameterInfo

    from baseten_logs.cli.app import app

    infos = [*app.registered_commands, app.registered_callback]
    commands = [info.callback for info in infos if info is not None and info.callback is not None]
    for command in commands:
        yield command
        for parameter in inspect.signature(command, eval_str=True).parameters.values():
            extras = getattr(parameter.annotation, "__metadata__", ())
            for info in (*extras, parameter.default):
                if isinstance(info, ParameterInfo):
                    yield from (f for f in (info.callback, info.autocompletion) if f is not None)


def test_typer_reads_annotations_as_objects_not_strings_to_compile() -> None:
    """Under `from __future__ import annotations` typer compiled and evaluated every annotation
    string of every command at each start: 12 ms of a 28 ms `--help` build on the reference
    machine. A module that declares commands, flags or their completers goes without it."""
    functions = list(_signature_functions())
    assert len(functions) > 20  # the walk found the commands and their flags' functions
    stringly = sorted(
        {
            f"{function.__module__}.{function.__qualname__}"
            for function in functions
            if any(isinstance(a, str) for a in inspect.get_annotations(function).values())
        }
    )
    assert stringly == []


@pytest.mark.parametrize(("shell", "name"), sorted(SHELLS.items()))
def test_committed_completions_are_current(shell: str, name: str) -> None:
    committed = (ROOT / "completions" / name).read_text(encoding="utf-8")
    assert committed == script(shell), "run `make completions` and commit completions/"


@pytest.mark.parametrize("args", [["--version"], ["get", "--nope"], ["get"]])
def test_run_returns_a_plain_int_that_prints_as_a_number(args: list[str]) -> None:
    # An ExitStatus (an IntEnum) prints as `ExitStatus.USAGE` before Python 3.11.
    from baseten_logs.cli.app import run

    status = run(args)
    assert type(status) is int
    assert str(status) == f"{status:d}"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make demo" in readme
    assert "make test" in ci
    assert "scripts/test_pythons.py --ends" in ci  # and the oldest and newest claimed Pythons


def test_readme_documents_every_get_flag() -> None:
    from typer.main import get_command

    from baseten_logs.cli.app import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = get_command(app).commands["get"]  # type: ignore[attr-defined]
    for param in command.params:
        for flag in param.opts:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in readme, f"{flag} is not in README.md"


def test_the_license_is_an_spdx_expression_setuptools_does_not_warn_about() -> None:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    # `license = { text = ... }` made every install print setuptools deprecation boxes
    assert '\nlicense = "MIT"\n' in text and "license = {" not in text
    assert 'requires = ["setuptools>=77"]' in text  # the first to read SPDX expressions


def test_the_library_names_are_offered_from_the_package_and_imported_only_when_asked() -> None:
    """README's Library use imports from `baseten_logs`; `--version` must not pay for it."""
    code = (
        "import sys, baseten_logs\n"
        "print(sorted(m for m in sys.modules if m.startswith('baseten_logs.')))\n"
        "from baseten_logs import fetch_logs, LogQuery, build_filters, logs_path\n"
        "from baseten_logs import resolve_window, request_records\n"
        "from baseten_logs.reading import fetch, query, request\n"
        "assert fetch_logs is fetch.fetch_logs and request_records is request.request_records\n"
        "assert (LogQuery, build_filters, logs_path, resolve_window) == (query.LogQuery,"
        " query.build_filters, query.logs_path, query.resolve_window)\n"
        "assert set(baseten_logs.__all__) >= {'fetch_logs', 'LogQuery', 'request_records'}\n"
        "try:\n"
        "    baseten_logs.no_such_name\n"
        "except AttributeError:\n"
        "    print('ok')\n"
    )
    loaded = "['baseten_logs.base', 'baseten_logs.base.version']"  # two lines, no imports
    assert run_python(code).split("\n")[:2] == [loaded, "ok"]
