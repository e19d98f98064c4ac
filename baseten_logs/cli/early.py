"""`--version` and `--help` answered before typer is imported, where the answer is certain.

Importing typer and building the app's commands take most of a start-up: about 50 and 15 ms of
CPU here, against 9 ms for Python itself in a regular install. A version check or a help page
should cost little more than Python, so `baseten-logs --version` and the help pages are written
from here, and everything else (and anything here that is not certain) goes to the app.

The help pages are typer's own rendering, stored by scripts/help_pages.py in help_pages.py for
every terminal width that gives a different page. They are used only while they cannot be stale:
on a Python the package claims (`make test-all` checks them on each), with the same typer and the
same source of every module the app's construction imports (compared, file by file, with what the
pages were rendered from); on any difference the app renders the page itself.
tests/test_early.py holds them byte-identical to typer's pages at every width.
"""

import os
import sys

from baseten_logs.base.version import __version__

# What the app's own `--version` prints (cli/app.py); tests/test_early.py holds them equal.
VERSION_LINE = f"baseten-logs {__version__}\n"
HELP_FLAGS = ("--help", "-h")
PAGE_SEPARATOR = b"\0"


def write_plain(text: str) -> bool:
    """Write `text` (ASCII) to stdout as the app's text stream would; False when that is not
    certain or the write failed (a closed stdout, a full disk, a reader gone): the app then does
    it, and reports a failure as it reports any write error.

    Written straight to the descriptor, unbuffered: a failed attempt leaves nothing in sys.stdout's
    buffer that the app's own attempt, or the exit's flush, would write again."""
    stream = sys.stdout
    if os.name != "posix" or stream is None:  # newlines translated; a closed stdout's stand-in
        return False
    try:
        data = text.encode(stream.encoding)
        if data != text.encode("ascii"):  # a stdout in UTF-16, say: the app's own stream
            return False
        fd = stream.fileno()
        while data:
            data = data[os.write(fd, data) :]
    except (OSError, ValueError, AttributeError, LookupError):  # no descriptor, closed, refused
        return False
    return True


def help_page(argv: list[str]) -> str | None:
    """The help page typer would print for `argv` (`--help`, `get --help`, `-h`...), or None
    when `argv` asks something else or the stored page might differ from typer's."""
    name = _page_name(argv)
    if name is None or os.environ.get("_BASETEN_LOGS_COMPLETE"):  # a shell completing (app.py)
        return None
    columns = terminal_columns()
    if columns is None:
        return None
    from baseten_logs.cli import help_pages

    stored = help_pages.PAGES.get(name)
    if stored is None or not _current(help_pages.PYTHONS, help_pages.SOURCES):
        return None
    import zlib
    from binascii import a2b_base64

    index, *pages = zlib.decompress(a2b_base64(stored)).split(PAGE_SEPARATOR)
    widths = index.split()
    return pages[int(widths[min(columns, len(widths)) - 1])].decode("ascii")


def _page_name(argv: list[str]) -> str | None:
    """The page `argv` asks for: "" for the app's, a command's name for the command's, None when
    `argv` is not a help request of these two shapes (the app answers every other)."""
    if len(argv) == 1 and argv[0] in HELP_FLAGS:
        return ""
    if len(argv) == 2 and argv[1] in HELP_FLAGS and not argv[0].startswith("-"):
        return argv[0]
    return None


def terminal_columns() -> int | None:
    """The columns click wraps help to, found as `shutil.get_terminal_size()` finds them (COLUMNS,
    else stdout's terminal, else 80) without importing shutil (9 ms: bz2, lzma, re). None for a
    terminal that reports 0 columns, which Python versions answer differently."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    stdout = sys.__stdout__
    if stdout is None:  # no stdout at all
        return 80
    try:
        columns = os.get_terminal_size(stdout.fileno()).columns
    except (AttributeError, ValueError, OSError):  # not a terminal, closed, detached
        return 80
    return columns if columns > 0 else None


def _current(pythons: tuple[str, ...], sources: dict[str, tuple[int, int]]) -> bool:
    """Whether this Python is one the pages were checked on, and typer and our source are those
    the pages were rendered from:
    `sources` maps each file (relative to the package's parent, or typer's `__init__.py`, which
    holds its version) to its size and CRC-32."""
    import zlib

    if f"{sys.version_info[0]}.{sys.version_info[1]}" not in pythons:
        return False
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    for name, (size, crc) in sources.items():
        path = _typer_init() if name == "typer/__init__.py" else package_parent + "/" + name
        try:
            with open(path or "", "rb") as file:
                data = file.read()
        except OSError:
            return False
        if len(data) != size or zlib.crc32(data) != crc:
            return False
    return True


def _typer_init() -> str | None:
    """typer's `__init__.py` where `import typer` would find it: the first on sys.path."""
    for entry in sys.path:
        path = os.path.join(entry or ".", "typer", "__init__.py")
        if os.path.isfile(path):
            return path
    return None
