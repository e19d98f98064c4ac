"""Start-up: `--version`, `--help` and `get --help`, each timed in pairs with `python -c pass`.

A command and `python -c pass` of the same interpreter run in turn (A B A B ...), and the ratio is
taken pair by pair, so a machine whose speed drifts (two cores shared with other work) moves both
halves of a pair alike; the median of the ratios is the figure. Wall time is what a user waits
for and carries the target; CPU time (user + system, from wait4) is printed beside it as the
steadier of the two.

Two installs are measured, because the yardstick itself differs between them:
  - this venv, an editable install (`make install`): its .pth import hook runs in every Python
    start here, `python -c pass` included, which makes the yardstick slower and the ratios lower;
  - a regular install: a throw-away venv that finds this package and its dependencies by plain
    .pth path entries, without the hook, as a wheel install would.
With --baseline REV the package as it was at REV (git archive) is measured as a third install, a
regular one, in the same run.

    .venv/bin/python benchmarks/startup_bench.py [--runs N] [--baseline REV]

Bytecode is compiled first and PYTHONDONTWRITEBYTECODE unset in the children, as in an install.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import CLI, PACKAGE_DIR, child_env, compile_bytecode, table, verdict

TARGET = 5.0  # times `python -c pass` of the same install (issue #28)
RUNS = 20
QUICK_RUNS = 7
COMMANDS: dict[str, list[str]] = {
    "--version": ["--version"],
    "--help": ["--help"],
    "get --help": ["get", "--help"],
    # Every flag of `get` parsed, then refused before any request: what each `get` costs
    # before its first request (no target).
    "get M D -o bad": ["get", "M", "D", "-o", "bad"],
}
NO_TARGET = {"get M D -o bad"}
HEAVY = ("typer", "httpx", "rich", "pydantic")

# What pip writes as the console script (pyproject's [project.scripts]).
CONSOLE_SCRIPT = """#!{python}
import sys
from baseten_logs.__main__ import main
if __name__ == '__main__':
    sys.argv[0] = sys.argv[0].removesuffix('.exe')
    sys.exit(main())
"""


@dataclass(frozen=True)
class Install:
    name: str
    python: Path
    cli: Path


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float


def timed(argv: Sequence[str], env: dict[str, str]) -> Timing:
    """One run of `argv`, output thrown away: its wall time and its own CPU time (wait4)."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], list(argv), env, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 2):  # 2: the refused `-o bad`
        raise RuntimeError(f"{' '.join(argv)} exited {os.waitstatus_to_exitcode(status)}")
    return Timing(wall, usage.ru_utime + usage.ru_stime)


def measure(install: Install, runs: int, env: dict[str, str]) -> list[list[object]]:
    """A table's rows: each command against `python -c pass` of the same install, in pairs."""
    yardstick = [str(install.python), "-c", "pass"]
    rows: list[list[object]] = []
    for name, args in COMMANDS.items():
        command = [str(install.cli), *args]
        timed(command, env), timed(yardstick, env)  # warm the OS file cache
        pairs = [(timed(command, env), timed(yardstick, env)) for _ in range(runs)]
        wall = statistics.median(a.wall_s / b.wall_s for a, b in pairs)
        cpu = statistics.median(a.cpu_s / max(b.cpu_s, 1e-4) for a, b in pairs)
        rows.append(
            [
                f"baseten-logs {name}",
                f"{statistics.median(a.wall_s for a, _ in pairs) * 1000:.1f}",
                f"{statistics.median(b.wall_s for _, b in pairs) * 1000:.1f}",
                f"{wall:.2f}x",
                f"{cpu:.2f}x",
                "" if name in NO_TARGET else f"< {TARGET:.0f}x",
                "" if name in NO_TARGET else verdict(wall < TARGET),
            ]
        )
    return rows


def site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def regular_install(name: str, package_parent: Path, workdir: Path) -> Install:
    """A venv that finds `package_parent`/baseten_logs and this venv's dependencies through
    plain .pth path entries: no editable hook, as after `pip install baseten-logs`."""
    home = workdir / name.replace(" ", "-")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    python = home / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The package first: this venv's own site-packages holds the editable hook's files too,
    # but .pth files are read only in a site directory, and a path entry is not one.
    (Path(purelib) / "baseten_logs_bench.pth").write_text(f"{package_parent}\n{site_packages()}\n")
    cli = home / "bin" / "baseten-logs"
    cli.write_text(CONSOLE_SCRIPT.format(python=python))
    cli.chmod(0o755)
    return Install(name, python, cli)


def baseline_tree(rev: str, workdir: Path) -> Path:
    """The package as it was at `rev`, extracted and compiled; returns the directory holding it."""
    root = PACKAGE_DIR.parent
    tree = workdir / "baseline"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", rev, "baseten_logs"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "baseten_logs")])
    return tree


_MODULES_PROBE = """
import json, sys
heavy_names = json.loads(sys.argv[2])
sys.argv = ["baseten-logs", *json.loads(sys.argv[1])]
from baseten_logs.__main__ import main
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in heavy_names)
sys.stderr.write("MODULES " + json.dumps(sorted({m.split(".")[0] for m in heavy})) + "\\n")
"""


def imported_heavy(args: Sequence[str], env: dict[str, str]) -> list[str]:
    """Which of typer, httpx, rich and pydantic the console script's code imports for `args`."""
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    for line in done.stderr.splitlines():
        if line.startswith("MODULES "):
            return list(json.loads(line.removeprefix("MODULES ")))
    raise RuntimeError(f"module probe for {list(args)} failed: {done.stderr.strip()[:500]}")


def report(*, quick: bool = False, runs: int | None = None, baseline: str | None = None) -> None:
    """Print the start-up tables (and the heavy modules each command imports)."""
    runs = runs or (QUICK_RUNS if quick else RUNS)
    compile_bytecode()
    env = child_env()
    print(
        f"median of {runs} pairs each (the command, then `python -c pass` of the same install), "
        "after one warm-up pair; bytecode compiled, PYTHONDONTWRITEBYTECODE unset; target on wall"
    )
    headers = ["command", "wall ms", "python ms", "wall ratio", "cpu ratio", "target", ""]
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        workdir = Path(tmp)
        installs = [
            Install("this venv (editable install)", Path(sys.executable), CLI),
            regular_install("regular install", PACKAGE_DIR.parent, workdir),
        ]
        if baseline is not None:
            tree = baseline_tree(baseline, workdir)
            installs.append(regular_install(f"baseline {baseline}, regular install", tree, workdir))
        for install in installs:
            print(f"\n{install.name}:\n{table(headers, measure(install, runs, env))}")
    print()
    for args in (["--version"], ["--help"], ["get", "--help"]):
        heavy = imported_heavy(args, env)
        shown = ", ".join(heavy) if heavy else "none"
        print(f"typer/httpx/rich/pydantic imported by `baseten-logs {' '.join(args)}`: {shown}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"pairs per command ({RUNS})")
    parser.add_argument("--baseline", metavar="REV", help="also measure the package at REV")
    args = parser.parse_args(argv)
    report(runs=args.runs, baseline=args.baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
