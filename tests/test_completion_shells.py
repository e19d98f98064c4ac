"""Completion of hostile names in real shells, through every script a user can get: the one
`--install-completion SHELL` installs (loaded by the shell's own start-up files), and the one
`--show-completion SHELL` prints, which is the committed copy under completions/.

A hostile server lists models named like code (`llama$(touch M)`, backticks, `;`, quotes, a
newline, zsh's `:` separator, a space); `baseten-logs models` keeps them for completion. Then a
real interactive shell, on a pseudo-terminal, types `baseten-logs get <first letter><Tab><Enter>`
with `baseten-logs` a function that records the words it was given: each name must arrive as
one literal word (or, where a shell's line protocol cannot carry it, not be offered), and the
marker file must never exist. PowerShell cannot be installed from the package registries this
project reaches; its words are checked by PowerShell's quoting rules in test_completion_quoting.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).with_name("baseten-logs")
KEY = "test-key-0123456789abcdef"


def hostile_names(marker: Path) -> list[str]:
    """Each starts with its own letter, so that one Tab completes it alone."""
    return [
        f"llama$(touch {marker})",
        f"b`touch {marker}`",
        f"c;touch {marker}",
        "d'quoted\"",
        "e:v2",  # zsh's _describe splits "value:description" at a colon
        "g h",
        f"n\ntouch {marker}",
    ]


class HostileModels(BaseHTTPRequestHandler):
    names: list[str] = []

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/v1/models":
            models = [{"id": f"m{i:06d}", "name": name} for i, name in enumerate(self.names)]
            self._answer(200, {"models": models})
        else:
            self._answer(404, {"error": "not found"})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Setup:
    env: dict[str, str]
    names: list[str]
    marker: Path
    home: Path


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Setup]:
    """A hostile server's model names in the completion cache, as `baseten-logs models` left
    them, and an environment in which the shells find the installed program."""
    marker = tmp_path / "PWNED"
    names = hostile_names(marker)
    handler = type("Handler", (HostileModels,), {"names": names})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = tmp_path / "home"  # the hermetic fixture's HOME
    env = {
        "PATH": f"{CLI.parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "TERM": "xterm",
        "LANG": "C.UTF-8",
        "BASETEN_API_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "BASETEN_API_KEY": KEY,
    }
    try:
        listed = run_cli(env, "models", "-o", "jsonl")
        assert listed.returncode == 0, listed.stderr
        assert sorted(json.loads(line)["name"] for line in listed.stdout.splitlines()) == sorted(
            names
        )
        yield Setup(env, names, marker, home)
    finally:
        server.shutdown()
        server.server_close()


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


# --- driving an interactive shell ---------------------------------------------------------------


RECORDER = "import json, sys; print(json.dumps(sys.argv[1:]))"


def recorder(shell: str, record: Path) -> str:
    """A line defining `baseten-logs` as a function that appends its words, as JSON, to
    `record`: what Enter would have run, with nothing run (completion calls the program)."""
    python = f"'{sys.executable}' -c '{RECORDER}'"
    if shell == "fish":
        # Autosuggestions would run completion on every key typed: slow, and not what's tested.
        quiet = "set -g fish_autosuggestion_enabled 0"
        return f"{quiet}; function baseten-logs; {python} $argv >> '{record}'; end"
    return f"baseten-logs() {{ {python} \"$@\" >> '{record}'; }}"


def _own_terminal() -> None:
    """In the child: a session of its own, the pseudo-terminal (its stdin) as its terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def drive(
    argv: list[str],
    setup: list[str],
    lines: list[str],
    env: dict[str, str],
    cwd: Path,
    record: Path,
) -> list[list[str]]:
    """Run an interactive shell on a pseudo-terminal, type `setup` then each of `lines` (each
    ends with Enter and runs the recorder once), and return the recorded words of each run."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        argv,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=cwd,
        preexec_fn=_own_terminal,
    )
    os.close(follower)
    screen = bytearray()

    def read_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([leader], [], [], min(left, 0.05))
            if ready:
                try:
                    screen.extend(os.read(leader, 65536))
                except OSError:
                    return

    def recorded() -> list[list[str]]:
        text = record.read_text(encoding="utf-8") if record.exists() else ""
        return [json.loads(line) for line in text.splitlines()]

    try:
        read_for(0.2)
        for line in setup:
            os.write(leader, line.encode() + b"\r")
            read_for(0.05)
        for done, line in enumerate(lines, start=1):
            os.write(leader, line.encode())
            deadline = time.monotonic() + 30
            while len(recorded()) < done and time.monotonic() < deadline:
                read_for(0.1)
            assert len(recorded()) == done, (
                f"{line!r} ran nothing: {screen.decode(errors='replace')[-3000:]}"
            )
        os.write(leader, b"exit\r")
        read_for(0.2)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        os.close(leader)
    return recorded()


def typed(names: list[str]) -> list[str]:
    """`get`, the name's first letter (its second for `llama`), Tab, Enter."""
    return [
        f"baseten-logs get {name[:2] if name.startswith('ll') else name[0]}\t\r" for name in names
    ]


def expected(names: list[str], offered: bool) -> list[list[str]]:
    """The words `get` receives: each name whole; the one with a newline too where the shell
    can be given it (bash), else only the letter typed (no candidate is offered)."""
    return [["get", name] if "\n" not in name or offered else ["get", name[0]] for name in names]


SHELL_ARGV = {
    "bash": ["bash", "--noprofile", "-i"],
    "zsh": ["zsh", "-i"],
    "fish": ["fish", "-i"],
}


def need(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (.ci/run installs it)")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_installed_completion_inserts_hostile_names_as_literal_words(
    shell: str, hostile: Setup, tmp_path: Path
) -> None:
    need(shell)
    installed = run_cli(hostile.env, "--install-completion", shell)
    assert installed.returncode == 0 and "completion installed in" in installed.stdout
    record = tmp_path / "record.jsonl"
    empty = tmp_path / "cwd"
    empty.mkdir()
    if shell == "fish":  # not a first run, which would index every man page meanwhile
        variables = hostile.home / ".config" / "fish" / "fish_variables"
        variables.write_text("# VERSION: 3.0\nSETUVAR __fish_initialized:3400\n")
    # The shell's own start-up files load what was installed.
    words = drive(
        SHELL_ARGV[shell],
        [recorder(shell, record)],
        typed(hostile.names),
        hostile.env,
        empty,
        record,
    )
    assert words == expected(hostile.names, offered=shell == "bash")
    assert not hostile.marker.exists()


COMMITTED_LOAD = {
    "bash": ["source '{script}'"],
    "zsh": ["fpath=('{folder}' $fpath)", "autoload -Uz compinit", "compinit -u -D"],
    "fish": ["source '{script}'"],
}
NO_STARTUP = {
    "bash": ["bash", "--noprofile", "--norc", "-i"],
    "zsh": ["zsh", "-f", "-i"],
    "fish": ["fish", "--no-config", "-i"],
}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shown_and_committed_completion_inserts_hostile_names_as_literal_words(
    shell: str, hostile: Setup, tmp_path: Path
) -> None:
    need(shell)
    from baseten_logs.completion.completion_scripts import SHELLS

    shown = run_cli(hostile.env, "--show-completion", shell)
    committed = ROOT / "completions" / SHELLS[shell]
    assert shown.returncode == 0 and shown.stdout == committed.read_text(encoding="utf-8")
    record = tmp_path / "record.jsonl"
    empty = tmp_path / "cwd"
    empty.mkdir()
    load = [
        line.format(script=committed, folder=committed.parent) for line in COMMITTED_LOAD[shell]
    ]
    words = drive(
        NO_STARTUP[shell],
        [*load, recorder(shell, record)],
        typed(hostile.names),
        hostile.env,
        empty,
        record,
    )
    assert words == expected(hostile.names, offered=shell == "bash")
    assert not hostile.marker.exists()
