"""The one place that decides whether output goes to a terminal and whether it gets colour.

Stdlib only: the decision is made before anything imports rich, so that piped output never pays
for importing it. The rules follow rich's own (rich 13-15 `Console.is_terminal`,
`_detect_color_system` and `no_color`), so text rendered by our fast path and anything rich draws
in the same run agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, TextIO

from baseten_logs.output.layout import Layout, LayoutFlags, choose_layout

__all__ = [
    "ColorMode",
    "is_terminal",
    "screen_layout",
    "shows_fetch_progress",
    "shows_progress",
    "stream_width",
    "terminal_width",
    "use_color",
]

ColorMode = Literal["auto", "always", "never"]

_DUMB_TERMS = frozenset({"dumb", "unknown"})


def is_terminal(stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether `stream` is an interactive terminal (honouring the `TTY_COMPATIBLE` override).

    Unlike rich, `FORCE_COLOR` does not make a pipe a terminal here: it asks for colour, not for
    spinners or a pager, so it is weighed in `use_color` only.
    """
    # TTY_COMPATIBLE=1/0 says what the device is when isatty cannot tell (a CI log viewer that
    # renders ANSI, a pseudo-terminal that does not). Any other value means: detect.
    override = env.get("TTY_COMPATIBLE", "")
    if override == "1":
        return True
    if override == "0":
        return False
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except ValueError:  # a closed stream (e.g. at interpreter shutdown) is no terminal
        return False


def shows_progress(stdout: TextIO, stderr: TextIO, env: Mapping[str, str]) -> bool:
    """Whether status and progress lines belong on stderr: only when stdout is the same terminal.

    With stdout piped (`-f -o jsonl | jq`), what reads the pipe writes to the terminal too, and a
    rewritten status line would be interleaved with its lines.
    """
    return is_terminal(stderr, env) and is_terminal(stdout, env)


def shows_fetch_progress(stdout: TextIO, stderr: TextIO, env: Mapping[str, str]) -> bool:
    """Whether a fetch's progress line belongs on stderr: as for `shows_progress`, and also when
    stdout is a file (`--all > file`, `> /dev/null`) while stderr is a terminal: then nothing
    else writes to the terminal, and a long fetch would otherwise be a blank screen."""
    if not is_terminal(stderr, env):
        return False
    return is_terminal(stdout, env) or _is_file(stdout)


def _is_file(stream: TextIO) -> bool:
    """A regular file or a device such as /dev/null: not a pipe whose reader shares the screen."""
    import stat

    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's buffer), or closed
        return False
    return stat.S_ISREG(mode) or stat.S_ISCHR(mode)


def use_color(mode: ColorMode, stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether to write ANSI colour codes to `stream`.

    Precedence, first match wins:
      1. `--color always` / `--color never` (the flag beats every environment variable).
      2. `TERM` is `dumb` or `unknown`: no codes (rich then renders no escape codes at all, even
         with FORCE_COLOR set).
      3. `NO_COLOR` non-empty: no colour (https://no-color.org; rich keeps bold/dim then, we drop
         every code since a dim timestamp alone is not worth escape sequences in the output).
      4. `TTY_COMPATIBLE=0`: no colour; `TTY_COMPATIBLE=1`: colour (rich checks it before
         FORCE_COLOR too).
      5. `FORCE_COLOR` non-empty, whatever its value, even "0": colour (https://force-color.org).
         An empty FORCE_COLOR counts as unset (rich would read it as "not a terminal").
      6. `GITHUB_ACTIONS=true`: colour, since the Actions log viewer renders ANSI although the
         job's stdout is a pipe (rich has no such rule: it is ours).
      7. Otherwise: colour exactly when the stream is a terminal (`isatty()`).
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    if env.get("TERM", "").strip().lower() in _DUMB_TERMS:
        return False
    if env.get("NO_COLOR", ""):
        return False
    override = env.get("TTY_COMPATIBLE", "")
    if override in ("0", "1"):
        return override == "1"
    if env.get("FORCE_COLOR", ""):
        return True
    if env.get("GITHUB_ACTIONS", "") == "true":
        return True
    return is_terminal(stream, env)


def _columns(env: Mapping[str, str]) -> int | None:
    """`COLUMNS` when it is a positive whole number in ASCII digits, else None. (str.isdigit
    takes "٣" and "³" too, and int() reads the first as 3: a width nobody meant.)"""
    columns = env.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None


def terminal_width(default: int = 100, *, env: Mapping[str, str] | None = None) -> int:
    """Columns of the terminal: `COLUMNS` if set, else the terminal's size, else `default`.

    `env` is for tests; it defaults to the process environment.
    """
    environ = os.environ if env is None else env
    if (columns := _columns(environ)) is not None:
        return columns
    # stdout first, then stderr: one of them is usually still the terminal when the other is piped.
    for fd in (1, 2):
        try:
            size = os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
        if size > 0:
            return size
    return default


def screen_layout(flags: LayoutFlags | None, stream: TextIO, env: Mapping[str, str]) -> Layout:
    """How lines are laid out on `stream`: the flags, and for what they leave open the terminal
    (is it one, how wide is it)."""
    terminal = is_terminal(stream, env)
    return choose_layout(flags, terminal=terminal, width=stream_width(stream, env))


def stream_width(stream: TextIO, env: Mapping[str, str]) -> int | None:
    """Columns of the terminal `stream` writes to: `COLUMNS` if set, else that terminal's own
    size; None when unknown (a log viewer that says it is a terminal, TTY_COMPATIBLE=1, has no
    width: lines are then left whole rather than fitted to a guess). Unlike terminal_width,
    another stream's terminal is not asked: stdout's lines are fitted to stdout only."""
    if (columns := _columns(env)) is not None:
        return columns
    try:
        size = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None
    return size if size > 0 else None
