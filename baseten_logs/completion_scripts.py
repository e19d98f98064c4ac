"""Writes the shell completion scripts committed under completions/ (`make completions`).

The scripts only call back into `baseten-logs` (Typer's completion protocol), so they change
when the program's name or the protocol does; a test fails when the committed copies are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from typer._completion_shared import get_completion_script  # typer's own script templates

PROG = "baseten-logs"
COMPLETE_VAR = "_BASETEN_LOGS_COMPLETE"
SHELLS = {"bash": "baseten-logs.bash", "zsh": "_baseten-logs", "fish": "baseten-logs.fish"}


def script(shell: str) -> str:
    text = get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)
    return text.strip() + "\n"


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for shell, name in SHELLS.items():
        path = folder / name
        path.write_text(script(shell), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "completions")):
        print(path)
