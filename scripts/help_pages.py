"""Render every help page with typer, at every terminal width, into baseten_logs/cli/help_pages.py.

cli/early.py prints these pages without importing typer, and only on a Python the package claims
(`make test-all` holds the pages equal to typer's on each) while typer and every source file
recorded here are unchanged. Run it after changing any module the app imports (a command, a flag,
its help, or anything else in them): tests/test_early.py fails until then (and runs this first
under `BASETEN_LOGS_UPDATE_SNAPSHOTS=1`), and the app renders the pages itself meanwhile.

    make help-pages          (.venv/bin/python scripts/help_pages.py [--check])

It runs in a process of its own: the source files recorded are the modules building the app
imports, and nothing else.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import os
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "baseten_logs" / "cli" / "help_pages.py"
# Columns 1 to WIDEST: click wraps help to min(columns, the app's max_content_width) - 2, at
# least 50, so every width past the app's maximum gives the widest page (the test checks wider).
WIDEST = 101
SEPARATOR = b"\0"
CHUNK = 88  # characters of base64 a line
DOCSTRING = "typer's help pages, rendered by scripts/help_pages.py for cli/early.py: do not edit."


def render(command: object, args: list[str], columns: int) -> str:
    """What `baseten-logs ARGS` prints on stdout in a terminal of `columns` columns."""
    os.environ["COLUMNS"] = str(columns)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        command.main(args, prog_name="baseten-logs", standalone_mode=False)  # type: ignore[attr-defined]
    return out.getvalue()


def page_blob(command: object, args: list[str]) -> bytes:
    """One page at every width: the widths' page numbers, then the distinct pages, compressed."""
    texts = [render(command, args, columns) for columns in range(1, WIDEST + 1)]
    distinct = list(dict.fromkeys(texts))
    for text in distinct:
        if not text.isascii() or "\0" in text:
            raise SystemExit(f"{args}: a page must be ASCII without NUL (cli/early.py)")
    index = " ".join(str(distinct.index(text)) for text in texts).encode()
    return zlib.compress(SEPARATOR.join([index, *(t.encode() for t in distinct)]), 9)


def module_text() -> str:
    import typer
    import typer.main
    from test_pythons import claimed_versions

    from baseten_logs.cli.app import app

    pythons = claimed_versions((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    if f"{sys.version_info[0]}.{sys.version_info[1]}" not in pythons:
        raise SystemExit(f"render the pages on a Python the package claims: {pythons}")

    saved = os.environ.get("COLUMNS")
    command = typer.main.get_command(app)
    names = ["", *command.commands]  # type: ignore[attr-defined]
    try:
        pages = {
            name: page_blob(command, [name, "--help"] if name else ["--help"]) for name in names
        }
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    sources = {}
    for name in sorted(sys.modules):
        path = getattr(sys.modules[name], "__file__", None)
        if name.split(".")[0] == "baseten_logs" and path:
            sources[Path(path).resolve().relative_to(ROOT).as_posix()] = Path(path).read_bytes()
    sources["typer/__init__.py"] = Path(typer.__file__ or "").read_bytes()
    lines = [
        f'"""{DOCSTRING}"""',
        "",
        "# The Pythons claimed (pyproject.toml): `make test-all` checks the pages on each of them.",
        "PYTHONS = (" + ", ".join(f'"{python}"' for python in pythons) + ")",
        "# Each file's size and CRC-32, as the pages were rendered.",
        "SOURCES = {",
        *(f'    "{path}": ({len(data)}, {zlib.crc32(data)}),' for path, data in sources.items()),
        "}",
        "# Each page, compressed: the page number of each width, then the distinct pages.",
        "PAGES = {",
    ]
    for name, blob in pages.items():
        text = base64.b64encode(blob).decode()
        lines.append(f'    "{name}": (')
        lines += [f'        "{text[i : i + CHUNK]}"' for i in range(0, len(text), CHUNK)]
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the pages are stale")
    args = parser.parse_args()
    text = module_text()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run `make help-pages`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
