"""Shared pieces of the benchmarks: running the installed CLI and measuring it, and tables.

Peak memory is the kernel's `ru_maxrss` for the CLI process, from `wait4` in a small helper
process that starts the CLI. Not from this process: on exec, Linux records the memory the
process had *before* exec (a fork or vfork of its parent) in the same maximum, so a CLI started
straight from a benchmark holding an emulator and its lines would "peak" at the benchmark's own
size (measured: a 200 MB parent makes `python -c pass` peak at 211 MB). The helper is a bare
`python -I -S` of about 9 MB, below anything the CLI uses. `resource.getrusage(RUSAGE_CHILDREN)`
is no answer either: it is the maximum over every child ever waited for.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CLI = Path(sys.executable).with_name("baseten-logs")
PACKAGE_DIR = Path(__file__).resolve().parent.parent / "baseten_logs"


def compile_bytecode() -> None:
    """Write the package's .pyc files, as an install would: timings without them are 4-5x off."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(PACKAGE_DIR)],
        check=True,
        env=child_env(),
    )


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for timed children: bytecode allowed, no colour, nothing from a real key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    # Set by this machine's environment; an installed CLI reads and writes .pyc normally.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def emulator_env(url: str, api_key: str) -> dict[str, str]:
    return child_env({"BASETEN_API_URL": url, "BASETEN_API_KEY": api_key})


@dataclass(frozen=True)
class CliRun:
    status: int
    wall_s: float
    peak_rss_mb: float  # ru_maxrss of this child alone, from wait4
    cpu_s: float  # user + system CPU time of the child
    lines: int  # newline count of stdout (-1 when stdout was not read)
    digest: str  # blake2b of stdout ("" when stdout was not read)
    stderr: str


# Runs as `python -I -S -c HELPER INFO_FD PROGRAM ARGS...`: starts the program, reports its pid
# at once and, when it has exited, its status, wall time and rusage, on the INFO_FD pipe.
_HELPER = """
import os, sys, time
info = int(sys.argv[1])
os.set_inheritable(info, False)
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
os.write(info, b"%d\\n" % pid)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
os.write(info, b"%d %r %d %r %r\\n" % (code, wall, usage.ru_maxrss, usage.ru_utime, usage.ru_stime))
"""


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    read_stdout: bool = True,
    timeout_s: float = 900.0,
    on_chunk: Callable[[bytes], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    program: Path = CLI,
) -> CliRun:
    """Run `baseten-logs ARGS`; stdout goes to a pipe read here (counted) or to /dev/null.

    `on_start` gets the CLI's pid; `on_chunk` every piece of stdout as it is read; `program`:
    another build of the CLI to run (a baseline, see rate_bench.baseline_cli).
    """
    info_r, info_w = os.pipe()
    with tempfile.TemporaryFile() as err, os.fdopen(info_r, "rb") as info:
        try:
            helper = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _HELPER, str(info_w), str(program), *args],
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if read_stdout else subprocess.DEVNULL,
                stderr=err,
                pass_fds=(info_w,),
            )
        finally:
            os.close(info_w)
        pid_line = info.readline()
        if not pid_line:
            helper.wait()
            raise RuntimeError(f"could not start {program}")
        pid = int(pid_line)

        def kill() -> None:
            for victim in (pid, helper.pid):
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    pass

        watchdog = threading.Timer(timeout_s, kill)
        watchdog.start()
        lines = -1
        digest = ""
        try:
            if on_start is not None:
                on_start(pid)
            if helper.stdout is not None:
                hasher = hashlib.blake2b(digest_size=16)
                lines = 0
                fd = helper.stdout.fileno()
                while chunk := os.read(fd, 1 << 20):
                    lines += chunk.count(b"\n")
                    hasher.update(chunk)
                    if on_chunk is not None:
                        on_chunk(chunk)
                helper.stdout.close()
                digest = hasher.hexdigest()
            result = info.readline().split()
            helper.wait()
        finally:
            watchdog.cancel()
        if len(result) != 5:
            raise RuntimeError(f"the measuring helper failed (status {helper.returncode})")
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    status, wall, maxrss_kb = int(result[0]), float(result[1]), int(result[2])
    cpu = float(result[3]) + float(result[4])
    return CliRun(status, wall, maxrss_kb / 1024, cpu, lines, digest, stderr)


def vm_rss_mb(pid: int) -> float | None:
    """Current resident memory of a process, from /proc (None once it has gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table: first column left-aligned, the rest right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def fmt_int(value: float) -> str:
    return f"{value:,.0f}"
