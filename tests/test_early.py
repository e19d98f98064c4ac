"""cli/early.py: `--version` and help pages answered before typer, exactly as the app answers.

The stored pages must be typer's own rendering, byte for byte, for every page at every width, in
every colour setting, and must never be used once the source, typer or Python differ from what
they were rendered with. Not run by `make mutate`: mutants/ rewrites the source the pages are
keyed to, and has no scripts/.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from baseten_logs import __version__
from baseten_logs.cli import early, help_pages
from baseten_logs.cli.app import app, run
from tests.test_packaging import console_script_imports

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).with_name("baseten-logs")  # the console script `make install` wrote
SCRIPT = ROOT / "scripts" / "help_pages.py"
WRITE_ERROR = "baseten-logs: error: cannot write to stdout: {}\n"
# Every width that can give a different page, and two past the widest.
ALL_COLUMNS = [*range(1, 102), 150, 1000]


def _page_argv(name: str, flag: str = "--help") -> list[str]:
    return [name, flag] if name else [flag]


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["get", "--help"], ["models", "-h"]])
def test_help_pages_are_answered_before_typer_is_imported(args: list[str]) -> None:
    assert console_script_imports(args)[-1] == "LOADED [] 0"


def test_the_stored_pages_are_current() -> None:
    """Rendered from this source, this typer and this Python: else run scripts/help_pages.py."""
    if os.environ.get("BASETEN_LOGS_UPDATE_SNAPSHOTS") == "1":
        subprocess.run([sys.executable, str(SCRIPT)], check=True, timeout=300)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def command() -> Any:
    return typer.main.get_command(app)


@contextlib.contextmanager
def _columns(value: str | None) -> Iterator[None]:
    saved = os.environ.get("COLUMNS")
    if value is None:
        os.environ.pop("COLUMNS", None)
    else:
        os.environ["COLUMNS"] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def _typer_page(command: Any, argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        command.main(argv, prog_name="baseten-logs", standalone_mode=False)
    return out.getvalue()


def test_every_page_at_every_width_is_typers_own(command: Any) -> None:
    names = ["", *command.commands]
    assert sorted(names) == sorted(help_pages.PAGES)  # every command has its page
    for name in names:
        for columns in ALL_COLUMNS:
            with _columns(str(columns)):
                expected = _typer_page(command, _page_argv(name))
                assert early.help_page(_page_argv(name)) == expected, (name, columns)
                assert early.help_page(_page_argv(name, "-h")) == expected, (name, columns)


@pytest.mark.parametrize("columns", ["40", "80", "123"])
def test_the_pages_are_what_run_prints(
    columns: str, capsys: pytest.CaptureFixture[str], command: Any
) -> None:
    """The app's whole path (run(): typer building the app, click's echo), not typer's alone."""
    with _columns(columns):
        for name in ["", *command.commands]:
            assert run(_page_argv(name)) == 0
            assert capsys.readouterr().out == early.help_page(_page_argv(name)), name


@pytest.mark.parametrize(
    "colour",
    [
        {"NO_COLOR": "1"},
        {"FORCE_COLOR": "1"},
        {"TERM": "dumb"},
        {"TTY_COMPATIBLE": "1"},
        {"TYPER_USE_RICH": "0"},
        {"BASETEN_API_KEY": "k" * 20, "BASETEN_API_URL": "http://127.0.0.1:9", "LINES": "3"},
        {},
    ],
)
def test_typers_pages_have_no_colour_to_follow(
    colour: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The app's help is plain click text (rich_markup_mode=None): no colour setting, and no
    other setting the app reads, changes a byte of it, so one stored page per width serves all."""
    for name, value in colour.items():
        monkeypatch.setenv(name, value)
    with _columns("80"):
        for argv in (["--help"], ["get", "--help"], ["stats", "--help"]):
            assert run(argv) == 0
            assert capsys.readouterr().out == early.help_page(argv)


def _in_a_terminal(command: list[str], columns: int) -> tuple[int, bytes]:
    """`command` with stdout on a terminal of `columns` columns (COLUMNS unset)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    try:
        done = subprocess.run(command, stdout=follower, env=env, timeout=60)
        os.close(follower)
        chunks = []
        with contextlib.suppress(OSError):  # EIO once the terminal is drained
            while chunk := os.read(leader, 65536):
                chunks.append(chunk)
    finally:
        os.close(leader)
    return done.returncode, b"".join(chunks)


@pytest.mark.parametrize("columns", [57, 91])
def test_a_terminal_s_own_width_gives_the_app_s_page(columns: int) -> None:
    app_argv = (
        "import sys\nfrom baseten_logs.__main__ import run_app\nsys.exit(run_app(sys.argv[1:]))"
    )
    for args in (["--help"], ["get", "--help"]):
        shown = _in_a_terminal([str(CLI), *args], columns)
        assert shown == _in_a_terminal([sys.executable, "-c", app_argv, *args], columns)
        assert shown[0] == 0 and shown[1].startswith(b"Usage: baseten-logs")


@pytest.mark.parametrize(
    "value", [None, "", "0", "-5", "abc", " 90 ", "+70", "1_00", "3", "250", "4.5"]
)
def test_the_columns_are_those_shutil_finds(value: str | None) -> None:
    with _columns(value):
        assert early.terminal_columns() == shutil.get_terminal_size().columns


def test_pages_are_not_used_once_source_typer_or_python_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _columns("80"):
        assert early.help_page(["--help"]) is not None
        for path, (size, crc) in help_pages.SOURCES.items():
            changed = {**help_pages.SOURCES, path: (size, crc ^ 1)}
            monkeypatch.setattr(help_pages, "SOURCES", changed)
            assert early.help_page(["--help"]) is None, path
            monkeypatch.setattr(help_pages, "SOURCES", {**changed, path: (size + 1, crc)})
            assert early.help_page(["--help"]) is None, path
        monkeypatch.undo()
        assert "typer/__init__.py" in help_pages.SOURCES
        assert "baseten_logs/cli/app.py" in help_pages.SOURCES
        monkeypatch.setattr(help_pages, "PYTHONS", ("2.7", "3.99"))
        assert early.help_page(["--help"]) is None


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--version"],
        ["--help", "get"],
        ["get", "--help", "m"],
        ["get", "m", "--help"],
        ["gett", "--help"],
        ["--team", "--help"],
        ["get", "--HELP"],
    ],
)
def test_only_the_two_shapes_of_a_help_request_are_answered(argv: list[str]) -> None:
    assert early.help_page(argv) is None


def test_a_shell_completing_is_left_to_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_BASETEN_LOGS_COMPLETE", "complete_bash")
    assert early.help_page(["--help"]) is None


def _stdout_run(command: list[str], stdout: str) -> tuple[int, bytes, str]:
    """`command` with stdout a pipe, /dev/full, closed (`>&-`), or a pipe whose reader is gone:
    its status, what reached stdout, and stderr."""
    if stdout == "closed":
        command = ["bash", "-c", 'exec "$@" >&-', "bash", *command]
    read, write = os.pipe()
    if stdout == "gone":
        os.close(read)
    with open("/dev/full", "wb") as full:
        target = full if stdout == "full" else write
        try:
            done = subprocess.run(
                command, stdout=target, stderr=subprocess.PIPE, text=True, timeout=60
            )
        finally:
            os.close(write)
    if stdout != "pipe":
        return done.returncode, b"", done.stderr
    with os.fdopen(read, "rb") as shown:
        return done.returncode, shown.read(), done.stderr


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["get", "-h"]])
@pytest.mark.parametrize(
    ("stdout", "status", "stderr"),
    [
        ("pipe", 0, ""),
        ("full", 74, WRITE_ERROR.format("No space left on device")),
        ("closed", 74, WRITE_ERROR.format("Bad file descriptor")),
        ("gone", 1, ""),  # click's quiet end for a reader that went away
    ],
)
def test_an_early_answer_ends_as_the_app_would(
    args: list[str], stdout: str, status: int, stderr: str
) -> None:
    """The same bytes, status and message as the app's own answer, whatever stdout is."""
    app_argv = (
        "import sys\nfrom baseten_logs.__main__ import run_app\nsys.exit(run_app(sys.argv[1:]))"
    )
    early_run = _stdout_run([str(CLI), *args], stdout)
    assert early_run == _stdout_run([sys.executable, "-c", app_argv, *args], stdout)
    assert early_run[0] == status and early_run[2] == stderr
    if stdout == "pipe":
        assert early_run[1].startswith(b"Usage: " if "-h" in args[-1] else b"baseten-logs ")


def test_the_early_version_is_the_app_s(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == early.VERSION_LINE == f"baseten-logs {__version__}\n"


def test_a_stdout_in_another_encoding_is_left_to_the_app() -> None:
    done = subprocess.run(
        [str(CLI), "--version"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-16"},
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.decode("utf-16") == early.VERSION_LINE


def test_ctrl_c_while_answering_early_ends_as_the_app_s_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import baseten_logs.__main__ as entry

    def interrupted(argv: list[str]) -> str | None:
        raise KeyboardInterrupt

    monkeypatch.setattr(entry, "help_page", interrupted)
    monkeypatch.setattr(sys, "argv", ["baseten-logs", "--help"])
    with pytest.raises(SystemExit) as ended:
        entry.main()
    assert ended.value.code == 130
